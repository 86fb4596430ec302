/* toptable.h -- py-spy `top` tables computed from a raw capture */
#ifndef TOPTABLE_H
#define TOPTABLE_H

#include <stdint.h>

#include "core/buf.h"
#include "report/stacks.h"

/*
 * pyspy.md §8.7: OwnTime(f) = samples where f is the leaf / rate;
 * TotalTime(f) = samples where f appears anywhere in the stack, counted once
 * per stack (recursion is not double counted) / rate; %Own and %Total are
 * the same sums / ticks. Thread and process pseudo-frames are not rows.
 * Rows are keyed by "NAME (FILE)" (by function, top's default) or by
 * "NAME (FILE:LINE)" (by line).
 */
enum toptable_sort { TOPTABLE_OWN_PCT = 1, TOPTABLE_TOTAL_PCT, TOPTABLE_OWN,
	TOPTABLE_TOTAL };	/* py-spy's keys 1-4; default 3 (OwnTime) */

struct toptable_row {
	const char	*label;		/* points into the stacks' names */
	uint64_t	 own;		/* samples */
	uint64_t	 total;		/* samples */
};

struct toptable {
	struct toptable_row	*rows;
	size_t			 nrows;
	double			 rate;	/* samples per second */
	double			 ticks;	/* denominator of the percentages */
	int			 by_line;
};
#define TOPTABLE_INIT { NULL, 0, 100.0, 0, 0 }

/* computes rows for s (which must outlive t). rate <= 0 means 100 Hz;
 * ticks <= 0 means s->total. Rows come sorted by sort (ties by label).
 * Returns 0 or HS_ENOMEM; release with toptable_release(). */
int	toptable_build(struct toptable *t, const struct stacks *s, int by_line,
	    double rate, double ticks, enum toptable_sort sort);
void	toptable_sort(struct toptable *t, enum toptable_sort sort);
void	toptable_release(struct toptable *t);

/* py-spy's cells: "{:>6.2}%" percentages and seconds with 0/1/2/3 decimals
 * (>=1000, >=100, >=1, below) plus "s" */
void	toptable_fmt_pct(char *dst, size_t n, double pct);
void	toptable_fmt_time(char *dst, size_t n, double seconds);

/* the table as py-spy prints it (header line, then at most max_rows rows,
 * 0 = all); labels are cut at width columns (0 = no cut). Returns 0 or
 * out's error (buf_error()) */
int	toptable_write_text(const struct toptable *t, struct buf *out,
	    size_t max_rows, size_t width);

#endif
