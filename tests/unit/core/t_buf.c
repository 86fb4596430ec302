/* t_buf.c -- unit tests for core/buf.c */
#include <stdlib.h>

#include "core/buf.h"
#include "core/hs.h"
#include "unit.h"

UNIT_TEST(buf_invariants)
{
	struct buf b = BUF_INIT(8);
	char *p;
	size_t n;

	CHECK(b.data != NULL);
	CHECK_STR(b.data, "");
	CHECK_INT(buf_addstr(&b, "abcd"), 0);
	CHECK_INT(buf_printf(&b, "%d", 1234), 0);
	CHECK_STR(b.data, "abcd1234");
	/* one byte over the cap fails and changes nothing */
	CHECK_INT(buf_addch(&b, 'x'), HS_ELIMIT);
	CHECK_INT(b.len, 8);
	CHECK_STR(b.data, "abcd1234");
	buf_consume(&b, 3);
	CHECK_STR(b.data, "d1234");
	p = buf_detach(&b, &n);
	CHECK_STR(p, "d1234");
	CHECK_INT(n, 5);
	CHECK_STR(b.data, "");
	free(p);
	p = buf_detach(&b, NULL);
	CHECK_STR(p, "");
	free(p);
	buf_release(&b);
}
