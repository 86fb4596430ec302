/* t_load.c -- unit tests for load/load.c's pure helpers */
#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/hs.h"
#include "load/load.h"
#include "unit.h"

UNIT_TEST(name_index_table)
{
	static const struct {
		const char	*prefix, *name;
		long		 want;
	} cases[] = {
		{ "hubspy", "hubspy-1", 1 },
		{ "hubspy", "hubspy-230", 230 },
		{ "hubspy", "hubspy-0", 0 },
		{ "hubspy", "hubspy-007", -1 },
		{ "hubspy", "hubspy-", -1 },
		{ "hubspy", "hubspy-1a", -1 },
		{ "hubspy", "hubspy-x-1", -1 },
		{ "hubspy", "hubspy1", -1 },
		{ "hubspy", "xhubspy-1", -1 },
		{ "hubspy", "hubspy--1", -1 },
		{ "hubspy", "hubspy-+1", -1 },
		{ "hubspy", "hubspy-1234567890", -1 },
		{ "a-b", "a-b-12", 12 },
		{ "a", "a-b-12", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!CHECK(load_name_index(cases[i].prefix, cases[i].name) ==
		    cases[i].want))
			printf("  %s\n", cases[i].name);
}

UNIT_TEST(activity_body_exact)
{
	char b[200];

	/* 2026-11-27T23:15:00.000042Z */
	CHECK(load_activity_body(b, sizeof(b), 1795821300000042LL) > 0);
	CHECK_STR(b, "{\"servers\":{\"\":{\"last_activity\":"
	    "\"2026-11-27T23:15:00.000042Z\"}},\"last_activity\":"
	    "\"2026-11-27T23:15:00.000042Z\"}");
	CHECK_INT(load_activity_body(b, 20, 0), -1);
}

UNIT_TEST(create_body_exact)
{
	static const char *const names[] = { "hubspy-1", "hubspy-2" };
	struct buf b = BUF_INIT(64);
	struct buf small = BUF_INIT(20);

	CHECK_INT(load_create_body(&b, names, 2), 0);
	CHECK_STR(b.data, "{\"usernames\":[\"hubspy-1\",\"hubspy-2\"],"
	    "\"admin\":false}");
	buf_reset(&b);
	CHECK_INT(load_create_body(&b, names, 1), 0);
	CHECK_STR(b.data, "{\"usernames\":[\"hubspy-1\"],\"admin\":false}");
	/* the body never grows past its cap */
	CHECK_INT(load_create_body(&small, names, 2), HS_ELIMIT);
	buf_release(&b);
	buf_release(&small);
}

UNIT_TEST(load_start_body_by_version)
{
	static const struct {
		const char	*opt;
		int		 major;
		const char	*want;
	} cases[] = {
		{ "{\"profile\":\"micro\"}", 3, "{\"profile\":\"micro\"}" },
		{ "{\"profile\":\"micro\"}", 5, "{\"profile\":\"micro\"}" },
		{ "{\"profile\":\"micro\"}", 6,
		  "{\"user_options\":{\"profile\":\"micro\"}}" },
		{ "{\"display_name\":\"x\"}", 6,
		  "{\"user_options\":{\"display_name\":\"x\"}}" },
		{ "{}", 7, "{\"user_options\":{}}" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = load_start_body(cases[i].opt, cases[i].major);

		CHECK(s != NULL);
		if (s)
			CHECK_STR(s, cases[i].want);
		free(s);
	}
}
