/* cmd_postmortem.c -- `hubspy postmortem`: everything worth keeping from a stuck or slow hub */
/*
 * Every step is bounded in time so the command ends even when the hub
 * never answers: the two health probes are curl transfers on the loop
 * with their own timeout, started first and running while the kubectl
 * and py-spy steps go (each bounded by --exec-timeout, top by --top plus
 * a few seconds). A step that fails is reported and the next one runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "core/buf.h"
#include "core/file.h"
#include "capture/capture.h"
#include "cli/cli_target.h"
#include "cli/cmd.h"
#include "core/loop.h"

struct postmortem_options {
	const char	*output, *url;
	int		 dumps, interval, top, tail, probe_timeout;
	struct cli_target_options target;
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
	{ "top", 0, O(OPT_NUM, top), "SECONDS", 0, 600, "5",
	  "seconds of py-spy top (0: none)", NULL, 0 },
	{ "tail", 0, O(OPT_NUM, tail), "LINES", 1, 1000000, "500",
	  "hub log lines to keep", NULL, 0 },
	{ "probe-timeout", 0, O(OPT_NUM, probe_timeout), "SECONDS", 1, 120,
	  "5",
	  "bound on each health probe", NULL, 0 },
	OPT_END
};
#undef O

static const struct opt_group postmortem_groups[] = {
	{ postmortem_opts, 0 },
	CLI_TARGET_GROUP(struct postmortem_options, target),
	OPT_GROUP_END
};

struct probe {
	const char	*path;
	char		 url[600];
	CURL		*easy;
	struct buf	 body;
	CURLcode	 res;
	long		 status;
	double		 seconds;
	int		 done;
};

static size_t
probe_write(char *p, size_t sz, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_add(b, p, sz * n);	/* past the cap the body is just cut */
	return sz * n;
}

static void
probe_done(void *arg, CURL *easy, CURLcode res)
{
	struct probe *pr = arg;
	curl_off_t us = 0;

	pr->res = res;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &pr->status);
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &us);
	pr->seconds = (double)us / 1e6;
	pr->done = 1;
	curl_easy_cleanup(easy);
	pr->easy = NULL;
}

static int
probe_start(struct loop *l, struct probe *pr, const char *base, long timeout)
{
	buf_init(&pr->body, 4096);
	snprintf(pr->url, sizeof(pr->url), "%s%s", base, pr->path);
	if ((pr->easy = curl_easy_init()) == NULL)
		return HS_ENOMEM;
	curl_easy_setopt(pr->easy, CURLOPT_URL, pr->url);
	curl_easy_setopt(pr->easy, CURLOPT_TIMEOUT_MS, timeout * 1000);
	curl_easy_setopt(pr->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout * 1000);
	curl_easy_setopt(pr->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(pr->easy, CURLOPT_WRITEFUNCTION, probe_write);
	curl_easy_setopt(pr->easy, CURLOPT_WRITEDATA, &pr->body);
	curl_easy_setopt(pr->easy, CURLOPT_USERAGENT, "hubspy/" HUBSPY_VERSION);
	if (loop_xfer_add(l, pr->easy, probe_done, pr) != 0) {
		curl_easy_cleanup(pr->easy);
		pr->easy = NULL;
		return HS_EFAIL;
	}
	return 0;
}

static int
probes_done(void *arg)
{
	struct probe *pr = arg;

	return (pr[0].easy == NULL) && (pr[1].easy == NULL);
}

/* the hub's base URL: --url, else JUPYTERHUB_API_URL minus /hub/api */
static char *
hub_base(const char *url)
{
	char *b;
	size_t n;

	if (url == NULL)
		url = getenv("JUPYTERHUB_API_URL");
	if (url == NULL || *url == '\0' || (b = strdup(url)) == NULL)
		return NULL;
	n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	if (n >= 8 && strcmp(b + n - 8, "/hub/api") == 0)
		b[n - 8] = '\0';
	return b;
}

static void
pod_status(struct target *t, const char *dir, FILE *out)
{
	const char *args[] = { "get", "pod", t->pod, "-o", "json", NULL };
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	cJSON *pod = NULL, *cs;
	char *text = NULL, path[4096];

	if (cli_kubectl_json(t, args, &pod, &eb) != 0) {
		fputs("  pod: ", out);
		cmd_safe_fputs(out, eb.msg);
		fputc('\n', out);
		return;
	}
	snprintf(path, sizeof(path), "%s/pod.json", dir);
	if ((text = cJSON_Print(pod)) != NULL) {
		struct hs_errbuf web = HS_ERRBUF_INIT;
		struct buf b = BUF_INIT(64u << 20);

		if (buf_printf(&b, "%s\n", text) != 0)
			hs_error(&web, HS_ENOMEM, "out of memory");
		else
			file_write_atomic(path, b.data, b.len, FILE_MODE, &web);
		buf_release(&b);
		if (web.code != 0) {
			fputs("  pod.json: ", out);
			cmd_safe_fputs(out, web.msg);
			fputc('\n', out);
		}
	}
	cJSON_free(text);
	fputs("  pod: phase ", out);
	cs = cJSON_GetObjectItemCaseSensitive(pod, "status");
	cmd_safe_fputs(out, cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cs,
	    "phase")) ? cJSON_GetObjectItemCaseSensitive(cs,
	    "phase")->valuestring : "?");
	cJSON_ArrayForEach(cs, cJSON_GetObjectItemCaseSensitive(cs,
	    "containerStatuses")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(cs, "name");
		const cJSON *rc = cJSON_GetObjectItemCaseSensitive(cs,
		    "restartCount");
		const cJSON *last = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(cs, "lastState"),
		    "terminated");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(last,
		    "reason");

		fputs(", container ", out);
		cmd_safe_fputs(out, cJSON_IsString(n) ? n->valuestring : "?");
		fprintf(out, " restarts %d", cJSON_IsNumber(rc) ? rc->valueint :
		    0);
		if (cJSON_IsString(why)) {
			fputs(" (last: ", out);
			cmd_safe_fputs(out, why->valuestring);
			fputc(')', out);
		}
	}
	fputs(" [pod.json]\n", out);
	cJSON_Delete(pod);
}

