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
#include "core/buf.h"
#include "cli/cli_hub.h"
#include "cli/cmd.h"
#include "run/profile.h"
#include "run/run.h"

static const struct opt run_opts[] = {
	{ "output", 'o', OPT_STR, "DIR", 0, 0, NULL,
	  "directory that receives the run directory and the tarball "
	  "(overrides the profile's output)", NULL },
	{ "set", 0, OPT_LIST, "KEY=VALUE", 0, 0, NULL,
	  "override a profile field, e.g. --set plateaus.users=[10,50] or "
	  "--set target.namespace=jhub (repeatable, the last one wins; see "
	  "docs/profiles.md)", NULL },
	{ "no-redact", 0, OPT_FLAG, NULL, 0, 0, NULL,
	  "archive every file as it is (the token, passwords and locals stay "
	  "in); the run directory is never redacted", NULL },
	{ "hub-log", 0, OPT_STR, "FILE", 0, 0, NULL,
	  "local transport: the hub's log file, kept as hub.log (kubectl "
	  "reads the pod's log)", NULL },
	{ "tail", 0, OPT_NUM, "N", 1, 1000000, "1000",
	  "hub log lines kept in hub.log", NULL },
	{ "kubectl", 0, OPT_STR, "PATH", 0, 0, "kubectl",
	  "the kubectl program", NULL },
	{ "py-spy", 0, OPT_STR, "PATH", 0, 0, "py-spy",
	  "py-spy inside the hub container (or here, for local)", NULL },
	{ "tmpdir", 0, OPT_STR, "DIR", 0, 0, "/tmp",
	  "writable directory in the hub container for py-spy's files", NULL },
	{ "exec-timeout", 0, OPT_NUM, "SECONDS", 1, 600, "30",
	  "bound on each short kubectl or py-spy call", NULL },
	OPT_END
};

static const struct opt run_common_opts[] = {
	{ "dry-run", 0, OPT_FLAG, NULL, 0, 0, NULL,
	  "print the plan, its expected duration and number of hub requests; "
	  "touch nothing", NULL },
	{ "log-file", 0, OPT_STR, "FILE", 0, 0, NULL,
	  "also write the run log (request lines and events, never the "
	  "token) to FILE; it is always kept as run.log in the run "
	  "directory", NULL },
	{ "verbose", 'v', OPT_FLAG, NULL, 0, 0, NULL,
	  "one line per hub request on standard error", NULL },
	OPT_END
};

static const struct opt *const run_groups[] = {
	run_opts, cli_hub_opts, run_common_opts, NULL
};

/* what cli_hub_setup() reads comes from the resolved profile */
static int
override(struct args *a, const char *name, const char *str, long long num)
{
	size_t i;

	for (i = 0; i < a->nvals; i++)
		if (strcmp(a->vals[i].opt->name, name) == 0) {
			a->vals[i].set = 1;
			a->vals[i].str = str;
			a->vals[i].num = num;
			return 0;
		}
	return HS_EUSAGE;
}

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
 * hub.prefix and load.concurrency */
