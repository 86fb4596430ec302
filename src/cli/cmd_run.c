/* cmd_run.c -- hubspy run PROFILE: the whole job, from plateaus to the tar.gz */
/*
 * Parses and validates (the profile with --set, -o, the hub options),
 * prints the plan for --dry-run, sets up the hub through cli_hub (token,
 * URL, log, progress line), makes the run directory, hands everything to
 * run_exec() (src/run.c) and turns its answer into messages and the exit
 * code. The last line on standard output is the tarball's path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/artifacts.h"
#include "run/baseline.h"
#include "core/buf.h"
#include "cli/cli_gate.h"
#include "cli/cli_hub.h"
#include "cli/cli_run.h"
#include "cli/cli_target.h"
#include "cli/cmd.h"
#include "run/profile.h"
#include "run/run.h"

struct run_options {
	const char	*output;
	struct opt_list	 set;
	int		 no_redact;
	const char	*hub_log;
	const char	*public_url;
	int		 tail;
	int		 named_servers;
	const char	*baseline;
	struct cli_gate_options	  gate;
	struct cli_tools_options  tools;
	struct cli_hub_options	  hub;
	struct cli_common_options common;	/* --json is not an option */
};

#define O(kind, m) OPT_BIND(struct run_options, kind, m)
static const struct opt run_opts[] = {
	{ "output", 'o', O(OPT_STR, output), "DIR", 0, 0, NULL,
	  "directory that receives the run directory and the tarball "
	  "(overrides the profile's output)", NULL, 0 },
	{ "set", 0, O(OPT_LIST, set), "KEY=VALUE", 0, 0, NULL,
	  "override a profile field, e.g. --set plateaus.users=[10,50] or "
	  "--set target.namespace=jhub (repeatable, the last one wins; see "
	  "docs/profiles.md)", NULL, 0 },
	{ "no-redact", 0, O(OPT_FLAG, no_redact), NULL, 0, 0, NULL,
	  "archive every file as it is (the token, passwords and locals stay "
	  "in); the run directory is never redacted", NULL, 0 },
	{ "hub-log", 0, O(OPT_STR, hub_log), "FILE", 0, 0, NULL,
	  "local transport: the hub's log file, kept as hub.log (kubectl "
	  "reads the pod's log)", NULL, 0 },
	{ "public-url", 0, O(OPT_STR, public_url), "URL", 0, 0, NULL,
	  "the hub's public address, where users' browsers go (the proxy), "
	  "e.g. http://127.0.0.1:8000; sessions browse through it "
	  "(overrides hub.public_url; default: the API URL without "
	  "/hub/api)", NULL, 0 },
	{ "tail", 0, O(OPT_NUM, tail), "N", 1, 1000000, "1000",
	  "hub log lines kept in hub.log", NULL, 0 },
	{ "named-servers", 0, O(OPT_NUM, named_servers), "N", 0, 64, "0",
	  "each user gets N named servers (srv-1..srv-N) instead of the "
	  "default server; they are removed before the users (overrides the "
	  "profile's hub.named_servers)", NULL, 0 },
	{ "baseline", 0, O(OPT_STR, baseline), "DIR", 0, 0, NULL,
	  "after a passing run (exit 0, every capture done, and with "
	  "--fail-on every bound held against the baseline) keep a copy of "
	  "its archive as DIR/PROFILE.tar.gz, replacing the last one; compare "
	  "with it by 'hubspy report --diff --baseline DIR NEW'", NULL, 0 },
	OPT_END
};
#undef O

/* the common options without --json, bound to struct cli_common_options */
#define C(kind, m) OPT_BIND(struct cli_common_options, kind, m)
static const struct opt run_common_opts[] = {
	{ "dry-run", 0, C(OPT_FLAG, dry_run), NULL, 0, 0, NULL,
	  "print the plan, its expected duration and number of hub requests; "
	  "touch nothing", NULL, 0 },
	{ "log-file", 0, C(OPT_STR, log_file), "FILE", 0, 0, NULL,
	  "also write the run log (request lines and events, never the "
	  "token) to FILE; it is always kept as run.log in the run "
	  "directory", NULL, 0 },
	{ "verbose", 'v', C(OPT_FLAG, verbose), NULL, 0, 0, NULL,
	  "one line per hub request on standard error", NULL, 0 },
	OPT_END
};
#undef C

static const struct opt_group run_groups[] = {
	{ run_opts, 0 },
	CLI_GATE_GROUP(struct run_options, gate),
	CLI_TOOLS_GROUP(struct run_options, tools),
	CLI_HUB_GROUP(struct run_options, hub),
	OPT_GROUP(run_common_opts, struct run_options, common,
	    struct cli_common_options),
	OPT_GROUP_END
};

