/* t_xml.c -- escaping for XML, SVG and HTML (src/core/xml.c) */
#include <string.h>

#include "core/buf.h"
#include "core/hs.h"
#include "core/xml.h"
#include "unit.h"

UNIT_TEST(xml_utf8_sequences)
{
	static const struct {
		const char	*in;
		size_t		 want;
	} cases[] = {
		{ "a", 1 },
		{ "\xc3\xa9", 2 },		/* é */
		{ "\xe2\x82\xac", 3 },		/* € */
		{ "\xf0\x9f\x94\xa5", 4 },	/* 🔥 */
		{ "\xc0\xaf", 0 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0 },		/* overlong, 3 bytes */
		{ "\xed\xa0\x80", 0 },		/* a UTF-16 surrogate */
		{ "\xf4\x90\x80\x80", 0 },	/* above U+10FFFF */
		{ "\xe2\x82", 0 },		/* cut short */
		{ "\x80", 0 },			/* a lone continuation byte */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *p = (const unsigned char *)cases[i].in;

		CHECK_INT(xml_utf8_seq(p, p + strlen(cases[i].in)),
		    cases[i].want);
	}
}

UNIT_TEST(xml_escape_sticky_error)
{
	struct buf b = BUF_INIT(8);

	/* "&amp;&lt;" is 9 bytes: over the cap, the buffer's error is
	 * returned and kept */
	CHECK_INT(xml_escape(&b, "&<", 2), HS_ELIMIT);
	CHECK_INT(buf_error(&b), HS_ELIMIT);
	CHECK_INT(xml_escape(&b, "a", 1), HS_ELIMIT);
	buf_release(&b);
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

		CHECK_INT(xml_escape(&b, cases[i].in, strlen(cases[i].in)), 0);
		CHECK_STR(b.data, cases[i].out);
		buf_release(&b);
	}
}
