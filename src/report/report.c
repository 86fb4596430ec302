/* report.c -- the run report: per-plateau files, report.html, terminal summary */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/xml.h"
#include "report/chart.h"
#include "report/diff.h"
#include "report/flame.h"
#include "report/report.h"
#include "report/speedscope.h"
#include "report/toptable.h"

/*
 * Everything is computed from the run itself: manifest.json for the
 * numbers (docs/artifacts.md), plateaus/NNNN/record.raw for the stacks.
 * Absent data shows as "-" (never zero). report.html is one file with
 * inline CSS, SVG and script, and fetches nothing.
 */

#define OUT_MAX		(1024u << 20)	/* one generated file */
#define RAW_MAX		RUNDATA_MEMBER_MAX
#define TEXT_MAX	(8u << 20)	/* dumps, stuck.txt */
#define HTML_TOP_ROWS	40
#define MAX_DUMPS	20

static const char page_script[] =
#include "page_js.inc"
    ;

struct plat {
	const struct rundata_plateau	*p;
	struct stacks			 s;
	int				 have;		/* a capture was read */
	char				 why[256];	/* why not */
	double				 rate, ticks;
	char				 tag[32];	/* "0100" */
};

/* ---- numbers from the manifest ---- */

static double
capture_rate(const struct rundata *rd)
{
	static const char *const paths[] = { "profile.captures.record.rate",
	    "profile.capture.rate",
	    "profile.pyspy.rate", "profile.record.rate", "profile.rate",
	    "profile.sample_rate", NULL };
	const char *const *p;
	double v;

	for (p = paths; *p; p++)
		if ((v = rundata_num(rd->manifest, *p)) > 0 && v <= 10000)
			return v;
	return 100.0;
}

static const cJSON *
capture(const struct rundata_plateau *p, const char *kind)
{
	const cJSON *c, *caps = cJSON_GetObjectItemCaseSensitive(p->json,
	    "captures");
	const char *k;

	cJSON_ArrayForEach(c, caps) {
		if ((k = rundata_str(c, "kind")) != NULL && strcmp(k, kind) == 0)
			return c;
	}
	return NULL;
}

/* the request class the summary quotes: "probe" (latency under held load),
 * else the class with the most requests */
static const char *
main_class(const cJSON *pj)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(pj, "requests"), *c;
	const char *best = NULL;
	double bestn = -1, n;

	if (cJSON_GetObjectItemCaseSensitive(req, "probe") != NULL)
		return "probe";
	cJSON_ArrayForEach(c, req) {
		n = rundata_num(c, "count");
		if (!isnan(n) && n > bestn) {
			bestn = n;
			best = c->string;
		}
	}
	return best;
}

static double
class_num(const cJSON *pj, const char *cls, const char *what)
{
	char path[128];

	if (cls == NULL)
		return NAN;
	snprintf(path, sizeof(path), "requests.%s.%s", cls, what);
	return rundata_num(pj, path);
}

/* failed requests: every status but 2xx and 429 */
static double
errors(const cJSON *pj)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(pj, "requests"), *c, *s;
	double n = 0;
	int any = 0;

	cJSON_ArrayForEach(c, req) {
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(c, "status")) {
			if (!cJSON_IsNumber(s))
				continue;
			any = 1;
			if (strcmp(s->string, "2xx") != 0 &&
			    strcmp(s->string, "429") != 0)
				n += s->valuedouble;
		}
	}
	return any ? n : NAN;
}

static double
count_429(const cJSON *pj)
{
	double v = rundata_num(pj, "throttle.count_429");
	const cJSON *req, *c;

	if (!isnan(v))
		return v;
	req = cJSON_GetObjectItemCaseSensitive(pj, "requests");
	cJSON_ArrayForEach(c, req) {
		double n = rundata_num(c, "status.429");

		if (!isnan(n))
			v = (isnan(v) ? 0 : v) + n;
	}
	return v;
}

static double
rss_mib(const cJSON *usage)
{
	double v = rundata_num(usage, "rss_bytes");

	if (isnan(v))
		v = rundata_num(usage, "cgroup_memory_bytes");
	return isnan(v) ? v : v / 1048576.0;
}

static void
fmt(char *dst, size_t n, const char *f, double v)
{
	if (isnan(v))
		snprintf(dst, n, "-");
	else
		snprintf(dst, n, f, v);
}

/* the figures both summaries (HTML and terminal) show for a plateau,
 * defined once; NAN where the manifest has none */
struct prow {
	const char	*cls;	/* the quoted request class */
	double		 ready, failed, ramp, p50, p99, rps, n429, errors, cpu,
			 rss;
};

static void
prow_read(const cJSON *pj, struct prow *w)
{
	w->cls = main_class(pj);
	w->ready = rundata_num(pj, "state.ready");
	w->failed = rundata_num(pj, "state.failed");
	w->ramp = rundata_num(pj, "ramp_seconds");
	w->p50 = class_num(pj, w->cls, "latency_ms.p50");
	w->p99 = class_num(pj, w->cls, "latency_ms.p99");
	w->rps = rundata_num(pj, "hold.requests_per_second");
	w->n429 = count_429(pj);
	w->errors = errors(pj);
	w->cpu = rundata_num(pj, "hub_usage.cpu_percent");
	w->rss = rss_mib(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pj, "hub_usage"), "end"));
}


/* ---- loading ---- */

int
report_load_stacks(const struct rundata *rd, const struct rundata_plateau *p,
    struct stacks *s, struct hs_errbuf *eb)
{
	char rel[512], path[4600], *data = NULL;
	size_t len;
	int r;

	snprintf(rel, sizeof(rel), "%s/record.raw", p->dir);
	if (rundata_has(rd, rel)) {
		if (!rd->is_archive) {
			snprintf(path, sizeof(path), "%s/%s", rd->where, rel);
			return stacks_load_raw_file(s, path, eb);
		}
		if ((r = rundata_read(rd, rel, &data, &len, RAW_MAX, eb)) != 0)
			return r;
		r = stacks_parse_raw(s, data, len);
		free(data);
		return r ? hs_error(eb, r, "out of memory parsing '%s'", rel) : 0;
	}
	snprintf(rel, sizeof(rel), "%s/record.speedscope.json", p->dir);
	if (rundata_has(rd, rel)) {
		if ((r = rundata_read(rd, rel, &data, &len, RAW_MAX, eb)) != 0)
			return r;
		r = speedscope_read(s, data, len, capture_rate(rd), eb);
		free(data);
		return r;
	}
	return hs_error(eb, HS_EUSAGE, "no capture for %ld users (no "
	    "'%s/record.raw')", p->users, p->dir);
}

