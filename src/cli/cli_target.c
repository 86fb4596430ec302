/* cli_target.c -- the target option group shared by capture, postmortem and preflight */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "capture/capture.h"
#include "cli/cli_target.h"
#include "cli/cmd.h"
#include "core/loop.h"

static const char *const transports[] = { "kubectl", "debug", "local", NULL };

#define T(kind, m) OPT_BIND(struct cli_target_options, kind, m)
const struct opt cli_target_opts[] = {
	{ "transport", 0, T(OPT_STR, transport), "HOW", 0, 0, "kubectl",
	  "how to reach the hub: kubectl (kubectl exec into the hub "
	  "container), debug (an ephemeral container with kubectl debug "
	  "--profile=general, for images without py-spy or SYS_PTRACE) or "
	  "local (the hub runs on this machine)", transports, 0 },
	{ "context", 0, T(OPT_STR, context), "NAME", 0, 0, NULL,
	  "kubectl context (default: the current one)", NULL, 0 },
	{ "kubeconfig", 0, T(OPT_STR, kubeconfig), "FILE", 0, 0, NULL,
	  "kubeconfig file (default: kubectl's)", NULL, 0 },
	{ "namespace", 'n', T(OPT_STR, namespace), "NS", 0, 0, NULL,
	  "namespace of the hub (default: the context's)", NULL, 0 },
	{ "pod", 0, T(OPT_STR, pod), "NAME", 0, 0, NULL,
	  "the hub pod (default: the one Running pod matching --selector)",
	  NULL, 0 },
	{ "selector", 'l', T(OPT_STR, selector), "SEL", 0, 0, "component=hub",
	  "label selector of the hub pod; more than one match is an error",
	  NULL, 0 },
	{ "container", 'c', T(OPT_STR, container), "NAME", 0, 0, "hub",
	  "the hub container", NULL, 0 },
	{ "image", 0, T(OPT_STR, image), "IMAGE", 0, 0, NULL,
	  "debug: image of the ephemeral container, with py-spy in its PATH "
	  "(default: the hub container's image)", NULL, 0 },
	{ "pid", 0, T(OPT_NUM, pid), "PID", 1, 4194304, NULL,
	  "the hub process in the container (default: the jupyterhub process "
	  "found in /proc, skipping tini and configurable-http-proxy)", NULL,
	  0 },
	{ "log-file", 0, T(OPT_STR, log_file), "FILE", 0, 0, NULL,
	  "local: the hub's log file (kubectl reads the pod's log)", NULL, 0 },
	OPT_END
};
#undef T

/* the programs and bounds of the capture, shared with `hubspy run` (whose
 * profile says where the hub is) */
#define K(kind, m) OPT_BIND(struct cli_tools_options, kind, m)
const struct opt cli_tools_opts[] = {
	{ "kubectl", 0, K(OPT_STR, kubectl), "PATH", 0, 0, "kubectl",
	  "the kubectl program", NULL, 0 },
	{ "py-spy", 0, K(OPT_STR, pyspy), "PATH", 0, 0, "py-spy",
	  "py-spy inside the hub container (or here, for local)", NULL, 0 },
	{ "tmpdir", 0, K(OPT_STR, tmpdir), "DIR", 0, 0, "/tmp",
	  "writable directory in the hub container for py-spy's files",
	  NULL, 0 },
	{ "exec-timeout", 0, K(OPT_NUM, exec_timeout), "SECONDS", 1, 600, "30",
	  "bound on each short kubectl or py-spy call", NULL, 0 },
	OPT_END
};
#undef K

void
cli_tools_config(const struct cli_tools_options *o,
    struct target_config *cfg)
{
	cfg->kubectl = o->kubectl;
	cfg->pyspy = o->pyspy;
	cfg->tmpdir = o->tmpdir;
	cfg->exec_timeout = o->exec_timeout;
}

