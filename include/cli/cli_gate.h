/* cli_gate.h -- the gate options `hubspy report` and `hubspy run` share */
#ifndef CLI_GATE_H
#define CLI_GATE_H

#include "cli/opt.h"
#include "record/rundata.h"
#include "report/gate.h"

/* --fail-on EXPR (repeatable), --markdown */
struct cli_gate_options {
	struct opt_list	 fail_on;
	int		 markdown;
};
extern const struct opt cli_gate_opts[];
#define CLI_GATE_GROUP(T, m) \
	OPT_GROUP(cli_gate_opts, T, m, struct cli_gate_options)

/* every --fail-on parsed into *bp (a new array, free(); NULL when none):
 * 0, HS_EUSAGE naming the expression, HS_ENOMEM */
int	cli_gate_parse(const struct cli_gate_options *o,
	    struct gate_bound **bp, struct hs_errbuf *eb);

/* the gate of new against old (users >= 0: that plateau only), printed
 * on standard output as text, Markdown (--markdown) or JSON (json).
 * Returns 0 when every bound holds, HS_EGATE with one line naming the
 * first broken check, or gate_eval()'s error. */
int	cli_gate_run(const struct cli_gate_options *o,
	    const struct gate_bound *b, int json, const struct rundata *old,
	    const struct rundata *new, long users, struct hs_errbuf *eb);

#endif