static void
plats_free(struct plat *pl, size_t n)
{
	size_t i;

	if (pl == NULL)
		return;
	for (i = 0; i < n; i++)
		stacks_release(&pl[i].s);
	free(pl);
}

static int
plats_load(const struct rundata *rd, struct plat **out, struct hs_errbuf *eb)
{
	struct hs_errbuf e2 = HS_ERRBUF_INIT;
	struct plat *pl;
	const cJSON *rec;
	double secs;
	size_t i;
	int r;

	*out = NULL;
	if ((pl = calloc(rd->nplateaus ? rd->nplateaus : 1, sizeof(*pl))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	for (i = 0; i < rd->nplateaus; i++) {
		struct plat *p = &pl[i];
		const char *slash = strrchr(rd->plateaus[i].dir, '/');

		p->p = &rd->plateaus[i];
		strlcpy(p->tag, slash ? slash + 1 : rd->plateaus[i].dir,
		    sizeof(p->tag));
		/* the tag names files and HTML ids: keep it plain */
		for (char *c = p->tag; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
				*c = '_';
		p->rate = capture_rate(rd);
		if ((r = stacks_init(&p->s)) != 0) {
			plats_free(pl, rd->nplateaus);
			return hs_error(eb, r, "out of memory");
		}
		e2.msg[0] = '\0';
		r = report_load_stacks(rd, p->p, &p->s, &e2);
		if (r == HS_ENOMEM) {
			plats_free(pl, rd->nplateaus);
			return hs_error(eb, r, "%s", e2.msg);
		}
		if (r != 0) {
			strlcpy(p->why, e2.msg, sizeof(p->why));
			continue;
		}
		p->have = 1;
		rec = capture(p->p, "record");
		secs = rec ? rundata_num(rec, "seconds") : NAN;
		p->ticks = secs > 0 ? secs * p->rate : 0;
	}
	*out = pl;
	return 0;
}

/* ---- files ---- */

static int
top_text(const struct plat *p, struct buf *o, size_t max_rows, int sort)
{
	struct toptable t = TOPTABLE_INIT;
	int r;

	if (sort < TOPTABLE_OWN_PCT || sort > TOPTABLE_TOTAL)
		sort = TOPTABLE_OWN;
	if ((r = toptable_build(&t, &p->s, 0, p->rate, p->ticks,
	    (enum toptable_sort)sort)) != 0)
		return r;
	r = buf_printf(o, "Total Samples %llu, %zu malformed line%s, "
	    "%.0f Hz\n\n", (unsigned long long)p->s.total, p->s.malformed,
	    p->s.malformed == 1 ? "" : "s", p->rate);
	if (r == 0)
		r = toptable_write_text(&t, o, max_rows, 0);
	toptable_release(&t);
	if (r == 0 && max_rows == 0) {
		if ((r = toptable_build(&t, &p->s, 1, p->rate, p->ticks,
		    (enum toptable_sort)sort)) != 0)
			return r;
		if ((r = buf_addstr(o, "\nby line:\n\n")) == 0)
			r = toptable_write_text(&t, o, 0, 0);
		toptable_release(&t);
	}
	return r;
}

static int
put(const char *dir, const char *rel, struct buf *b, struct hs_errbuf *eb)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return file_write_atomic(path, b->data, b->len, FILE_MODE, eb);
}

static int
nomem(struct hs_errbuf *eb, int r, const char *what)
{
	return hs_error(eb, r, "%s while rendering %s", r == HS_ELIMIT ?
	    "size limit reached" : "out of memory", what);
}

static int
diff_label(const struct plat *a, const struct plat *b, char *dst, size_t n)
{
	return snprintf(dst, n, "%s-%s", a->tag, b->tag);
}

/* the pairs to diff: each consecutive pair, plus first-last */
static size_t
diff_pairs(const struct plat *pl, size_t n, size_t (*pairs)[2], size_t max)
{
	size_t i, prev = SIZE_MAX, first = SIZE_MAX, last = SIZE_MAX, np = 0;

	for (i = 0; i < n; i++) {
		if (!pl[i].have)
			continue;
		if (first == SIZE_MAX)
			first = i;
		if (prev != SIZE_MAX && np < max) {
			pairs[np][0] = prev;
			pairs[np][1] = i;
			np++;
		}
		prev = last = i;
	}
	if (np > 1 && np < max) {
		pairs[np][0] = first;
		pairs[np][1] = last;
		np++;
	}
	return np;
}

static int
write_plateau_files(const char *outdir, struct plat *pl, size_t n,
    const char *profile, struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(OUT_MAX);
	struct flame_opts fo = FLAME_OPTS_INIT;
	size_t pairs[64][2], np, i;
	char rel[600], title[300], dl[64];
	int r = 0;

	for (i = 0; i < n; i++) {
		struct plat *p = &pl[i];

		if (!p->have)
			continue;
		snprintf(title, sizeof(title), "hubspy %s: %ld users", profile,
		    p->p->users);
		fo.title = title;
		buf_reset(&b);
		if ((r = flame_render(&p->s, &fo, &b)) != 0) {
			nomem(eb, r, "a flamegraph");
			goto out;
		}
		snprintf(rel, sizeof(rel), "%s/record.svg", p->p->dir);
		if ((r = put(outdir, rel, &b, eb)) != 0)
			goto out;
		buf_reset(&b);
		if ((r = top_text(p, &b, 0, TOPTABLE_OWN)) != 0) {
			nomem(eb, r, "a top table");
			goto out;
		}
		snprintf(rel, sizeof(rel), "%s/top-table.txt", p->p->dir);
		if ((r = put(outdir, rel, &b, eb)) != 0)
			goto out;
		buf_reset(&b);
		if ((r = speedscope_write(&p->s, p->rate, title, &b)) != 0) {
			nomem(eb, r, "a speedscope file");
			goto out;
		}
		snprintf(rel, sizeof(rel), "%s/record.speedscope.json", p->p->dir);
		if ((r = put(outdir, rel, &b, eb)) != 0)
			goto out;
	}
	np = diff_pairs(pl, n, pairs, 64);
	if (np > 0) {
		snprintf(rel, sizeof(rel), "%s/diffs", outdir);
		if (mkdir(rel, 0700) != 0 && errno != EEXIST) {
			r = hs_error(eb, HS_EIO, "cannot create '%s': %s", rel,
			    strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < np; i++) {
		struct plat *a = &pl[pairs[i][0]], *bb = &pl[pairs[i][1]];

		snprintf(title, sizeof(title), "hubspy %s: %ld users against "
		    "%ld users", profile, bb->p->users, a->p->users);
		buf_reset(&b);
		if ((r = diff_render(&a->s, &bb->s, title, 0, NULL, &b)) != 0) {
			nomem(eb, r, "a differential flamegraph");
			goto out;
		}
		diff_label(a, bb, dl, sizeof(dl));
		snprintf(rel, sizeof(rel), "diffs/%s.svg", dl);
		if ((r = put(outdir, rel, &b, eb)) != 0)
			goto out;
	}
	r = 0;
out:
	buf_release(&b);
	return r;
}

/* ---- HTML ---- */

static int
esc(struct buf *o, const char *s)
{
	return xml_escape(o, s ? s : "", s ? strlen(s) : 0);
}

static const char css[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1240px}"
    "h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;margin-top:2em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ddd;padding:2px 8px;text-align:right;"
    "font-size:13px}td.fn,th.fn{text-align:left;font-family:monospace}"
    "th{background:#f0f0f0;cursor:pointer}"
    "table.sortable th[data-dir=desc]:after{content:' \\25BC'}"
    "table.sortable th[data-dir=asc]:after{content:' \\25B2'}"
    ".charts svg{margin:4px;border:1px solid #eee}"
    ".warn{color:#a00}.note{color:#666;font-size:13px}"
    "pre{background:#f8f8f8;padding:6px;overflow:auto;font-size:12px}"
    "pre .stuck{background:#fdd;font-weight:bold}"
    "svg.hsflame{width:100%;height:auto}"
    "#searchbar{position:sticky;top:0;background:#fff;padding:4px 0;"
    "border-bottom:1px solid #eee}";

static int
h_top_table(struct buf *o, const struct plat *p)
{
	struct toptable t = TOPTABLE_INIT;
	char a[32], b[32], c[32], d[32];
	size_t i;
	int r;

	if ((r = toptable_build(&t, &p->s, 0, p->rate, p->ticks,
	    TOPTABLE_OWN)) != 0)
		return r;
	r = buf_addstr(o, "<table class=\"sortable top\"><thead><tr>"
	    "<th>%Own</th><th>%Total</th><th>OwnTime</th><th>TotalTime</th>"
	    "<th class=\"fn\">Function (filename)</th></tr></thead><tbody>\n");
	for (i = 0; r == 0 && i < t.nrows && i < HTML_TOP_ROWS; i++) {
		const struct toptable_row *row = &t.rows[i];
		double po = t.ticks > 0 ? 100.0 * (double)row->own / t.ticks : 0;
		double pt = t.ticks > 0 ? 100.0 * (double)row->total / t.ticks : 0;

		toptable_fmt_pct(a, sizeof(a), po);
		toptable_fmt_pct(b, sizeof(b), pt);
		toptable_fmt_time(c, sizeof(c), (double)row->own / t.rate);
		toptable_fmt_time(d, sizeof(d), (double)row->total / t.rate);
		if ((r = buf_printf(o, "<tr><td data-v=\"%.4f\">%s</td>"
		    "<td data-v=\"%.4f\">%s</td><td data-v=\"%llu\">%ss</td>"
		    "<td data-v=\"%llu\">%ss</td><td class=\"fn\">", po, a, pt, b,
		    (unsigned long long)row->own, c,
		    (unsigned long long)row->total, d)) != 0 ||
		    (r = esc(o, row->label)) != 0)
			break;
		r = buf_addstr(o, "</td></tr>\n");
	}
	if (r == 0)
		r = buf_printf(o, "</tbody></table><p class=\"note\">%zu of %zu "
		    "functions; all of them, and the by-line table, are in ",
		    t.nrows < HTML_TOP_ROWS ? t.nrows : (size_t)HTML_TOP_ROWS,
		    t.nrows);
	if (r == 0 && (r = esc(o, p->p->dir)) == 0)
		r = buf_addstr(o, "/top-table.txt</p>\n");
	toptable_release(&t);
	return r;
}

/* "Thread 123 ..." headers named in stuck.txt */
static int
is_stuck(const char *stuck, const char *line, size_t len)
{
	char key[96];
	const char *sp;
	size_t n;

	if (stuck == NULL || len < 8 || strncmp(line, "Thread ", 7) != 0)
		return 0;
	sp = memchr(line + 7, ' ', len - 7);
	n = sp ? (size_t)(sp - line) : len;
	if (n >= sizeof(key) - 1)
		return 0;
	memcpy(key, line, n);
	key[n] = '\0';
	for (sp = strstr(stuck, key); sp != NULL; sp = strstr(sp + 1, key)) {
		char after = sp[n];

		if (after == ' ' || after == '\n' || after == '\0' || after == ':'
		    || after == ',')
			return 1;
	}
	return 0;
}

static int
h_dumps(struct buf *o, const struct rundata *rd, const struct plat *p,
    struct hs_errbuf *eb)
{
	struct hs_errbuf e2 = HS_ERRBUF_INIT;
	char rel[600], *stuck = NULL, *data = NULL;
	size_t len, slen = 0;
	int r = 0, k, nd = 0, mark;

	snprintf(rel, sizeof(rel), "%s/stuck.txt", p->p->dir);
	if (rundata_has(rd, rel))
		(void)rundata_read(rd, rel, &stuck, &slen, TEXT_MAX, &e2);
	if (stuck != NULL && slen > 0) {
		if ((r = buf_addstr(o, "<h4>Stuck threads (stack unchanged "
		    "across dumps)</h4><pre class=\"stuckfile\">")) != 0 ||
		    (r = xml_escape(o, stuck, slen)) != 0 ||
		    (r = buf_addstr(o, "</pre>\n")) != 0)
			goto out;
	}
	for (k = 1; k <= MAX_DUMPS; k++) {
		const char *line, *end, *nl;

		snprintf(rel, sizeof(rel), "%s/dump-%d.txt", p->p->dir, k);
		if (!rundata_has(rd, rel))
			break;
		if (rundata_read(rd, rel, &data, &len, TEXT_MAX, &e2) != 0)
			continue;
		nd++;
		if ((r = buf_printf(o, "<details%s><summary>dump %d</summary>"
		    "<pre>", k == 1 ? " open=\"open\"" : "", k)) != 0)
			goto out;
		mark = 0;
		for (line = data, end = data + len; line < end; line = nl + 1) {
			if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
				nl = end;
			if (strncmp(line, "Thread ", 7) == 0 || nl == line)
				mark = is_stuck(stuck, line, (size_t)(nl - line));
			if ((mark && (r = buf_addstr(o,
			    "<span class=\"stuck\">")) != 0) ||
			    (r = xml_escape(o, line,
			    (size_t)(nl - line))) != 0 ||
			    (mark && (r = buf_addstr(o, "</span>")) != 0) ||
			    (r = buf_addch(o, '\n')) != 0)
				goto out;
		}
		if ((r = buf_addstr(o, "</pre></details>\n")) != 0)
			goto out;
		free(data);
		data = NULL;
	}
	if (nd == 0 && (r = buf_addstr(o, "<p class=\"note\">no dumps</p>\n")) != 0)
		goto out;
out:
	(void)eb;
	free(data);
	free(stuck);
	return r;
}

static double
iso_seconds(const char *s)
{
	struct tm tm;
	const char *rest;
	double frac = 0;

	if (s == NULL)
		return NAN;
	memset(&tm, 0, sizeof(tm));
	if ((rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return NAN;
	if (*rest == '.')
		frac = strtod(rest, NULL);
	return (double)timegm(&tm) + frac;
}

static int
h_charts(struct buf *o, const struct rundata *rd)
{
	size_t n = rd->nplateaus, i, j, ns;
	double *x = calloc(n + 1, sizeof(double));
	double *ys = calloc((n + 1) * 12, sizeof(double));
	const char **names = calloc(n + 2, sizeof(char *));
	char (*lab)[32] = calloc(n + 1, sizeof(*lab));
	struct chart_series se[8];
	struct chart c;
	const char *cls[3] = { NULL, NULL, NULL };
	char sname[6][48];
	size_t ncls = 0;
	int r = HS_ENOMEM;
	struct chart_span *sp = NULL;
	const cJSON *tl, *t;

	if (x == NULL || ys == NULL || names == NULL || lab == NULL)
		goto out;
	for (i = 0; i < n; i++)
		x[i] = (double)rd->plateaus[i].users;
#define Y(k) (ys + (k) * (n + 1))
	memset(&c, 0, sizeof(c));
	c.x = x;
	c.n = n;
	c.xlabel = "users";
	c.series = se;
	/* latency: p50 and p99 of up to three request classes with the most
	 * requests, "probe" first */
	for (i = 0; i < n && ncls < 3; i++) {
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(
		    rd->plateaus[i].json, "requests"), *cj;

		cJSON_ArrayForEach(cj, req) {
			for (j = 0; j < ncls; j++)
				if (strcmp(cls[j], cj->string) == 0)
					break;
			if (j == ncls && ncls < 3 && !isnan(rundata_num(cj,
			    "latency_ms.p99")))
				cls[ncls++] = cj->string;
		}
	}
	for (j = 0; j < ncls; j++) {
		snprintf(sname[2 * j], sizeof(sname[0]), "%s p50", cls[j]);
		snprintf(sname[2 * j + 1], sizeof(sname[0]), "%s p99", cls[j]);
		for (i = 0; i < n; i++) {
			Y(2 * j)[i] = class_num(rd->plateaus[i].json, cls[j],
			    "latency_ms.p50");
			Y(2 * j + 1)[i] = class_num(rd->plateaus[i].json, cls[j],
			    "latency_ms.p99");
		}
		se[2 * j] = (struct chart_series){ sname[2 * j], Y(2 * j), 1 };
		se[2 * j + 1] = (struct chart_series){ sname[2 * j + 1],
		    Y(2 * j + 1), 0 };
	}
	c.title = "Client latency";
	c.ylabel = "ms";
	c.nseries = 2 * ncls;
	c.logx = 1;
	if ((r = buf_addstr(o, "<div class=\"charts\">\n")) != 0 ||
	    (r = chart_render(&c, o)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		const cJSON *pj = rd->plateaus[i].json;

		Y(6)[i] = rundata_num(pj, "hold.requests_per_second");
		Y(7)[i] = count_429(pj);
		Y(8)[i] = errors(pj);
		Y(9)[i] = rundata_num(pj, "hub_usage.cpu_percent");
		Y(10)[i] = rss_mib(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(pj, "hub_usage"), "end"));
	}
	se[0] = (struct chart_series){ "req/s (hold)", Y(6), 0 };
	c.title = "Request rate";
	c.ylabel = "requests per second";
	c.nseries = 1;
	if ((r = chart_render(&c, o)) != 0)
		goto out;
	se[0] = (struct chart_series){ "429 responses", Y(7), 0 };
	se[1] = (struct chart_series){ "errors", Y(8), 0 };
	for (i = 0; i < n; i++) {
		snprintf(lab[i], sizeof(lab[i]), "%ld", rd->plateaus[i].users);
		names[i] = lab[i];
	}
	c.xnames = names;
	c.bars = 1;
	c.logx = 0;
	c.title = "429s and errors";
	c.ylabel = "responses";
	c.nseries = 2;
	if ((r = chart_render(&c, o)) != 0)
		goto out;
	se[0] = (struct chart_series){ "hub CPU %", Y(9), 0 };
	c.title = "Hub CPU during hold";
	c.ylabel = "% of one core";
	c.nseries = 1;
	if ((r = chart_render(&c, o)) != 0)
		goto out;
	/* memory: each plateau, then after purge */
	Y(10)[n] = rss_mib(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    rd->manifest, "after_purge"), "hub_usage"));
	names[n] = "after purge";
	c.n = n + 1;
	se[0] = (struct chart_series){ "hub RSS", Y(10), 0 };
	c.title = "Hub memory";
	c.ylabel = "MiB";
	if ((r = chart_render(&c, o)) != 0)
		goto out;
	c.n = n;
	c.xnames = NULL;
	c.bars = 0;
	c.logx = 1;
	{
		static const char *const q[] = { "p50", "p90", "p99", "max" };

		for (j = 0; j < 4; j++) {
			for (i = 0; i < n; i++) {
				char path[64];

				snprintf(path, sizeof(path), "spawn_seconds.%s", q[j]);
				Y(j)[i] = rundata_num(rd->plateaus[i].json, path);
			}
			se[j] = (struct chart_series){ q[j], Y(j), j == 3 };
		}
	}
	c.title = "Spawn time distribution";
	c.ylabel = "seconds";
	c.nseries = 4;
	if ((r = chart_render(&c, o)) != 0)
		goto out;
	/* the ramp timeline */
	tl = cJSON_GetObjectItemCaseSensitive(rd->manifest, "timeline");
	ns = (size_t)cJSON_GetArraySize(tl);
	if ((sp = calloc(ns ? ns : 1, sizeof(*sp))) == NULL) {
		r = HS_ENOMEM;
		goto out;
	}
	{
		double t0 = NAN;
		char (*sl)[48] = calloc(ns ? ns : 1, sizeof(*sl));

		if (sl == NULL) {
			r = HS_ENOMEM;
			goto out;
		}
		cJSON_ArrayForEach(t, tl) {
			double s0 = iso_seconds(rundata_str(t, "start"));

			if (!isnan(s0) && (isnan(t0) || s0 < t0))
				t0 = s0;
		}
		j = 0;
		cJSON_ArrayForEach(t, tl) {
			double s0 = iso_seconds(rundata_str(t, "start"));
			double s1 = iso_seconds(rundata_str(t, "end"));
			const char *ph = rundata_str(t, "phase");
			double pu = rundata_num(t, "plateau");

			if (isnan(s0) || isnan(s1) || ph == NULL || j >= ns)
				continue;
			if (isnan(pu))
				snprintf(sl[j], sizeof(sl[j]), "%s", ph);
			else
				snprintf(sl[j], sizeof(sl[j]), "%.0f", pu);
			sp[j].label = sl[j];
			sp[j].kind = ph;
			sp[j].start = s0 - t0;
			sp[j].end = s1 - t0;
			j++;
		}
		r = chart_timeline("Run timeline (seconds since start)", sp, j, o);
		free(sl);
		if (r != 0)
			goto out;
	}
	r = buf_addstr(o, "</div>\n");
#undef Y
out:
	free(sp);
	free(x);
	free(ys);
	free(names);
	free(lab);
	return r;
}

static int
h_summary(struct buf *o, const struct rundata *rd, const struct plat *pl)
{
	char v[12][48];
	size_t i;
	int r;

	if ((r = buf_addstr(o, "<table class=\"sortable summary\"><thead><tr>"
	    "<th>users</th><th>ready</th><th>failed</th><th>ramp s</th>"
	    "<th>class</th><th>p50 ms</th><th>p99 ms</th><th>req/s</th>"
	    "<th>429s</th><th>errors</th><th>hub CPU %</th><th>hub RSS MiB</th>"
	    "<th>samples</th></tr></thead><tbody>\n")) != 0)
		return r;
	for (i = 0; i < rd->nplateaus; i++) {
		struct prow w;
		const char *cls;

		prow_read(rd->plateaus[i].json, &w);
		cls = w.cls;
		fmt(v[0], 48, "%.0f", w.ready);
		fmt(v[1], 48, "%.0f", w.failed);
		fmt(v[2], 48, "%.1f", w.ramp);
		fmt(v[3], 48, "%.1f", w.p50);
		fmt(v[4], 48, "%.1f", w.p99);
		fmt(v[5], 48, "%.1f", w.rps);
		fmt(v[6], 48, "%.0f", w.n429);
		fmt(v[7], 48, "%.0f", w.errors);
		fmt(v[8], 48, "%.1f", w.cpu);
		fmt(v[9], 48, "%.0f", w.rss);
		if (pl[i].have)
			snprintf(v[10], 48, "%llu", (unsigned long long)pl[i].s.total);
		else
			snprintf(v[10], 48, "-");
		if ((r = buf_printf(o, "<tr><td data-v=\"%ld\"><a href=\"#p%s\">"
		    "%ld</a></td>", rd->plateaus[i].users, pl[i].tag,
		    rd->plateaus[i].users)) != 0)
			return r;
		for (int k = 0; k < 11; k++) {
			if (k == 3) {
				if ((r = buf_addstr(o, "<td>")) != 0 ||
				    (r = esc(o, cls ? cls : "-")) != 0 ||
				    (r = buf_addstr(o, "</td>")) != 0)
					return r;
			}
			if ((r = buf_printf(o, "<td data-v=\"%s\">%s</td>",
			    strcmp(v[k], "-") == 0 ? "-1" : v[k], v[k])) != 0)
				return r;
		}
		if ((r = buf_addstr(o, "</tr>\n")) != 0)
			return r;
	}
	return buf_addstr(o, "</tbody></table>\n");
}

static int
h_captures(struct buf *o, const struct plat *p)
{
	const cJSON *caps = cJSON_GetObjectItemCaseSensitive(p->p->json,
	    "captures"), *c;
	int r = 0;

	cJSON_ArrayForEach(c, caps) {
		const char *fail = rundata_str(c, "failure");
		const char *msg = rundata_str(c, "message");

		if (fail == NULL)
			continue;
		if ((r = buf_addstr(o, "<p class=\"warn\">")) != 0 ||
		    (r = esc(o, rundata_str(c, "kind"))) != 0 ||
		    (r = buf_addstr(o, " failed: ")) != 0 ||
		    (r = esc(o, fail)) != 0 ||
		    (msg && ((r = buf_addstr(o, ": ")) != 0 ||
		    (r = esc(o, msg)) != 0)) ||
		    (r = buf_addstr(o, "</p>\n")) != 0)
			return r;
	}
	return r;
}

static int
h_plateau(struct buf *o, const struct rundata *rd, const struct plat *p,
    const char *profile, struct hs_errbuf *eb)
{
	struct flame_opts fo = FLAME_OPTS_INIT;
	char title[300], id[64];
	int r;

	if ((r = buf_printf(o, "<h2 id=\"p%s\">%ld users</h2>\n", p->tag,
	    p->p->users)) != 0 || (r = h_captures(o, p)) != 0)
		return r;
	if (!p->have) {
		if ((r = buf_addstr(o, "<p class=\"warn\">no profile: ")) != 0 ||
		    (r = esc(o, p->why)) != 0 ||
		    (r = buf_addstr(o, "</p>\n")) != 0)
			return r;
	} else {
		if ((r = buf_printf(o, "<p class=\"note\">%llu samples from %zu "
		    "stacks at %.0f Hz", (unsigned long long)p->s.total,
		    p->s.lines, p->rate)) != 0)
			return r;
		if (p->s.malformed > 0 && (r = buf_printf(o, "; <span "
		    "class=\"warn\">%zu malformed line%s skipped (first: line "
		    "%zu)</span>", p->s.malformed, p->s.malformed == 1 ? "" : "s",
		    p->s.first_bad)) != 0)
			return r;
		if ((r = buf_addstr(o, ". Speedscope: <a href=\"")) != 0 ||
		    (r = esc(o, p->p->dir)) != 0 ||
		    (r = buf_addstr(o, "/record.speedscope.json\">")) != 0 ||
		    (r = esc(o, p->p->dir)) != 0 ||
		    (r = buf_addstr(o, "/record.speedscope.json</a> (open it in "
		    "speedscope.app).</p>\n")) != 0)
			return r;
		snprintf(title, sizeof(title), "hubspy %s: %ld users", profile,
		    p->p->users);
		snprintf(id, sizeof(id), "flame-%s", p->tag);
		fo.title = title;
		fo.embed = 1;
		fo.id = id;
		if ((r = flame_render(&p->s, &fo, o)) != 0 ||
		    (r = buf_addstr(o, "<h3>Top functions</h3>\n")) != 0 ||
		    (r = h_top_table(o, p)) != 0)
			return r;
	}
	if ((r = buf_addstr(o, "<h3>Dumps</h3>\n")) != 0)
		return r;
	return h_dumps(o, rd, p, eb);
}

static int
h_diffs(struct buf *o, struct plat *pl, size_t n, const char *profile)
{
	size_t pairs[64][2], np, i;
	char title[300], la[64], lb[64], id[80], dl[64];
	struct diff d = DIFF_INIT;
	int r = 0;

	np = diff_pairs(pl, n, pairs, 64);
	if (np == 0)
		return buf_addstr(o, "<p class=\"note\">fewer than two plateaus "
		    "with a profile: nothing to compare</p>\n");
	for (i = 0; i < np && r == 0; i++) {
		struct plat *a = &pl[pairs[i][0]], *b = &pl[pairs[i][1]];
		char line[1024];
		size_t k, shown = 0;

		snprintf(la, sizeof(la), "%ld", a->p->users);
		snprintf(lb, sizeof(lb), "%ld users", b->p->users);
		diff_label(a, b, dl, sizeof(dl));
		if ((r = diff_build(&d, &a->s, &b->s)) != 0)
			break;
		if ((r = buf_printf(o, "<h3 id=\"d%s\">%ld to %ld users</h3>\n",
		    dl, a->p->users, b->p->users)) != 0)
			goto next;
		if (d.nmovers > 0) {
			diff_sentence(&d.movers[d.headline], la, lb, line, sizeof(line));
			if ((r = buf_addstr(o, "<p><b>")) != 0 ||
			    (r = esc(o, line)) != 0 ||
			    (r = buf_addstr(o, "</b></p>\n")) != 0)
				goto next;
		}
		if ((r = buf_printf(o, "<table class=\"sortable movers\"><thead>"
		    "<tr><th>%%Total at %ld</th><th>%%Total at %ld</th>"
		    "<th>change (points)</th><th>%%Own at %ld</th>"
		    "<th>%%Own at %ld</th><th class=\"fn\">Function (filename)"
		    "</th></tr></thead><tbody>\n", a->p->users, b->p->users,
		    a->p->users, b->p->users)) != 0)
			goto next;
		for (k = 0; k < d.nmovers && shown < 15; k++, shown++) {
			const struct diff_mover *m = &d.movers[k];

			if (fabs(m->b_pct - m->a_pct) < 0.05)
				break;
			if ((r = buf_printf(o, "<tr><td data-v=\"%.4f\">%.2f%%</td>"
			    "<td data-v=\"%.4f\">%.2f%%</td><td data-v=\"%.4f\" "
			    "style=\"color:%s\">%+.2f</td><td data-v=\"%.4f\">"
			    "%.2f%%</td><td data-v=\"%.4f\">%.2f%%</td>"
			    "<td class=\"fn\">", m->a_pct, m->a_pct, m->b_pct,
			    m->b_pct, m->b_pct - m->a_pct, m->b_pct > m->a_pct ?
			    "#c00" : "#00c", m->b_pct - m->a_pct, m->a_own,
			    m->a_own, m->b_own, m->b_own)) != 0 ||
			    (r = esc(o, m->label)) != 0 ||
			    (r = buf_addstr(o, "</td></tr>\n")) != 0)
				goto next;
		}
		if ((r = buf_addstr(o, "</tbody></table>\n")) != 0)
			goto next;
		snprintf(title, sizeof(title), "hubspy %s: %ld users against %ld "
		    "users", profile, b->p->users, a->p->users);
		snprintf(id, sizeof(id), "diff-%s", dl);
		r = diff_render(&a->s, &b->s, title, 1, id, o);
next:
		diff_release(&d);
	}
	return r;
}

static int
html(struct buf *o, const struct rundata *rd, struct plat *pl,
    struct hs_errbuf *eb)
{
	const char *profile = rundata_str(rd->manifest, "profile_name");
	const char *created = rundata_str(rd->manifest, "created");
	const cJSON *partial = cJSON_GetObjectItemCaseSensitive(rd->manifest,
	    "partial");
	size_t i;
	int r;

	if (profile == NULL)
		profile = "run";
	if ((r = buf_addstr(o, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/"
	    "1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	    "'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
	    "img-src data:\"/><title>hubspy report: ")) != 0 ||
	    (r = esc(o, profile)) != 0 ||
	    (r = buf_printf(o, "</title>\n<style type=\"text/css\">/*<![CDATA[*/"
	    "%s/*]]>*/</style>\n</head>\n<body>\n<h1>hubspy report: ", css)) != 0 ||
	    (r = esc(o, profile)) != 0 || (r = buf_addstr(o, "</h1>\n<p>")) != 0 ||
	    (r = esc(o, created)) != 0 ||
	    (r = buf_addstr(o, " &#8212; hub ")) != 0 ||
	    (r = esc(o, rundata_str(rd->manifest, "hub.version"))) != 0 ||
	    (r = buf_addstr(o, " at ")) != 0 ||
	    (r = esc(o, rundata_str(rd->manifest, "hub.url"))) != 0 ||
	    (r = buf_addstr(o, " &#8212; target ")) != 0 ||
	    (r = esc(o, rundata_str(rd->manifest, "target.transport"))) != 0 ||
	    (r = buf_addstr(o, " ")) != 0 ||
	    (r = esc(o, rundata_str(rd->manifest, "target.pod"))) != 0 ||
	    (r = buf_addstr(o, ", py-spy ")) != 0 ||
	    (r = esc(o, rundata_str(rd->manifest, "target.pyspy"))) != 0 ||
	    (r = buf_addstr(o, "</p>\n")) != 0)
		return nomem(eb, r, "report.html");
	if (cJSON_IsTrue(partial) && ((r = buf_addstr(o, "<p class=\"warn\">"
	    "partial run: ")) != 0 || (r = esc(o, rundata_str(rd->manifest,
	    "partial_reason"))) != 0 || (r = buf_addstr(o, "</p>\n")) != 0))
		return nomem(eb, r, "report.html");
	if ((r = buf_addstr(o, "<p id=\"jserrors\" class=\"warn\"></p>"
	    "<pre id=\"selftest\" style=\"display:none\"></pre>\n"
	    "<div id=\"searchbar\">Search all flamegraphs (regular expression): "
	    "<input id=\"search\" type=\"text\" size=\"40\"/> "
	    "<span class=\"note\">hover a frame for details, click to zoom, "
	    "click Reset Zoom to go back; tables sort by a click on a column"
	    "</span></div>\n<h2>Summary</h2>\n")) != 0 ||
	    (r = h_summary(o, rd, pl)) != 0 ||
	    (r = buf_addstr(o, "<p class=\"note\">latency is the quoted request "
	    "class (probe requests during the hold when present); errors are "
	    "all responses but 2xx and 429, plus network failures.</p>\n"
	    "<h2>Charts</h2>\n")) != 0 ||
	    (r = h_charts(o, rd)) != 0)
		return nomem(eb, r, "report.html");
	for (i = 0; i < rd->nplateaus; i++)
		if ((r = h_plateau(o, rd, &pl[i], profile, eb)) != 0)
			return nomem(eb, r, "report.html");
	if ((r = buf_addstr(o, "<h2>What changed between plateaus</h2>\n<p "
	    "class=\"note\">shares are per cent of each plateau's samples, so "
	    "captures of different lengths compare; red frames take a larger "
	    "share than before, blue a smaller one</p>\n")) != 0 ||
	    (r = h_diffs(o, pl, rd->nplateaus, profile)) != 0)
		return nomem(eb, r, "report.html");
	if ((r = buf_addstr(o, "<script type=\"text/javascript\">//<![CDATA[\n")) != 0 ||
	    (r = buf_addstr(o, flame_script())) != 0 ||
	    (r = buf_addstr(o, page_script)) != 0 ||
	    (r = buf_addstr(o, "//]]></script>\n</body></html>\n")) != 0)
		return nomem(eb, r, "report.html");
	return 0;
}

int
report_build(const struct rundata *rd, const char *outdir,
    const char *html_path, struct hs_errbuf *eb)
{
	struct buf o = BUF_INIT(OUT_MAX);
	struct plat *pl = NULL;
	const char *profile = rundata_str(rd->manifest, "profile_name");
	int r;

	if ((r = plats_load(rd, &pl, eb)) != 0)
		goto out;
	if (outdir != NULL && (r = write_plateau_files(outdir, pl, rd->nplateaus,
	    profile ? profile : "run", eb)) != 0)
		goto out;
	if (html_path != NULL) {
		if ((r = html(&o, rd, pl, eb)) != 0)
			goto out;
		if ((r = file_write_atomic(html_path, o.data, o.len, FILE_MODE,
		    eb)) != 0)
			goto out;
	}
	r = 0;
out:
	buf_release(&o);
	plats_free(pl, rd->nplateaus);
	return r;
}

int
report_write_dir(const char *rundir, struct hs_errbuf *eb)
{
	struct rundata rd = RUNDATA_INIT;
	char path[4200];
	int r;

	if ((r = rundata_open_dir(&rd, rundir, eb)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/report.html", rundir);
	r = report_build(&rd, rundir, path, eb);
out:
	rundata_release(&rd);
	return r;
}

/* ---- terminal and JSON ---- */

int
report_summary(const struct rundata *rd, size_t top_n, int sort,
    struct buf *o, struct hs_errbuf *eb)
{
	struct plat *pl = NULL;
	const char *profile = rundata_str(rd->manifest, "profile_name");
	char v[10][48];
	size_t i;
	int r;

	if ((r = plats_load(rd, &pl, eb)) != 0)
		return r;
	r = buf_printf(o, "hubspy run '%s' created %s, hub %s, schema %d\n",
	    profile ? profile : "?", rundata_str(rd->manifest, "created") ?
	    rundata_str(rd->manifest, "created") : "?",
	    rundata_str(rd->manifest, "hub.version") ?
	    rundata_str(rd->manifest, "hub.version") : "?", rd->schema);
	if (r == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rd->manifest,
	    "partial")))
		r = buf_printf(o, "partial run: %s\n", rundata_str(rd->manifest,
		    "partial_reason") ? rundata_str(rd->manifest,
		    "partial_reason") : "no reason recorded");
	if (r == 0)
		r = buf_printf(o, "\n%7s %6s %6s %-8s %8s %8s %7s %6s %6s %8s "
		    "%8s\n", "users", "ready", "failed", "class", "p50 ms",
		    "p99 ms", "req/s", "429s", "errors", "hub CPU", "RSS MiB");
	for (i = 0; r == 0 && i < rd->nplateaus; i++) {
		struct prow w;
		const char *cls;

		prow_read(rd->plateaus[i].json, &w);
		cls = w.cls;
		fmt(v[0], 48, "%.0f", w.ready);
		fmt(v[1], 48, "%.0f", w.failed);
		fmt(v[2], 48, "%.1f", w.p50);
		fmt(v[3], 48, "%.1f", w.p99);
		fmt(v[4], 48, "%.1f", w.rps);
		fmt(v[5], 48, "%.0f", w.n429);
		fmt(v[6], 48, "%.0f", w.errors);
		fmt(v[7], 48, "%.1f%%", w.cpu);
		fmt(v[8], 48, "%.0f", w.rss);
		r = buf_printf(o, "%7ld %6s %6s %-8.8s %8s %8s %7s %6s %6s %8s "
		    "%8s\n", rd->plateaus[i].users, v[0], v[1], cls ? cls : "-",
		    v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
	}
	if (r == 0) {
		double m = rss_mib(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(rd->manifest, "after_purge"),
		    "hub_usage"));

		if (!isnan(m))
			r = buf_printf(o, "after purge: hub RSS %.0f MiB\n", m);
	}
	for (i = 0; r == 0 && top_n > 0 && i < rd->nplateaus; i++) {
		r = buf_printf(o, "\n%ld users: ", pl[i].p->users);
		if (r != 0)
			break;
		if (!pl[i].have) {
			r = buf_printf(o, "no profile (%s)\n", pl[i].why);
			continue;
		}
		if ((r = buf_printf(o, "%llu samples", (unsigned long long)
		    pl[i].s.total)) == 0 && pl[i].s.malformed > 0)
			r = buf_printf(o, ", %zu malformed lines skipped",
			    pl[i].s.malformed);
		if (r == 0 && (r = buf_addstr(o, "\n")) == 0)
			r = top_text(&pl[i], o, top_n, sort) == 0 ? 0 : HS_ENOMEM;
	}
	plats_free(pl, rd->nplateaus);
	return r ? nomem(eb, r, "the summary") : 0;
}

int
report_summary_json(const struct rundata *rd, size_t top_n, int sort,
    char **json, struct hs_errbuf *eb)
{
	struct plat *pl = NULL;
	cJSON *root = NULL, *arr, *po, *top, *row;
	struct toptable t = TOPTABLE_INIT;
	size_t i, k;
	int r;

	*json = NULL;
	if ((r = plats_load(rd, &pl, eb)) != 0)
		return r;
	r = HS_ENOMEM;
	if ((root = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(root, "schema", rd->schema) == NULL ||
	    cJSON_AddStringToObject(root, "profile_name",
	    rundata_str(rd->manifest, "profile_name") ?
	    rundata_str(rd->manifest, "profile_name") : "") == NULL ||
	    (arr = cJSON_AddArrayToObject(root, "plateaus")) == NULL)
		goto out;
	for (i = 0; i < rd->nplateaus; i++) {
		const cJSON *pj = rd->plateaus[i].json;
		const char *cls = main_class(pj);
		static const char *const keys[] = { "ready", "failed", "p50_ms",
		    "p99_ms", "requests_per_second", "count_429", "errors",
		    "hub_cpu_percent", "hub_rss_mib" };
		double vals[9];

		vals[0] = rundata_num(pj, "state.ready");
		vals[1] = rundata_num(pj, "state.failed");
		vals[2] = class_num(pj, cls, "latency_ms.p50");
		vals[3] = class_num(pj, cls, "latency_ms.p99");
		vals[4] = rundata_num(pj, "hold.requests_per_second");
		vals[5] = count_429(pj);
		vals[6] = errors(pj);
		vals[7] = rundata_num(pj, "hub_usage.cpu_percent");
		vals[8] = rss_mib(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(pj, "hub_usage"), "end"));
		if ((po = cJSON_CreateObject()) == NULL)
			goto out;
		cJSON_AddItemToArray(arr, po);
		if (cJSON_AddNumberToObject(po, "users",
		    (double)rd->plateaus[i].users) == NULL)
			goto out;
		if ((cls ? cJSON_AddStringToObject(po, "latency_class", cls) :
		    cJSON_AddNullToObject(po, "latency_class")) == NULL)
			goto out;
		for (k = 0; k < 9; k++)
			if ((isnan(vals[k]) ? cJSON_AddNullToObject(po, keys[k]) :
			    cJSON_AddNumberToObject(po, keys[k], vals[k])) == NULL)
				goto out;
		if (!pl[i].have) {
			if (cJSON_AddNullToObject(po, "samples") == NULL ||
			    cJSON_AddStringToObject(po, "profile_error",
			    pl[i].why) == NULL)
				goto out;
			continue;
		}
		if (cJSON_AddNumberToObject(po, "samples",
		    (double)pl[i].s.total) == NULL ||
		    cJSON_AddNumberToObject(po, "malformed_lines",
		    (double)pl[i].s.malformed) == NULL ||
		    (top = cJSON_AddArrayToObject(po, "top")) == NULL)
			goto out;
		if (toptable_build(&t, &pl[i].s, 0, pl[i].rate, pl[i].ticks,
		    sort >= TOPTABLE_OWN_PCT && sort <= TOPTABLE_TOTAL ?
		    (enum toptable_sort)sort : TOPTABLE_OWN) != 0)
			goto out;
		for (k = 0; k < t.nrows && k < top_n; k++) {
			const struct toptable_row *tr = &t.rows[k];

			if ((row = cJSON_CreateObject()) == NULL)
				goto out;
			cJSON_AddItemToArray(top, row);
			if (cJSON_AddStringToObject(row, "function", tr->label) ==
			    NULL ||
			    cJSON_AddNumberToObject(row, "own_percent", t.ticks > 0 ?
			    100.0 * (double)tr->own / t.ticks : 0) == NULL ||
			    cJSON_AddNumberToObject(row, "total_percent", t.ticks > 0 ?
			    100.0 * (double)tr->total / t.ticks : 0) == NULL ||
			    cJSON_AddNumberToObject(row, "own_seconds",
			    (double)tr->own / t.rate) == NULL ||
			    cJSON_AddNumberToObject(row, "total_seconds",
			    (double)tr->total / t.rate) == NULL)
				goto out;
		}
		toptable_release(&t);
	}
	if ((*json = cJSON_Print(root)) == NULL)
		goto out;
	r = 0;
out:
	toptable_release(&t);
	cJSON_Delete(root);
	plats_free(pl, rd->nplateaus);
	return r ? hs_error(eb, r, "out of memory building the JSON summary") : 0;
}

int
report_diff(const struct rundata *a, long ua, const struct rundata *b, long ub,
    size_t max, struct buf *out, struct hs_errbuf *eb)
{
	const struct rundata_plateau *pa = rundata_plateau(a, ua);
	const struct rundata_plateau *pb = rundata_plateau(b, ub);
	struct stacks sa = STACKS_INIT, sb = STACKS_INIT;
	struct diff d = DIFF_INIT;
	char la[300], lb[300];
	int r;

	if (pa == NULL)
		return hs_error(eb, HS_EUSAGE, "no plateau with %ld users in "
		    "'%s'; see 'hubspy report %s'", ua, a->where, a->where);
	if (pb == NULL)
		return hs_error(eb, HS_EUSAGE, "no plateau with %ld users in "
		    "'%s'; see 'hubspy report %s'", ub, b->where, b->where);
	if ((r = stacks_init(&sa)) != 0 || (r = stacks_init(&sb)) != 0) {
		hs_error(eb, r, "out of memory");
		goto out;
	}
	if ((r = report_load_stacks(a, pa, &sa, eb)) != 0 ||
	    (r = report_load_stacks(b, pb, &sb, eb)) != 0)
		goto out;
	if (sa.total == 0 || sb.total == 0) {
		r = hs_error(eb, HS_EUSAGE, "the capture at %ld users has no "
		    "samples; nothing to compare", sa.total == 0 ? ua : ub);
		goto out;
	}
	if (a == b) {
		snprintf(la, sizeof(la), "%ld", ua);
		snprintf(lb, sizeof(lb), "%ld users", ub);
	} else {
		snprintf(la, sizeof(la), "%s (%ld users)", a->where, ua);
		snprintf(lb, sizeof(lb), "%s (%ld users)", b->where, ub);
	}
	if ((r = diff_build(&d, &sa, &sb)) != 0 ||
	    (r = buf_printf(out, "%llu samples at A, %llu at B; shares are per "
	    "cent of each capture's samples\n", (unsigned long long)sa.total,
	    (unsigned long long)sb.total)) != 0 ||
	    (r = diff_write_text(&d, out, max, 0.05, la, lb)) != 0) {
		nomem(eb, r, "the diff");
		goto out;
	}
	r = 0;
out:
	diff_release(&d);
	stacks_release(&sa);
	stacks_release(&sb);
	return r;
}
