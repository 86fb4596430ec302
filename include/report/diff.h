/* diff.h -- what changed between two captures, normalised by total samples */
#ifndef DIFF_H
#define DIFF_H

#include <stdint.h>

#include "core/buf.h"
#include "report/stacks.h"

/*
 * Shares are per cent of each capture's total samples, so a 10 s capture
 * at 100 users compares with a 60 s one at 3000. The movers table is by
 * function ("NAME (FILE)", total time share); the differential flamegraph
 * has B's shape, each frame red when its share of samples grew since A and
 * blue when it shrank, intensity by the size of the change.
 */
struct diff_mover {
	char	*label;		/* "NAME (FILE)", owned */
	double	 a_pct, b_pct;	/* total-time share in A and in B */
	double	 a_own, b_own;	/* own-time share */
};

struct diff {
	struct diff_mover	*movers;	/* sorted by |b_pct - a_pct| desc */
	size_t			 nmovers;
	size_t			 headline;	/* the mover whose own-time share
						   grew most: the hot function */
};
#define DIFF_INIT { NULL, 0, 0 }

/* returns 0 or HS_ENOMEM; both stacks are only read */
int	diff_build(struct diff *d, const struct stacks *a, const struct stacks *b);
void	diff_release(struct diff *d);

/* a text table of the first max movers (0: all) whose change is at least
 * min_pct points, after the headline sentence ("`hash_token` from 2.1 %
 * to 19.8 % of samples between 100 and 3000 users"); la/lb name A and B.
 * Returns 0 or out's error (buf_error()) */
int	diff_write_text(const struct diff *d, struct buf *out, size_t max,
	    double min_pct, const char *la, const char *lb);
/* the one-sentence headline for a mover into dst */
void	diff_sentence(const struct diff_mover *m, const char *la,
	    const char *lb, char *dst, size_t n);

/* the differential flamegraph SVG of B against A (embed: see flame.h) */
int	diff_render(const struct stacks *a, const struct stacks *b,
	    const char *title, int embed, const char *id, struct buf *out);

#endif
