/* record.h -- the run record: every figure of a run, typed, and its
 * manifest.json (docs/artifacts.md, schema 1) out and back in */
#ifndef RECORD_H
#define RECORD_H

#include <math.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/hs.h"
#include "measure/measure.h"
#include "measure/metrics.h"

/*
 * One struct run_record holds what a run measured: the coordinator fills
 * it as the run goes, record_to_json() is the only writer of the manifest,
 * record_from_json() the only reader, and the renderers (report.html, the
 * terminal summary, summary.md) read its fields, never the JSON.
 *
 * Absent data: numbers are NAN, counts RECORD_NONE (-1), strings NULL,
 * objects a has_* flag of 0; each is written as JSON null. The profile, its
 * plan and the hub's /info answer are documents of their own: the record
 * keeps them as JSON (written back as they are) and reads the few profile
 * fields the renderers show into prof.
 */

#define RECORD_SCHEMA		1
#define RECORD_MAX_PLATEAUS	64	/* PROFILE_MAX_PLATEAUS */
#define RECORD_MAX_USERS	100000	/* PROFILE_MAX_USERS */
#define RECORD_MAX_STRING	65536	/* bytes of any one string */
#define RECORD_MAX_ITEMS	4096	/* timeline entries, captures, scopes,
					 * request classes, status codes */
#define RECORD_MAX_FILES	65536	/* entries of "files" */
#define RECORD_NONE		(-1LL)	/* an absent count */

struct record_quantiles {
	double	 p50, p90, p99, max;
};

/* one key of a request class's "status" object: "2xx", "404", "429",
 * "5xx", "network" */
struct record_status {
	char		 key[16];
	long long	 n;
};

/* requests of one class during a plateau */
struct record_class {
	char			 name[16];	/* "create", "probe"... */
	long long		 count, retries;
	struct record_quantiles	 latency_ms;
	int			 has_status;
	struct record_status	*status;	/* in manifest order */
	size_t			 nstatus;
};

/* hub process usage at one moment */
struct record_usage {
	int	 present;
	double	 cpu_seconds, rss_bytes, cgroup_memory_bytes;
};

struct record_capture {
	char		*kind, *file, *sha256, *failure, *message;
	long long	 bytes, samples;
	double		 exit_code, seconds;
};

/* one file of the archive, as archived (after redaction) */
struct record_file {
	char		*path;		/* below the top folder */
	long long	 bytes, redactions;
	char		 sha256[65];	/* 64 lower-case hex digits */
};

struct record_phase {
	char		 phase[16];
	long		 plateau;		/* -1: run-wide */
	char		 start[40], end[40];
	double		 seconds;
};

/*
 * The spawn phases of a plateau's sampled spawns (measure.h's struct
 * mphases), in seconds: q[MP_ACCEPT] request -> accepted, q[MP_FIRST]
 * accepted -> first progress event, q[MP_READY] first event -> ready,
 * q[MP_TOTAL] request -> ready. failed + unfinished <= sampled.
 */
struct record_phases {
	long long		 sampled, failed, unfinished;
	struct record_quantiles	 q[MP_NPHASE];
};

struct record_plateau {
	long			 users;
	char			 dir[32];	/* "plateaus/0100" */
	int			 has_state;
	struct {
		long long	 asked, created, ready, failed, timed_out;
	}			 state;
	double			 ramp_seconds;
	int			 has_requests;
	struct record_class	*classes;	/* in manifest order */
	size_t			 nclasses;
	int			 has_throttle;
	struct {
		long long	 count_429;
		double		 retry_after_seconds, throttled_seconds;
		int		 active_server_limit;	/* -1: unknown */
	}			 throttle;
	int			 has_spawn;
	long long		 spawn_count;
	struct record_quantiles	 spawn_seconds;
	int			 has_phases;	/* 0: no spawn was sampled */
	struct record_phases	 phases;
	int			 has_hold;
	double			 hold_seconds, hold_rps;
	/* /hub/metrics at both ends of the hold; restarted and delta are
	 * computed from them when written */
	int			 has_metrics, has_mstart, has_mend;
	struct metrics_snapshot	 mstart, mend;
	double			 metrics_seconds;
	int			 has_usage;
	struct record_usage	 usage_start, usage_end;
	double			 usage_cpu_percent;
	/* the hub's "Event loop was unresponsive" log lines during the
	 * plateau; RECORD_NONE: its log was not followed */
	long long		 log_stalls;
	struct record_capture	*captures;
	size_t			 ncaptures;
};

