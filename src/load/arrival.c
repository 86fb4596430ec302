/* arrival.c -- arrival schedules: burst, a steady rate, a Poisson process */
#include <math.h>

#include "load/arrival.h"

double
arrival_gap_ms(enum arrival_mode mode, double rate, uint32_t r)
{
	double u;

	if (mode == ARRIVAL_BURST || rate <= 0)
		return 0;
	if (mode == ARRIVAL_RATE)
		return 1000.0 / rate;
	/* inverse transform sampling of the exponential distribution; u is
	 * never 0, so the gap is finite (at most ~22.2 mean gaps) */
	u = ((double)r + 1.0) / 4294967296.0;
	return -log(u) * 1000.0 / rate;
}

static uint32_t
next_rand(struct arrival *a)
{
	uint32_t x = a->rnd;	/* xorshift32 */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return a->rnd = x;
}

void
arrival_init(struct arrival *a, enum arrival_mode mode, double rate,
    int64_t now_ms, uint32_t seed)
{
	a->mode = mode;
	a->rate = rate;
	a->rnd = seed ? seed : 1;
	a->next_ms = now_ms;
}

void
arrival_restart(struct arrival *a, int64_t now_ms)
{
	a->next_ms = now_ms;
}

int
arrival_due(const struct arrival *a, int64_t now_ms)
{
	return a->mode == ARRIVAL_BURST || a->rate <= 0 ||
	    now_ms >= a->next_ms;
}

void
arrival_take(struct arrival *a, int64_t now_ms)
{
	int64_t floor_ms = now_ms - 1000;

	if (a->mode == ARRIVAL_BURST || a->rate <= 0)
		return;
	/* gaps add up from the schedule, not from now: a user the engine
	 * started late does not push every later one back */
	if (a->next_ms < floor_ms)
		a->next_ms = floor_ms;
	a->next_ms += (int64_t)llround(arrival_gap_ms(a->mode, a->rate,
	    next_rand(a)));
}
