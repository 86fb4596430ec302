/* cmd_activity.c -- hubspy activity: users without servers post activity */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_hub.h"
#include "cli/cmd.h"

struct activity_options {
	int		 count, duration, interval, probe_interval, batch_size;
	int		 keep;
	struct cli_hub_options	  hub;
	struct cli_common_options common;
};

#define O(kind, m) OPT_BIND(struct activity_options, kind, m)
static const struct opt activity_opts[] = {
	{ "count", 'c', O(OPT_NUM, count), "N", 1, 100000, "100",
	  "exact number of fake users (no servers) to add", NULL, 0 },
	{ "duration", 'd', O(OPT_NUM, duration), "SECONDS", 1, 604800, "60",
	  "how long to hold the users posting activity", NULL, 0 },
	{ "interval", 0, O(OPT_NUM, interval), "SECONDS", 1, 86400, "300",
	  "seconds between two activity posts of one user (+-10 % jitter, "
	  "like jupyterhub-singleuser's JUPYTERHUB_ACTIVITY_INTERVAL)", NULL,
	  0 },
	{ "probe-interval", 0, O(OPT_NUM, probe_interval), "MS", 0, 60000,
	  "1000",
	  "milliseconds between two probes (GET /users/NAME, one at a time); "
	  "0: no probe", NULL, 0 },
	{ "batch-size", 'b', O(OPT_NUM, batch_size), "N", 1, 1000, "10",
	  "user names per POST /users request", NULL, 0 },
	{ "keep", 'k', O(OPT_FLAG, keep), NULL, 0, 0, NULL,
	  "leave the users on the hub", NULL, 0 },
	OPT_END
};
#undef O

static const struct opt_group activity_groups[] = {
	{ activity_opts, 0 },
	CLI_HUB_GROUP(struct activity_options, hub),
	CLI_COMMON_GROUP(struct activity_options, common),
	OPT_GROUP_END
};

static void
hold_tick(void *arg)
{
	struct cli_hub *ch = arg;

	cli_hub_progress(ch, ch->ld, 0);
	ch->tick = loop_timer_add_lazy(ch->loop, 250, 125, hold_tick, ch);
}

static int
hub_idle(void *arg)
{
	return hub_pending(arg) == 0;
}

static int
activity_exec(struct args *a)
{
	struct cli_hub ch = CLI_HUB_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct load_config lc = LOAD_CONFIG_INIT;
	const struct activity_options *o = a->opts;
	long long count = o->count;
	long long dur = o->duration;
	int keep = o->keep;
	size_t existing = 0;
	long highest = 0;
	int64_t t;
	int r;

	if ((r = cli_hub_setup(&ch, &o->hub, &o->common, 1, 1, &eb)) != 0)
		goto out;
	cli_hub_load_config(&ch, &lc);
	lc.batch_size = o->batch_size;
	lc.start_servers = 0;
	lc.activity_interval_s = o->interval;
	lc.probe_interval_ms = o->probe_interval;
	if ((r = cli_hub_start_load(&ch, &lc, &existing, &highest,
	    &eb)) != 0)
		goto out;
	printf("hub %s at %s: %zu users named %s-N (highest %ld); adding "
	    "%lld users without servers for %lld s\n",
	    hub_info(ch.hub)->version, ch.url, existing, ch.prefix, highest,
	    count, dur);
	if (ch.dry_run) {
		char what[300];
		long long batches = (count + lc.batch_size - 1) / lc.batch_size;
		long long posts = count * dur / lc.activity_interval_s + count;
		long long probes = lc.probe_interval_ms ?
		    dur * 1000 / lc.probe_interval_ms : 0;

		snprintf(what, sizeof(what), "create %lld users in %lld "
		    "batches, post activity once per %d s each and probe "
		    "for %lld s, %s", count, batches, lc.activity_interval_s,
		    dur, keep ? "keep them" : "then delete them");
		cli_hub_plan(stdout, what, batches + posts + probes +
		    (keep ? 0 : count));
		r = 0;
		goto out;
	}
	r = cli_hub_ramp(&ch, (size_t)count, &eb);
	if (r == 0) {
		int64_t end = loop_now(ch.loop) + dur * 1000;

		t = loop_now_us();
		load_hold_begin(ch.ld);
		ch.tick = loop_timer_add_lazy(ch.loop, 250, 125, hold_tick, &ch);
		/* a signal stops the hold (loop_stop via load_interrupt) */
		if (loop_run(ch.loop, NULL, NULL, end) == 1)
			r = hs_error(&eb, HS_EPARTIAL, "interrupted during the "
			    "hold");
		loop_timer_cancel(ch.loop, ch.tick);
		ch.tick = NULL;
		load_hold_end(ch.ld);
		/* posts already sent are answered and counted (bounded) */
		loop_run(ch.loop, hub_idle, ch.hub, loop_now(ch.loop) +
		    (int64_t)ch.timeout_s * 1000);
		ch.hold_s = (double)(loop_now_us() - t) / 1e6;
	}
	cli_hub_progress(&ch, ch.ld, 1);
	r = cli_hub_teardown(&ch, keep, r, &eb);
 out:
	return cli_hub_finish(&ch, "activity", r, &eb);
}

const struct cmd cmd_activity = {
	"activity", "[OPTIONS]",
	"hold users without servers posting activity while a probe measures "
	"the hub",
	"Parity with IBM's activity-stress-test: --count users are created "
	"(no servers) and each posts the exact jupyterhub-singleuser activity "
	"body once per --interval seconds (+-10 %, first posts spread over "
	"one interval) for --duration seconds, while a probe (GET "
	"/users/NAME, one at a time) measures hub latency. The table gives "
	"p50/p90/p99/max of the activity posts and of the probe.",
	activity_groups, sizeof(struct activity_options), 0, 0, activity_exec,
	0,
};
