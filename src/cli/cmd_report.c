/* cmd_report.c -- `hubspy report`: a run's summary, report.html and diffs */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "cli/cli_gate.h"
#include "cli/cmd.h"
#include "report/report.h"
#include "report/toptable.h"
#include "run/baseline.h"

static const char *const sort_choices[] = { "own-time", "total-time",
	"own-pct", "total-pct", NULL };

struct report_options {
	const char	*html;
	int		 diff;
	const char	*baseline;
	int		 users;
	int		 json;
	int		 top;
	const char	*sort;
	int		 write;
	struct cli_gate_options gate;
};

#define O(kind, m) OPT_BIND(struct report_options, kind, m)
static const struct opt report_opts[] = {
	{ "html", 0, O(OPT_STR, html), "FILE", 0, 0, NULL,
	  "write the self-contained report (charts, flamegraphs, top tables, "
	  "diffs, dumps) to FILE instead of printing the summary", NULL, 0 },
	{ "diff", 0, O(OPT_FLAG, diff), NULL, 0, 0, NULL,
	  "compare two captures: `--diff A ARCHIVE B` compares the plateaus of "
	  "A and B users of one run; `--diff OLD NEW` (two runs) compares the "
	  "plateaus of --users users, or the largest plateau both runs have",
	  NULL, 0 },
	{ "baseline", 0, O(OPT_STR, baseline), "DIR", 0, 0, NULL,
	  "compare NEW with the baseline of its profile kept in DIR by "
	  "'hubspy run --baseline DIR' (implies --diff)", NULL, 0 },
	{ "users", 0, O(OPT_NUM, users), "N", 1, 1000000, NULL,
	  "with --diff of two runs: the plateau to compare (and to gate)",
	  NULL, 0 },
	{ "json", 0, O(OPT_FLAG, json), NULL, 0, 0, NULL,
	  "print the summary (with --fail-on: the gate) as JSON", NULL, 0 },
	{ "top", 0, O(OPT_NUM, top), "N", 0, 1000, "10",
	  "rows of the top table per plateau (0: none)", NULL, 0 },
	{ "sort", 0, O(OPT_STR, sort), "COLUMN", 0, 0, "own-time",
	  "sort the top tables by own-time, total-time, own-pct or total-pct "
	  "(py-spy top's keys 3, 4, 1, 2)", sort_choices, 0 },
	{ "write", 0, O(OPT_FLAG, write), NULL, 0, 0, NULL,
	  "ARCHIVE is a run directory: (re)write report.html, record.svg, "
	  "top-table.txt, record.speedscope.json and diffs/ into it", NULL, 0 },
	OPT_END
};
#undef O

static const struct opt_group report_groups[] = {
	{ report_opts, 0 },
	CLI_GATE_GROUP(struct report_options, gate),
	OPT_GROUP_END
};

