/* t_stacks.c -- unit tests for report/stacks.c: raw line parsing, frames,
 * the merged tree */
#include <stdio.h>
#include <string.h>

#include "report/stacks.h"
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

/* a function's samples: once per stack however often it recurs, by name
 * in any file or by "NAME (FILE)", never a thread frame */
UNIT_TEST(stacks_function_share)
{
	static const char raw[] =
	    "thread (1): f;main (a.py:1);f (a.py:5);g (b.py:2);f (a.py:6) 10\n"
	    "main (a.py:1);f (c.py:9) 5\n"
	    "main (a.py:1);h (a.py:3) 7\n"
	    "f (a.py:5) 1\n";
	static const struct {
		const char	*func;
		long long	 want;
	} cases[] = {
		{ "f", 16 }, { "f (a.py)", 11 }, { "f (c.py)", 5 },
		{ "main", 22 }, { "h", 7 }, { "g (b.py)", 10 }, { "x", 0 },
		{ "thread (1): f", 0 },
	};
	struct stacks s;
	size_t i;

	if (!CHECK(stacks_init(&s) == 0))
		return;
	CHECK(stacks_parse_raw(&s, raw, sizeof(raw) - 1) == 0);
	CHECK_INT(s.total, 23);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(stacks_function_samples(&s, cases[i].func),
		    cases[i].want);
	stacks_release(&s);
}
