/* hs.c -- error buffer and exit-code mapping */
#include <stdarg.h>
#include <stdio.h>

#include "core/hs.h"

int
hs_exit_code(int r)
{
	if (r >= 0)
		return r;
	switch (r) {
	case HS_ENOMEM:
	case HS_ELIMIT:
		return 1;
	case HS_EGATE:
		return 9;
	default:
		return -r;
	}
}

int
hs_error(struct hs_errbuf *eb, int code, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return code;
	eb->code = code;
	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	return code;
}