/* a stall trigger (run/trigger.h): what fired, when, what was captured */
struct record_trigger {
	char		*source;	/* "probe", "loop_interval" */
	double		 value, threshold;	/* seconds */
	char		*at;		/* UTC with milliseconds */
	double		 t;		/* seconds since the watch began */
	long		 plateau;	/* the plateau's users; -1: none */
	char		*phase;		/* "ramp", "settle", "hold", "watch" */
	long long	 users;		/* users the load held then */
	char		*dir;		/* "triggers/01"; NULL: nothing captured */
	char		*skipped;	/* why nothing was captured, or NULL */
	struct record_capture *captures;	/* dumps, then the record */
	size_t		 ncaptures;
};
#define RECORD_TRIGGER_INIT { NULL, NAN, NAN, NULL, NAN, -1, NULL, \
	RECORD_NONE, NULL, NULL, NULL, 0 }

/* one health probe of the trigger watch, for the timeline */
struct record_sample {
	double		 t;		/* seconds since the watch began */
	double		 probe_seconds;	/* latency (or time to fail) */
	double		 loop_seconds;	/* event-loop interval, NAN: unknown */
	long long	 users;		/* RECORD_NONE: unknown */
	int		 failed;	/* no HTTP answer */
};
#define RECORD_MAX_SAMPLES	100000

/* the profile fields the renderers show (from the profile document) */
struct record_profile {
	long		 users[RECORD_MAX_PLATEAUS];
	size_t		 nusers;
	int		 has_users;
	double		 settle, hold, record_rate;
	int		 servers;		/* -1: unknown */
	char		*activity, *teardown;
	char		**captures;		/* captures.run */
	size_t		 ncaptures;
	int		 has_captures;
};

struct run_record {
	int			 schema;
	char			*hubspy_version, *created, *profile_name;
	int			 partial;
	char			*partial_reason;
	cJSON			*profile, *plan;	/* owned; NULL: null */
	struct record_profile	 prof;
	int			 has_hub;
	struct {
		char		*url, *version, *token_kind;
		cJSON		*info;			/* owned; NULL: null */
		char		**scopes;
		size_t		 nscopes;
	}			 hub;
	int			 has_target;
	struct {
		char		*transport, *context, *namespace, *pod,
				*container, *python, *pyspy;
		double		 pid;
	}			 target;
	struct record_phase	*timeline;
	size_t			 ntimeline;
	struct record_plateau	*plateaus;
	size_t			 nplateaus;
	int			 has_after_purge;
	struct record_usage	 after_purge;
	/* the stall watch: when it began, its triggers and probe samples */
	char			*watch_start;	/* UTC with ms; NULL: none */
	struct record_trigger	*triggers;
	size_t			 ntriggers;
	struct record_sample	*samples;
	size_t			 nsamples;
	/* set when the run is archived (record_add_file); written last */
	struct record_file	*files;
	size_t			 nfiles;
};

/* an empty record (schema RECORD_SCHEMA, every figure absent) */
void	 record_init(struct run_record *rec);
/* frees everything the record holds; rec is empty afterwards */
void	 record_release(struct run_record *rec);

/*
 * The archive's files, in archive order: record_clear_files() empties the
 * list, record_add_file() appends one and gives each capture whose file is
 * path its bytes and sha256 (a capture's figures are those of its file as
 * archived). 0 or HS_ENOMEM; HS_ELIMIT past RECORD_MAX_FILES.
 */