static int
is_number(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int
print_buf(struct buf *b)
{
	cmd_safe_fputs(stdout, b->data);
	return 0;
}

/* an archive's files that are not what hubspy wrote: said, not fatal */
static void
warn_changed(const struct rundata *rd)
{
	size_t i;

	if (rd->nchanged == 0)
		return;
	fputs("hubspy: warning: '", stderr);
	cmd_safe_fputs(stderr, rd->where);
	fprintf(stderr, "': %zu file%s changed since hubspy wrote %s: ",
	    rd->nchanged, rd->nchanged == 1 ? "" : "s",
	    rd->nchanged == 1 ? "it" : "them");
	for (i = 0; i < rd->nchanged && i < 5; i++) {
		if (i > 0)
			fputs(", ", stderr);
		cmd_safe_fputs(stderr, rd->changed[i]);
	}
	if (rd->nchanged > 5)
		fprintf(stderr, " and %zu more", rd->nchanged - 5);
	fputc('\n', stderr);
}

/* the largest plateau both runs have */
static long
common_users(const struct rundata *a, const struct rundata *b)
{
	long best = -1;
	size_t i;

	for (i = 0; i < a->nplateaus; i++)
		if (rundata_plateau(b, a->plateaus[i].users) != NULL &&
		    a->plateaus[i].users > best)
			best = a->plateaus[i].users;
	return best;
}

static int
do_diff(struct args *a, struct hs_errbuf *eb)
{
	struct rundata ra = RUNDATA_INIT, rb = RUNDATA_INIT;
	struct buf out = BUF_INIT(64u << 20);
	const struct report_options *o = a->opts;
	const char *errstr = NULL;
	struct gate_bound *gb = NULL;
	const char *da, *db;
	char base[4200];
	long ua, ub;
	int r;

	if (o->baseline == NULL && a->npos == 3 && is_number(a->pos[0]) &&
	    is_number(a->pos[2])) {
		if (o->gate.fail_on.n > 0) {
			r = hs_error(eb, HS_EUSAGE, "--fail-on compares two "
			    "runs: 'hubspy report --diff OLD NEW --fail-on "
			    "EXPR'");
			goto out;
		}
		ua = (long)strtonum(a->pos[0], 0, 1000000, &errstr);
		ub = (long)strtonum(a->pos[2], 0, 1000000, &errstr);
		if (errstr != NULL) {
			r = hs_error(eb, HS_EUSAGE, "--diff: plateau is %s "
			    "(0 to 1000000 users)", errstr);
			goto out;
		}
		if ((r = rundata_open(&ra, a->pos[1], eb)) != 0)
			goto out;
		warn_changed(&ra);
		r = report_diff(&ra, ua, &ra, ub, 25, &out, eb);
		goto print;
	}
	if (o->baseline == NULL && a->npos == 2 && is_number(a->pos[0]) &&
	    access(a->pos[0], F_OK) != 0) {
		r = hs_error(eb, HS_EUSAGE, "--diff %s: give the other "
		    "plateau after the archive: 'hubspy report --diff %s "
		    "ARCHIVE B'", a->pos[0], a->pos[0]);
		goto out;
	}
	if (o->baseline != NULL ? a->npos != 1 : a->npos != 2) {
		r = hs_error(eb, HS_EUSAGE, o->baseline != NULL ?
		    "--baseline: give one run to compare with the baseline: "
		    "'hubspy report --diff --baseline DIR NEW'" :
		    "--diff: compare two runs with 'hubspy report --diff OLD "
		    "NEW', or two plateaus with 'hubspy report --diff A "
		    "ARCHIVE B'");
		goto out;
	}
	if (o->gate.markdown && o->gate.fail_on.n == 0) {
		r = hs_error(eb, HS_EUSAGE, "--markdown prints the gate: give "
		    "--fail-on EXPR");
		goto out;
	}
	/* a malformed bound costs no archive read */
	if ((r = cli_gate_parse(&o->gate, &gb, eb)) != 0)
		goto out;
	db = a->pos[a->npos - 1];
	if ((r = rundata_open(&rb, db, eb)) != 0)
		goto out;
	warn_changed(&rb);
	if (o->baseline != NULL) {
		if ((r = baseline_path(o->baseline, rb.rec->profile_name, base,
		    sizeof(base), eb)) != 0)
			goto out;
		if (access(base, F_OK) != 0) {
			r = hs_error(eb, HS_EUSAGE, "--baseline: no baseline "
			    "of profile '%s' in '%s' (no '%s'); a passing "
			    "'hubspy run --baseline %s' keeps one",
			    rb.rec->profile_name ? rb.rec->profile_name :
			    "run", o->baseline, base, o->baseline);
			goto out;
		}
		da = base;
	} else
		da = a->pos[0];
	if ((r = rundata_open(&ra, da, eb)) != 0)
		goto out;
	warn_changed(&ra);
	ua = ub = opt_isset(a, &o->users) ? o->users : -1;
	if (o->gate.fail_on.n > 0) {
		r = cli_gate_run(&o->gate, gb, o->json, &ra, &rb, ua, eb);
		goto out;
	}
	if (ua < 0 && (ua = ub = common_users(&ra, &rb)) < 0) {
		r = hs_error(eb, HS_EUSAGE, "'%s' and '%s' have no "
		    "plateau with the same users; pick one with --users",
		    da, db);
		goto out;
	}
	r = report_diff(&ra, ua, &rb, ub, 25, &out, eb);
print:
	if (r == 0)
		print_buf(&out);
out:
	free(gb);
	buf_release(&out);
	rundata_release(&ra);
	rundata_release(&rb);
	return r;
}

static int
report_exec(struct args *a)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct rundata rd = RUNDATA_INIT;
	struct buf out = BUF_INIT(64u << 20);
	const struct report_options *o = a->opts;
	const char *html = o->html;
	size_t top = (size_t)o->top;
	const char *sk = o->sort;
	int sort = strcmp(sk, "total-time") == 0 ? TOPTABLE_TOTAL :
	    strcmp(sk, "own-pct") == 0 ? TOPTABLE_OWN_PCT :
	    strcmp(sk, "total-pct") == 0 ? TOPTABLE_TOTAL_PCT : TOPTABLE_OWN;
	char *json = NULL;
	struct stat st;
	int r;

	if (o->diff || o->baseline != NULL) {
		r = do_diff(a, &eb);
		goto out;
	}
	if (o->gate.fail_on.n > 0 || o->gate.markdown) {
		r = hs_error(&eb, HS_EUSAGE, "--%s gates a comparison: "
		    "'hubspy report --diff OLD NEW --fail-on EXPR'",
		    o->gate.fail_on.n > 0 ? "fail-on" : "markdown");
		goto out;
	}
	if (a->npos != 1) {
		r = hs_error(&eb, HS_EUSAGE, "one run only; to compare two, use "
		    "--diff");
		goto out;
	}
	if (o->write) {
		if (stat(a->pos[0], &st) != 0 || !S_ISDIR(st.st_mode)) {
			r = hs_error(&eb, HS_EUSAGE, "--write: '%s' is not a run "
			    "directory", a->pos[0]);
			goto out;
		}
		r = report_write_dir(a->pos[0], NULL, &eb);
		if (r == 0)
			printf("wrote %s/report.html\n", a->pos[0]);
		goto out;
	}
	if ((r = rundata_open(&rd, a->pos[0], &eb)) != 0)
		goto out;
	warn_changed(&rd);
	if (html != NULL) {
		if ((r = report_build(&rd, NULL, html, &eb)) == 0)
			printf("wrote %s\n", html);
		goto out;
	}
	if (o->json) {
		if ((r = report_summary_json(&rd, top, sort, &json, &eb)) == 0) {
			fputs(json, stdout);
			fputc('\n', stdout);
		}
		goto out;
	}
	if ((r = report_summary(&rd, top, sort, &out, &eb)) == 0)
		print_buf(&out);
out:
	free(json);
	buf_release(&out);
	rundata_release(&rd);
	return r == 0 ? 0 : cmd_fail(&eb);
}