int
cli_target_config(const struct cli_target_options *o,
    const struct cli_tools_options *tools, struct target_config *cfg,
    struct hs_errbuf *eb)
{
	*cfg = (struct target_config)TARGET_CONFIG_INIT;
	if (strcmp(o->transport, "debug") == 0)
		cfg->transport = TARGET_DEBUG;
	else if (strcmp(o->transport, "local") == 0)
		cfg->transport = TARGET_LOCAL;
	else
		cfg->transport = TARGET_KUBECTL;
	cfg->context = o->context;
	cfg->kubeconfig = o->kubeconfig;
	cfg->namespace = o->namespace;
	cfg->pod = o->pod;
	cfg->selector = o->selector;
	cfg->container = o->container;
	cfg->image = o->image;
	cfg->pid = o->pid;
	cfg->log_file = o->log_file;
	cli_tools_config(tools, cfg);
	return 0;
}

int
cli_target_fail(const struct target *t, const struct hs_errbuf *eb)
{
	int code;

	fflush(stdout);
	code = cmd_fail(eb);
	if (t != NULL && t->failure == TF_PERMISSION_DENIED)
		fputs("  py-spy needs the SYS_PTRACE capability to attach to the "
		    "hub (IBM's recipe):\n"
		    "  1. in the hub image:\n"
		    "       RUN setcap cap_sys_ptrace+ep $(which py-spy)\n"
		    "  2. in the z2jh values (this restarts the hub):\n"
		    "       hub:\n"
		    "         containerSecurityContext:\n"
		    "           allowPrivilegeEscalation: true\n"
		    "           capabilities:\n"
		    "             drop: [ALL]\n"
		    "             add: [SYS_PTRACE]\n"
		    "  or, without a rebuild or restart: --transport debug "
		    "--image IMAGE (an image with py-spy)\n", stderr);
	return code;
}

int
cli_output_dir(const char *dir, const char *prefix, char **pathp,
    struct hs_errbuf *eb)
{
	char name[128];
	time_t now = time(NULL);
	struct tm tm;

	*pathp = NULL;
	if (dir == NULL) {
		gmtime_r(&now, &tm);
		snprintf(name, sizeof(name), "%s-", prefix);
		strftime(name + strlen(name), sizeof(name) - strlen(name),
		    "%Y%m%dT%H%M%SZ", &tm);
		dir = name;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return hs_error(eb, HS_EIO, "cannot create directory '%s': %s",
		    dir, strerror(errno));
	if ((*pathp = strdup(dir)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	return 0;
}

void
cli_target_print(FILE *fp, const struct target *t)
{
	fputs("hub: ", fp);
	if (t->transport != TARGET_LOCAL) {
		fputs("pod ", fp);
		cmd_safe_fputs(fp, t->pod ? t->pod : "?");
		fputs(" namespace ", fp);
		cmd_safe_fputs(fp, t->namespace ? t->namespace : "?");
		fputs(" container ", fp);
		cmd_safe_fputs(fp, t->exec_container ? t->exec_container : "?");
		fputc(' ', fp);
	}
	fprintf(fp, "pid %ld python ", t->pid);
	cmd_safe_fputs(fp, t->python ? t->python : "unknown");
	fputs(" py-spy ", fp);
	cmd_safe_fputs(fp, t->pyspy_version ? t->pyspy_version : "unknown");
	fputc('\n', fp);
}

size_t
cli_capture_print(FILE *fp, const struct capture_result *res, size_t from)
{
	size_t i, failed = 0;

	for (i = from; i < res->nfiles; i++) {
		const struct capture_file *f = &res->files[i];

		fprintf(fp, "  %-24s ", f->name);
		if (f->written && f->failure == TF_NONE)
			fputs("ok", fp);
		else if (f->written || f->failure == TF_IDLE)
			fprintf(fp, "warning (%s)", target_fail_name(f->failure));
		else {
			fprintf(fp, "failed (%s)", target_fail_name(f->failure) ?
			    target_fail_name(f->failure) : "other");
			failed++;
		}
		if (f->written && f->kind == CAPTURE_RECORD && f->samples >= 0)
			fprintf(fp, ", %lld samples", f->samples);
		if (f->seconds > 0)
			fprintf(fp, ", %.1f s", f->seconds);
		fputc('\n', fp);
		if (f->message) {
			fputs("    ", fp);
			cmd_safe_fputs(fp, f->message);
			fputc('\n', fp);
		}
	}
	return failed;
}

void
cli_target_on_signal(void *arg, int signo)
{
	struct target *t = arg;

	(void)signo;
	if (t->loop == NULL)
		return;
	if (t->interrupted)
		loop_stop(t->loop);
	else
		target_interrupt(t);
}
