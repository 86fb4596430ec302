/* profile.h -- run profiles: load, validate, --set overrides, plan */
#ifndef PROFILE_H
#define PROFILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/hs.h"

/*
 * A profile is a JSON file (docs/profiles.md documents every field). One
 * schema table in src/profile.c is the single source of truth for the
 * field names, types, defaults and ranges: loading, --set, the resolved
 * JSON for manifest.json and the docs test are all driven by it.
 *
 * Strings are malloc'd (NULL when the field is null), owned by the profile
 * and freed by profile_release(). Durations are seconds (double).
 */
enum profile_activity {
	PROFILE_ACTIVITY_SERVERS,	/* the servers post their own activity */
	PROFILE_ACTIVITY_SIMULATE,	/* hubspy posts for every user at N/interval */
	PROFILE_ACTIVITY_NONE,
};
enum profile_sessions {
	PROFILE_SESSIONS_NONE,		/* the admin bot only (default) */
	PROFILE_SESSIONS_BROWSE,	/* every user browses with its own
					 * credentials (load/session.h) */
};
enum profile_arrivals {		/* same order as enum arrival_mode */
	PROFILE_ARRIVALS_BURST, PROFILE_ARRIVALS_RATE, PROFILE_ARRIVALS_POISSON,
};
enum profile_login {			/* same order as enum session_login */
	PROFILE_LOGIN_AUTO, PROFILE_LOGIN_FORM, PROFILE_LOGIN_NONE,
};
enum profile_transport {
	PROFILE_TRANSPORT_KUBECTL,	/* kubectl exec into the hub container */
	PROFILE_TRANSPORT_DEBUG,	/* kubectl debug ephemeral container */
	PROFILE_TRANSPORT_LOCAL,	/* py-spy on this machine */
};
enum profile_teardown {
	PROFILE_TEARDOWN_PURGE,		/* stop and delete every user made */
	PROFILE_TEARDOWN_KEEP,		/* leave them (purge later) */
};
enum profile_capture {
	PROFILE_CAPTURE_TOP,
	PROFILE_CAPTURE_RECORD,
	PROFILE_CAPTURE_DUMP,
};
/* record output formats, bit mask */
#define PROFILE_FORMAT_RAW		0x1
#define PROFILE_FORMAT_SPEEDSCOPE	0x2
#define PROFILE_FORMAT_FLAMEGRAPH	0x4
#define PROFILE_FORMAT_CHROMETRACE	0x8

/* what py-spy runs while a plateau is held (captures.*) */
struct profile_captures {
	enum profile_capture run[3];	/* which, in this order */
	size_t	 nrun;
	struct {
		double	 seconds;
	} top;
	struct {
		double	 duration;
		int	 rate;
		int	 idle, gil, native, subprocesses, nonblocking;
		unsigned formats;	/* PROFILE_FORMAT_* */
	} record;
	struct {
		int	 count;
		double	 interval;
		int	 locals;	/* 0: none, N: -l repeated N times */
		int	 json;
	} dump;
};

#define PROFILE_MAX_PLATEAUS	64
#define PROFILE_MAX_USERS	100000
#define PROFILE_MAX_STEPS	256	/* ramp steps per plateau */

struct profile {
	char	*name;		/* [A-Za-z0-9._-]{1,64}; default: file name */
	char	*description;
	struct {
		char	*url;		/* API URL; NULL: $JUPYTERHUB_API_URL */
		char	*public_url;	/* NULL: the API URL without /hub/api */
		char	*prefix;	/* user name prefix */
		int	 servers;	/* start a server for every user */
		cJSON	*server_options;	/* POST .../server body (object) */
		char	*metrics_prefix;	/* JUPYTERHUB_METRICS_PREFIX */
		int	 named_servers;	/* N named servers per user, 0:
					 * the default server */
	} hub;
	struct {
		int	 users[PROFILE_MAX_PLATEAUS];	/* resolved, increasing */
		size_t	 n;
		int	 series_min, series_max;	/* 0 when an explicit list */
		int	 max_step;	/* 0: ramp in one step */
		double	 settle;	/* after the plateau is ready */
		double	 hold;		/* load held, measured, no profiler */
	} plateaus;
	struct {
		enum profile_activity mode;
		double	 interval;	/* seconds between posts per user */
	} activity;
	struct {
		double	 interval;	/* 0: no probe */
	} probe;
	struct {
		enum profile_sessions mode;
		enum profile_login login;
		struct {
			int	 page, own_api, proxy;	/* weights */
		} mix;
		struct {
			double	 min, max;	/* seconds between requests */
		} think;
		int	 concurrency;	/* session requests in flight */
		int	 progress;	/* read the progress stream */
	} sessions;
	struct {
		enum profile_arrivals mode;
		double	 rate;		/* users per second */
		double	 session_length;	/* 0: users stay */
	} arrivals;
	struct profile_captures captures;
	struct {
		int	 enabled;
		double	 probe;		/* probe latency threshold, 0: off */
		double	 loop_interval;	/* event-loop interval threshold */
		double	 interval;	/* between two trigger probes */
		double	 min_gap;	/* between two triggers */
		int	 max_per_plateau;
		int	 dumps;		/* py-spy dumps per trigger */
		double	 dump_interval;
		double	 record;	/* seconds of py-spy record, 0: none */
	} triggers;
	struct {
		enum profile_transport transport;
		char	*context, *kubeconfig, *namespace, *pod, *selector;
		char	*container, *image;
		int	 pid;		/* 0: find the jupyterhub process */
	} target;
	struct {
		int	 batch_size;	/* names per POST /users */
		int	 spawn_concurrency;	/* server starts in flight */
		double	 ready_timeout;	/* per server */
		int	 concurrency;	/* HTTP requests in flight */
	} load;
	struct {
		int	 streams;	/* progress streams open at once,
					 * 0: no spawn phases */
	} spawn_phases;
	enum profile_teardown teardown;
	char	*output;	/* directory for the run dir and tarball */
};

