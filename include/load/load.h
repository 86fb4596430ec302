/* load.h -- the load engine: fake users PREFIX-N, servers, activity, teardown */
#ifndef LOAD_H
#define LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/hs.h"
#include "load/arrival.h"
#include "load/hub.h"
#include "load/named.h"
#include "load/progress.h"
#include "load/session.h"
#include "measure/measure.h"

/*
 * A load owns the state of every fake user it created (a compact per-user
 * state machine) and drives the hub through hub.h on the caller's loop.
 * Readiness comes from paged GET /users?state=active polls (one list per
 * poll round, never per-user polling); creation is batched, so a user
 * lifecycle costs about 3 hub requests: 1/batch create, start, stop, delete,
 * plus its share of list pages.
 *
 * The caller owns the loop, the hub and the measure struct (hub_new() got
 * it); the load borrows them and must be freed before them.
 */
struct load;

struct load_config {
	const char	*prefix;		/* "hubspy": users PREFIX-N */
	int		 batch_size;		/* names per POST /users (10) */
	int		 spawn_concurrency;	/* starts in flight (32) */
	const char	*server_options;	/* JSON object text or NULL */
	int		 ready_timeout_s;	/* per spawn (300) */
	int		 start_servers;		/* 0: users only (activity mode) */
	int		 activity_interval_s;	/* per user, +-10 %; 0: off */
	int		 probe_interval_ms;	/* GET /users/NAME; 0: off */
	int		 poll_interval_ms;	/* readiness list rounds (1000) */
	int		 teardown_timeout_s;	/* whole teardown (600) */
	int		 hub_gone_s;		/* no answer this long: the hub
						 * is gone, stop (30) */
	/* called BEFORE each create request with the names it will ask for
	 * (borrowed for the call): the coordinator journals them */
	void		(*on_batch)(void *arg, const char *const *names,
			    size_t n);
	void		*batch_arg;
	/* notable events, one line each ("ramp stopped: ...") */
	void		(*on_event)(void *arg, const char *line);
	/* called every tick_ms while the engine turns the loop */
	void		(*on_tick)(void *arg);
	void		*hook_arg;
	/* browse sessions (borrowed, or NULL): a user's session begins when
	 * its server is ready, every session ends when the teardown begins */
	struct sessions	*sessions;
	/* arrivals (arrival.h): when a user's server is started; BURST is
	 * every user at once under the spawn window */
	enum arrival_mode arrivals;
	double		 arrival_rate;		/* users per second */
	/* departures: 0, users stay; N, while the load is held each user
	 * stops its server after 0.5 N to 1.5 N seconds and comes back
	 * with the arrivals (a steady state of people coming and going) */
	int		 session_length_s;
	/* N named servers per user (load/named.h) instead of the default
	 * server; 0: the default server only */
	int		 named_servers;
	/* the engine's tick: on_tick, re-sent requests, the teardown's
	 * queue (0: 250 ms); a progress line on a terminal wants 250, a
	 * plain log far fewer wake-ups. Readiness rounds keep their own
	 * poll_interval_ms. */
	int		 tick_ms;
	/* spawn phases: the progress streams of at most this many spawns
	 * open at once (load/progress.h's sample: a spawn is sampled when
	 * its start is accepted and a slot is free); 0: none */
	int		 phase_streams;
};
#define LOAD_CONFIG_INIT { "hubspy", 10, 32, NULL, 300, 1, 0, 0, 1000, \
	600, 30, NULL, NULL, NULL, NULL, NULL, NULL, ARRIVAL_BURST, 0, 0, 0, 0, \
	0 }

enum load_phase {
	LOAD_IDLE, LOAD_DISCOVER, LOAD_CREATE, LOAD_START, LOAD_WAIT,
	LOAD_HOLD, LOAD_STOP, LOAD_DELETE, LOAD_DONE
};
const char *load_phase_name(enum load_phase p);

