/* trigger.h -- catching the hub in the act: stall detection, rate limits, the watcher */
#ifndef TRIGGER_H
#define TRIGGER_H

#include <stddef.h>
#include <stdint.h>

#include "core/hs.h"

struct loop;
struct hub;
struct metrics_snapshot;

/*
 * A trigger fires when the hub's event loop is seen stalling: a health
 * probe (GET BASE/hub/health, no token) still unanswered after probe_s
 * seconds, or the hub's own event_loop_interval_seconds histogram
 * (JupyterHub 5.x, read from /hub/metrics when the token may) holding an
 * interval above loop_s since the last read, or (log_file: the hub's log
 * on this machine, followed from its end) a 5.x "Event loop was
 * unresponsive for at least N s" line with N above loop_s; that line is
 * written when the stall is over, so its dumps show what came after. The caller (run.c, the watch
 * command) gets one callback per trigger and captures at once, while the
 * stall lasts.
 *
 * Each source is edge-triggered: once it has fired (or been skipped) it
 * stays quiet until a reading falls below its threshold again, so one
 * stall is one trigger. Fires are rate-limited: at least min_gap_s apart
 * and at most max_per_window per window (run.c: a plateau); a fire that
 * the limits or a running capture stop is reported as skipped, with why.
 */
struct trigger_config {
	double	 probe_s;		/* probe latency threshold; 0: off */
	double	 loop_s;		/* loop interval threshold; 0: off */
	double	 interval_s;		/* between two probe starts */
	double	 metrics_interval_s;	/* between two /metrics reads */
	double	 min_gap_s;		/* between two fires */
	int	 max_per_window;	/* fires per window */
	double	 probe_timeout_s;	/* a probe gives up after this */
	const char *metrics_prefix;	/* "jupyterhub" */
	const char *log_file;		/* the hub's log, followed; NULL: none */
};
#define TRIGGER_CONFIG_INIT { 1.0, 0.5, 1.0, 5.0, 30.0, 3, 60.0, NULL, NULL }

enum trigger_source {
	TRIGGER_PROBE,		/* "probe" */
	TRIGGER_LOOP,		/* "loop_interval" */
	TRIGGER_LOG,		/* "log": "Event loop was unresponsive" */
	TRIGGER_NSOURCES
};
const char *trigger_source_name(enum trigger_source s);

enum trigger_verdict {
	TRIGGER_QUIET,		/* below the threshold, or the same stall */
	TRIGGER_FIRE,
	TRIGGER_SKIP_BUSY,	/* a capture was running */
	TRIGGER_SKIP_GAP,	/* too soon after the last fire */
	TRIGGER_SKIP_MAX,	/* the window's maximum was reached */
};
/* why a trigger was skipped, for the manifest and the event line
 * ("a capture was running"); NULL for QUIET and FIRE */
const char *trigger_skip_reason(enum trigger_verdict v);

/* the rate limiter: pure, unit-tested */
struct trigger_gate {
	int	 quiet[TRIGGER_NSOURCES];	/* 1: armed (below threshold) */
	int64_t	 last_ms;			/* last fire; -1: none */
	int	 fired;				/* in this window */
};
void	 trigger_gate_init(struct trigger_gate *g);
/* a new window (plateau): the count starts again, the gap still holds */
void	 trigger_gate_window(struct trigger_gate *g);
/* one reading of source s (seconds) at now_ms; busy: a capture runs */
enum trigger_verdict trigger_gate_eval(struct trigger_gate *g,
	    const struct trigger_config *c, enum trigger_source s,
	    double value, int64_t now_ms, int busy);

/*
 * The longest event-loop interval the hub's histogram shows between two
 * reads, as the lower bound of the highest bucket that gained a count
 * (seconds; 0 when every new count is in the first bucket); NAN when
 * either read lacks the histogram, the buckets differ, or the hub
 * restarted (counts went down). Pure, unit-tested.
 */
double	 trigger_loop_interval(const struct metrics_snapshot *prev,
	    const struct metrics_snapshot *cur);

/* the N of a JupyterHub 5.x "Event loop was unresponsive for at least N
 * s" log line, NAN when the line is not one. Pure, unit-tested. */
double	 trigger_log_line(const char *line, size_t len);

/* what fired, handed to the callback (valid during the call) */
struct trigger_event {
	enum trigger_source	 source;
	enum trigger_verdict	 verdict;	/* FIRE or a SKIP_* */
	double			 value, threshold;	/* seconds */
	char			 at[32];	/* UTC, ms: 2026-01-02T03:04:05.678Z */
	double			 t;		/* seconds since the watch began */
};

/* one probe answered (or given up), for the timeline */
struct trigger_sample {
	double	 t;		/* seconds since the watch began, at the start */
	double	 probe_s;	/* latency; the probe's age when it failed */
	double	 loop_s;	/* from the last /metrics read, NAN if none */
	int	 failed;	/* no HTTP answer */
	long	 users;		/* the users hook's answer, -1 without */
};
#define TRIGGER_MAX_SAMPLES	100000

/* what the watcher cost the hub */
struct trigger_cost {
	long long	 probes, metrics_reads;
	double		 seconds;	/* since trigger_watch_new() */
};

struct trigger_hooks {
	/* a trigger fired or was skipped; may run the loop (captures) */
	void	(*on_trigger)(void *arg, const struct trigger_event *ev);
	/* the users the load holds now (for samples), or NULL */
	long	(*users)(void *arg);
	void	*arg;
};

struct trigger_watch;
/*
 * Starts watching on l: the health probe against base (the hub's base
 * URL, "http://h:8000"), and /metrics through h when h is not NULL and
 * its token has read:metrics (until a page shows no loop histogram). The
 * configuration is copied; hooks borrowed. Returns 0, HS_EUSAGE (a
 * threshold out of range: eb), HS_ENOMEM. Free with trigger_watch_free().
 */
int	 trigger_watch_new(struct trigger_watch **wp, struct loop *l,
	    struct hub *h, const char *base, const struct trigger_config *c,
	    const struct trigger_hooks *hooks, struct hs_errbuf *eb);
/* stops the probes and timers and frees everything */
void	 trigger_watch_free(struct trigger_watch *w);
/* a new window: the per-window maximum starts again */
void	 trigger_watch_window(struct trigger_watch *w);
/* a capture outside the watcher runs (1) or ended (0) */
void	 trigger_watch_busy(struct trigger_watch *w, int busy);
/*
 * One line of the hub's log, from whoever follows it where log_file
 * cannot (kubectl logs -f: run.c): a JupyterHub 5.x "Event loop was
 * unresponsive for at least N s" line is counted and, with N over
 * loop_s, a trigger (decided after a running capture). May turn the loop.
 */
void	 trigger_watch_log_line(struct trigger_watch *w, const char *line,
	    size_t len);
/* those lines seen so far (from log_file or trigger_watch_log_line()) */
long long trigger_watch_log_stalls(const struct trigger_watch *w);
/* the samples so far (borrowed, valid until the next loop turn) */
const struct trigger_sample *trigger_watch_samples(
	    const struct trigger_watch *w, size_t *n);
void	 trigger_watch_cost(const struct trigger_watch *w,
	    struct trigger_cost *cost);

/* the wall clock now, UTC with milliseconds (2026-01-02T03:04:05.678Z) */
void	 trigger_now_iso(char out[32]);

/* range checks of the thresholds, shared by the profile and watch's
 * options: 0 or HS_EUSAGE with "WHAT: ..." in eb */
int	 trigger_config_check(const struct trigger_config *c,
	    struct hs_errbuf *eb);

#endif
