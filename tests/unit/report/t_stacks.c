/* t_report.c -- unit tests: stack parsing, top-table numbers, escaping,
 * speedscope round trip, manifest schema checks */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "report/chart.h"
#include "report/diff.h"
#include "report/flame.h"
#include "report/rundata.h"
#include "report/speedscope.h"
#include "report/stacks.h"
#include "report/toptable.h"
#include "unit.h"

UNIT_TEST(stacks_lines)
{
	static const struct {
		const char	*line;
		int		 good;
		unsigned	 count;
		int		 depth;
	} cases[] = {
		{ "a (x.py:1);b (x.py:2) 5", 1, 5, 2 },
		{ "a (x.py:1) 0", 1, 0, 1 },
		{ "name with spaces (x.py:3) 7", 1, 7, 1 },
		{ "thread (8): Main Thread;a (x.py:1) 2", 1, 2, 2 },
		{ "process 1:\"python a b\";a 3", 1, 3, 2 },
		{ "f(x) (m.py:2) 1", 1, 1, 1 },
		{ "a (x.py:1) 5\r", 1, 5, 1 },
		{ "a (x.py:1)", 0, 0, 0 },
		{ "a (x.py:1) 5 ", 0, 0, 0 },
		{ "a;;b 3", 0, 0, 0 },
		{ ";a 3", 0, 0, 0 },
		{ "a; 3", 0, 0, 0 },
		{ " 3", 0, 0, 0 },
		{ "a -3", 0, 0, 0 },
		{ "a 12345678901234567", 0, 0, 0 },
		{ "py-spy> Wrote raw 3", 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stacks s;
		uint32_t n;
		int d = 0;

		CHECK_INT(stacks_init(&s), 0);
		CHECK_INT(stacks_add_line(&s, cases[i].line,
		    strlen(cases[i].line)), 0);
		CHECK_INT(s.malformed, cases[i].good ? 0 : 1);
		CHECK_INT(s.lines, cases[i].good ? 1 : 0);
		CHECK_INT(s.total, cases[i].count);
		for (n = s.nodes[STACKS_ROOT].child; n != 0; n = s.nodes[n].child)
			d++;
		CHECK_INT(d, cases[i].depth);
		stacks_release(&s);
	}
}

UNIT_TEST(stacks_split_frames)
{
	static const struct {
		const char *in, *name, *file;
		int line;
	} cases[] = {
		{ "busy (app.py:3)", "busy", "app.py", 3 },
		{ "<module> (<frozen importlib._bootstrap>:1022)", "<module>",
		  "<frozen importlib._bootstrap>", 1022 },
		{ "read (libc.so.6)", "read", "libc.so.6", 0 },
		{ "weird (x) (m.py:5)", "weird (x)", "m.py", 5 },
		{ "bare", "bare", "", 0 },
		{ "odd (c:\\x.py:12)", "odd", "c:\\x.py", 12 },
	};
	size_t i, nl, fl;
	const char *n, *f;
	int line;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char a[128], b[128];

		stacks_split(cases[i].in, strlen(cases[i].in), &n, &nl, &f, &fl,
		    &line);
		snprintf(a, sizeof(a), "%.*s", (int)nl, n);
		snprintf(b, sizeof(b), "%.*s", (int)fl, f);
		CHECK_STR(a, cases[i].name);
		CHECK_STR(b, cases[i].file);
		CHECK_INT(line, cases[i].line);
	}
}

UNIT_TEST(stacks_merge_and_reuse)
{
	static const char raw[] =
	    "t (a.py:1);u (a.py:2);v (a.py:3) 2\n"
	    "t (a.py:1);u (a.py:2);w (a.py:4) 3\n"
	    "t (a.py:1);u (a.py:2);v (a.py:3) 4\n"
	    "x (b.py:1);u (a.py:2) 1\n";
	struct stacks s;
	int64_t t, u, v;
	uint32_t nt, nu, nv;

	CHECK_INT(stacks_init(&s), 0);
	CHECK_INT(stacks_parse_raw(&s, raw, sizeof(raw) - 1), 0);
	CHECK_INT(s.total, 10);
	CHECK_INT(s.lines, 4);
	t = stacks_find_name(&s, "t (a.py:1)", 10);
	u = stacks_find_name(&s, "u (a.py:2)", 10);
	v = stacks_find_name(&s, "v (a.py:3)", 10);
	CHECK(t >= 0 && u >= 0 && v >= 0);
	nt = stacks_child(&s, STACKS_ROOT, (uint32_t)t);
	nu = stacks_child(&s, nt, (uint32_t)u);
	nv = stacks_child(&s, nu, (uint32_t)v);
	CHECK_INT(s.nodes[nt].total, 9);
	CHECK_INT(s.nodes[nu].self, 0);
	CHECK_INT(s.nodes[nv].self, 6);
	/* root + t,u,v,w + x,u */
	CHECK_INT(s.nnodes, 7);
	stacks_release(&s);
}