/* with named servers, started .. timed_out count servers, not users */
struct load_progress {
	enum load_phase	 phase;
	size_t		 target, created, started, ready, failed, timed_out;
	size_t		 stopped, deleted, left;
	size_t		 named_target, named_removed;	/* 0 without */
	size_t		 departed;	/* servers stopped by departures */
	uint64_t	 n429;
	int		 ceiling;		/* active_server_limit reached */
	double		 p50_ms, p99_ms;	/* all classes, this window */
	double		 elapsed_s;
};

enum load_teardown_mode {
	LOAD_TD_OURS,		/* every user this load created (or asked) */
	LOAD_TD_PREFIX,		/* every user named PREFIX-N on the hub */
	LOAD_TD_NAMES,		/* exactly the names given */
};

/* validates cfg (prefix [a-z0-9-], server_options a JSON object) and
 * copies what it needs; returns 0, HS_EUSAGE, HS_ENOMEM */
int	 load_new(struct load **lp, struct hub *h, const struct load_config *cfg,
	    struct hs_errbuf *eb);
/* frees everything; requests still in flight are cancelled */
void	 load_free(struct load *ld);

/* synchronous: pages GET /users?name_filter=PREFIX- and finds the users
 * named PREFIX-N; new users continue after the highest N */
int	 load_discover(struct load *ld, size_t *existingp, long *highestp,
	    struct hs_errbuf *eb);

/*
 * Synchronous: creates users until this load owns `total_users` (so
 * successive calls ramp plateau by plateau), and with start_servers starts
 * them and waits until each is ready, failed or timed out, then up to 5 s
 * for the spawn-phase sample's streams to end. Returns 0 (also
 * when the active_server_limit ceiling stopped the ramp: see progress and
 * the event), HS_EPARTIAL when load_interrupt() was called, HS_EHUB or
 * HS_EAUTH on fatal hub errors.
 */
int	 load_ramp(struct load *ld, size_t total_users, struct hs_errbuf *eb);

/* activity posts and the probe keep flowing while the CALLER turns the
 * loop (loop_run) between these two calls */
int	 load_hold_begin(struct load *ld);
void	 load_hold_end(struct load *ld);

/*
 * Synchronous: removes the named servers (ours with named_servers; every
 * hubspy-named one the hub lists for LOAD_TD_PREFIX and LOAD_TD_NAMES),
 * stops servers in parallel, waits until none remains, then deletes the
 * users. names/n only for LOAD_TD_NAMES (borrowed). Returns 0,
 * HS_ELEFT (eb says how many users remain) when the hub stopped answering
 * or the teardown timeout passed.
 */
int	 load_teardown(struct load *ld, enum load_teardown_mode mode,
	    const char *const *names, size_t n, struct hs_errbuf *eb);

void	 load_progress(const struct load *ld, struct load_progress *p);
/* the hub's measure struct (borrowed: the record reads it, reset
 * with measure_reset between plateaus) */
struct measure *load_measure(struct load *ld);
/* async-signal-safe enough for a loop_on_signal callback: the first call
 * stops ramping (in-flight requests are answered, nothing new is sent);
 * a second one makes load_ramp return at once */
void	 load_interrupt(struct load *ld);

/* --- pure helpers (unit-tested) --- */
/* the N of "PREFIX-N" (digits only, no sign, no leading zero unless "0"),
 * or -1 */
long	 load_name_index(const char *prefix, const char *name);
/* the start body for compact JSON options, as the hub of this major
 * version reads it: the options themselves before 6.0, from 6.0 on
 * {"user_options": OPTIONS}; a new string (free), NULL out of memory */
char	*load_start_body(const char *options, int hub_major);
/* the bulk-create body {"usernames":[...],"admin":false} appended to b */
int	 load_create_body(struct buf *b, const char *const *names, size_t n);
/* the exact singleuser activity body for the UTC time t (seconds, with
 * microseconds), into dst; returns the length or -1 */
int	 load_activity_body(char *dst, size_t n, int64_t t_us);

#endif
