/* t_speedscope.c -- unit tests for report/speedscope.c: write, read back */
#include <string.h>

#include "core/buf.h"
#include "core/hs.h"
#include "report/speedscope.h"
#include "report/stacks.h"
#include "report/toptable.h"
#include "unit.h"

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
