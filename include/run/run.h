/* run.h -- the run coordinator: plateaus, phases, signals, journal, archive */
#ifndef RUN_H
#define RUN_H

#include <stddef.h>

#include "core/hs.h"
#include "load/load.h"
#include "capture/target.h"

struct artifacts;
struct hub;
struct loop;
struct profile;

/*
 * run_exec() is `hubspy run` without the printing (docs/run.md):
 * preflight (hub version and scopes, the target), then per plateau ramp,
 * settle, hold (hub metrics and usage at its start and end, the captures
 * while the load keeps flowing), then teardown, hub usage after the purge,
 * hub logs, report files, summary.md, manifest.json and the tar.gz.
 *
 * Every batch of user names is journaled (journal.jsonl in the run
 * directory, fsync'd) before it is sent, so a killed run can be purged
 * with `hubspy purge --run DIR`. run_exec() catches SIGINT/SIGTERM/SIGHUP
 * on the loop: the first stops ramping, ends the running py-spy with
 * SIGINT (its file is kept), tears down and archives marked partial; the
 * second abandons a running capture and goes to the teardown at once.
 *
 * Borrowed for the call: everything in the config. The caller built the
 * loop and the hub (not yet preflighted) and made the run directory
 * (artifacts_init, the token registered for redaction).
 */
struct run_config {
	const struct profile	*prof;
	struct loop		*loop;
	struct hub		*hub;
	struct artifacts	*art;
	const char		*url;		/* as used, for the manifest */
	/* from the caller: kubectl, pyspy, tmpdir, log_file, exec_timeout;
	 * run_exec() fills the rest from the profile */
	struct target_config	 tc;
	int			 log_tail;	/* hub log lines kept (1000) */
	int			 hub_gone_s;	/* no answer this long: the hub
						 * is gone (0: the load's 30) */
	/* a log file copied into run.log before archiving (--log-file);
	 * NULL: the caller logs into RUNDIR/run.log itself */
	const char		*log_path;
	/* `hubspy watch`: no load and no plateaus; after the preflight the
	 * stall watch (profile triggers) runs for watch_seconds (0: until a
	 * signal, which then ends the watch normally), then the archive */
	int			 watch;
	double			 watch_seconds;
	/* a notable event, one line (print it, log it) */
	void	(*on_event)(void *arg, const char *line);
	/* the state changed, or about 4 times a second: stage is
	 * "plateau 30 hold" or "teardown"; ld may be NULL */
	void	(*on_progress)(void *arg, struct load *ld, const char *stage,
		    int force);
	void	*arg;
};

struct run_result {
	int	 partial;		/* the manifest is marked partial */
	int	 signals;		/* interrupts received */
	int	 pyspy_missing;		/* captures skipped: py-spy not found */
	size_t	 plateaus;		/* plateaus that reached their hold */
	size_t	 capture_failures;	/* captures recorded as failed */
	char	 summary[1100];		/* RUNDIR/summary.md, "" if not written */
	char	 teardown_msg[512];	/* why users are left, or "" */
};

/*
 * Returns 0; HS_EPARTIAL (interrupted: archive written, marked partial);
 * HS_ELEFT (users left on the hub: eb names `hubspy purge --run DIR`;
 * the archive is written); HS_EIO (the run directory or the archive could
 * not be written: nothing under the tarball's name; the users were torn
 * down); HS_EHUB, HS_EAUTH, HS_ETARGET (preflight failed: nothing was
 * done on the hub; or a fatal error mid-run: torn down, archived partial);
 * HS_ENOMEM. The tarball, when written, is cfg->art->tarball.
 */
int	 run_exec(const struct run_config *cfg, struct run_result *res,
	    struct hs_errbuf *eb);
/* with cfg->watch: HS_EPARTIAL only when a signal came during the
 * archive; the end of the watch by a signal is its normal end */

/* "interrupted by SIGINT during the hold of 1000 users" into dst (pure,
 * unit-tested); plateau < 0 for run-wide phases */
void	 run_reason(char *dst, size_t n, int signo, const char *phase,
	    int plateau);

#endif
