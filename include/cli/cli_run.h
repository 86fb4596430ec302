/* cli_run.h -- what `run` and `watch` share: setup, run_exec(), the last lines */
#ifndef CLI_RUN_H
#define CLI_RUN_H

#include "cli/cli_hub.h"
#include "cli/cli_target.h"

struct artifacts;
struct profile;
struct run_result;

/* the options of a run the two commands have in common */
struct cli_run_spec {
	const struct profile		*prof;
	const struct cli_hub_options	*hub;	/* resolved */
	const struct cli_common_options	*common;
	const struct cli_tools_options	*tools;
	const char			*outdir;
	int				 no_redact;
	const char			*hub_log;	/* local: the hub's log */
	int				 tail;
	int				 watch;		/* hubspy watch */
	double				 watch_seconds;
	/* optional, after the run when its tarball was written, before
	 * the last lines: returns the exit code from then on (run's
	 * --baseline) */
	int	(*after)(void *arg, struct cli_hub *ch,
		    const struct artifacts *art, const struct run_result *res,
		    int code);
	void	*after_arg;
};

/*
 * Sets up the hub (token, URL, log, progress line), makes the run
 * directory (the token registered for redaction, run.log opened), prints
 * its path, runs run_exec() and prints its outcome: the events about
 * py-spy, sp->after, then "summary: PATH" and the tarball's path last.
 * Returns the exit code.
 */
int	 cli_run_exec(const struct cli_run_spec *sp);

#endif