static int
apply_hub_opts(struct profile *p, struct args *a, struct hs_errbuf *eb)
{
	const char *url = args_str(a, "url", NULL);
	const char *prefix = args_str(a, "prefix", NULL);
	int r;

	if (url && (r = replace_str(&p->hub.url, url, eb)) != 0)
		return r;
	if (prefix && (r = replace_str(&p->hub.prefix, prefix, eb)) != 0)
		return r;
	if (args_isset(a, "concurrency"))
		p->load.concurrency = (int)args_num(a, "concurrency", 16);
	if (p->hub.url)
		override(a, "url", p->hub.url, 0);
	override(a, "prefix", p->hub.prefix, 0);
	override(a, "concurrency", NULL, p->load.concurrency);
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

static void
hook_event(void *arg, const char *line)
{
	cli_hub_event(arg, line);
}

static void
hook_progress(void *arg, struct load *ld, const char *stage, int force)
{
	struct cli_hub *ch = arg;

	strlcpy(ch->stage, stage, sizeof(ch->stage));
	cli_hub_progress(ch, ld, force);
}

static int
open_run_log(struct cli_hub *ch, const struct artifacts *art,
    struct hs_errbuf *eb)
{
	char path[2200];
	FILE *fp;

	int fd = -1;

	if (artifacts_path(art, "run.log", path, sizeof(path)) != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		return hs_error(eb, HS_EIO, "cannot write '%s/run.log': %s",
		    art->dir, strerror(errno));
	}
	ch->log = fp;
	return 0;
}

static int
run_cmd(struct args *a)
{
	struct profile p = PROFILE_INIT;
	struct cli_hub ch = CLI_HUB_INIT;
	struct artifacts art = ARTIFACTS_INIT;
	struct run_config rc;
	struct run_result res;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	const char *const *sets;
	const char *outdir;
	size_t nsets;
	int r, code;

	sets = args_list(a, "set", &nsets);
	if ((r = profile_load(&p, a->pos[0], sets, nsets, &eb)) != 0 ||
	    (r = apply_hub_opts(&p, a, &eb)) != 0) {
		code = cmd_fail(&eb);
		goto out;
	}
	if (args_flag(a, "dry-run")) {
		code = dry_run(&p);
		goto out;
	}
	outdir = args_str(a, "output", p.output ? p.output : ".");
	if ((r = cli_hub_setup(&ch, a, 0, 0, &eb)) != 0 ||
	    (r = artifacts_init(&art, outdir, p.name, time(NULL), &eb)) != 0 ||
	    (r = redact_add_secret(&art.redact, ch.token)) != 0 ||
	    (ch.log == NULL && (r = open_run_log(&ch, &art, &eb)) != 0)) {
		if (r == HS_ENOMEM && eb.msg[0] == '\0')
			hs_error(&eb, r, "out of memory");
		code = cmd_fail(&eb);
		goto out;
	}
	art.no_redact = args_flag(a, "no-redact");
	printf("run directory: ");
	cmd_safe_fputs(stdout, art.dir);
	putchar('\n');
	fflush(stdout);

	memset(&rc, 0, sizeof(rc));
	{
		struct load_config lc = LOAD_CONFIG_INIT;

		/* the same "hub gone" bound as the other load commands */
		cli_hub_load_config(&ch, &lc);
		rc.hub_gone_s = lc.hub_gone_s;
	}
	rc.prof = &p;
	rc.loop = ch.loop;
	rc.hub = ch.hub;
	rc.art = &art;
	rc.url = ch.url;
	rc.tc = (struct target_config)TARGET_CONFIG_INIT;
	rc.tc.kubectl = args_str(a, "kubectl", NULL);
	rc.tc.pyspy = args_str(a, "py-spy", NULL);
	rc.tc.tmpdir = args_str(a, "tmpdir", NULL);
	rc.tc.log_file = args_str(a, "hub-log", NULL);
	rc.tc.exec_timeout = (int)args_num(a, "exec-timeout", 30);
	rc.log_tail = (int)args_num(a, "tail", 1000);
	rc.log_path = args_str(a, "log-file", NULL);
	rc.on_event = hook_event;
	rc.on_progress = hook_progress;
	rc.arg = &ch;
	r = run_exec(&rc, &res, &eb);
	if (ch.tty && ch.progress_drawn) {	/* the line is done */
		fputs("\r\033[K", stderr);
		ch.progress_drawn = 0;
	}
	fflush(stdout);
	if (res.pyspy_missing && p.captures.nrun > 0)
		cli_hub_event(&ch, p.target.transport ==
		    PROFILE_TRANSPORT_LOCAL ? "no captures: py-spy is missing; "
		    "install it with 'pip install py-spy' or the release binary "
		    "from https://github.com/benfred/py-spy/releases, then run "
		    "again" : "no captures: py-spy is missing in the hub "
		    "container; use target.transport debug with target.image, "
		    "or the z2jh hub image");
	else if (res.capture_failures)
		cli_hub_event(&ch, "some captures failed: see the summary");
	code = r == 0 ? 0 : cmd_fail(&eb);
	if (art.tarball != NULL) {
		if (res.summary[0]) {
			printf("summary: ");
			cmd_safe_fputs(stdout, res.summary);
			putchar('\n');
		}
		cmd_safe_fputs(stdout, art.tarball);
		putchar('\n');
	}
out:
	cli_hub_release(&ch);
	artifacts_release(&art);
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
	"Every batch of user names is journaled in the run directory before "
	"it is sent, so 'hubspy purge --run DIR' removes exactly what a "
	"killed run made. The first Ctrl-C (or SIGTERM) stops the ramp, ends "
	"the running capture cleanly, tears down and writes the archive "
	"marked partial (exit 7); a second one tears down at once. A failed "
	"teardown exits 8 and names the purge command. Without py-spy the "
	"load and the hub measurements still run and the captures are "
	"recorded as failed.",
	run_groups, 1, 1, run_cmd, 0,
};