const struct cmd cmd_report = {
	"report", "[OPTIONS] ARCHIVE | --diff OLD NEW | --diff A ARCHIVE B",
	"summarise a run archive; write report.html; compare plateaus or runs",
	"Reads a run archive (hubspy-*.tar.gz) or run directory and prints, per "
	"plateau, the users, client latency, 429s and errors, hub CPU and "
	"memory, and the functions taking the most time in the hub (py-spy's "
	"top columns, computed from the raw capture).\n\n"
	"--html writes one self-contained page (no network fetch of any kind) "
	"with charts, every plateau's flamegraph and top table, the "
	"differential flamegraphs between plateaus and the py-spy dumps with "
	"stuck threads highlighted. Archives of a newer schema are refused.\n\n"
	"Archives are read as from a stranger (docs/report.md): links, "
	"devices, FIFOs and names outside the top folder are refused, sizes "
	"and counts are capped, only the files the manifest names are read, "
	"and each is checked against its sha256: files changed since hubspy "
	"wrote them are named in a warning.\n\n"
	"--fail-on turns a comparison of two runs into a pass or fail for "
	"CI: every bound is checked at each plateau both runs have (matched "
	"by users), the output names each check with both values, and the "
	"exit code is 0 when all hold, 9 when one is broken, 2 for a "
	"malformed bound or a missing plateau.",
	report_groups, sizeof(struct report_options), 1, 3, report_exec, 0
};
