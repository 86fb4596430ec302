/* chart.h -- small hand-made SVG charts: lines against users, bars, timeline */
#ifndef CHART_H
#define CHART_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* NAN in y means "no data" (the point is skipped, never drawn as zero) */
struct chart_series {
	const char	*name;
	const double	*y;
	int		 dashed;
};

struct chart {
	const char	*title;
	const char	*xlabel;	/* "users" */
	const char	*ylabel;	/* "ms", "MiB", ... */
	const double	*x;		/* n x values */
	const char	**xnames;	/* optional category labels (bars) */
	size_t		 n;
	const struct chart_series *series;
	size_t		 nseries;
	int		 bars;		/* 1: grouped bars instead of lines */
	int		 logx;		/* log-scale x (users 10..10000) */
};

/* v rounded up to 1, 2, 2.5 or 5 times a power of ten (an axis's top);
 * 1 for anything not above 0 */
double	chart_nice_ceil(double v);

/* appends an <svg> (width 560, height 300) to out; returns 0 or out's
 * error (buf_error()) */
int	chart_render(const struct chart *c, struct buf *out);

struct chart_span {
	const char	*label;		/* "ramp 100" */
	const char	*kind;		/* phase: picks the colour */
	double		 start, end;	/* seconds since the run started */
};
/* a horizontal timeline of spans, one row per distinct kind; returns 0 or
 * out's error */
int	chart_timeline(const char *title, const struct chart_span *spans,
	    size_t n, struct buf *out);

/*
 * Horizontal stacked bars: one row per bar, each of up to CHART_MAX_PARTS
 * segments laid end to end (a NAN or non-positive value is no segment),
 * coloured by part; tip[k] is segment k's tooltip (NULL: name and value).
 * Used for a plateau's spawn phases beside the hub's own durations.
 */
#define CHART_MAX_PARTS	4
struct chart_bar {
	const char	*label;
	double		 v[CHART_MAX_PARTS];
	const char	*tip[CHART_MAX_PARTS];
};
/* parts[0..nparts) name the segments (the legend); unit labels the axis
 * ("s"); returns 0 or out's error */
int	chart_stacked(const char *title, const char *const *parts,
	    size_t nparts, const struct chart_bar *bars, size_t nbars,
	    const char *unit, struct buf *out);

#endif
