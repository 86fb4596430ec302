/* cmd_stress.c -- hubspy stress: create N users, start their servers, tear down */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_hub.h"
#include "cli/cmd.h"

struct stress_options {
	int		 count, batch_size, spawn_concurrency;
	const char	*server_options;
	int		 ready_timeout;
	int		 keep;
	int		 named_servers;
	int		 phase_streams;
	struct cli_hub_options	  hub;
	struct cli_common_options common;
};

#define O(kind, m) OPT_BIND(struct stress_options, kind, m)
static const struct opt stress_opts[] = {
	{ "count", 'c', O(OPT_NUM, count), "N", 1, 100000, "100",
	  "exact number of fake users (and servers) to add", NULL, 0 },
	{ "batch-size", 'b', O(OPT_NUM, batch_size), "N", 1, 1000, "10",
	  "user names per POST /users request", NULL, 0 },
	{ "spawn-concurrency", 0, O(OPT_NUM, spawn_concurrency), "N", 1,
	  10000, "32",
	  "server starts in flight at most (keep it at or below the hub's "
	  "concurrent_spawn_limit)", NULL, 0 },
	{ "server-options", 0, O(OPT_STR, server_options), "JSON", 0, 0, NULL,
	  "JSON object sent as the start body (user_options), e.g. "
	  "'{\"profile\":\"micro\"}'", NULL, 0 },
	{ "ready-timeout", 0, O(OPT_NUM, ready_timeout), "SECONDS", 1, 86400,
	  "300",
	  "a spawn not ready this long after its request counts as timed "
	  "out", NULL, 0 },
	{ "named-servers", 0, O(OPT_NUM, named_servers), "N", 0, 64, "0",
	  "each user gets N named servers (srv-1..srv-N, names valid for "
	  "JupyterHub 6.0) instead of the default server: started, awaited "
	  "and removed ({\"remove\": true}) before the user; the hub must "
	  "allow named servers, at least N per user", NULL, 0 },
	{ "phase-streams", 0, O(OPT_NUM, phase_streams), "N", 0, 1024, "0",
	  "time the spawn phases of a sample: the progress streams of at most "
	  "N spawns open at once (as a profile's spawn_phases.streams); "
	  "counted as the class phases, apart from the lifecycle requests, "
	  "and written to --json as spawn_phases", NULL, 0 },
	{ "keep", 'k', O(OPT_FLAG, keep), NULL, 0, 0, NULL,
	  "leave the users and servers on the hub (remove them later with "
	  "'hubspy purge')", NULL, 0 },
	OPT_END
};
#undef O

static const struct opt_group stress_groups[] = {
	{ stress_opts, 0 },
	CLI_HUB_GROUP(struct stress_options, hub),
	CLI_COMMON_GROUP(struct stress_options, common),
	OPT_GROUP_END
};

static int
stress_exec(struct args *a)
{
	struct cli_hub ch = CLI_HUB_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct load_config lc = LOAD_CONFIG_INIT;
	const struct stress_options *o = a->opts;
	long long count = o->count;
	int keep = o->keep;
	size_t existing = 0;
	long highest = 0;
	int r;

	if ((r = cli_hub_setup(&ch, &o->hub, &o->common, 1, 1, &eb)) != 0)
		goto out;
	cli_hub_load_config(&ch, &lc);
	lc.batch_size = o->batch_size;
	lc.spawn_concurrency = o->spawn_concurrency;
	lc.server_options = o->server_options;
	lc.ready_timeout_s = o->ready_timeout;
	lc.start_servers = 1;
	lc.named_servers = o->named_servers;
	lc.phase_streams = o->phase_streams;
	if ((r = cli_hub_start_load(&ch, &lc, &existing, &highest,
	    &eb)) != 0)
		goto out;
	printf("hub %s at %s: %zu users named %s-N (highest %ld); adding "
	    "%s-%ld..%s-%lld\n", hub_info(ch.hub)->version, ch.url, existing,
	    ch.prefix, highest, ch.prefix, highest + 1, ch.prefix,
	    highest + count);
	if (ch.dry_run) {
		char what[300];
		long long batches = (count + lc.batch_size - 1) / lc.batch_size;
		long long per = o->named_servers ? o->named_servers : 1;

		snprintf(what, sizeof(what), "create %lld users in %lld "
		    "batches, start %lld %sservers (%d at a time), poll "
		    "readiness with paged lists, %s", count, batches,
		    count * per, o->named_servers ? "named " : "",
		    lc.spawn_concurrency, keep ? "keep them" :
		    o->named_servers ? "then remove the named servers and "
		    "delete the users" :
		    "then delete them (each delete stops its server)");
		/* create + start + a few list rounds (+ removes + delete) */
		cli_hub_plan(stdout, what, batches + count * per + 2 *
		    (count / 200 + 1) + (keep ? 0 : (o->named_servers ?
		    count * per : 0) + count));
		r = 0;
		goto out;
	}
	r = cli_hub_ramp(&ch, (size_t)count, &eb);
	cli_hub_progress(&ch, ch.ld, 1);
	r = cli_hub_teardown(&ch, keep, r, &eb);
 out:
	return cli_hub_finish(&ch, "stress", r, &eb);
}

const struct cmd cmd_stress = {
	"stress", "[OPTIONS]",
	"add fake users and servers, wait until ready, then remove them",
	"Parity with IBM's hub-stress-test.py stress-test, fixed: exactly "
	"--count users named PREFIX-N continuing after the highest existing "
	"N, created in batches, servers started with a client-side cap on "
	"spawns in flight, readiness from paged state=active lists, 429s "
	"counted and honoured, and a bounded parallel teardown (one delete "
	"per user, which stops its ready server; pending servers are "
	"stopped first) unless --keep."
	"\n\nAn interrupt stops the ramp and tears down (exit 7); a second "
	"one skips waiting for requests in flight. A table of measurements "
	"ends the run; --json writes them.",
	stress_groups, sizeof(struct stress_options), 0, 0, stress_exec, 0,
};