/* a zeroed profile (release-safe); profile_load() fills the defaults */
#define PROFILE_INIT { 0 }

/*
 * Reads path (a JSON object), applies sets[0..nsets) ("key.path=value";
 * the value is parsed as JSON when it parses, else taken as a string; the
 * path must be a field of the schema) and fills p with every field
 * resolved. Returns 0, HS_EUSAGE with one line in eb naming the file and
 * the key path ("profile 'x.json': plateaus.hold_seconds: unknown key; did
 * you mean 'hold'?", "... line 4 col 9: syntax error"), HS_EIO when the
 * file cannot be read, HS_ENOMEM. Release p with profile_release() in
 * every case.
 */
int	 profile_load(struct profile *p, const char *path,
	    const char *const *sets, size_t nsets, struct hs_errbuf *eb);
/* the same from JSON text (text[len] must be '\0'); name is used in
 * messages and, without its directory and ".json", as the default name */
int	 profile_load_text(struct profile *p, const char *name,
	    const char *text, size_t len, const char *const *sets,
	    size_t nsets, struct hs_errbuf *eb);
void	 profile_release(struct profile *p);

/* the resolved profile (every field, after --set) as a new JSON object
 * for manifest.json; free with cJSON_Delete(); NULL when out of memory */
cJSON	*profile_to_json(const struct profile *p);

struct top_opts;
struct record_opts;
struct dump_opts;
/*
 * The one mapping from captures to the py-spy options of capture/capture.h
 * (`hubspy run` per plateau, `hubspy capture` from its command line): top
 * samples like record (rate, idle, gil, subprocesses, nonblocking); record
 * drops nonblocking with native (py-spy refuses both) and asks py-spy for
 * its own SVG when the formats hold flamegraph; dumps take count,
 * interval, locals and subprocesses and stay nonblocking. What captures
 * does not hold (record's speedscope file and watchdog margin) keeps the
 * *_OPTS_INIT defaults.
 */
void	 profile_capture_opts(const struct profile_captures *c,
	    struct top_opts *top, struct record_opts *rec,
	    struct dump_opts *dump);

struct trigger_config;
/* the triggers section as the watcher takes it (run/trigger.h); the
 * thresholds' finer ranges are trigger_config_check()'s */
void	 profile_trigger_config(const struct profile *p,
	    struct trigger_config *tc);

/* the names used in JSON for the enums */
const char *profile_activity_name(enum profile_activity m);
const char *profile_sessions_name(enum profile_sessions m);
const char *profile_transport_name(enum profile_transport t);
const char *profile_capture_name(enum profile_capture c);

/* 1 when path (a.b.c) is a field of the schema */
int	 profile_has_field(const char *path);
/* the schema's field paths, NULL-terminated (docs test, completion) */
const char *const *profile_fields(void);

/*
 * The --dry-run plan: per plateau the ramp steps and the estimated
 * seconds and hub requests (model in docs/profiles.md, "The plan").
 */
struct profile_plan_plateau {
	int	 users;
	int	 from;			/* users before the ramp */
	int	 steps[PROFILE_MAX_STEPS];	/* ramp targets, last == users */
	size_t	 nsteps;
	double	 ramp_seconds, settle_seconds, hold_seconds, capture_seconds;
	long long requests;		/* hub requests of this plateau */
};
struct profile_plan {
	struct profile_plan_plateau p[PROFILE_MAX_PLATEAUS];
	size_t	 n;
	double	 teardown_seconds;
	long long teardown_requests;
	double	 total_seconds;
	long long total_requests;
};
void	 profile_plan(const struct profile *p, struct profile_plan *plan);
/* the plan as a new JSON object (free with cJSON_Delete), NULL on ENOMEM */
cJSON	*profile_plan_to_json(const struct profile_plan *plan);
/* the plan as text for --dry-run, appended to out: one line per plateau,
 * the teardown and the totals; returns 0, HS_ELIMIT or HS_ENOMEM */
int	 profile_plan_format(const struct profile *p,
	    const struct profile_plan *plan, struct buf *out);

#endif
