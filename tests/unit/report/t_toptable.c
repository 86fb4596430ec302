/* t_toptable.c -- unit tests for report/toptable.c (and flame.c's count
 * format, checked with the table's numbers) */
#include <string.h>

#include "report/flame.h"
#include "report/stacks.h"
#include "report/toptable.h"
#include "unit.h"

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
