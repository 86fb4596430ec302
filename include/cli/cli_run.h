/* cli_run.h -- what `run` and `watch` share: setup, run_exec(), the last lines */
#ifndef CLI_RUN_H
#define CLI_RUN_H

#include "cli/cli_hub.h"
#include "cli/cli_target.h"

struct profile;

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
};

/*
 * Sets up the hub (token, URL, log, progress line), makes the run
 * directory (the token registered for redaction, run.log opened), prints
 * its path, runs run_exec() and prints its outcome: the events about
 * py-spy, then "summary: PATH" and the tarball's path last. Returns the
 * exit code.
 */
int	 cli_run_exec(const struct cli_run_spec *sp);

#endif
