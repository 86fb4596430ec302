/* t_measure.c -- unit tests for measure/measure.c: histograms, JSON shape */
#include <stdio.h>
#include <stdlib.h>

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
