/* t_load.c -- unit tests for measure, hub and load pure helpers */
#include <stdlib.h>
#include <string.h>

#include "load/hub.h"
#include "load/load.h"
#include "measure/measure.h"
#include "unit.h"

UNIT_TEST(hist_buckets_continuous)
{
	int64_t v;
	int i, prev = -1;

	/* every value lands in a bucket whose bounds hold it; indexes grow
	 * by at most one; relative bucket width stays under 1/32 */
	for (v = 0; v < 5000000; v += 1 + v / 97) {
		i = hist_index(v);
		CHECK(i >= 0 && i < HIST_NBUCKETS);
		CHECK(hist_lowest(i) <= v && v <= hist_highest(i));
		CHECK(i == prev || i == prev + 1 || v > 64);
		CHECK(i >= prev);
		if (v >= 64)
			CHECK((hist_highest(i) - hist_lowest(i) + 1) * 32 <=
			    hist_lowest(i));
		prev = i;
	}
	for (i = 1; i < HIST_NBUCKETS; i++)
		CHECK_INT(hist_lowest(i), hist_highest(i - 1) + 1);
	CHECK_INT(hist_index(-5), 0);
	CHECK_INT(hist_index(63), 63);
	CHECK_INT(hist_index(64), 64);
	CHECK_INT(hist_index((int64_t)1 << 50), HIST_NBUCKETS - 1);
}

UNIT_TEST(hist_quantiles_table)
{
	static const struct {
		double	q;
		int64_t	lo, hi;		/* true value +- bucket error */
	} cases[] = {
		{ 0.50, 4900, 5100 },
		{ 0.90, 8800, 9100 },
		{ 0.99, 9700, 10000 },
		{ 1.00, 10000, 10000 },
		{ 0.001, 1, 40 },
	};
	struct hist *h = calloc(1, sizeof(*h));
	struct hist *g = calloc(1, sizeof(*g));
	size_t i;
	int64_t v;

	CHECK_INT(hist_quantile(h, 0.5), 0);
	for (v = 1; v <= 10000; v++)
		hist_record(h, v);
	CHECK_INT(h->n, 10000);
	CHECK_INT(h->min, 1);
	CHECK_INT(h->max, 10000);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t q = hist_quantile(h, cases[i].q);

		if (!CHECK(q >= cases[i].lo && q <= cases[i].hi))
			printf("  q=%g got %lld\n", cases[i].q, (long long)q);
	}
	/* merge: two halves give the same quantiles as the whole */
	hist_reset(h);
	for (v = 1; v <= 5000; v++)
		hist_record(h, v);
	for (v = 5001; v <= 10000; v++)
		hist_record(g, v);
	hist_merge(h, g);
	CHECK_INT(h->n, 10000);
	CHECK_INT(h->max, 10000);
	CHECK(hist_quantile(h, 0.5) >= 4900 && hist_quantile(h, 0.5) <= 5100);
	/* one value: every quantile is that value */
	hist_reset(g);
	hist_record(g, 123456);
	CHECK_INT(hist_quantile(g, 0.5), 123456);
	CHECK_INT(hist_quantile(g, 0.99), 123456);
	free(h);
	free(g);
}

UNIT_TEST(measure_json_shape)
{
	struct measure *m = calloc(1, sizeof(*m));
	cJSON *j, *c, *st;
	char *s;

	measure_request(m, MC_CREATE, 201, 1500, 0);
	measure_request(m, MC_CREATE, 503, 2500, 0);
	measure_request(m, MC_CREATE, 201, 1000, 1);
	measure_request(m, MC_START, 429, 800, 0);
	measure_429(m, 30);
	measure_request(m, MC_START, 429, 800, 0);
	measure_429(m, -1);
	measure_request(m, MC_STOP, 400, 100, 0);
	measure_request(m, MC_STOP, 0, 0, 0);
	hist_record(&m->spawn, 2500000);
	j = measure_json(m);
	CHECK(j != NULL);
	c = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requests"), "create");
	CHECK_INT(cJSON_GetObjectItem(c, "count")->valueint, 3);
	CHECK_INT(cJSON_GetObjectItem(c, "retries")->valueint, 1);
	st = cJSON_GetObjectItem(c, "status");
	CHECK_INT(cJSON_GetObjectItem(st, "2xx")->valueint, 2);
	CHECK_INT(cJSON_GetObjectItem(st, "5xx")->valueint, 1);
	CHECK_INT(cJSON_GetObjectItem(st, "network")->valueint, 0);
	CHECK(cJSON_GetObjectItem(st, "400") == NULL);
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "latency_ms"),
	    "max")->valuedouble == 2.5);
	st = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "requests"), "stop"), "status");
	CHECK_INT(cJSON_GetObjectItem(st, "400")->valueint, 1);
	CHECK_INT(cJSON_GetObjectItem(st, "network")->valueint, 1);
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requests"),
	    "probe") == NULL);
	c = cJSON_GetObjectItem(j, "throttle");
	CHECK_INT(cJSON_GetObjectItem(c, "count_429")->valueint, 2);
	CHECK(cJSON_GetObjectItem(c, "retry_after_seconds")->valuedouble == 30);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(c, "active_server_limit")));
	c = cJSON_GetObjectItem(j, "spawn_seconds");
	CHECK_INT(cJSON_GetObjectItem(c, "count")->valueint, 1);
	CHECK(cJSON_GetObjectItem(c, "p50")->valuedouble == 2.5);
	CHECK_INT(measure_lifecycle_requests(m), 7);
	cJSON_Delete(j);
	/* empty: quantiles are null, no request classes */
	measure_reset(m);
	j = measure_json(m);
	s = cJSON_PrintUnformatted(j);
	CHECK_STR(s, "{\"requests\":{},\"throttle\":{\"count_429\":0,"
	    "\"retry_after_seconds\":0,\"throttled_seconds\":0,"
	    "\"active_server_limit\":false},\"spawn_seconds\":{\"count\":0,"
	    "\"p50\":null,\"p90\":null,\"p99\":null,\"max\":null}}");
	cJSON_free(s);
	cJSON_Delete(j);
	free(m);
}

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
