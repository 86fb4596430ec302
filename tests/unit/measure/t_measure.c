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

/* the sessions' classes: named as in the manifest, and none of them is
 * the lifecycle's cost (a spawn-pending page per start included) */
UNIT_TEST(measure_session_classes)
{
	struct measure *m = calloc(1, sizeof(*m));

	if (!CHECK(m != NULL))
		return;
	CHECK_STR(mclass_name(MC_SPAWNPEND), "spawn_pending");
	CHECK_STR(mclass_name(MC_OAUTH), "oauth");
	measure_reset(m);
	measure_request(m, MC_START, 202, 1000, 0);
	measure_request(m, MC_SPAWNPEND, 200, 1000, 0);
	measure_request(m, MC_SPAWNPEND, 302, 1000, 0);
	measure_request(m, MC_PAGE, 200, 1000, 0);
	CHECK_INT(m->cls[MC_SPAWNPEND].count, 2);
	CHECK_INT(m->cls[MC_SPAWNPEND].s3xx, 1);
	CHECK_INT(measure_lifecycle_requests(m), 1);
	free(m);
}
