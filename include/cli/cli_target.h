/* cli_target.h -- the target option group every capture command shares */
#ifndef CLI_TARGET_H
#define CLI_TARGET_H

#include "cli/opt.h"
#include "capture/target.h"

/* --transport, --context, --kubeconfig, -n/--namespace, --pod,
 * -l/--selector, -c/--container, --image, --pid, --kubectl, --py-spy,
 * --tmpdir, --log-file, --exec-timeout */
struct cli_target_options {
	const char	*transport;	/* one of kubectl, debug, local */
	const char	*context, *kubeconfig, *namespace, *pod;
	const char	*selector, *container, *image;
	int		 pid;		/* 0: find it */
	const char	*log_file;	/* local: the hub's log */
};
extern const struct opt cli_target_opts[];
/* the target group bound to member m of a command's options struct T */
#define CLI_TARGET_GROUP(T, m) \
	OPT_GROUP(cli_target_opts, T, m, struct cli_target_options)

/* the programs and bounds a capture uses: --kubectl, --py-spy, --tmpdir,
 * --exec-timeout (capture, postmortem, preflight and run) */
struct cli_tools_options {
	const char	*kubectl, *pyspy, *tmpdir;
	int		 exec_timeout;
};
extern const struct opt cli_tools_opts[];
#define CLI_TOOLS_GROUP(T, m) \
	OPT_GROUP(cli_tools_opts, T, m, struct cli_tools_options)

/* fills cfg from the parsed target and tools options (strings borrowed);
 * returns 0 or HS_EUSAGE with one line in eb */
int	cli_target_config(const struct cli_target_options *o,
	    const struct cli_tools_options *tools, struct target_config *cfg,
	    struct hs_errbuf *eb);
/* only the tools' fields of cfg (`hubspy run`: the profile says where) */
void	cli_tools_config(const struct cli_tools_options *o,
	    struct target_config *cfg);

/* prints the failure of a target step: "hubspy: MSG" plus, for failures
 * with a remedy longer than one line (permission_denied), the remedy on
 * the following lines; returns the exit code (5 for target failures) */
int	cli_target_fail(const struct target *t, const struct hs_errbuf *eb);

/* the output directory: dir, or "PREFIX-YYYYmmddTHHMMSSZ" when dir is
 * NULL; created (0700) unless it exists. *pathp is malloc'd. */
int	cli_output_dir(const char *dir, const char *prefix, char **pathp,
	    struct hs_errbuf *eb);

/* "hub: pod P container C pid N python X py-spy Y" on fp */
void	cli_target_print(FILE *fp, const struct target *t);

struct capture_result;
/* one line per file of res from index `from` on: name, ok or the failure
 * class and message; returns the number of files that failed (idle
 * counts as a warning, not a failure) */
size_t	cli_capture_print(FILE *fp, const struct capture_result *res,
	    size_t from);

/* a loop_signal_cb (arg: struct target *): the first SIGINT/TERM asks the
 * running py-spy to stop with SIGINT (its file is still written), the
 * second abandons the capture (loop_stop) */
void	cli_target_on_signal(void *arg, int signo);

#endif