UNIT_TEST(toptable_numbers)
{
	static const struct { double v; const char *want; } times[] = {
		{ 0, "0.000" }, { 0.0125, "0.013" }, { 1, "1.00" },
		{ 11.8, "11.80" }, { 99.994, "99.99" }, { 100, "100.0" },
		{ 999.95, "1000.0" }, { 1000.4, "1000" }, { 12345.6, "12346" },
	};
	char b[32];
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		toptable_fmt_time(b, sizeof(b), times[i].v);
		CHECK_STR(b, times[i].want);
	}
	toptable_fmt_pct(b, sizeof(b), 100);
	CHECK_STR(b, "100.00%");
	toptable_fmt_pct(b, sizeof(b), 0);
	CHECK_STR(b, "  0.00%");
	flame_fmt_count(b, sizeof(b), 1490);
	CHECK_STR(b, "1,490");
	flame_fmt_count(b, sizeof(b), 200000);
	CHECK_STR(b, "200,000");
	flame_fmt_count(b, sizeof(b), 7);
	CHECK_STR(b, "7");
}

UNIT_TEST(toptable_recursion_counted_once)
{
	static const char raw[] =
	    "f (a.py:1);f (a.py:2);f (a.py:1);g (a.py:9) 5\n"
	    "f (a.py:1) 3\n"
	    "thread (1): Main;h (a.py:3) 2\n";
	struct stacks s;
	struct toptable t = TOPTABLE_INIT;
	size_t i;
	int seen = 0;

	CHECK_INT(stacks_init(&s), 0);
	CHECK_INT(stacks_parse_raw(&s, raw, sizeof(raw) - 1), 0);
	CHECK_INT(toptable_build(&t, &s, 0, 100, 0, TOPTABLE_TOTAL), 0);
	CHECK_INT(t.nrows, 3);	/* f, g, h: no thread row */
	for (i = 0; i < t.nrows; i++) {
		if (strcmp(t.rows[i].label, "f (a.py)") == 0) {
			CHECK_INT(t.rows[i].total, 8);
			CHECK_INT(t.rows[i].own, 3);
			CHECK_INT(i, 0);
			seen++;
		}
		if (strcmp(t.rows[i].label, "h (a.py)") == 0) {
			CHECK_INT(t.rows[i].total, 2);
			seen++;
		}
	}
	CHECK_INT(seen, 2);
	toptable_release(&t);
	/* by line: f (a.py:1) appears twice in one stack, counted once */
	CHECK_INT(toptable_build(&t, &s, 1, 100, 0, TOPTABLE_OWN), 0);
	for (i = 0; i < t.nrows; i++)
		if (strcmp(t.rows[i].label, "f (a.py:1)") == 0)
			CHECK_INT(t.rows[i].total, 8);
	CHECK_STR(t.rows[0].label, "g (a.py:9)");
	toptable_release(&t);
	stacks_release(&s);
}

UNIT_TEST(xml_escape_cases)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "<module> (a.py:1)", "&lt;module&gt; (a.py:1)" },
		{ "a&b\"c", "a&amp;b&quot;c" },
		{ "ctl\x01x", "ctl?x" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "bad\xc3(", "bad?(" },
		{ "bad\xff", "bad?" },
		{ "surrogate\xed\xa0\x80", "surrogate???" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT(1024);

		CHECK_INT(chart_xml_escape(&b, cases[i].in, strlen(cases[i].in)), 0);
		CHECK_STR(b.data, cases[i].out);
		buf_release(&b);
	}
}

