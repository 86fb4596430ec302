/* cmd_watch.c -- hubspy watch: a production hub watched for stalls, no load at all */
/*
 * A watch is a run (src/run/run.c, cfg.watch) of the built-in profile
 * below: no users, no plateaus, no scheduled captures; after the preflight
 * (hub version and a readable token, the target) the stall watch of the
 * profile's triggers section runs for --duration seconds or until Ctrl-C,
 * then the same redacted archive as `hubspy run`. --set takes the
 * triggers.*, target.* and hub.metrics_prefix fields of docs/profiles.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_run.h"
#include "cli/cmd.h"
#include "run/profile.h"

static const char watch_profile[] =
    "{\"name\": \"watch\", \"description\": \"hubspy watch: no load, the "
    "stall watch alone\", \"hub\": {\"servers\": false}, \"plateaus\": "
    "{\"users\": [0], \"settle\": 0, \"hold\": 0}, \"activity\": "
    "{\"mode\": \"none\"}, \"probe\": {\"interval\": 0}, \"captures\": "
    "{\"run\": []}, \"triggers\": {\"enabled\": true}, \"teardown\": "
    "\"keep\"}";

struct watch_options {
	const char	*output;
	struct opt_list	 set;
	int		 duration;
	int		 no_redact;
	const char	*hub_log;
	int		 tail;
	struct cli_tools_options  tools;
	struct cli_hub_options	  hub;
	struct cli_common_options common;
};

#define O(kind, m) OPT_BIND(struct watch_options, kind, m)
static const struct opt watch_opts[] = {
	{ "output", 'o', O(OPT_STR, output), "DIR", 0, 0, ".",
	  "directory that receives the run directory and the tarball", NULL,
	  0 },
	{ "duration", 0, O(OPT_NUM, duration), "SECONDS", 0, 604800, "0",
	  "watch this long (0: until Ctrl-C, which ends the watch normally)",
	  NULL, 0 },
	{ "set", 0, O(OPT_LIST, set), "KEY=VALUE", 0, 0, NULL,
	  "a triggers.*, target.* or hub.metrics_prefix field of "
	  "docs/profiles.md, e.g. --set triggers.probe=2 or --set "
	  "target.transport=local (repeatable, the last one wins)", NULL, 0 },
	{ "no-redact", 0, O(OPT_FLAG, no_redact), NULL, 0, 0, NULL,
	  "archive every file as it is", NULL, 0 },
	{ "hub-log", 0, O(OPT_STR, hub_log), "FILE", 0, 0, NULL,
	  "local transport: the hub's log file, kept as hub.log", NULL, 0 },
	{ "tail", 0, O(OPT_NUM, tail), "N", 1, 1000000, "1000",
	  "hub log lines kept in hub.log", NULL, 0 },
	OPT_END
};
#undef O

#define C(kind, m) OPT_BIND(struct cli_common_options, kind, m)
static const struct opt watch_common_opts[] = {
	{ "log-file", 0, C(OPT_STR, log_file), "FILE", 0, 0, NULL,
	  "also write the log (request lines and events, never the token) "
	  "to FILE; it is always kept as run.log in the run directory", NULL,
	  0 },
	{ "verbose", 'v', C(OPT_FLAG, verbose), NULL, 0, 0, NULL,
	  "one line per hub request on standard error", NULL, 0 },
	OPT_END
};
#undef C

static const struct opt_group watch_groups[] = {
	{ watch_opts, 0 },
	CLI_TOOLS_GROUP(struct watch_options, tools),
	CLI_HUB_GROUP(struct watch_options, hub),
	OPT_GROUP(watch_common_opts, struct watch_options, common,
	    struct cli_common_options),
	OPT_GROUP_END
};

/* only what a watch has: no load, no plateaus, no scheduled capture */
static int
check_sets(const struct opt_list *set, struct hs_errbuf *eb)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const char *s = set->v[i];

		if (strncmp(s, "triggers.", 9) != 0 &&
		    strncmp(s, "target.", 7) != 0 &&
		    strncmp(s, "hub.metrics_prefix=", 19) != 0)
			return hs_error(eb, HS_EUSAGE, "--set '%.60s': a watch "
			    "takes only triggers.*, target.* and "
			    "hub.metrics_prefix (it makes no users)", s);
		if (strncmp(s, "triggers.enabled=", 17) == 0)
			return hs_error(eb, HS_EUSAGE, "--set '%.60s': a watch "
			    "is the stall watch; it cannot be turned off", s);
	}
	return 0;
}

static int
watch_cmd(struct args *a)
{
	struct profile p = PROFILE_INIT;
	const struct watch_options *o = a->opts;
	struct cli_run_spec sp;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	int r, code;

	if ((r = check_sets(&o->set, &eb)) != 0 ||
	    (r = profile_load_text(&p, "watch", watch_profile,
	    strlen(watch_profile), o->set.v, o->set.n, &eb)) != 0) {
		code = cmd_fail(&eb);
		goto out;
	}
	if (p.triggers.probe <= 0 && p.triggers.loop_interval <= 0) {
		hs_error(&eb, HS_EUSAGE, "triggers.probe and "
		    "triggers.loop_interval are both 0: nothing would trigger; "
		    "set one of them");
		code = cmd_fail(&eb);
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	sp.prof = &p;
	sp.hub = &o->hub;
	sp.common = &o->common;
	sp.tools = &o->tools;
	sp.outdir = o->output;
	sp.no_redact = o->no_redact;
	sp.hub_log = o->hub_log;
	sp.tail = o->tail;
	sp.watch = 1;
	sp.watch_seconds = o->duration;
	code = cli_run_exec(&sp);
out:
	profile_release(&p);
	return code;
}

const struct cmd cmd_watch = {
	"watch", "[OPTIONS]",
	"watch a production hub for stalls, capture py-spy dumps while they last",
	"No load at all, and at most 2 requests to the hub in any second, "
	"the first included: after checking the hub (version, a readable "
	"token) and the target (the hub pod or process, py-spy), probes the "
	"hub with "
	"a cheap unauthenticated GET /hub/health, one at a time and at most "
	"one per triggers.interval (1 s), reads its event-loop histogram from "
	"/hub/metrics every 5 s when the token may and the hub has it "
	"(JupyterHub 5.x), and on a trigger (a probe unanswered after "
	"triggers.probe seconds, an event-loop interval over "
	"triggers.loop_interval) takes py-spy dumps and a short record at "
	"once, while the stall lasts (docs/profiles.md, triggers). Runs for "
	"--duration seconds or until Ctrl-C, then writes the same redacted "
	"archive as 'hubspy run' (manifest.json with the triggers and every "
	"probe, summary.md, report.html with the timeline) and prints what "
	"the watch cost the hub (requests per second). The last line printed "
	"is the tarball's path.",
	watch_groups, sizeof(struct watch_options), 0, 0, watch_cmd, 0,
};