static void
print_probes(FILE *out, const struct probe *pr, const char *base)
{
	int i;

	if (base == NULL) {
		fputs("  health: skipped (no --url and JUPYTERHUB_API_URL is not "
		    "set)\n", out);
		return;
	}
	for (i = 0; i < 2; i++) {
		fputs("  health: GET ", out);
		cmd_safe_fputs(out, pr[i].url);
		if (!pr[i].done)
			fputs(": no answer (aborted)\n", out);
		else if (pr[i].res != CURLE_OK)
			fprintf(out, ": %s after %.3f s\n",
			    curl_easy_strerror(pr[i].res), pr[i].seconds);
		else {
			fprintf(out, ": %ld in %.3f s", pr[i].status,
			    pr[i].seconds);
			if (pr[i].body.len) {
				char line[120];

				snprintf(line, sizeof(line), "%s", pr[i].body.data);
				line[strcspn(line, "\r\n")] = '\0';
				fputc(' ', out);
				cmd_safe_fputs(out, line);
			}
			fputc('\n', out);
		}
	}
}

static int
postmortem_exec(struct args *a)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT, first = HS_ERRBUF_INIT;
	struct target_config cfg;
	struct target t = TARGET_INIT;
	struct capture_result res = CAPTURE_RESULT_INIT;
	struct probe pr[2];
	struct loop *l = NULL;
	char *dir = NULL, *base = NULL, path[4096];
	const struct postmortem_options *po = a->opts;
	long ptimeout = po->probe_timeout;
	int r, rc, have_pod = 0, have_pid = 0, have_pyspy = 0;

	memset(pr, 0, sizeof(pr));
	pr[0].path = "/hub/health";
	pr[1].path = "/hub/api/";
	cli_target_config(&po->target, &cfg, &eb);
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
	if ((base = hub_base(po->url)) != NULL &&
	    (probe_start(l, &pr[0], base, ptimeout) != 0 ||
	    probe_start(l, &pr[1], base, ptimeout) != 0)) {
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

	if (have_pod && t.transport != TARGET_LOCAL)
		pod_status(&t, dir, stdout);
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
	if (first.code != 0) {
		rc = cli_target_fail(&t, &first);
		goto out;
	}
	rc = t.interrupted ? hs_exit_code(HS_EPARTIAL) : 0;
out:
	if (pr[0].easy) {
		loop_xfer_cancel(l, pr[0].easy);
		curl_easy_cleanup(pr[0].easy);
	}
	if (pr[1].easy) {
		loop_xfer_cancel(l, pr[1].easy);
		curl_easy_cleanup(pr[1].easy);
	}
	buf_release(&pr[0].body);
	buf_release(&pr[1].body);
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
	"For a hub that hangs, crawls or restarts: the pod's status and "
	"restarts (pod.json), the last lines of its log (hub.log), its CPU and "
	"memory, several py-spy dumps with stuck-thread detection (dump-N.txt, "
	"dump-N.json, stuck.txt), a short py-spy top (top.txt) and two "
	"unauthenticated health probes (GET /hub/health and /hub/api/). "
	"Every step is bounded in time, so the command finishes even when the "
	"hub never answers; a step that fails is reported and the next one "
	"runs.",
	postmortem_groups, sizeof(struct postmortem_options), 0, 0,
	postmortem_exec, 0
};
