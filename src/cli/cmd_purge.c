/* cmd_purge.c -- hubspy purge: remove every fake user with the prefix */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_hub.h"
#include "cli/cmd.h"
#include "run/journal.h"

struct purge_options {
	const char	*run;
	struct cli_hub_options	  hub;
	struct cli_common_options common;
};

static const struct opt purge_opts[] = {
	{ "run", 0, OPT_BIND(struct purge_options, OPT_STR, run), "DIR", 0, 0,
	  NULL,
	  "remove exactly the users a run journaled in DIR/journal.jsonl "
	  "(a killed run, or teardown keep), and no others", NULL, 0 },
	OPT_END
};

static const struct opt_group purge_groups[] = {
	{ purge_opts, 0 },
	CLI_HUB_GROUP(struct purge_options, hub),
	CLI_COMMON_GROUP(struct purge_options, common),
	OPT_GROUP_END
};

static int
purge_exec(struct args *a)
{
	struct cli_hub ch = CLI_HUB_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct load_config lc = LOAD_CONFIG_INIT;
	struct journal_names jn = JOURNAL_NAMES_INIT;
	const struct purge_options *o = a->opts;
	const char *run = o->run;
	size_t existing = 0;
	long highest = 0;
	int r;

	if (run != NULL && a->npos > 0) {
		r = hs_error(&eb, HS_EUSAGE, "--run and NAME arguments cannot "
		    "be combined");
		goto out;
	}
	if (run != NULL && (r = journal_read(run, &jn, &eb)) != 0)
		goto out;
	if ((r = cli_hub_setup(&ch, &o->hub, &o->common, 1, 1, &eb)) != 0)
		goto out;
	cli_hub_load_config(&ch, &lc);
	lc.start_servers = 0;
	if (jn.nprefixes == 1)		/* the hub lists that prefix only */
		lc.prefix = jn.prefixes[0];
	if ((r = load_new(&ch.ld, ch.hub, &lc, &eb)) != 0)
		goto out;
	if (run != NULL) {
		printf("hub %s at %s: removing the %zu users journaled in ",
		    hub_info(ch.hub)->version, ch.url, jn.n);
		cmd_safe_fputs(stdout, run);
		putchar('\n');
		existing = jn.n;
	} else if (a->npos > 0) {
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

		snprintf(what, sizeof(what), "delete %zu users (a ready "
		    "server goes with its delete; a pending one is stopped "
		    "first and waited for)", existing);
		cli_hub_plan(stdout, what, (long long)existing +
		    (long long)existing / 200 + 2);
		r = 0;
		goto out;
	}
	cli_hub_catch_signals(&ch);
	if (run != NULL)
		r = jn.n == 0 ? 0 : load_teardown(ch.ld, LOAD_TD_NAMES,
		    (const char *const *)jn.names, jn.n, &eb);
	else if (a->npos > 0)
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
	journal_names_release(&jn);
	return cli_hub_finish(&ch, "purge", r, &eb);
}

const struct cmd cmd_purge = {
	"purge", "[OPTIONS] [--run DIR | NAME...]",
	"remove every fake user with the prefix (or the users named)",
	"Deletes every user named PREFIX-N (paged listing, any number of "
	"users) in parallel; a ready server goes with its user's delete, a "
	"pending one is stopped first and waited for. With NAME arguments exactly those users are "
	"removed instead; with --run DIR, exactly the users journaled by "
	"the run in DIR (users are journaled before they are created, so "
	"this also cleans up after a killed run). Interrupts are noted "
	"but the purge goes on until done or --timeout-bound retries give "
	"up; exit 8 says how many users remain.",
	purge_groups, sizeof(struct purge_options), 0, 100000, purge_exec, 0,
};
