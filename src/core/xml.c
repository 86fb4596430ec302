/* xml.c -- escaping untrusted text for XML, SVG and HTML output */
#include <stddef.h>

#include "core/buf.h"
#include "core/xml.h"

size_t
xml_utf8_seq(const unsigned char *p, const unsigned char *end)
{
	size_t n = *p < 0x80 ? 1 : *p >= 0xf0 && *p <= 0xf4 ? 4 :
	    *p >= 0xe0 && *p < 0xf0 ? 3 : *p >= 0xc2 && *p < 0xe0 ? 2 : 0;
	size_t i;

	if (n == 0 || p + n > end)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

int
xml_escape(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	size_t run;
	int r = 0;

	while (p < end && r == 0) {
		/* fast path: a run of plain ASCII */
		for (run = 0; p + run < end && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '<' && p[run] != '>' && p[run] != '&' &&
		    p[run] != '"'; run++)
			;
		if (run > 0) {
			r = buf_add(out, p, run);
			p += run;
			continue;
		}
		if (*p == '<')
			r = buf_addstr(out, "&lt;");
		else if (*p == '>')
			r = buf_addstr(out, "&gt;");
		else if (*p == '&')
			r = buf_addstr(out, "&amp;");
		else if (*p == '"')
			r = buf_addstr(out, "&quot;");
		else if (*p == '\n' || *p == '\t')
			r = buf_addch(out, *p);
		else if (*p < 0x80) {
			r = buf_addch(out, '?');	/* control characters */
		} else {
			/* copy a valid UTF-8 sequence, '?' for a bad byte */
			size_t n = xml_utf8_seq(p, end);
			int ok = n > 0;

			if (ok) {
				r = buf_add(out, p, n);
				p += n;
				continue;
			}
			r = buf_addch(out, '?');
		}
		p++;
	}
	return r;
}
