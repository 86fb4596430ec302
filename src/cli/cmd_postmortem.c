/* cmd_postmortem.c -- `hubspy postmortem`: everything worth keeping from a stuck or slow hub */
/*
 * Every step is bounded in time so the command ends even when the hub
 * never answers: the two health probes (hub_probe_start) run on the loop
 * with their own timeout, started first and running while the kubectl
 * and py-spy steps go (each bounded by --exec-timeout, top by --top plus
 * a few seconds). A step that fails is reported and the next one runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "capture/capture.h"
#include "cli/cli_target.h"
#include "cli/cmd.h"
#include "core/loop.h"
#include "load/hub.h"
#include "run/postmortem.h"

struct postmortem_options {
	const char	*output, *url;
	int		 dumps, interval, top, tail, probe_timeout, packages;
	int		 locals, no_redact;
	struct cli_target_options target;
	struct cli_tools_options  tools;
};

#define O(kind, m) OPT_BIND(struct postmortem_options, kind, m)
static const struct opt postmortem_opts[] = {
	{ "output", 'o', O(OPT_STR, output), "DIR", 0, 0,
	  "hubspy-postmortem-TIME",
	  "output directory (created if missing)", NULL, OPT_DEF_DESCRIBED },
	{ "url", 0, O(OPT_STR, url), "URL", 0, 0, NULL,
	  "the hub's URL for the health probes (default: "
	  "JUPYTERHUB_API_URL without /hub/api)", NULL, 0 },
	{ "dumps", 0, O(OPT_NUM, dumps), "N", 0, 20, "3",
	  "py-spy dumps for stuck-thread detection", NULL, 0 },
	{ "interval", 0, O(OPT_NUM, interval), "SECONDS", 1, 600, "2",
	  "seconds between two dumps", NULL, 0 },
	{ "locals", 0, O(OPT_FLAG, locals), NULL, 0, 0, NULL,
	  "dumps show local variables (those named like secrets are "
	  "redacted)", NULL, 0 },
	{ "no-redact", 0, O(OPT_FLAG, no_redact), NULL, 0, 0, NULL,
	  "leave the files as captured (the token, passwords and locals "
	  "stay in)", NULL, 0 },
	{ "top", 0, O(OPT_NUM, top), "SECONDS", 0, 600, "5",
	  "seconds of py-spy top (0: none)", NULL, 0 },
	{ "tail", 0, O(OPT_NUM, tail), "LINES", 1, 1000000, "500",
	  "hub log lines to keep", NULL, 0 },
	{ "probe-timeout", 0, O(OPT_NUM, probe_timeout), "SECONDS", 1, 120,
	  "5",
	  "bound on each health probe (and on GET /hub/api/info)", NULL, 0 },
	{ "packages", 0, O(OPT_NUM, packages), "SECONDS", 0, 600, "30",
	  "bound on listing the hub's Python packages (pip list; 0: skip)",
	  NULL, 0 },
	OPT_END
};
#undef O

static const struct opt_group postmortem_groups[] = {
	{ postmortem_opts, 0 },
	CLI_TARGET_GROUP(struct postmortem_options, target),
	CLI_TOOLS_GROUP(struct postmortem_options, tools),
	OPT_GROUP_END
};

#define PROBE_MAX_BODY	4096

static int
probes_done(void *arg)
{
	struct hub_probe **pr = arg;

	return (pr[0] == NULL || hub_probe_done(pr[0])) &&
	    (pr[1] == NULL || hub_probe_done(pr[1]));
}

static void
pod_status(struct target *t, const char *dir, FILE *out)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct capture_pod pod = CAPTURE_POD_INIT;
	char path[4096];
	size_t i;

	snprintf(path, sizeof(path), "%s/pod.json", dir);
	if (capture_pod(t, path, &pod, &eb) != 0) {
		fputs("  pod: ", out);
		cmd_safe_fputs(out, eb.msg);
		fputc('\n', out);
		return;
	}
	fputs("  pod: phase ", out);
	cmd_safe_fputs(out, pod.phase ? pod.phase : "?");
	for (i = 0; i < pod.ncontainers; i++) {
		const struct capture_container *c = &pod.containers[i];

		fputs(", container ", out);
		cmd_safe_fputs(out, c->name ? c->name : "?");
		fprintf(out, " restarts %d", c->restarts);
		if (c->last_reason) {
			fputs(" (last: ", out);
			cmd_safe_fputs(out, c->last_reason);
			fputc(')', out);
		}
	}
	fputs(" [pod.json]\n", out);
	capture_pod_release(&pod);
}

static void
print_probes(FILE *out, struct hub_probe *const *pr, const char *base)
{
	int i;

	if (base == NULL) {
		fputs("  health: skipped (no --url and JUPYTERHUB_API_URL is not "
		    "set)\n", out);
		return;
	}
	for (i = 0; i < 2; i++) {
		const struct hub_text *tx = hub_probe_text(pr[i]);

		fputs("  health: GET ", out);
		cmd_safe_fputs(out, hub_probe_url(pr[i]));
		if (!hub_probe_done(pr[i]))
			fputs(": no answer (aborted)\n", out);
		else if (tx->error[0])
			fprintf(out, ": %s after %.3f s\n", tx->error,
			    (double)tx->latency_us / 1e6);
		else {
			fprintf(out, ": %ld in %.3f s", tx->status,
			    (double)tx->latency_us / 1e6);
			if (tx->body.len) {
				char line[120];

				snprintf(line, sizeof(line), "%s", tx->body.data);
				line[strcspn(line, "\r\n")] = '\0';
				fputc(' ', out);
				cmd_safe_fputs(out, line);
			}
			fputc('\n', out);
		}
	}
}

/* "  WHAT: LINE", escaped */
static void
step(const char *what, const char *line)
{
	printf("  %s: ", what);
	cmd_safe_fputs(stdout, line);
	putchar('\n');
}

