/* cmd_purge.c -- hubspy purge: remove every fake user with the prefix */
#include <stdio.h>
#include <stdlib.h>

#include "cli_hub.h"
#include "cmd.h"

static const struct opt *const purge_groups[] = {
	cli_hub_opts, cli_common_opts, NULL
};

static int
purge_exec(struct args *a)
{
	struct cli_hub ch = CLI_HUB_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct load_config lc = LOAD_CONFIG_INIT;
	size_t existing = 0;
	long highest = 0;
	int r;

	if ((r = cli_hub_setup(&ch, a, 1, 1, &eb)) != 0)
		goto out;
	cli_hub_load_config(&ch, &lc);
	lc.start_servers = 0;
	if ((r = load_new(&ch.ld, ch.hub, &lc, &eb)) != 0)
		goto out;
	if (a->npos > 0) {
		printf("hub %s at %s: removing %d named users\n",
		    hub_info(ch.hub)->version, ch.url, a->npos);
		existing = (size_t)a->npos;
	} else {
		if ((r = load_discover(ch.ld, &existing, &highest, &eb)) != 0)
			goto out;
		printf("hub %s at %s: %zu users named %s-N (highest %ld)\n",
		    hub_info(ch.hub)->version, ch.url, existing, ch.prefix,
		    highest);
	}
	if (ch.dry_run) {
		char what[200];

		snprintf(what, sizeof(what), "stop the servers of %zu users, "
		    "wait until none remains, delete the users", existing);
		cli_hub_plan(stdout, what, (long long)existing * 2 +
		    (long long)existing / 200 + 2);
		r = 0;
		goto out;
	}
	cli_hub_catch_signals(&ch);
	if (a->npos > 0)
		r = load_teardown(ch.ld, LOAD_TD_NAMES,
		    (const char *const *)a->pos, (size_t)a->npos, &eb);
	else
		r = load_teardown(ch.ld, LOAD_TD_PREFIX, NULL, 0, &eb);
	cli_hub_progress(&ch, ch.ld, 1);
	if (r == 0) {
		struct load_progress p;

		load_progress(ch.ld, &p);
		printf("removed %zu users\n", p.deleted);
	}
 out:
	return cli_hub_finish(&ch, "purge", r, &eb);
}

const struct cmd cmd_purge = {
	"purge", "[OPTIONS] [NAME...]",
	"remove every fake user with the prefix (or the users named)",
	"Stops the servers of every user named PREFIX-N (paged listing, any "
	"number of users) in parallel, waits until no server remains, then "
	"deletes the users. With NAME arguments exactly those users are "
	"removed instead (e.g. from a run's journal). Interrupts are noted "
	"but the purge goes on until done or --timeout-bound retries give "
	"up; exit 8 says how many users remain.",
	purge_groups, 0, 100000, purge_exec, 0,
};
