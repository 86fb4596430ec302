/* t_chart.c -- unit tests for report/chart.c: XML escaping */
#include <string.h>

#include "core/buf.h"
#include "report/chart.h"
#include "unit.h"

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