void	 record_clear_files(struct run_record *rec);
int	 record_add_file(struct run_record *rec, const char *path,
	    long long bytes, const char *sha256, long long redactions);

/* *dst = a copy of s (NULL stays NULL), the old value freed; HS_ENOMEM */
int	 record_set_str(char **dst, const char *s);
/* takes profile (a profile_to_json() object) and reads prof from it:
 * 0, HS_EUSAGE (a field of the wrong type: eb), HS_ENOMEM. profile is
 * owned by the record in every case. */
int	 record_set_profile(struct run_record *rec, cJSON *profile,
	    struct hs_errbuf *eb);
/* appends one timeline entry; HS_ENOMEM */
int	 record_add_phase(struct run_record *rec, const char *phase,
	    long plateau, const char *start, const char *end, double seconds);
/* appends an empty plateau (users, dir set) and returns it in *pp, valid
 * until the next record_add_plateau(); HS_ENOMEM */
int	 record_add_plateau(struct run_record *rec, long users, const char *dir,
	    struct record_plateau **pp);
/* the request classes with requests, throttling and spawn times of m */
int	 record_plateau_set_measure(struct record_plateau *p,
	    const struct measure *m);
/* takes the snapshots (start or end NULL: not read); *start and *end are
 * emptied (nothing to release). seconds: wall time between the reads */
void	 record_plateau_set_metrics(struct record_plateau *p,
	    struct metrics_snapshot *start, struct metrics_snapshot *end,
	    double seconds);
/* appends a copy of c (strings copied); HS_ENOMEM */
int	 record_plateau_add_capture(struct record_plateau *p,
	    const struct record_capture *c);
#define RECORD_CAPTURE_INIT { NULL, NULL, NULL, NULL, NULL, RECORD_NONE, \
	RECORD_NONE, NAN, NAN }
/* appends a copy of t without its captures (strings copied) and returns
 * it in *tp, valid until the next call; HS_ENOMEM, HS_ELIMIT past
 * RECORD_MAX_ITEMS */
int	 record_add_trigger(struct run_record *rec,
	    const struct record_trigger *t, struct record_trigger **tp);
/* appends a copy of c to a trigger's captures; HS_ENOMEM */
int	 record_trigger_add_capture(struct record_trigger *t,
	    const struct record_capture *c);
/* appends one sample; HS_ENOMEM, HS_ELIMIT past RECORD_MAX_SAMPLES */
int	 record_add_sample(struct run_record *rec,
	    const struct record_sample *s);

/*
 * The manifest (without "files", which the archive writer adds): a new
 * object, cJSON_Delete() it; NULL when out of memory.
 */
cJSON	*record_to_json(const struct run_record *rec);
/*
 * Parses and validates manifest text into rec (record_init() done here;
 * record_release() it in every case). Returns 0, HS_EUSAGE with one line
 * naming the field ("manifest.json: plateaus[2].requests.start.status:
 * expected an object of counts, got an array"), HS_ENOMEM.
 */
int	 record_from_json(struct run_record *rec, const char *text, size_t len,
	    struct hs_errbuf *eb);

/*
 * {"requests", "throttle", "spawn_seconds"} of m, as a plateau has them:
 * a new object (cJSON_Delete), NULL when out of memory. For commands that
 * report a load without a run (stress, activity).
 */
cJSON	*record_measure_json(const struct measure *m);

/*
 * A plateau's hub_metrics object (docs/artifacts.md): the two snapshots
 * (start or end NULL: not read), "restarted" and their "delta" over
 * seconds. A new object (cJSON_Delete), NULL when out of memory.
 */
cJSON	*record_hub_metrics_json(const struct metrics_snapshot *start,
	    const struct metrics_snapshot *end, double seconds);

/* ---- what the renderers share ---- */

/* the class named name, or NULL */
const struct record_class *record_class_find(const struct record_plateau *p,
	    const char *name);
/* the first capture of this kind, or NULL */
const struct record_capture *record_capture_find(
	    const struct record_plateau *p, const char *kind);
