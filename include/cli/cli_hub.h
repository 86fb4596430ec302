/* cli_hub.h -- the shared hub and common option groups, and their setup */
#ifndef CLI_HUB_H
#define CLI_HUB_H

#include <stdio.h>

#include "load/hub.h"
#include "load/load.h"
#include "core/file.h"
#include "core/loop.h"
#include "measure/measure.h"
#include "cli/opt.h"

/* --url --token-file --token(refused) --concurrency --timeout --prefix */
struct cli_hub_options {
	const char	*url;		/* NULL: the environment's */
	const char	*token_file;
	const char	*token;		/* refused when given */
	int		 concurrency;
	int		 timeout;	/* seconds per request */
	const char	*prefix;
};
extern const struct opt cli_hub_opts[];
/* the hub group bound to member m of a command's options struct T */
#define CLI_HUB_GROUP(T, m) \
	OPT_GROUP(cli_hub_opts, T, m, struct cli_hub_options)

/* --dry-run --log-file -v --json */
struct cli_common_options {
	int		 dry_run;
	const char	*log_file;
	int		 verbose;	/* -vv: 2 */
	const char	*json;
};
extern const struct opt cli_common_opts[];
#define CLI_COMMON_GROUP(T, m) \
	OPT_GROUP(cli_common_opts, T, m, struct cli_common_options)

/*
 * Everything a hub command holds, torn down by cli_hub_release(): the
 * loop, the hub client, the measure window, the log and JSON files, the
 * token (wiped), and the terminal progress line.
 */
struct cli_hub {
	struct loop	*loop;
	struct hub	*hub;
	struct load	*ld;		/* the command's (progress, signals) */
	struct measure	*m;		/* heap: histograms are big */
	char		 url[1024];
	char		 token[1024];
	const char	*prefix;
	int		 verbose, dry_run, tty, color, timeout_s;
	FILE		*log;
	const char	*json_path;
	struct file_atomic json_out;	/* opened early: unwritable fails
					 * first */
	int64_t		 t0_ms, last_draw_ms;
	int		 progress_drawn;
	int		 signals;
	struct loop_timer *tick;	/* a command's own progress timer */
	double		 ramp_s, hold_s, teardown_s;	/* phase wall times */
	char		 stage[64];	/* shown instead of the load phase */
};
#define CLI_HUB_INIT { 0 }

/*
 * Takes the hub options h (resolved: `hubspy run` puts its profile's
 * values in) and the common options co (NULL: none, as for preflight),
 * the URL and the token (env, --token-file, or a no-echo prompt on a TTY),
 * opens --log-file and the --json temporary file (so an unwritable path
 * fails before the hub is touched), builds loop and hub. With preflight,
 * checks version and scopes (need_write: admin:users and servers). Strings
 * stay borrowed from h and co. Returns 0 or a code with one line in eb.
 */
int	 cli_hub_setup(struct cli_hub *ch, const struct cli_hub_options *h,
	    const struct cli_common_options *co, int preflight, int need_write,
	    struct hs_errbuf *eb);
void	 cli_hub_release(struct cli_hub *ch);
/* a load_config with --prefix and hooks (events and progress) set */
void	 cli_hub_load_config(struct cli_hub *ch, struct load_config *lc);
/* the live progress line (TTY) or a plain line every few seconds */
void	 cli_hub_progress(struct cli_hub *ch, struct load *ld, int force);
/* prints one event line (and logs it) */
void	 cli_hub_event(struct cli_hub *ch, const char *line);
/* prints the table of measurements to fp */
void	 cli_hub_table(FILE *fp, const struct measure *m);
/* {"command", "hub": {"url","version"}, "prefix", "users": {progress
 * counts}, "seconds": {"ramp","hold","teardown"}, "requests", "throttle",
 * "spawn_seconds" (record_measure_json), "requests_per_lifecycle"}: a new object
 * (cJSON_Delete) or NULL */
cJSON	*cli_hub_result_json(struct cli_hub *ch, const char *command);
/* writes root (consumed) to --json atomically; 0 (also without --json),
 * HS_EIO or HS_ENOMEM */
int	 cli_hub_write_json(struct cli_hub *ch, cJSON *root,
	    struct hs_errbuf *eb);
/* SIGINT/SIGTERM/SIGHUP: load_interrupt(ch->ld) and say what happens */
void	 cli_hub_catch_signals(struct cli_hub *ch);
/* load_new() with lc into ch->ld, then load_discover(): how many users
 * named PREFIX-N the hub has and the highest N */
int	 cli_hub_start_load(struct cli_hub *ch, const struct load_config *lc,
	    size_t *existing, long *highest, struct hs_errbuf *eb);
/* catches the signals and ramps ch->ld to count users, timed into
 * ch->ramp_s; returns load_ramp()'s code */
int	 cli_hub_ramp(struct cli_hub *ch, size_t count, struct hs_errbuf *eb);
/* prints the plan of a dry run: what would be sent, and how many requests */
void	 cli_hub_plan(FILE *fp, const char *what, long long requests);

/* after the ramp or hold ended with r (eb its message): reports a
 * non-fatal ending as an event, then, unless keep, tears down this
 * command's users (timed into ch->teardown_s). Returns the code to finish
 * with: r, or the teardown's failure (then copied into eb). */
int	 cli_hub_teardown(struct cli_hub *ch, int keep, int r,
	    struct hs_errbuf *eb);

/* 1 when url is plain http:// to a host that is not this machine
 * (localhost, 127.0.0.0/8, [::1]): cli_hub_setup() warns once, since the
 * token would cross the network in clear */
int	 cli_hub_cleartext(const char *url);

/* the end of every load command: prints the table (when the hub was
 * loaded), writes --json (a failure turns success into exit 6), frees the
 * load, releases ch (token wiped) and returns the exit code for r */
int	 cli_hub_finish(struct cli_hub *ch, const char *command, int r,
	    struct hs_errbuf *eb);

#endif
