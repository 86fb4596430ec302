/* cmd_preflight.c -- `hubspy preflight`: can this machine profile that hub, and is there room? */
/*
 * The checks are run/preflight.c's; here the options become a plan and a
 * hub client, and each check is printed as one row (pass / warn / fail /
 * skip) as soon as it ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_hub.h"
#include "cli/cli_target.h"
#include "cli/cmd.h"
#include "core/loop.h"
#include "run/preflight.h"

struct preflight_options {
	const char	*node_selector;
	int		 count, step, failure_limit;
	struct cli_target_options target;
	struct cli_tools_options  tools;
	struct cli_hub_options	  hub;
};

#define O(kind, m) OPT_BIND(struct preflight_options, kind, m)
static const struct opt preflight_opts[] = {
	{ "node-selector", 0, O(OPT_STR, node_selector), "SEL", 0, 0,
	  "hub.jupyter.org/node-purpose=user",
	  "label selector of the nodes user pods run on", NULL, 0 },
	{ "count", 0, O(OPT_NUM, count), "N", 1, 1000000, NULL,
	  "planned number of users: warn when it exceeds the capacity", NULL,
	  0 },
	{ "step", 0, O(OPT_NUM, step), "N", 1, 1000000, NULL,
	  "planned ramp step: warn above 500 with a consecutive failure "
	  "limit", NULL, 0 },
	{ "failure-limit", 0, O(OPT_NUM, failure_limit), "N", 0, 1000000, "5",
	  "the hub's Spawner.consecutive_failure_limit "
	  "(z2jh hub.consecutiveFailureLimit)", NULL, 0 },
	OPT_END
};
#undef O

static const struct opt_group preflight_groups[] = {
	{ preflight_opts, 0 },
	CLI_TARGET_GROUP(struct preflight_options, target),
	CLI_TOOLS_GROUP(struct preflight_options, tools),
	CLI_HUB_GROUP(struct preflight_options, hub),
	OPT_GROUP_END
};

/* one row per check, printed as soon as it is known */
static void
print_row(void *arg, const struct preflight_check *c)
{
	char line[1024];

	(void)arg;
	preflight_line(c, line, sizeof(line));
	printf("%-18s %-5s ", preflight_name(c->id),
	    preflight_status_name(c->status));
	cmd_safe_fputs(stdout, line);
	putchar('\n');
	fflush(stdout);
}

/* the hub: reachable, its version, the token and the scopes a run needs */
static void
check_hub(const struct args *a, struct preflight *pf)
{
	struct cli_hub ch = CLI_HUB_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	const struct preflight_options *o = a->opts;
	int r;

	if (o->hub.url == NULL &&
	    getenv("JUPYTERHUB_API_URL") == NULL &&
	    getenv("JUPYTERHUB_ENDPOINT") == NULL) {
		preflight_add(pf, PREFLIGHT_HUB, PREFLIGHT_SKIP, NULL, "no hub "
		    "URL: give --url or set JUPYTERHUB_API_URL to check the hub "
		    "and the token");
		return;
	}
	if (o->hub.token_file == NULL &&
	    (getenv("JUPYTERHUB_API_TOKEN") == NULL ||
	    getenv("JUPYTERHUB_API_TOKEN")[0] == '\0') &&
	    !isatty(STDIN_FILENO)) {
		preflight_add(pf, PREFLIGHT_HUB, PREFLIGHT_SKIP, NULL, "no API "
		    "token: set JUPYTERHUB_API_TOKEN or give --token-file FILE "
		    "to check the hub and the token");
		return;
	}
	/* no common options: --log-file here names the hub's log (local
	 * transport), never cli_hub_setup()'s own */
	if ((r = cli_hub_setup(&ch, &o->hub, NULL, 0, 0, &eb)) != 0) {
		preflight_add(pf, r == HS_EAUTH ? PREFLIGHT_HUB_TOKEN :
		    PREFLIGHT_HUB, PREFLIGHT_FAIL, NULL, "%s", eb.msg);
		goto out;
	}
	(void)preflight_hub(pf, ch.hub, ch.url, 1, &eb);
out:
	cli_hub_release(&ch);
}

static int
preflight_exec(struct args *a)
{
	const struct preflight_options *o = a->opts;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct target_config cfg;
	struct target t = TARGET_INIT;
	struct preflight pf;
	struct preflight_plan plan = PREFLIGHT_PLAN_INIT;
	struct loop *l = NULL;
	int r, rc;

	preflight_init(&pf, print_row, NULL);
	plan.node_selector = o->node_selector;
	if (opt_isset(a, &o->count))
		plan.count = o->count;
	if (opt_isset(a, &o->step))
		plan.step = o->step;
	plan.failure_limit = o->failure_limit;
	cli_target_config(&o->target, &o->tools, &cfg, &eb);
	if ((r = loop_new(&l)) != 0) {
		hs_error(&eb, r, "cannot set up the event loop");
		return cmd_fail(&eb);
	}
	if ((r = target_init(&t, l, &cfg, &eb)) != 0) {
		rc = cmd_fail(&eb);
		goto out;
	}
	loop_on_signal(l, cli_target_on_signal, &t);
	printf("%-18s %-5s %s\n", "CHECK", "", "DETAIL");
	check_hub(a, &pf);
	preflight_target(&pf, &t, &plan);
	printf("%d failed, %d warnings\n", pf.nfail, pf.nwarn);
	rc = pf.nfail ? hs_exit_code(HS_ETARGET) : 0;
out:
	preflight_release(&pf);
	target_release(&t);
	loop_free(l);
	return rc;
}

const struct cmd cmd_preflight = {
	"preflight",
	"[--count N] [--step N] [TARGET OPTIONS]",
	"check that the hub can be profiled and the cluster has room",
	"Prints a pass/warn/fail table: the kubectl context, RBAC (get/list "
	"pods, create pods/exec, get pods/log, and patch "
	"pods/ephemeralcontainers for --transport debug), the hub pod and its "
	"jupyterhub process, py-spy and its version against the hub's Python, "
	"a real attach (py-spy dump), then capacity as IBM's guide reasons "
	"about it: ready user nodes (--node-selector), pods per node "
	"(allocatable pods minus the system pods already there), the "
	"user-placeholder StatefulSet, and warnings when a planned --count "
	"exceeds the room or a --step above 500 meets a consecutive failure "
	"limit. With a hub URL (--url or JUPYTERHUB_API_URL) the hub is "
	"checked first: reachable, its version, the token and the scopes a "
	"run needs (admin:users, servers; read:metrics warned). Exits 5 when "
	"a check failed.",
	preflight_groups, sizeof(struct preflight_options), 0, 0,
	preflight_exec, 0
};