/* samples per second of record.raw: profile captures.record.rate, else 100 */
double	 record_rate(const struct run_record *rec);
/* hub RSS in MiB of one reading (rss, else cgroup memory), NAN if none */
double	 record_usage_mib(const struct record_usage *u);
/* hub CPU % of one core between the /hub/metrics reads, NAN if unknown
 * (a read missing, the hub restarted) */
double	 record_metrics_cpu_percent(const struct record_plateau *p);

/*
 * A plateau's row in every summary (report.html, the terminal, summary.md),
 * defined once: NAN where the record has nothing, and each figure
 * formatted ("-" when absent).
 *   cls      the quoted request class: "probe" (latency under held load),
 *            else the class with the most requests; NULL if none
 *   n429     throttle.count_429, else the 429s of every class
 *   errors   every status but 2xx and 429 (4xx, 5xx, network); the
 *            spawn-phase streams (class "phases") are not counted, nor
 *            ever the quoted class
 *   cpu      hub_usage.cpu_percent, else from /hub/metrics
 *   rss      MiB at the end of the hold: hub_usage, else /hub/metrics
 */
enum record_col {
	RC_USERS, RC_ASKED, RC_READY, RC_FAILED, RC_RAMP, RC_P50, RC_P99,
	RC_RPS, RC_429, RC_ERRORS, RC_CPU, RC_RSS, RC_NCOLS
};
struct record_row {
	const char	*cls;
	double		 v[RC_NCOLS];
	char		 s[RC_NCOLS][32];
};
void	 record_row(const struct record_plateau *p, struct record_row *row);
/*
 * The event loop over a plateau's hold, the headline of every summary:
 * from jupyterhub_event_loop_interval_seconds (5.0+) at both ends, the
 * upper bounds (ms) of the buckets holding the 50th and 99th percentile
 * and the highest interval seen (INFINITY: past the last finite bucket,
 * whose bound is over_ms). Without the metric (hubs before 5.0) the
 * stated fallback is the probe's latency under the held load.
 */
struct record_loop {
	int		 has_metric;
	double		 count, p50_ms, p99_ms, max_ms, over_ms;
	double		 probe_p50_ms, probe_p99_ms;	/* NAN if none */
};
void	 record_loop(const struct record_plateau *p, struct record_loop *lp);
/* the same as one line of text, "event loop p50 <= 50 ms, ..." */
void	 record_loop_line(const struct record_plateau *p, char *dst, size_t n);
/*
 * Plateau k's spawns as one line: the client's request -> ready times
 * (spawn_seconds) beside the hub's own server_spawn_duration_seconds
 * {status="success"} over the plateau's ramp (its metrics at the start
 * of this hold less those at the end of the previous one; left out when
 * a read is missing or the hub restarted), "spawn: ..." into dst.
 */
void	 record_spawn_line(const struct run_record *rec, size_t k, char *dst,
	    size_t n);
/*
 * The mean of the hub's own histogram over plateau k's ramp, status
 * "success" (its metrics at the start of this hold less those at the end
 * of the previous one): server_spawn_duration_seconds (the spawner's
 * start, before the proxy) or proxy_add_duration_seconds. 0, or -1 with
 * NAN when a read is missing, the hub restarted or nothing was counted.
 */
enum record_hub_hist { RH_SPAWN, RH_PROXY_ADD };
int	 record_hub_ramp_mean(const struct run_record *rec, size_t k,
	    enum record_hub_hist which, double *countp, double *meanp);
/*
 * Plateau p's spawn phases as one line, "spawn phases (N sampled): request
 * -> accepted 0.01 s, -> first event 0.2 s, -> ready 1.1 s, total 1.3 s
 * (p90 ...)"; "" when none was sampled.
 */
void	 record_phases_line(const struct record_plateau *p, char *dst,
	    size_t n);
/* v with f into dst, or "-" when v is NAN */
void	 record_fmt(char *dst, size_t n, const char *f, double v);

#endif
