/* cli_target.h -- the target option group every capture command shares */
#ifndef CLI_TARGET_H
#define CLI_TARGET_H

#include "opt.h"
#include "target.h"

/* --transport, --context, --kubeconfig, -n/--namespace, --pod,
 * -l/--selector, -c/--container, --image, --pid, --kubectl, --py-spy,
 * --tmpdir, --log-file, --exec-timeout */
extern const struct opt cli_target_opts[];

/* fills cfg from the parsed options (strings borrowed from a); returns 0
 * or HS_EUSAGE with one line in eb */
int	cli_target_config(const struct args *a, struct target_config *cfg,
	    struct hs_errbuf *eb);

/* prints the failure of a target step: "hubspy: MSG" plus, for failures
 * with a remedy longer than one line (permission_denied), the remedy on
 * the following lines; returns the exit code (5 for target failures) */
int	cli_target_fail(const struct target *t, const struct hs_errbuf *eb);

#endif
