/* t_buf.c -- unit tests for core/buf.c: invariants, the sticky error */
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

UNIT_TEST(buf_sticky_error)
{
	struct buf b = BUF_INIT(6);

	CHECK_INT(buf_error(&b), 0);
	CHECK_INT(buf_addstr(&b, "abc"), 0);
	/* the first failure is kept ... */
	CHECK_INT(buf_addstr(&b, "defgh"), HS_ELIMIT);
	CHECK_INT(buf_error(&b), HS_ELIMIT);
	/* ... and every later add is refused, even one that would fit, so a
	 * run of appends never leaves a hole in the middle */
	CHECK_INT(buf_addch(&b, 'd'), HS_ELIMIT);
	CHECK_INT(buf_printf(&b, "%d", 7), HS_ELIMIT);
	CHECK_INT(buf_add(&b, "", 0), HS_ELIMIT);
	CHECK_STR(b.data, "abc");
	CHECK_INT(b.len, 3);
	/* reset clears it */
	buf_reset(&b);
	CHECK_INT(buf_error(&b), 0);
	CHECK_INT(buf_addstr(&b, "xyz"), 0);
	CHECK_STR(b.data, "xyz");
	buf_release(&b);
	CHECK_INT(buf_error(&b), 0);
	CHECK_INT(b.max, 6);
}

UNIT_TEST(buf_sticky_checked_once)
{
	struct buf b = BUF_INIT(64);
	int i;

	/* a long run of appends, checked once at the end */
	for (i = 0; i < 100; i++)
		buf_printf(&b, "%02d,", i);
	CHECK_INT(buf_error(&b), HS_ELIMIT);
	CHECK_INT(b.len, 63);	/* 21 whole items, nothing after the failure */
	CHECK_STR(b.data + 60, "20,");
	buf_release(&b);
}
