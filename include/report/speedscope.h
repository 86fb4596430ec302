/* speedscope.h -- speedscope JSON (pyspy.md §2.3): read into stacks, write */
#ifndef SPEEDSCOPE_H
#define SPEEDSCOPE_H

#include "core/buf.h"
#include "report/stacks.h"

/*
 * Reading: every profile's samples (outermost first) become stacks; a
 * sample's count is its weight * rate (rounded, at least 1). A profile
 * name "Thread TID \"NAME\"" becomes the pseudo-frame "thread (TID): NAME"
 * on top, as in raw. Samples with a bad frame index are counted as
 * malformed; a document that is not speedscope is HS_EUSAGE.
 */
int	speedscope_read(struct stacks *s, const char *data, size_t len,
	    double rate, struct hs_errbuf *eb);

/*
 * Writing: one sampled profile per thread pseudo-frame (the whole tree
 * when there are none), sorted by name, as py-spy does; each distinct
 * stack is one sample weighted count / rate seconds. HS_ENOMEM, HS_ELIMIT.
 */
int	speedscope_write(const struct stacks *s, double rate, const char *name,
	    struct buf *out);

#endif
