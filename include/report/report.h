/* report.h -- the run report: files in the run directory, report.html, the
 * terminal summary */
#ifndef REPORT_H
#define REPORT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/hs.h"
#include "record/rundata.h"
#include "report/stacks.h"

/*
 * For the archive writer: given a run directory holding plateaus/NNNN/
 * record.raw (and dumps, stuck.txt, ...) and its record (rec: the run's
 * own, borrowed; NULL: read and validate the directory's manifest.json),
 * writes into it
 *   plateaus/NNNN/record.svg, top-table.txt, record.speedscope.json
 *   diffs/AAAA-BBBB.svg (each consecutive pair, and first-last)
 *   report.html (self-contained: no network fetch of any kind)
 * A plateau without record.raw is shown as "no capture"; a raw capture with
 * malformed lines is rendered and the count reported. Returns 0, HS_EUSAGE
 * (no manifest, unknown schema), HS_EIO (unwritable) or HS_ENOMEM, with one
 * line in eb. Files are written to a temporary name then renamed.
 */
int	report_write_dir(const char *rundir, const struct run_record *rec,
	    struct hs_errbuf *eb);
/* the same, every file read through filter (the run's redaction: the dumps
 * report.html embeds are the redacted ones); filter NULL: as is */
int	report_write_dir_filtered(const char *rundir,
	    const struct run_record *rec, const struct rundata_filter *filter,
	    struct hs_errbuf *eb);

/* the same, from an open run: report.html into html_path (NULL: skip),
 * per-plateau files only when outdir is not NULL */
int	report_build(const struct rundata *rd, const char *outdir,
	    const char *html_path, struct hs_errbuf *eb);

/* the terminal summary: per plateau users, latency, errors, hub CPU and
 * memory, top functions (top_n per plateau, sorted by sort: an enum
 * toptable_sort, 0 = OwnTime). Text from the run is not escaped here:
 * print it through cmd_safe_fputs(). */
int	report_summary(const struct rundata *rd, size_t top_n, int sort,
	    struct buf *out, struct hs_errbuf *eb);
/* the summary as JSON (cJSON_Print'd text, a new allocation: free()) */
int	report_summary_json(const struct rundata *rd, size_t top_n, int sort,
	    char **json, struct hs_errbuf *eb);

/* a text diff between plateau ua of a and plateau ub of b (a == b allowed):
 * shares and the biggest movers. HS_EUSAGE when a plateau is missing or has
 * no capture. */
int	report_diff(const struct rundata *a, long ua, const struct rundata *b,
	    long ub, size_t max, struct buf *out, struct hs_errbuf *eb);

/* loads a plateau's capture (record.raw, else record.speedscope.json) */
int	report_load_stacks(const struct rundata *rd,
	    const struct record_plateau *p, struct stacks *s,
	    struct hs_errbuf *eb);

#endif
