/* t_hub.c -- unit tests for load/hub.c's pure helpers */
#include <stdio.h>

#include "load/hub.h"
#include "unit.h"

UNIT_TEST(retry_after_table)
{
	static const struct {
		const char	*in;
		double		 want;
	} cases[] = {
		{ "56", 56 }, { " 3\r\n", 3 }, { "0", 0 }, { "", -1 },
		{ "abc", -1 }, { "-5", -1 }, { "99999999", -1 },
		{ "Thu, 01 Jan 1970 00:01:40 GMT", 60 },
		{ "Thu, 01 Jan 1970 00:00:10 GMT", 0 },
	};
	size_t i;

	CHECK(hub_parse_retry_after(NULL, 0) == -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double got = hub_parse_retry_after(cases[i].in, 40);

		if (!CHECK(got == cases[i].want))
			printf("  '%s': got %g\n", cases[i].in, got);
	}
}

UNIT_TEST(backoff_bounds)
{
	static const int attempts[] = { 1, 2, 3, 4, 5, 6, 10, 40 };
	static const uint32_t rnds[] = { 0, 1, 12345, 0xffffffffu };
	size_t i, k;

	for (i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		int64_t full = 250;
		int n;

		for (n = 1; n < attempts[i] && full < 8000; n++)
			full *= 2;
		if (full > 8000)
			full = 8000;
		for (k = 0; k < sizeof(rnds) / sizeof(rnds[0]); k++) {
			int64_t d = hub_backoff_ms(attempts[i], 250, 8000,
			    rnds[k]);

			CHECK(d >= full / 2 && d <= full);
		}
	}
	CHECK_INT(hub_backoff_ms(1, 250, 8000, 0), 125);
	CHECK_INT(hub_backoff_ms(30, 250, 8000, 0), 4000);
}

UNIT_TEST(page_next_table)
{
	static const struct {
		const char	*json;
		int		 r;
		long		 off;
	} cases[] = {
		{ "{\"items\":[],\"_pagination\":{\"offset\":0,\"limit\":200,"
		  "\"total\":252,\"next\":{\"offset\":200,\"limit\":200,"
		  "\"url\":\"http://internal/x\"}}}", 0, 200 },
		{ "{\"items\":[1],\"_pagination\":{\"next\":null}}", 1, -1 },
		{ "{\"items\":[1],\"_pagination\":{}}", 1, -1 },
		{ "{\"items\":[],\"_pagination\":{\"next\":{\"url\":\"x\"}}}",
		  HS_EHUB, -1 },
		{ "{\"items\":[],\"_pagination\":{\"next\":{\"offset\":-1}}}",
		  HS_EHUB, -1 },
		{ "[1,2]", HS_EHUB, -1 },
		{ "{\"_pagination\":{\"next\":null}}", HS_EHUB, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *j = cJSON_Parse(cases[i].json);
		long off = -1;

		CHECK_INT(hub_page_next(j, &off), cases[i].r);
		CHECK_INT(off, cases[i].off);
		cJSON_Delete(j);
	}
}

UNIT_TEST(path_class_and_version)
{
	char b[64];
	int a, c, d;

	hub_path_class("/users/alice/server", b, sizeof(b));
	CHECK_STR(b, "/users/{name}/server");
	hub_path_class("/users/alice", b, sizeof(b));
	CHECK_STR(b, "/users/{name}");
	hub_path_class("/users?state=active&limit=200", b, sizeof(b));
	CHECK_STR(b, "/users");
	hub_path_class("/", b, sizeof(b));
	CHECK_STR(b, "/");
	CHECK_INT(hub_parse_version("3.0.0", &a, &c, &d), 0);
	CHECK_INT(a * 100 + c * 10 + d, 300);
	CHECK_INT(hub_parse_version("6.0.0b2", &a, &c, &d), 0);
	CHECK_INT(a, 6);
	CHECK_INT(hub_parse_version("5.4", &a, &c, &d), 0);
	CHECK_INT(c, 4);
	CHECK_INT(hub_parse_version("x", &a, &c, &d), HS_EHUB);
}
