/* arrival.h -- when users arrive: all at once, at a steady rate, or at random */
#ifndef ARRIVAL_H
#define ARRIVAL_H

#include <stdint.h>

/*
 * People do not arrive in one burst: they come over minutes. An arrival
 * schedule says when the next user may start its server: BURST (every
 * user at once, bounded only by the spawn window: today's ramp), RATE
 * (one every 1/rate seconds) or POISSON (exponential gaps of mean
 * 1/rate: a Poisson process of that mean rate). The engine asks
 * arrival_due() whenever it could start a user and arrival_take() when it
 * does. A schedule that fell behind (the spawn window was full) catches
 * up by at most one second's worth of users at once.
 */
enum arrival_mode { ARRIVAL_BURST, ARRIVAL_RATE, ARRIVAL_POISSON };

struct arrival {
	enum arrival_mode mode;
	double		 rate;		/* users per second (> 0 unless BURST) */
	int64_t		 next_ms;	/* the next arrival is due (loop ms) */
	uint32_t	 rnd;
};
#define ARRIVAL_INIT { ARRIVAL_BURST, 0, 0, 1 }

/* the schedule starts now: the first user is due at once */
void	 arrival_init(struct arrival *a, enum arrival_mode mode, double rate,
	    int64_t now_ms, uint32_t seed);
void	 arrival_restart(struct arrival *a, int64_t now_ms);
/* 1 when a user may arrive at now_ms (always with BURST) */
int	 arrival_due(const struct arrival *a, int64_t now_ms);
/* a user arrived at now_ms: the next one is one gap later */
void	 arrival_take(struct arrival *a, int64_t now_ms);

/* --- pure helpers (unit-tested) --- */
/* the gap after an arrival in ms: 0 for BURST, 1000/rate for RATE,
 * -ln(u) * 1000/rate for POISSON with u = (r + 1) / 2^32 in (0, 1] */
double	 arrival_gap_ms(enum arrival_mode mode, double rate, uint32_t r);

#endif