static int
postmortem_exec(struct args *a)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT, first = HS_ERRBUF_INIT;
	struct target_config cfg;
	struct target t = TARGET_INIT;
	struct capture_result res = CAPTURE_RESULT_INIT;
	struct hub_probe *pr[2] = { NULL, NULL };
	struct loop *l = NULL;
	char *dir = NULL, *base = NULL, path[4096];
	const struct postmortem_options *po = a->opts;
	const char *api = po->url ? po->url : getenv("JUPYTERHUB_API_URL");
	const char *token = getenv("JUPYTERHUB_API_TOKEN");
	long ptimeout = po->probe_timeout;
	int r, rc, have_pod = 0, have_pid = 0, have_pyspy = 0;

	cli_target_config(&po->target, &po->tools, &cfg, &eb);
	if ((r = loop_new(&l)) != 0) {
		hs_error(&eb, r, "cannot set up the event loop");
		return cmd_fail(&eb);
	}
	if ((r = cli_output_dir(po->output,
	    "hubspy-postmortem", &dir, &eb)) != 0) {
		rc = cmd_fail(&eb);
		goto out;
	}
	/* the probes first: they run while everything else does */
	if ((base = hub_base_url(po->url ? po->url :
	    getenv("JUPYTERHUB_API_URL"))) != NULL &&
	    (hub_probe_start(&pr[0], l, base, "/hub/health", ptimeout * 1000,
	    PROBE_MAX_BODY) != 0 || hub_probe_start(&pr[1], l, base,
	    "/hub/api/", ptimeout * 1000, PROBE_MAX_BODY) != 0)) {
		hs_error(&eb, HS_ENOMEM, "cannot start the health probes");
		rc = cmd_fail(&eb);
		goto out;
	}
	printf("postmortem into ");
	cmd_safe_fputs(stdout, dir);
	putchar('\n');
	fflush(stdout);
	if ((r = target_init(&t, l, &cfg, &eb)) != 0) {
		rc = cmd_fail(&eb);
		goto out;
	}
	loop_on_signal(l, cli_target_on_signal, &t);
	if (target_find_pod(&t, &eb) == 0)
		have_pod = 1;
	else
		first = eb;
	if (have_pod && target_find_hub(&t, &eb) == 0)
		have_pid = 1;
	else if (have_pod)
		first = eb;
	if (have_pid && target_probe(&t, &eb) == 0)
		have_pyspy = 1;
	else if (have_pid)
		first = eb;
	if (have_pid)
		cli_target_print(stdout, &t);

	if (have_pod && t.transport != TARGET_LOCAL) {
		int n;

		pod_status(&t, dir, stdout);
		if (postmortem_previous(&t, dir, po->tail, &eb) == 0)
			printf("  previous log: the last %d lines before the "
			    "restart [hub-previous.log]\n", po->tail);
		else
			step("previous log", eb.msg);
		if (postmortem_events(&t, dir, &n, &eb) == 0)
			printf("  events: %d [events.txt]\n", n);
		else
			step("events", eb.msg);
	}
	if (api != NULL && token != NULL && *token != '\0') {
		char sum[64];

		if (postmortem_info(l, api, token, ptimeout, dir, sum, &eb) == 0) {
			fputs("  info: ", stdout);
			cmd_safe_fputs(stdout, sum);
			fputs(" [info.json]\n", stdout);
		} else
			step("info", eb.msg);
	} else
		puts("  info: skipped (GET /hub/api/info needs the URL and "
		    "JUPYTERHUB_API_TOKEN with read:hub)");
	if (have_pid && po->packages > 0) {
		int n;

		if (postmortem_packages(&t, dir, po->packages, &n, &eb) == 0)
			printf("  packages: %d [packages.txt]\n", n);
		else
			step("packages", eb.msg);
	}
	if (have_pod && (t.transport != TARGET_LOCAL || t.log_file)) {
		snprintf(path, sizeof(path), "%s/hub.log", dir);
		if (capture_logs(&t, path, po->tail, &eb) == 0)
			printf("  logs: last %d lines [hub.log]\n", po->tail);
		else {
			fputs("  logs: ", stdout);
			cmd_safe_fputs(stdout, eb.msg);
			fputc('\n', stdout);
		}
	}
	if (have_pid) {
		struct capture_usage u;

		if (capture_usage(&t, &u, &eb) == 0)
			printf("  usage: cpu %.2f s, rss %lld bytes, cgroup "
			    "memory %lld bytes\n", u.cpu_seconds, u.rss_bytes,
			    u.cgroup_memory_bytes);
	}
	fflush(stdout);
	if (have_pyspy && po->dumps > 0 && !t.interrupted) {
		struct dump_opts o = DUMP_OPTS_INIT;
		size_t from = res.nfiles;

		o.count = po->dumps;
		o.interval_ms = po->interval * 1000;
		o.locals = po->locals;
		if (capture_dump(&t, dir, &o, &res, &eb) != 0 && first.code == 0)
			first = eb;
		cli_capture_print(stdout, &res, from);
		snprintf(path, sizeof(path), "%s/stuck.txt", dir);
		if (o.count > 1) {
			struct buf st = BUF_INIT(8u << 20);
			char *line, *next;

			if (file_read(path, &st, NULL) == 0)
				for (line = st.data; *line != '\0'; line = next) {
					next = line + strcspn(line, "\n");
					if (*next == '\n')
						*next++ = '\0';
					fputs("    ", stdout);
					cmd_safe_fputs(stdout, line);
					fputc('\n', stdout);
				}
			buf_release(&st);
		}
	}
	if (have_pyspy && po->top > 0 && !t.interrupted) {
		struct top_opts o = TOP_OPTS_INIT;
		size_t from = res.nfiles;

		o.seconds = po->top;
		o.idle = 1;
		if (capture_top(&t, dir, &o, &res, &eb) != 0 && first.code == 0)
			first = eb;
		cli_capture_print(stdout, &res, from);
	}
	/* the probes had all this time; give them their own bound at most */
	loop_run(l, probes_done, pr, loop_now_us() / 1000 + ptimeout * 1000 +
	    1000);
	print_probes(stdout, pr, base);
	if (!po->no_redact) {
		long long nred = 0;

		if (postmortem_redact(dir, token, &nred, &eb) != 0) {
			rc = cmd_fail(&eb);
			goto out;
		}
		printf("  redacted: %lld secret%s removed from the bundle\n",
		    nred, nred == 1 ? "" : "s");
	}
	if (first.code != 0) {
		rc = cli_target_fail(&t, &first);
		goto out;
	}
	rc = t.interrupted ? hs_exit_code(HS_EPARTIAL) : 0;