UNIT_TEST(speedscope_round_trip)
{
	static const char raw[] =
	    "thread (7): MainThread;<module> (app.py:1);busy (app.py:3) 40\n"
	    "thread (7): MainThread;<module> (app.py:1) 2\n"
	    "thread (9): worker;run (threading.py:975);select (selectors.py) 5\n";
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct stacks a, b;
	struct buf o = BUF_INIT(1 << 20);
	struct toptable ta = TOPTABLE_INIT, tb = TOPTABLE_INIT;
	size_t i;

	CHECK_INT(stacks_init(&a), 0);
	CHECK_INT(stacks_init(&b), 0);
	CHECK_INT(stacks_parse_raw(&a, raw, sizeof(raw) - 1), 0);
	CHECK_INT(speedscope_write(&a, 100, "t", &o), 0);
	CHECK(strstr(o.data, "\"name\":\"Thread 7 \\\"MainThread\\\"\"") != NULL);
	CHECK(strstr(o.data, "\"name\":\"select\",\"file\":\"selectors.py\","
	    "\"line\":null") != NULL);
	CHECK_INT(speedscope_read(&b, o.data, o.len, 100, &eb), 0);
	CHECK_INT(b.total, a.total);
	CHECK_INT(b.malformed, 0);
	CHECK_INT(toptable_build(&ta, &a, 1, 100, 0, TOPTABLE_OWN), 0);
	CHECK_INT(toptable_build(&tb, &b, 1, 100, 0, TOPTABLE_OWN), 0);
	CHECK_INT(ta.nrows, tb.nrows);
	for (i = 0; i < ta.nrows && i < tb.nrows; i++) {
		CHECK_STR(ta.rows[i].label, tb.rows[i].label);
		CHECK_INT(ta.rows[i].own, tb.rows[i].own);
	}
	toptable_release(&ta);
	toptable_release(&tb);
	CHECK_INT(speedscope_read(&b, "[1,2]", 5, 100, &eb), HS_EUSAGE);
	CHECK_INT(speedscope_read(&b, "{", 1, 100, &eb), HS_EUSAGE);
	buf_release(&o);
	stacks_release(&a);
	stacks_release(&b);
}

UNIT_TEST(diff_shares)
{
	static const char ra[] = "m (a.py:1);hash_token (u.py:3) 1\nm (a.py:1);idle (s.py:1) 9\n";
	static const char rb[] = "m (a.py:1);hash_token (u.py:3) 50\nm (a.py:1);idle (s.py:1) 50\n";
	struct stacks a, b;
	struct diff d = DIFF_INIT;
	char line[256];

	CHECK_INT(stacks_init(&a), 0);
	CHECK_INT(stacks_init(&b), 0);
	stacks_parse_raw(&a, ra, sizeof(ra) - 1);
	stacks_parse_raw(&b, rb, sizeof(rb) - 1);
	CHECK_INT(diff_build(&d, &a, &b), 0);
	CHECK_INT(d.nmovers, 3);
	CHECK_STR(d.movers[d.headline].label, "hash_token (u.py)");
	diff_sentence(&d.movers[d.headline], "100", "3000 users", line,
	    sizeof(line));
	CHECK_STR(line, "`hash_token` from 10.0 % to 50.0 % of samples between "
	    "100 and 3000 users (own time: 10.0 % to 50.0 %)");
	diff_release(&d);
	stacks_release(&a);
	stacks_release(&b);
}

static void
write_manifest(const char *dir, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	fp = fopen(path, "w");
	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

UNIT_TEST(rundata_schema)
{
	static const struct { const char *json; int rc; const char *msg; } cases[] = {
		{ "{\"schema\":1,\"plateaus\":[{\"users\":10,\"dir\":\"plateaus/0010\"}]}",
		  0, "" },
		{ "{\"schema\":2,\"plateaus\":[]}", HS_EUSAGE,
		  "uses archive schema 2, newer than this hubspy reads (1); upgrade hubspy" },
		{ "{\"plateaus\":[]}", HS_EUSAGE, "has no schema number" },
		{ "{\"schema\":1,\"plateaus\":[{\"users\":10,\"dir\":\"../x\"}]}",
		  HS_EUSAGE, "no usable 'dir'" },
		{ "{\"schema\":1,", HS_EUSAGE, "is not valid JSON" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct rundata rd;

		write_manifest(unit_tmpdir(), cases[i].json);
		CHECK_INT(rundata_open_dir(&rd, unit_tmpdir(), &eb), cases[i].rc);
		CHECK(strstr(eb.msg, cases[i].msg) != NULL);
		if (cases[i].rc == 0) {
			CHECK_INT(rd.nplateaus, 1);
			CHECK_INT(rd.plateaus[0].users, 10);
			CHECK(isnan(rundata_num(rd.plateaus[0].json, "hold.seconds")));
		}
		rundata_release(&rd);
	}
}
