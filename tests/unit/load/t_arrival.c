/* t_arrival.c -- unit tests for load/arrival.c */
#include <math.h>

#include "load/arrival.h"
#include "unit.h"

UNIT_TEST(arrival_gap_table)
{
	CHECK(arrival_gap_ms(ARRIVAL_BURST, 5, 123) == 0);
	CHECK(arrival_gap_ms(ARRIVAL_RATE, 4, 0) == 250);
	CHECK(arrival_gap_ms(ARRIVAL_RATE, 0.5, 99) == 2000);
	/* u = 1 (the largest r): a gap of 0; u = 1/2: ln 2 mean gaps */
	CHECK(arrival_gap_ms(ARRIVAL_POISSON, 2, UINT32_MAX) == 0);
	CHECK(fabs(arrival_gap_ms(ARRIVAL_POISSON, 2, 2147483647u) -
	    500 * log(2)) < 1e-6);
	/* u never 0: the longest gap is finite */
	CHECK(isfinite(arrival_gap_ms(ARRIVAL_POISSON, 1, 0)));
	CHECK(arrival_gap_ms(ARRIVAL_POISSON, 1, 0) < 1000 * 23);
}

/* the mean of many Poisson gaps is the mean gap 1/rate (within 3 %) */
UNIT_TEST(arrival_poisson_mean)
{
	struct arrival a;
	int64_t t = 0, n = 20000, i;

	arrival_init(&a, ARRIVAL_POISSON, 10, 0, 12345);
	for (i = 0; i < n; i++) {
		t = a.next_ms;
		CHECK(arrival_due(&a, t));
		arrival_take(&a, t);
	}
	CHECK(fabs((double)t / (double)n - 100.0) < 3.0);
}

UNIT_TEST(arrival_rate_schedule)
{
	struct arrival a;

	arrival_init(&a, ARRIVAL_RATE, 4, 1000, 1);
	CHECK(arrival_due(&a, 1000));		/* the first at once */
	arrival_take(&a, 1000);
	CHECK(!arrival_due(&a, 1249));
	CHECK(arrival_due(&a, 1250));
	/* taken late: the next stays on the schedule (1500), not 1300+250 */
	arrival_take(&a, 1300);
	CHECK_INT(a.next_ms, 1500);
	/* far behind: at most one second's worth comes at once */
	arrival_take(&a, 10000);
	CHECK_INT(a.next_ms, 9000 + 250);
	/* burst: always due */
	arrival_init(&a, ARRIVAL_BURST, 0, 0, 1);
	arrival_take(&a, 0);
	CHECK(arrival_due(&a, 0));
	arrival_restart(&a, 5);
	CHECK(arrival_due(&a, 0));
}