out:
	hub_probe_free(pr[0]);
	hub_probe_free(pr[1]);
	capture_result_release(&res);
	target_release(&t);
	loop_free(l);
	free(dir);
	free(base);
	return rc;
}

const struct cmd cmd_postmortem = {
	"postmortem",
	"[-o DIR] [--url URL] [TARGET OPTIONS]",
	"collect what explains a stuck or slow hub",
	"For a hub that hangs, crawls or restarts: the pod's status, restarts "
	"and last termination reason (pod.json), the log of the container "
	"before its last restart (hub-previous.log, kubectl logs --previous), "
	"the pod's events (events.txt), the last lines of its log (hub.log), "
	"the hub, Python, spawner and authenticator versions (info.json, GET "
	"/hub/api/info with JUPYTERHUB_API_TOKEN), the hub's Python packages "
	"(packages.txt), its CPU and memory, several py-spy dumps with "
	"stuck-thread detection (dump-N.txt, dump-N.json, stuck.txt), a short "
	"py-spy top (top.txt) and two unauthenticated health probes (GET "
	"/hub/health and /hub/api/). Every step is bounded in time, so the "
	"command finishes even when the hub never answers; a step that fails "
	"is reported and the next one runs. Every file is redacted at the end "
	"as an archive is (docs/artifacts.md: py-spy's dumps parsed, with "
	"--locals the locals named like secrets lose their values; the token, "
	"tokens, passwords, cookie secrets), every file checked before any is "
	"rewritten; --no-redact leaves them as captured.",
	postmortem_groups, sizeof(struct postmortem_options), 0, 0,
	postmortem_exec, 0
};
