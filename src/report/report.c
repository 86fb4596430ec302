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
#include "report/timeline.h"
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
	const struct record_plateau	*p;
	struct stacks			 s;
	int				 have;		/* a capture was read */
	char				 why[256];	/* why not */
	double				 rate, ticks;
	char				 tag[32];	/* "0100" */
};

/* ---- loading ---- */

int
report_load_stacks(const struct rundata *rd, const struct record_plateau *p,
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
		r = speedscope_read(s, data, len, record_rate(rd->rec), eb);
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
	const struct record_capture *rec;
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
		p->rate = record_rate(rd->rec);
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
		rec = record_capture_find(p->p, "record");
		secs = rec ? rec->seconds : NAN;
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
	buf_printf(o, "Total Samples %llu, %zu malformed line%s, %.0f Hz\n\n",
	    (unsigned long long)p->s.total, p->s.malformed,
	    p->s.malformed == 1 ? "" : "s", p->rate);
	r = toptable_write_text(&t, o, max_rows, 0);
	toptable_release(&t);
	/* the by-line table is built only for a buffer still good */
	if (r != 0 || max_rows != 0)
		return r;
	if ((r = toptable_build(&t, &p->s, 1, p->rate, p->ticks,
	    (enum toptable_sort)sort)) != 0)
		return r;
	buf_addstr(o, "\nby line:\n\n");
	r = toptable_write_text(&t, o, 0, 0);
	toptable_release(&t);
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

static void
esc(struct buf *o, const char *s)
{
	xml_escape(o, s ? s : "", s ? strlen(s) : 0);
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
	buf_addstr(o, "<table class=\"sortable top\"><thead><tr>"
	    "<th>%Own</th><th>%Total</th><th>OwnTime</th><th>TotalTime</th>"
	    "<th class=\"fn\">Function (filename)</th></tr></thead><tbody>\n");
	for (i = 0; i < t.nrows && i < HTML_TOP_ROWS; i++) {
		const struct toptable_row *row = &t.rows[i];
		double po = t.ticks > 0 ? 100.0 * (double)row->own / t.ticks : 0;
		double pt = t.ticks > 0 ? 100.0 * (double)row->total / t.ticks : 0;

		toptable_fmt_pct(a, sizeof(a), po);
		toptable_fmt_pct(b, sizeof(b), pt);
		toptable_fmt_time(c, sizeof(c), (double)row->own / t.rate);
		toptable_fmt_time(d, sizeof(d), (double)row->total / t.rate);
		buf_printf(o, "<tr><td data-v=\"%.4f\">%s</td>"
		    "<td data-v=\"%.4f\">%s</td><td data-v=\"%llu\">%ss</td>"
		    "<td data-v=\"%llu\">%ss</td><td class=\"fn\">", po, a, pt, b,
		    (unsigned long long)row->own, c,
		    (unsigned long long)row->total, d);
		esc(o, row->label);
		buf_addstr(o, "</td></tr>\n");
	}
	buf_printf(o, "</tbody></table><p class=\"note\">%zu of %zu functions; "
	    "all of them, and the by-line table, are in ",
	    t.nrows < HTML_TOP_ROWS ? t.nrows : (size_t)HTML_TOP_ROWS, t.nrows);
	esc(o, p->p->dir);
	buf_addstr(o, "/top-table.txt</p>\n");
	toptable_release(&t);
	return buf_error(o);
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

/* the dumps, stuck threads highlighted; unreadable ones are skipped, and
 * none is read once the buffer has failed */
static void
h_dumps(struct buf *o, const struct rundata *rd, const struct plat *p)
{
	struct hs_errbuf e2 = HS_ERRBUF_INIT;
	char rel[600], *stuck = NULL, *data = NULL;
	size_t len, slen = 0;
	int k, nd = 0, mark;

	snprintf(rel, sizeof(rel), "%s/stuck.txt", p->p->dir);
	if (rundata_has(rd, rel))
		(void)rundata_read(rd, rel, &stuck, &slen, TEXT_MAX, &e2);
	if (stuck != NULL && slen > 0) {
		buf_addstr(o, "<h4>Stuck threads (stack unchanged across dumps)"
		    "</h4><pre class=\"stuckfile\">");
		xml_escape(o, stuck, slen);
		buf_addstr(o, "</pre>\n");
	}
	for (k = 1; k <= MAX_DUMPS && buf_error(o) == 0; k++) {
		const char *line, *end, *nl;

		snprintf(rel, sizeof(rel), "%s/dump-%d.txt", p->p->dir, k);
		if (!rundata_has(rd, rel))
			break;
		if (rundata_read(rd, rel, &data, &len, TEXT_MAX, &e2) != 0)
			continue;
		nd++;
		buf_printf(o, "<details%s><summary>dump %d</summary><pre>",
		    k == 1 ? " open=\"open\"" : "", k);
		mark = 0;
		for (line = data, end = data + len; line < end; line = nl + 1) {
			if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
				nl = end;
			if (strncmp(line, "Thread ", 7) == 0 || nl == line)
				mark = is_stuck(stuck, line, (size_t)(nl - line));
			if (mark)
				buf_addstr(o, "<span class=\"stuck\">");
			xml_escape(o, line, (size_t)(nl - line));
			if (mark)
				buf_addstr(o, "</span>");
			buf_addch(o, '\n');
		}
		buf_addstr(o, "</pre></details>\n");
		free(data);
		data = NULL;
	}
	if (nd == 0)
		buf_addstr(o, "<p class=\"note\">no dumps</p>\n");
	free(stuck);
}

/* the sessions' own classes (sessions.mode browse): p50 of each class any
 * plateau has, beside the client latency chart; nothing without sessions.
 * c holds the x axis; se, y (4 rows of c->n + 1) and names are scratch;
 * appends plainly (the caller checks o's sticky error once) */
static void
h_session_chart(struct buf *o, const struct run_record *rec,
    struct chart *c, struct chart_series *se, double *y, char names[][48])
{
	static const char *const scls[] = { "login", "page", "own_api",
	    "proxy" };
	size_t i, k, ns = 0;

	for (k = 0; k < 4; k++) {
		double *yk = y + ns * (c->n + 1);
		int any = 0;

		for (i = 0; i < c->n; i++) {
			const struct record_class *cj = record_class_find(
			    &rec->plateaus[i], scls[k]);

			yk[i] = cj ? cj->latency_ms.p50 : NAN;
			any |= cj != NULL;
		}
		if (!any)
			continue;
		snprintf(names[ns], 48, "%s p50", scls[k]);
		se[ns] = (struct chart_series){ names[ns], yk, 0 };
		ns++;
	}
	if (ns == 0)
		return;
	c->title = "Session latency (users' own requests)";
	c->ylabel = "ms";
	c->nseries = ns;
	(void)chart_render(c, o);
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
	const struct run_record *rec = rd->rec;

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
		const struct record_plateau *p = &rec->plateaus[i];
		size_t k;

		for (k = 0; k < p->nclasses; k++) {
			const struct record_class *cj = &p->classes[k];

			for (j = 0; j < ncls; j++)
				if (strcmp(cls[j], cj->name) == 0)
					break;
			if (j == ncls && ncls < 3 && !isnan(cj->latency_ms.p99))
				cls[ncls++] = cj->name;
		}
	}
	for (j = 0; j < ncls; j++) {
		snprintf(sname[2 * j], sizeof(sname[0]), "%s p50", cls[j]);
		snprintf(sname[2 * j + 1], sizeof(sname[0]), "%s p99", cls[j]);
		for (i = 0; i < n; i++) {
			const struct record_class *cj = record_class_find(
			    &rec->plateaus[i], cls[j]);

			Y(2 * j)[i] = cj ? cj->latency_ms.p50 : NAN;
			Y(2 * j + 1)[i] = cj ? cj->latency_ms.p99 : NAN;
		}
		se[2 * j] = (struct chart_series){ sname[2 * j], Y(2 * j), 1 };
		se[2 * j + 1] = (struct chart_series){ sname[2 * j + 1],
		    Y(2 * j + 1), 0 };
	}
	c.title = "Client latency";
	c.ylabel = "ms";
	c.nseries = 2 * ncls;
	c.logx = 1;
	buf_addstr(o, "<div class=\"charts\">\n");
	chart_render(&c, o);
	h_session_chart(o, rec, &c, se, Y(0), sname);
	for (i = 0; i < n; i++) {
		struct record_row w;

		record_row(&rec->plateaus[i], &w);
		Y(6)[i] = w.v[RC_RPS];
		Y(7)[i] = w.v[RC_429];
		Y(8)[i] = w.v[RC_ERRORS];
		Y(9)[i] = w.v[RC_CPU];
		Y(10)[i] = w.v[RC_RSS];
	}
	se[0] = (struct chart_series){ "req/s (hold)", Y(6), 0 };
	c.title = "Request rate";
	c.ylabel = "requests per second";
	c.nseries = 1;
	chart_render(&c, o);
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
	chart_render(&c, o);
	se[0] = (struct chart_series){ "hub CPU %", Y(9), 0 };
	c.title = "Hub CPU during hold";
	c.ylabel = "% of one core";
	c.nseries = 1;
	chart_render(&c, o);
	/* memory: each plateau, then after purge */
	Y(10)[n] = record_usage_mib(&rec->after_purge);
	names[n] = "after purge";
	c.n = n + 1;
	se[0] = (struct chart_series){ "hub RSS", Y(10), 0 };
	c.title = "Hub memory";
	c.ylabel = "MiB";
	chart_render(&c, o);
	c.n = n;
	c.xnames = NULL;
	c.bars = 0;
	c.logx = 1;
	{
		static const char *const q[] = { "p50", "p90", "p99", "max" };

		for (i = 0; i < n; i++) {
			const struct record_quantiles *sq =
			    &rec->plateaus[i].spawn_seconds;

			Y(0)[i] = sq->p50;
			Y(1)[i] = sq->p90;
			Y(2)[i] = sq->p99;
			Y(3)[i] = sq->max;
		}
		for (j = 0; j < 4; j++)
			se[j] = (struct chart_series){ q[j], Y(j), j == 3 };
	}
	c.title = "Spawn time distribution";
	c.ylabel = "seconds";
	c.nseries = 4;
	chart_render(&c, o);
	/* the ramp timeline */
	ns = rec->ntimeline;
	if ((sp = calloc(ns ? ns : 1, sizeof(*sp))) == NULL)
		goto out;
	{
		double t0 = NAN;
		char (*sl)[48] = calloc(ns ? ns : 1, sizeof(*sl));

		if (sl == NULL)
			goto out;
		for (i = 0; i < ns; i++) {
			double s0 = timeline_iso_seconds(rec->timeline[i].start);

			if (!isnan(s0) && (isnan(t0) || s0 < t0))
				t0 = s0;
		}
		j = 0;
		for (i = 0; i < ns; i++) {
			const struct record_phase *t = &rec->timeline[i];
			double s0 = timeline_iso_seconds(t->start);
			double s1 = timeline_iso_seconds(t->end);
			const char *ph = t->phase;

			if (isnan(s0) || isnan(s1) || ph[0] == '\0' || j >= ns)
				continue;
			if (t->plateau < 0)
				snprintf(sl[j], sizeof(sl[j]), "%s", ph);
			else
				snprintf(sl[j], sizeof(sl[j]), "%ld", t->plateau);
			sp[j].label = sl[j];
			sp[j].kind = ph;
			sp[j].start = s0 - t0;
			sp[j].end = s1 - t0;
			j++;
		}
		chart_timeline("Run timeline (seconds since start)", sp, j, o);
		free(sl);
	}
	buf_addstr(o, "</div>\n");
	r = buf_error(o);
#undef Y
out:
	free(sp);
	free(x);
	free(ys);
	free(names);
	free(lab);
	return r;
}

static void
h_summary(struct buf *o, const struct rundata *rd, const struct plat *pl)
{
	static const enum record_col cols[] = { RC_READY, RC_FAILED, RC_RAMP,
	    RC_P50, RC_P99, RC_RPS, RC_429, RC_ERRORS, RC_CPU, RC_RSS };
	char v[12][48];
	size_t i;

	buf_addstr(o, "<table class=\"sortable summary\"><thead><tr>"
	    "<th>users</th><th>ready</th><th>failed</th><th>ramp s</th>"
	    "<th>class</th><th>p50 ms</th><th>p99 ms</th><th>req/s</th>"
	    "<th>429s</th><th>errors</th><th>hub CPU %</th><th>hub RSS MiB</th>"
	    "<th>samples</th></tr></thead><tbody>\n");
	for (i = 0; i < rd->nplateaus; i++) {
		struct record_row w;
		const char *cls;
		size_t k;

		record_row(&rd->plateaus[i], &w);
		cls = w.cls;
		for (k = 0; k < 10; k++)
			snprintf(v[k], 48, "%s", w.s[cols[k]]);
		if (pl[i].have)
			snprintf(v[10], 48, "%llu", (unsigned long long)pl[i].s.total);
		else
			snprintf(v[10], 48, "-");
		buf_printf(o, "<tr><td data-v=\"%ld\"><a href=\"#p%s\">%ld</a></td>",
		    rd->plateaus[i].users, pl[i].tag, rd->plateaus[i].users);
		for (k = 0; k < 11; k++) {
			if (k == 3) {
				buf_addstr(o, "<td>");
				esc(o, cls ? cls : "-");
				buf_addstr(o, "</td>");
			}
			buf_printf(o, "<td data-v=\"%s\">%s</td>",
			    strcmp(v[k], "-") == 0 ? "-1" : v[k], v[k]);
		}
		buf_addstr(o, "</tr>\n");
	}
	buf_addstr(o, "</tbody></table>\n");
}

/* the sessions' own request classes (sessions.mode browse) per plateau:
 * requests, latency, non-2xx answers; nothing without sessions */
static void
h_sessions(struct buf *o, const struct rundata *rd)
{
	static const char *const scls[] = { "mint", "login", "oauth", "page",
	    "own_api", "proxy", "progress" };
	size_t i, k, j;
	int any = 0;

	for (i = 0; i < rd->nplateaus; i++)
		for (k = 0; k < 7; k++) {
			const struct record_class *c = record_class_find(
			    &rd->plateaus[i], scls[k]);
			char q50[32], q99[32];
			long long other = 0;

			if (c == NULL)
				continue;
			if (!any++)
				buf_addstr(o, "<h2>Sessions</h2>\n<table "
				    "class=\"sortable sessions\"><thead><tr>"
				    "<th>users</th><th>class</th><th>requests"
				    "</th><th>p50 ms</th><th>p99 ms</th><th>"
				    "non-2xx</th></tr></thead><tbody>\n");
			for (j = 0; j < c->nstatus; j++)
				if (strcmp(c->status[j].key, "2xx") != 0)
					other += c->status[j].n;
			buf_printf(o, "<tr><td data-v=\"%ld\">%ld</td><td>%s"
			    "</td><td data-v=\"%lld\">%lld</td>",
			    rd->plateaus[i].users, rd->plateaus[i].users,
			    scls[k], c->count, c->count);
			record_fmt(q50, sizeof(q50), "%.1f", c->latency_ms.p50);
			record_fmt(q99, sizeof(q99), "%.1f", c->latency_ms.p99);
			buf_printf(o, "<td data-v=\"%.3f\">%s</td><td "
			    "data-v=\"%.3f\">%s</td>", isnan(
			    c->latency_ms.p50) ? -1 : c->latency_ms.p50, q50,
			    isnan(c->latency_ms.p99) ? -1 : c->latency_ms.p99,
			    q99);
			buf_printf(o, "<td data-v=\"%lld\">%lld</td></tr>\n",
			    c->has_status ? other : -1, c->has_status ? other :
			    0);
		}
	if (any)
		buf_addstr(o, "</tbody></table>\n<p class=\"note\">the users' "
		    "own requests, with their own credentials: mint (the "
		    "service token minting each user's token), login (the "
		    "form, GET and POST; its 302 is the success), oauth (each "
		    "hop of opening the user's server as a browser: the "
		    "server's redirect to the hub's authorize, the hub's back, "
		    "the callback that exchanges the code), page (hub "
		    "pages with the login cookie), own_api (GET /hub/api/user "
		    "with the user's token), proxy (the user's server through "
		    "the public proxy), progress (the spawn's event stream, "
		    "open to end, read while the server starts).</p>\n");
}

static void
h_captures(struct buf *o, const struct plat *p)
{
	size_t i;

	for (i = 0; i < p->p->ncaptures; i++) {
		const struct record_capture *c = &p->p->captures[i];

		if (c->failure == NULL)
			continue;
		buf_addstr(o, "<p class=\"warn\">");
		esc(o, c->kind);
		buf_addstr(o, " failed: ");
		esc(o, c->failure);
		if (c->message) {
			buf_addstr(o, ": ");
			esc(o, c->message);
		}
		buf_addstr(o, "</p>\n");
	}
}

/*
 * The plateau's spawn phases: stacked bars of the sample's phase medians
 * (and p90s), beside the hub's own spawn (server_spawn_duration_seconds)
 * and proxy-add (proxy_add_duration_seconds) means over the ramp where
 * its metrics were read; the p90s and counts in each tooltip and a line.
 */
static void
h_phases(struct buf *o, const struct rundata *rd, const struct plat *p)
{
	static const char *const parts[] = { "request -> accepted",
	    "accepted -> first event", "first event -> ready", "hub's own" };
	const struct record_phases *ph = &p->p->phases;
	struct chart_bar bars[4];
	char tips[2][3][160], htip[2][160], line[600], title[80];
	size_t k = (size_t)(p->p - rd->plateaus), nb = 0, i, j;
	double c, mean;

	if (!p->p->has_phases || ph->sampled <= 0)
		return;
	memset(bars, 0, sizeof(bars));
	for (i = 0; i < 2; i++) {
		bars[nb].label = i == 0 ? "sampled spawns, p50" :
		    "sampled spawns, p90";
		for (j = 0; j < 3; j++) {
			const struct record_quantiles *q = &ph->q[j];

			bars[nb].v[j] = i == 0 ? q->p50 : q->p90;
			snprintf(tips[i][j], sizeof(tips[i][j]), "%s: p50 %.3f s, "
			    "p90 %.3f s, max %.3f s", parts[j], q->p50, q->p90,
			    q->max);
			bars[nb].tip[j] = tips[i][j];
		}
		bars[nb].v[3] = NAN;
		nb++;
	}
	for (i = 0; i < 2; i++) {
		enum record_hub_hist w = i == 0 ? RH_SPAWN : RH_PROXY_ADD;

		if (record_hub_ramp_mean(rd->rec, k, w, &c, &mean) != 0)
			continue;
		bars[nb].label = i == 0 ? "hub: server_spawn_duration, mean" :
		    "hub: proxy_add_duration, mean";
		bars[nb].v[0] = bars[nb].v[1] = bars[nb].v[2] = NAN;
		bars[nb].v[3] = mean;
		snprintf(htip[i], sizeof(htip[i]), "%s_seconds (success, %.0f "
		    "during the ramp): mean %.3f s", i == 0 ?
		    "server_spawn_duration" : "proxy_add_duration", c, mean);
		bars[nb].tip[3] = htip[i];
		nb++;
	}
	buf_addstr(o, "<h3>Spawn phases</h3>\n<div class=\"phases\">");
	snprintf(title, sizeof(title), "Spawn phases: %ld users",
	    p->p->users);
	(void)chart_stacked(title, parts, 4, bars, nb, "s", o);
	record_phases_line(p->p, line, sizeof(line));
	buf_addstr(o, "</div>\n<p class=\"phaseline\">");
	esc(o, line);
	buf_addstr(o, "</p>\n<p class=\"note\">a sample of spawns (the "
	    "first whose start was accepted while a progress stream was "
	    "free: spawn_phases.streams); the hub's own bars are means over "
	    "the ramp from its /hub/metrics, where they were read.</p>\n");
}

static int
h_plateau(struct buf *o, const struct rundata *rd, const struct plat *p,
    const char *profile)
{
	struct flame_opts fo = FLAME_OPTS_INIT;
	char title[300], id[64];
	int r;

	buf_printf(o, "<h2 id=\"p%s\">%ld users</h2>\n", p->tag, p->p->users);
	h_phases(o, rd, p);
	h_captures(o, p);
	if (!p->have) {
		buf_addstr(o, "<p class=\"warn\">no profile: ");
		esc(o, p->why);
		buf_addstr(o, "</p>\n");
	} else {
		buf_printf(o, "<p class=\"note\">%llu samples from %zu stacks at "
		    "%.0f Hz", (unsigned long long)p->s.total, p->s.lines,
		    p->rate);
		if (p->s.malformed > 0)
			buf_printf(o, "; <span class=\"warn\">%zu malformed line%s "
			    "skipped (first: line %zu)</span>", p->s.malformed,
			    p->s.malformed == 1 ? "" : "s", p->s.first_bad);
		buf_addstr(o, ". Speedscope: <a href=\"");
		esc(o, p->p->dir);
		buf_addstr(o, "/record.speedscope.json\">");
		esc(o, p->p->dir);
		buf_addstr(o, "/record.speedscope.json</a> (open it in "
		    "speedscope.app).</p>\n");
		snprintf(title, sizeof(title), "hubspy %s: %ld users", profile,
		    p->p->users);
		snprintf(id, sizeof(id), "flame-%s", p->tag);
		fo.title = title;
		fo.embed = 1;
		fo.id = id;
		/* flame_render() checks the buffer before its walk, and returns
		 * its error: the top table is not built for a failed one */
		if ((r = flame_render(&p->s, &fo, o)) != 0)
			return r;
		buf_addstr(o, "<h3>Top functions</h3>\n");
		if ((r = h_top_table(o, p)) != 0)
			return r;
	}
	buf_addstr(o, "<h3>Dumps</h3>\n");
	h_dumps(o, rd, p);
	return buf_error(o);
}

static int
h_diffs(struct buf *o, struct plat *pl, size_t n, const char *profile)
{
	size_t pairs[64][2], np, i;
	char title[300], la[64], lb[64], id[80], dl[64];
	struct diff d = DIFF_INIT;
	int r = 0;

	np = diff_pairs(pl, n, pairs, 64);
	if (np == 0) {
		buf_addstr(o, "<p class=\"note\">fewer than two plateaus with a "
		    "profile: nothing to compare</p>\n");
		return buf_error(o);
	}
	/* diff_render() returns the buffer's error: no diff is built after */
	for (i = 0; i < np && r == 0; i++) {
		struct plat *a = &pl[pairs[i][0]], *b = &pl[pairs[i][1]];
		char line[1024];
		size_t k;

		snprintf(la, sizeof(la), "%ld", a->p->users);
		snprintf(lb, sizeof(lb), "%ld users", b->p->users);
		diff_label(a, b, dl, sizeof(dl));
		if ((r = diff_build(&d, &a->s, &b->s)) != 0)
			break;
		buf_printf(o, "<h3 id=\"d%s\">%ld to %ld users</h3>\n", dl,
		    a->p->users, b->p->users);
		if (d.nmovers > 0) {
			diff_sentence(&d.movers[d.headline], la, lb, line, sizeof(line));
			buf_addstr(o, "<p><b>");
			esc(o, line);
			buf_addstr(o, "</b></p>\n");
		}
		buf_printf(o, "<table class=\"sortable movers\"><thead>"
		    "<tr><th>%%Total at %ld</th><th>%%Total at %ld</th>"
		    "<th>change (points)</th><th>%%Own at %ld</th>"
		    "<th>%%Own at %ld</th><th class=\"fn\">Function (filename)"
		    "</th></tr></thead><tbody>\n", a->p->users, b->p->users,
		    a->p->users, b->p->users);
		for (k = 0; k < d.nmovers && k < 15; k++) {
			const struct diff_mover *m = &d.movers[k];

			if (fabs(m->b_pct - m->a_pct) < 0.05)
				break;
			buf_printf(o, "<tr><td data-v=\"%.4f\">%.2f%%</td>"
			    "<td data-v=\"%.4f\">%.2f%%</td><td data-v=\"%.4f\" "
			    "style=\"color:%s\">%+.2f</td><td data-v=\"%.4f\">"
			    "%.2f%%</td><td data-v=\"%.4f\">%.2f%%</td>"
			    "<td class=\"fn\">", m->a_pct, m->a_pct, m->b_pct,
			    m->b_pct, m->b_pct - m->a_pct, m->b_pct > m->a_pct ?
			    "#c00" : "#00c", m->b_pct - m->a_pct, m->a_own,
			    m->a_own, m->b_own, m->b_own);
			esc(o, m->label);
			buf_addstr(o, "</td></tr>\n");
		}
		buf_addstr(o, "</tbody></table>\n");
		snprintf(title, sizeof(title), "hubspy %s: %ld users against %ld "
		    "users", profile, b->p->users, a->p->users);
		snprintf(id, sizeof(id), "diff-%s", dl);
		r = diff_render(&a->s, &b->s, title, 1, id, o);
		diff_release(&d);
	}
	return r;
}

/* prefix and s, when the record has s */
static void
h_part(struct buf *o, const char *prefix, const char *s)
{
	if (s == NULL)
		return;
	buf_addstr(o, prefix);
	esc(o, s);
}

/* "CREATED — hub VERSION at URL — target TRANSPORT pod POD pid PID, py-spy
 * VERSION": the parts the record has, py-spy "missing" when the target was
 * reached without it */
static void
h_headline(struct buf *o, const struct run_record *rec)
{
	const char *sep = rec->created ? " &#8212; " : "";

	buf_addstr(o, "<p>");
	h_part(o, "", rec->created);
	if (rec->has_hub && (rec->hub.version || rec->hub.url)) {
		buf_printf(o, "%shub", sep);
		h_part(o, " ", rec->hub.version);
		h_part(o, " at ", rec->hub.url);
		sep = " &#8212; ";
	}
	if (rec->has_target) {
		buf_printf(o, "%starget", sep);
		h_part(o, " ", rec->target.transport);
		h_part(o, " pod ", rec->target.pod);
		if (!isnan(rec->target.pid))
			buf_printf(o, " pid %.0f", rec->target.pid);
		buf_addstr(o, ", py-spy ");
		esc(o, rec->target.pyspy ? rec->target.pyspy : "missing");
	}
	buf_addstr(o, "</p>\n");
}

static int
html(struct buf *o, const struct rundata *rd, struct plat *pl,
    struct hs_errbuf *eb)
{
	const struct run_record *rec = rd->rec;
	const char *profile = rec->profile_name;
	size_t i;
	int r;

	if (profile == NULL)
		profile = "run";
	buf_addstr(o, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/"
	    "1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	    "'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
	    "img-src data:\"/><title>hubspy report: ");
	esc(o, profile);
	buf_printf(o, "</title>\n<style type=\"text/css\">/*<![CDATA[*/"
	    "%s/*]]>*/</style>\n</head>\n<body>\n<h1>hubspy report: ", css);
	esc(o, profile);
	buf_addstr(o, "</h1>\n");
	h_headline(o, rec);
	if (rec->partial) {
		buf_addstr(o, "<p class=\"warn\">partial run: ");
		esc(o, rec->partial_reason);
		buf_addstr(o, "</p>\n");
	}
	buf_addstr(o, "<p id=\"jserrors\" class=\"warn\"></p>"
	    "<pre id=\"selftest\" style=\"display:none\"></pre>\n"
	    "<div id=\"searchbar\">Search all flamegraphs (regular expression): "
	    "<input id=\"search\" type=\"text\" size=\"40\"/> "
	    "<span class=\"note\">hover a frame for details, click to zoom, "
	    "click Reset Zoom to go back; tables sort by a click on a column"
	    "</span></div>\n");
	/* the stalls first: what a slow-sometimes hub is about */
	if ((r = timeline_html(o, rd, profile)) != 0)
		goto fail;
	buf_addstr(o, "<h2>Summary</h2>\n");
	/* the event loop leads each plateau: the hub's saturation signal */
	buf_addstr(o, "<ul class=\"loop\">\n");
	for (i = 0; i < rd->nplateaus; i++) {
		char line[400];

		record_loop_line(&rd->plateaus[i], line, sizeof(line));
		buf_printf(o, "<li><b>%ld users</b>: ", rd->plateaus[i].users);
		esc(o, line);
		buf_addstr(o, "</li>\n");
	}
	buf_addstr(o, "</ul>\n");
	h_summary(o, rd, pl);
	buf_addstr(o, "<p class=\"note\">latency is the quoted request class "
	    "(probe requests during the hold when present); errors are all "
	    "responses but 2xx, 3xx and 429, plus network failures.</p>\n");
	h_sessions(o, rd);
	buf_addstr(o, "<h2>Charts</h2>\n");
	/* each step below returns the buffer's error: nothing more is
	 * rendered into a failed buffer */
	if ((r = h_charts(o, rd)) != 0)
		goto fail;
	for (i = 0; i < rd->nplateaus; i++)
		if ((r = h_plateau(o, rd, &pl[i], profile)) != 0)
			goto fail;
	buf_addstr(o, "<h2>What changed between plateaus</h2>\n<p "
	    "class=\"note\">shares are per cent of each plateau's samples, so "
	    "captures of different lengths compare; red frames take a larger "
	    "share than before, blue a smaller one</p>\n");
	if ((r = h_diffs(o, pl, rd->nplateaus, profile)) != 0)
		goto fail;
	buf_addstr(o, "<script type=\"text/javascript\">//<![CDATA[\n");
	buf_addstr(o, flame_script());
	buf_addstr(o, page_script);
	buf_addstr(o, "//]]></script>\n</body></html>\n");
	if ((r = buf_error(o)) == 0)
		return 0;
fail:
	/* an add that failed unchecked came before an allocation's r */
	return nomem(eb, buf_error(o) ? buf_error(o) : r, "report.html");
}

int
report_build(const struct rundata *rd, const char *outdir,
    const char *html_path, struct hs_errbuf *eb)
{
	struct buf o = BUF_INIT(OUT_MAX);
	struct plat *pl = NULL;
	const char *profile = rd->rec->profile_name;
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
report_write_dir(const char *rundir, const struct run_record *rec,
    struct hs_errbuf *eb)
{
	return report_write_dir_filtered(rundir, rec, NULL, eb);
}

int
report_write_dir_filtered(const char *rundir, const struct run_record *rec,
    const struct rundata_filter *filter, struct hs_errbuf *eb)
{
	struct rundata rd = RUNDATA_INIT;
	char path[4200];
	int r;

	if ((r = rec != NULL ? rundata_use_dir(&rd, rundir, rec, eb) :
	    rundata_open_dir(&rd, rundir, eb)) != 0)
		goto out;
	rd.filter = filter;
	snprintf(path, sizeof(path), "%s/report.html", rundir);
	r = report_build(&rd, rundir, path, eb);
out:
	rundata_release(&rd);
	return r;
}

/* ---- terminal and JSON ---- */

/* the sessions' own classes in the terminal summary, a line per plateau
 * that has any: "sessions at 10 users: proxy 118 p50 7.0 ms, ..." */
static void
t_sessions(struct buf *o, const struct rundata *rd)
{
	static const char *const scls[] = { "mint", "login", "progress",
	    "oauth", "page", "own_api", "proxy" };
	size_t i, k;

	for (i = 0; i < rd->nplateaus; i++) {
		char q50[32];
		int n = 0;

		for (k = 0; k < 7; k++) {
			const struct record_class *c = record_class_find(
			    &rd->plateaus[i], scls[k]);

			if (c == NULL)
				continue;
			if (n++ == 0)
				buf_printf(o, "sessions at %ld users:",
				    rd->plateaus[i].users);
			record_fmt(q50, sizeof(q50), "%.1f", c->latency_ms.p50);
			buf_printf(o, "%s %s %lld p50 %s ms", n > 1 ? "," : "",
			    scls[k], c->count, q50);
		}
		if (n > 0)
			buf_addch(o, '\n');
	}
}

int
report_summary(const struct rundata *rd, size_t top_n, int sort,
    struct buf *o, struct hs_errbuf *eb)
{
	struct plat *pl = NULL;
	const struct run_record *rec = rd->rec;
	const char *profile = rec->profile_name;
	size_t i;
	double m;
	int r;

	if ((r = plats_load(rd, &pl, eb)) != 0)
		return r;
	buf_printf(o, "hubspy run '%s' created %s, hub %s, schema %d\n",
	    profile ? profile : "?", rec->created ? rec->created : "?",
	    rec->hub.version ? rec->hub.version : "?", rec->schema);
	if (rec->partial)
		buf_printf(o, "partial run: %s\n", rec->partial_reason ?
		    rec->partial_reason : "no reason recorded");
	for (i = 0; i < rd->nplateaus; i++) {
		char line[400];

		record_loop_line(&rd->plateaus[i], line, sizeof(line));
		buf_printf(o, "%s%ld users: %s\n", i ? "" : "\n",
		    rd->plateaus[i].users, line);
	}
	buf_printf(o, "\n%7s %6s %6s %-8s %8s %8s %7s %6s %6s %8s %8s\n",
	    "users", "ready", "failed", "class", "p50 ms", "p99 ms", "req/s",
	    "429s", "errors", "hub CPU", "RSS MiB");
	for (i = 0; i < rd->nplateaus; i++) {
		struct record_row w;
		char cpu[40];

		record_row(&rd->plateaus[i], &w);
		record_fmt(cpu, sizeof(cpu), "%.1f%%", w.v[RC_CPU]);
		buf_printf(o, "%7ld %6s %6s %-8.8s %8s %8s %7s %6s %6s %8s %8s\n",
		    rd->plateaus[i].users, w.s[RC_READY], w.s[RC_FAILED],
		    w.cls ? w.cls : "-", w.s[RC_P50], w.s[RC_P99], w.s[RC_RPS],
		    w.s[RC_429], w.s[RC_ERRORS], cpu, w.s[RC_RSS]);
	}
	m = record_usage_mib(&rec->after_purge);
	if (!isnan(m))
		buf_printf(o, "after purge: hub RSS %.0f MiB\n", m);
	t_sessions(o, rd);
	/* a top table is built only for a buffer still good; its failure
	 * (out of memory, or the summary's cap) is said as it is */
	for (i = 0; top_n > 0 && i < rd->nplateaus; i++) {
		buf_printf(o, "\n%ld users: ", pl[i].p->users);
		if (!pl[i].have) {
			buf_printf(o, "no profile (%s)\n", pl[i].why);
			continue;
		}
		buf_printf(o, "%llu samples", (unsigned long long)pl[i].s.total);
		if (pl[i].s.malformed > 0)
			buf_printf(o, ", %zu malformed lines skipped",
			    pl[i].s.malformed);
		buf_addstr(o, "\n");
		if ((r = buf_error(o)) != 0)
			break;
		if ((r = top_text(&pl[i], o, top_n, sort)) != 0)
			break;
	}
	if (r == 0)
		r = buf_error(o);
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
	    cJSON_AddNumberToObject(root, "schema", rd->rec->schema) == NULL ||
	    cJSON_AddStringToObject(root, "profile_name",
	    rd->rec->profile_name ? rd->rec->profile_name : "") == NULL ||
	    (arr = cJSON_AddArrayToObject(root, "plateaus")) == NULL)
		goto out;
	for (i = 0; i < rd->nplateaus; i++) {
		static const char *const keys[] = { "ready", "failed", "p50_ms",
		    "p99_ms", "requests_per_second", "count_429", "errors",
		    "hub_cpu_percent", "hub_rss_mib" };
		static const enum record_col cols[] = { RC_READY, RC_FAILED,
		    RC_P50, RC_P99, RC_RPS, RC_429, RC_ERRORS, RC_CPU, RC_RSS };
		struct record_row w;
		const char *cls;
		double vals[9];

		record_row(&rd->plateaus[i], &w);
		cls = w.cls;
		for (k = 0; k < 9; k++)
			vals[k] = w.v[cols[k]];
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
	const struct record_plateau *pa = rundata_plateau(a, ua);
	const struct record_plateau *pb = rundata_plateau(b, ub);
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
	if ((r = diff_build(&d, &sa, &sb)) == 0) {
		buf_printf(out, "%llu samples at A, %llu at B; shares are per "
		    "cent of each capture's samples\n",
		    (unsigned long long)sa.total, (unsigned long long)sb.total);
		r = diff_write_text(&d, out, max, 0.05, la, lb);
	}
	if (r != 0)
		nomem(eb, r, "the diff");
out:
	diff_release(&d);
	stacks_release(&sa);
	stacks_release(&sb);
	return r;
}