static int
replace_str(char **dst, const char *src, struct hs_errbuf *eb)
{
	char *s = strdup(src);

	if (s == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

/* --url, --prefix and --concurrency are shortcuts for hub.url,
 * hub.prefix and load.concurrency: given, they override the profile (so
 * the manifest and the plan show them); the hub is then set up from the
 * profile's values, into h (strings borrowed from p) */
static int
resolve_hub(struct profile *p, const struct args *a,
    struct cli_hub_options *h, struct hs_errbuf *eb)
{
	const struct run_options *o = a->opts;
	int r;

	if (opt_isset(a, &o->hub.url) &&
	    (r = replace_str(&p->hub.url, o->hub.url, eb)) != 0)
		return r;
	if (opt_isset(a, &o->public_url) &&
	    (r = replace_str(&p->hub.public_url, o->public_url, eb)) != 0)
		return r;
	if (p->hub.public_url != NULL &&
	    strncmp(p->hub.public_url, "http://", 7) != 0 &&
	    strncmp(p->hub.public_url, "https://", 8) != 0)
		return hs_error(eb, HS_EUSAGE, "--public-url: expected an "
		    "http:// or https:// URL such as 'http://127.0.0.1:8000'");
	if (opt_isset(a, &o->hub.prefix) &&
	    (r = replace_str(&p->hub.prefix, o->hub.prefix, eb)) != 0)
		return r;
	if (opt_isset(a, &o->hub.concurrency))
		p->load.concurrency = o->hub.concurrency;
	if (opt_isset(a, &o->named_servers))
		p->hub.named_servers = o->named_servers;
	*h = o->hub;
	h->url = p->hub.url;
	h->prefix = p->hub.prefix;
	h->concurrency = p->load.concurrency;
	return 0;
}

static int
dry_run(const struct profile *p)
{
	struct profile_plan *plan = calloc(1, sizeof(*plan));
	struct buf b = BUF_INIT(1u << 20);
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	int r;

	if (plan == NULL) {
		hs_error(&eb, HS_ENOMEM, "out of memory");
		return cmd_fail(&eb);
	}
	profile_plan(p, plan);
	if ((r = profile_plan_format(p, plan, &b)) != 0) {
		hs_error(&eb, r, "cannot format the plan");
		r = cmd_fail(&eb);
	} else {
		fputs(b.data, stdout);
		printf("dry run: nothing was sent to the hub\n");
	}
	buf_release(&b);
	free(plan);
	return r;
}

/*
 * --baseline: a passing run's archive becomes its profile's baseline.
 * With --fail-on the run is first gated against the baseline it would
 * replace (the run directory against DIR/PROFILE.tar.gz): a broken bound
 * keeps the old one and exits 9. Returns the exit code.
 */
static int
keep_baseline(struct cli_hub *ch, const struct run_options *o,
    const struct gate_bound *gb, const struct profile *p,
    const struct artifacts *art, const struct run_result *res, int code)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct rundata old = RUNDATA_INIT, new = RUNDATA_INIT;
	char path[4200], line[4400];
	int r;

	if (code != 0 || res->partial || res->capture_failures > 0) {
		cli_hub_event(ch, code != 0 || res->partial ? "baseline not "
		    "kept: the run did not pass" : "baseline not kept: some "
		    "captures failed");
		return code;
	}
	if ((r = baseline_path(o->baseline, p->name, path, sizeof(path),
	    &eb)) != 0)
		goto out;
	if (gb != NULL && access(path, F_OK) != 0) {
		snprintf(line, sizeof(line), "gate: no baseline yet ('%s'): "
		    "nothing to compare with", path);
		cli_hub_event(ch, line);
	} else if (gb != NULL) {
		if ((r = rundata_open(&old, path, &eb)) != 0 ||
		    (r = rundata_open_dir(&new, art->dir, &eb)) != 0 ||
		    (r = cli_gate_run(&o->gate, gb, 0, &old, &new, -1,
		    &eb)) != 0) {
			if (r == HS_EGATE)
				cli_hub_event(ch, "baseline not kept: the gate "
				    "failed");
			else if (r == HS_EUSAGE) {
				struct hs_errbuf why = eb;

				hs_error(&eb, r, "%s; the baseline '%s' stays "
				    "(remove it to start a new one)", why.msg,
				    path);
			}
			goto out;
		}
	}
	if ((r = baseline_keep(o->baseline, p->name, art->tarball, path,
	    sizeof(path), &eb)) != 0)
		goto out;
	snprintf(line, sizeof(line), "baseline kept: %s", path);
	cli_hub_event(ch, line);
out:
	rundata_release(&old);
	rundata_release(&new);
	return r == 0 ? 0 : cmd_fail(&eb);
}

/* cli_run_exec()'s step after the run: the baseline */
struct baseline_step {
	const struct run_options	*o;
	const struct gate_bound		*gb;
	const struct profile		*p;
};

static int
baseline_step(void *arg, struct cli_hub *ch, const struct artifacts *art,
    const struct run_result *res, int code)
{
	const struct baseline_step *bs = arg;

	return keep_baseline(ch, bs->o, bs->gb, bs->p, art, res, code);
}

static int
run_cmd(struct args *a)
{
	struct profile p = PROFILE_INIT;
	const struct run_options *o = a->opts;
	struct cli_hub_options hub;
	struct cli_run_spec sp;
	struct baseline_step bs;
	struct gate_bound *gb = NULL;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	int r, code;

	if ((r = profile_load(&p, a->pos[0], o->set.v, o->set.n, &eb)) != 0 ||
	    (r = resolve_hub(&p, a, &hub, &eb)) != 0 ||
	    (r = cli_gate_parse(&o->gate, &gb, &eb)) != 0) {
		code = cmd_fail(&eb);
		goto out;
	}
	if ((o->gate.fail_on.n > 0 || o->gate.markdown) &&
	    o->baseline == NULL) {
		hs_error(&eb, HS_EUSAGE, "--%s gates the run against its "
		    "baseline: give --baseline DIR", o->gate.fail_on.n > 0 ?
		    "fail-on" : "markdown");
		code = cmd_fail(&eb);
		goto out;
	}
	if (o->common.dry_run) {
		code = dry_run(&p);
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	sp.prof = &p;
	sp.hub = &hub;
	sp.common = &o->common;
	sp.tools = &o->tools;
	sp.outdir = o->output ? o->output : p.output ? p.output : ".";
	sp.no_redact = o->no_redact;
	sp.hub_log = o->hub_log;
	sp.tail = o->tail;
	if (o->baseline != NULL) {
		bs.o = o;
		bs.gb = gb;
		bs.p = &p;
		sp.after = baseline_step;
		sp.after_arg = &bs;
	}
	code = cli_run_exec(&sp);
out:
	free(gb);
	profile_release(&p);
	return code;
}

const struct cmd cmd_run = {
	"run", "[OPTIONS] PROFILE",
	"ramp the hub through a profile's plateaus, profile it, archive it all",
	"The main job (docs/run.md). Reads PROFILE (docs/profiles.md) with "
	"the --set overrides, checks the hub (version, token scopes) and the "
	"target (the hub pod or process, py-spy), then for each plateau: "
	"ramps to N users (servers started, readiness from paged lists), "
	"settles, holds the load (activity and probes) while it reads the "
	"hub's /hub/metrics and CPU and memory and runs the py-spy captures; "
	"then tears down, reads the hub once more, writes report.html, "
	"summary.md and manifest.json (docs/artifacts.md) and one tar.gz, "
	"redacted. The last line printed is the tarball's path.\n\n"
	"Spawn phases: the first spawns whose start is accepted while one of "
	"the profile's spawn_phases.streams (default 32, 0: off) progress "
	"streams is free are sampled: each stream (GET /users/NAME/server/"
	"progress with the token, never retried, outside load.concurrency) "
	"times request -> accepted, -> first progress event, -> ready, and "
	"ends on ready or failed, at the user's teardown or after "
	"load.ready_timeout; the plateau's phases go into manifest.json, "
	"summary.md and report.html, counted apart from the lifecycle "
	"requests (class phases).\n\n"
	"Every batch of user names is journaled in the run directory before "
	"it is sent, so 'hubspy purge --run DIR' removes exactly what a "
	"killed run made. The first Ctrl-C (or SIGTERM) stops the ramp, ends "
	"the running capture cleanly, tears down and writes the archive "
	"marked partial (exit 7); a second one tears down at once. A failed "
	"teardown exits 8 and names the purge command. Without py-spy the "
	"load and the hub measurements still run and the captures are "
	"recorded as failed.\n\n"
	"--baseline DIR keeps the archive of the last passing run of each "
	"profile; with --fail-on the run is first gated against it "
	"(docs/report.md, The gate) and becomes the baseline only if every "
	"bound holds (exit 9 otherwise).",
	run_groups, sizeof(struct run_options), 1, 1, run_cmd, 0,
};
