/* summary.h -- summary.md: what a person pastes into a bug report */
#ifndef SUMMARY_H
#define SUMMARY_H

#include "core/buf.h"
#include "core/hs.h"
#include "record/record.h"

#define SUMMARY_TOP_LINES	6	/* the header line and the top 5 rows */

/*
 * Appends the markdown summary of a run record to out:
 * versions, target, the profile in one line, a per-plateau table, the top
 * functions of each plateau (the first SUMMARY_TOP_LINES lines of
 * RUNDIR/plateaus/NNNN/top-table.txt when rundir is not NULL and the file
 * exists), capture failures with their fixes and the partial-run notice.
 * Missing fields show as "-". Returns 0, HS_ELIMIT, HS_ENOMEM.
 */
int	 summary_render(const struct run_record *rec, const char *rundir,
	    struct buf *out, struct hs_errbuf *eb);

#endif
