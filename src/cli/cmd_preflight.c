/* cmd_preflight.c -- `hubspy preflight`: can this machine profile that hub, and is there room? */
/*
 * One row per check, pass / warn / fail / skip, in the order a run needs
 * them: kubectl context, RBAC, the hub pod, the hub process, py-spy and
 * its version against the hub's Python, a real attach (a py-spy dump),
 * then capacity as IBM's guide reasons about it: ready user nodes, pods
 * per node (allocatable pods minus the system pods already there), the
 * user-placeholder StatefulSet, and the planned --count and --step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "capture/capture.h"
#include "cli/cli_hub.h"
#include "cli/cli_target.h"
#include "cli/cmd.h"
#include "core/loop.h"
#include "core/proc.h"

struct preflight_options {
	const char	*node_selector;
	int		 count, step, failure_limit;
	struct cli_target_options target;
	struct cli_hub_options	  hub;
};

#define O(kind, m) OPT_BIND(struct preflight_options, kind, m)
static const struct opt preflight_opts[] = {
	{ "node-selector", 0, O(OPT_STR, node_selector), "SEL", 0, 0,
	  "hub.jupyter.org/node-purpose=user",
	  "label selector of the nodes user pods run on", NULL, 0 },
	{ "count", 0, O(OPT_NUM, count), "N", 1, 1000000, NULL,
	  "planned number of users: warn when it exceeds the capacity", NULL,
	  0 },
	{ "step", 0, O(OPT_NUM, step), "N", 1, 1000000, NULL,
	  "planned ramp step: warn above 500 with a consecutive failure "
	  "limit", NULL, 0 },
	{ "failure-limit", 0, O(OPT_NUM, failure_limit), "N", 0, 1000000, "5",
	  "the hub's Spawner.consecutive_failure_limit "
	  "(z2jh hub.consecutiveFailureLimit)", NULL, 0 },
	OPT_END
};
#undef O

static const struct opt_group preflight_groups[] = {
	{ preflight_opts, 0 },
	CLI_TARGET_GROUP(struct preflight_options, target),
	CLI_HUB_GROUP(struct preflight_options, hub),
	OPT_GROUP_END
};

enum verdict { V_PASS, V_WARN, V_FAIL, V_SKIP };
static const char *const verdicts[] = { "pass", "warn", "fail", "skip" };

struct table {
	int	nfail, nwarn;
};

static void
row(struct table *tb, const char *check, enum verdict v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
row(struct table *tb, const char *check, enum verdict v, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (v == V_FAIL)
		tb->nfail++;
	if (v == V_WARN)
		tb->nwarn++;
	printf("%-18s %-5s ", check, verdicts[v]);
	cmd_safe_fputs(stdout, detail);
	putchar('\n');
	fflush(stdout);
}

/* kubectl ARGS; its stdout's first line into line */
static int
kubectl_line(struct target *t, const char *const *args, char *line,
    size_t sz, int *exitp, struct hs_errbuf *eb)
{
	struct proc p = PROC_INIT;
	int r;

	line[0] = '\0';
	if ((r = target_kubectl(t, &p, args, NULL, 0, eb)) == 0) {
		*exitp = proc_exit_code(&p);
		snprintf(line, sz, "%s", *exitp == 0 ? p.out.data : p.err.data);
		line[strcspn(line, "\n")] = '\0';
	}
	proc_release(&p);
	return r;
}

static void
check_rbac(struct target *t, struct table *tb)
{
	static const char *const checks[][2] = {
		{ "get", "pods" }, { "list", "pods" }, { "create", "pods/exec" },
		{ "get", "pods/log" }, { "patch", "pods/ephemeralcontainers" },
	};
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char missing[300] = "", line[300];
	size_t i, n = t->transport == TARGET_DEBUG ? 5 : 4;
	int ex = 0;

	for (i = 0; i < n; i++) {
		const char *args[] = { "auth", "can-i", checks[i][0],
		    checks[i][1], NULL };

		if (kubectl_line(t, args, line, sizeof(line), &ex, &eb) != 0) {
			row(tb, "rbac", V_FAIL, "%s", eb.msg);
			return;
		}
		if (strcmp(line, "yes") != 0) {
			if (missing[0])
				strlcat(missing, ", ", sizeof(missing));
			strlcat(missing, checks[i][0], sizeof(missing));
			strlcat(missing, " ", sizeof(missing));
			strlcat(missing, checks[i][1], sizeof(missing));
		}
	}
	if (missing[0])
		row(tb, "rbac", V_FAIL, "not allowed in namespace '%s': %s "
		    "(not_authorised); %s", t->namespace ? t->namespace :
		    "(the context's)", missing,
		    target_fail_fix(TF_NOT_AUTHORISED));
	else
		row(tb, "rbac", V_PASS, "get/list pods, create pods/exec, get "
		    "pods/log%s", n == 5 ? ", patch pods/ephemeralcontainers" :
		    "");
}

static int
node_ready(const cJSON *node)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(node, "status"), "conditions")) {
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(c, "type");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "status");

		if (cJSON_IsString(ty) && strcmp(ty->valuestring, "Ready") == 0)
			return cJSON_IsString(st) &&
			    strcmp(st->valuestring, "True") == 0;
	}
	return 0;
}

static int
system_pod(const cJSON *pod)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata"), *o;
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(md, "namespace");

	if (cJSON_IsString(ns) && strcmp(ns->valuestring, "kube-system") == 0)
		return 1;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(md,
	    "ownerReferences")) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");

		if (cJSON_IsString(k) && strcmp(k->valuestring, "DaemonSet") == 0)
			return 1;
	}
	return 0;
}

static void
check_capacity(struct target *t, struct table *tb, const struct args *a)
{
	const struct preflight_options *o = a->opts;
	const char *sel = o->node_selector;
	const char *nargs[] = { "get", "nodes", "-l", sel, "-o", "json", NULL };
	static const char *const pargs[] = { "get", "pods", "-A", "-o", "json",
	    NULL };
	static const char *const sargs[] = { "get", "statefulset",
	    "user-placeholder", "-o", "json", NULL };
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	cJSON *nodes = NULL, *pods = NULL, *sts = NULL, *n, *p;
	long long capacity = 0, ready = 0, total = 0, placeholders = -1;

	if (cli_kubectl_json(t, nargs, &nodes, &eb) != 0) {
		row(tb, "user nodes", V_WARN, "cannot list nodes: %s", eb.msg);
		goto out;
	}
	if (cli_kubectl_json(t, pargs, &pods, &eb) != 0) {
		row(tb, "user nodes", V_WARN, "cannot list pods: %s", eb.msg);
		goto out;
	}
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(nodes, "items")) {
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(n, "metadata");
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(md, "name");
		const cJSON *alloc = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(n, "status"),
		    "allocatable"), "pods");
		long long slots, sys = 0;

		total++;
		if (!node_ready(n) || !cJSON_IsString(nm))
			continue;
		ready++;
		slots = cJSON_IsString(alloc) ? strtoll(alloc->valuestring,
		    NULL, 10) : 110;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(pods,
		    "items")) {
			const cJSON *pn = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(p, "spec"),
			    "nodeName");

			if (cJSON_IsString(pn) && strcmp(pn->valuestring,
			    nm->valuestring) == 0 && system_pod(p))
				sys++;
		}
		capacity += slots > sys ? slots - sys : 0;
	}
	if (ready == 0)
		row(tb, "user nodes", V_WARN, "no ready node matches '%s' (%lld "
		    "match); user pods wait for the autoscaler (or pass "
		    "--node-selector)", sel, total);
	else
		row(tb, "user nodes", V_PASS, "%lld ready of %lld matching '%s': "
		    "room for %lld user pods (allocatable pods minus system "
		    "pods)", ready, total, sel, capacity);
	if (cli_kubectl_json(t, sargs, &sts, &eb) == 0) {
		const cJSON *rep = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(sts, "spec"), "replicas");

		placeholders = cJSON_IsNumber(rep) ? rep->valueint : 0;
		row(tb, "placeholders", V_PASS, "user-placeholder StatefulSet: "
		    "%lld replicas (evicted by real users; they keep nodes warm)",
		    placeholders);
	} else if (t->failure == TF_POD_NOT_FOUND)
		row(tb, "placeholders", V_SKIP, "no user-placeholder "
		    "StatefulSet (scheduling.userPlaceholder off)");
	else
		row(tb, "placeholders", V_WARN, "%s", eb.msg);
	if (opt_isset(a, &o->count)) {
		long long want = o->count;

		if (want > capacity)
			row(tb, "plan: count", V_WARN, "--count %lld exceeds the "
			    "room on ready user nodes (%lld): the autoscaler must "
			    "add nodes during the ramp, and spawns wait meanwhile",
			    want, capacity);
		else
			row(tb, "plan: count", V_PASS, "--count %lld fits in %lld",
			    want, capacity);
	}
out:
	if (opt_isset(a, &o->step)) {
		long long step = o->step;
		long long lim = o->failure_limit;

		if (step > 500 && lim > 0)
			row(tb, "plan: step", V_WARN, "steps of %lld (above 500) "
			    "with a consecutive failure limit of %lld: spawns "
			    "failing while nodes scale up make the hub exit (IBM); "
			    "set hub.consecutiveFailureLimit: 0 or ramp by 500 at "
			    "most", step, lim);
		else
			row(tb, "plan: step", V_PASS, "steps of %lld, failure "
			    "limit %lld", step, lim);
	}
	cJSON_Delete(nodes);
	cJSON_Delete(pods);
	cJSON_Delete(sts);
}

/* py-spy's range of Python versions (pyspy.md 0) */
static void
check_compat(struct target *t, struct table *tb)
{
	unsigned maj = 0, min = 0;
	int need = 0;

	if (t->python == NULL || sscanf(t->python, "%u.%u", &maj, &min) != 2) {
		row(tb, "python", V_WARN, "the hub's Python version is unknown");
		return;
	}
	if (maj == 3 && min >= 15)
		need = 99999;
	else if (maj == 3 && min >= 14)
		need = 402;
	else if (maj == 3 && min >= 12)
		need = 400;
	if (t->pyspy_ver < need)
		row(tb, "python", V_FAIL, "hub Python %s needs py-spy %s or "
		    "later, found %s (unsupported_python); %s", t->python,
		    need == 402 ? "0.4.2" : need == 400 ? "0.4.0" : "(none yet)",
		    t->pyspy_version, target_fail_fix(TF_UNSUPPORTED_PYTHON));
	else
		row(tb, "python", V_PASS, "hub Python %s is supported by py-spy "
		    "%s", t->python, t->pyspy_version);
}

static void
check_attach(struct target *t, struct table *tb)
{
	char pid[24];
	const char *cmd[] = { t->pyspy, "dump", "--pid", pid, "--nonblocking",
	    NULL };
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct proc p = PROC_INIT;
	enum target_fail f;

	snprintf(pid, sizeof(pid), "%ld", t->pid);
	if (target_run(t, &p, cmd, 10000, &eb) != 0) {
		row(tb, "attach", V_FAIL, "%s", eb.msg);
		goto out;
	}
	if (proc_exit_code(&p) == 0) {
		int threads = 0;
		const char *s = p.out.data;

		while ((s = strstr(s, "\nThread ")) != NULL) {
			threads++;
			s++;
		}
		row(tb, "attach", V_PASS, "py-spy dump of pid %ld: %d threads",
		    t->pid, threads);
		goto out;
	}
	f = target_classify(p.err.data, proc_exit_code(&p), 0);
	t->failure = f;
	{
		char line[300];

		target_error_line(p.err.data, line, sizeof(line));
		row(tb, "attach", V_FAIL, "py-spy dump of pid %ld: %s (%s); %s",
		    t->pid, line, target_fail_name(f), target_fail_fix(f));
	}
out:
	proc_release(&p);
}

/* the hub: reachable, its version, the token and the scopes a run needs */
static void
check_hub(const struct args *a, struct table *tb)
{
	struct cli_hub ch = CLI_HUB_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	const struct preflight_options *o = a->opts;
	const struct hub_info *in;
	int r;

	if (o->hub.url == NULL &&
	    getenv("JUPYTERHUB_API_URL") == NULL &&
	    getenv("JUPYTERHUB_ENDPOINT") == NULL) {
		row(tb, "hub", V_SKIP, "no hub URL: give --url or set "
		    "JUPYTERHUB_API_URL to check the hub and the token");
		return;
	}
	if (o->hub.token_file == NULL &&
	    (getenv("JUPYTERHUB_API_TOKEN") == NULL ||
	    getenv("JUPYTERHUB_API_TOKEN")[0] == '\0') &&
	    !isatty(STDIN_FILENO)) {
		row(tb, "hub", V_SKIP, "no API token: set JUPYTERHUB_API_TOKEN "
		    "or give --token-file FILE to check the hub and the token");
		return;
	}
	/* no common options: --log-file here names the hub's log (local
	 * transport), never cli_hub_setup()'s own */
	if ((r = cli_hub_setup(&ch, &o->hub, NULL, 0, 0, &eb)) != 0) {
		row(tb, r == HS_EAUTH ? "hub token" : "hub", V_FAIL, "%s",
		    eb.msg);
		goto out;
	}
	r = hub_preflight(ch.hub, 1, &eb);
	in = hub_info(ch.hub);
	if (r != 0 && in->version[0] == '\0') {
		row(tb, "hub", V_FAIL, "%s", eb.msg);
		goto out;
	}
	row(tb, "hub", V_PASS, "JupyterHub %s at %s", in->version, ch.url);
	if (r != 0) {
		row(tb, "hub token", V_FAIL, "%s", eb.msg);
		goto out;
	}
	row(tb, "hub token", V_PASS, "%s token with admin:users and servers",
	    in->kind[0] ? in->kind : "a");
	if (!in->has_read_metrics)
		row(tb, "hub metrics", V_WARN, "no read:metrics scope: a run "
		    "cannot read /hub/metrics (add read:metrics to the "
		    "service's role)");
	else
		row(tb, "hub metrics", V_PASS, "read:metrics");
out:
	cli_hub_release(&ch);
}

static int
preflight_exec(struct args *a)
{
	const struct preflight_options *o = a->opts;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct target_config cfg;
	struct target t = TARGET_INIT;
	struct table tb = { 0, 0 };
	struct loop *l = NULL;
	enum target_fail first = TF_NONE;
	int r, rc;

	cli_target_config(&o->target, &cfg, &eb);
	if ((r = loop_new(&l)) != 0) {
		hs_error(&eb, r, "cannot set up the event loop");
		return cmd_fail(&eb);
	}
	if ((r = target_init(&t, l, &cfg, &eb)) != 0) {
		rc = cmd_fail(&eb);
		goto out;
	}
	loop_on_signal(l, cli_target_on_signal, &t);
	printf("%-18s %-5s %s\n", "CHECK", "", "DETAIL");
	check_hub(a, &tb);
	if (t.transport != TARGET_LOCAL) {
		static const char *const ctx[] = { "config", "current-context",
		    NULL };
		char line[300];
		int ex = 0;

		if (kubectl_line(&t, ctx, line, sizeof(line), &ex, &eb) != 0) {
			row(&tb, "kubectl", V_FAIL, "%s", eb.msg);
			goto done;
		}
		if (ex != 0) {
			row(&tb, "kubectl context", V_FAIL, "%s; pass --context or "
			    "--kubeconfig", line);
			goto done;
		}
		row(&tb, "kubectl context", V_PASS, "%s", t.context ? t.context :
		    line);
	}
	/* the pod first: it learns the context's namespace */
	r = target_find_pod(&t, &eb);
	if (t.transport != TARGET_LOCAL)
		check_rbac(&t, &tb);
	if (r != 0) {
		first = t.failure;
		row(&tb, "hub pod", V_FAIL, "%s", eb.msg);
		goto done;
	}
	if (t.transport != TARGET_LOCAL) {
		row(&tb, "hub pod", V_PASS, "%s in namespace %s, container %s",
		    t.pod, t.namespace, t.exec_container);
	}
	if (target_find_hub(&t, &eb) != 0) {
		first = t.failure;
		row(&tb, "hub process", V_FAIL, "%s", eb.msg);
	} else
		row(&tb, "hub process", V_PASS, "pid %ld, Python %s: %s", t.pid,
		    t.python ? t.python : "unknown",
		    t.hub_cmdline ? t.hub_cmdline : "");
	if (target_probe(&t, &eb) != 0) {
		first = first ? first : t.failure;
		row(&tb, "py-spy", V_FAIL, "%s", eb.msg);
	} else {
		row(&tb, "py-spy", V_PASS, "%s", t.pyspy_version);
		if (t.pid > 0) {
			check_compat(&t, &tb);
			check_attach(&t, &tb);
		}
	}
	if (t.transport != TARGET_LOCAL)
		check_capacity(&t, &tb, a);
done:
	printf("%d failed, %d warnings\n", tb.nfail, tb.nwarn);
	(void)first;
	rc = tb.nfail ? hs_exit_code(HS_ETARGET) : 0;
out:
	target_release(&t);
	loop_free(l);
	return rc;
}

const struct cmd cmd_preflight = {
	"preflight",
	"[--count N] [--step N] [TARGET OPTIONS]",
	"check that the hub can be profiled and the cluster has room",
	"Prints a pass/warn/fail table: the kubectl context, RBAC (get/list "
	"pods, create pods/exec, get pods/log, and patch "
	"pods/ephemeralcontainers for --transport debug), the hub pod and its "
	"jupyterhub process, py-spy and its version against the hub's Python, "
	"a real attach (py-spy dump), then capacity as IBM's guide reasons "
	"about it: ready user nodes (--node-selector), pods per node "
	"(allocatable pods minus the system pods already there), the "
	"user-placeholder StatefulSet, and warnings when a planned --count "
	"exceeds the room or a --step above 500 meets a consecutive failure "
	"limit. With a hub URL (--url or JUPYTERHUB_API_URL) the hub is "
	"checked first: reachable, its version, the token and the scopes a "
	"run needs (admin:users, servers; read:metrics warned). Exits 5 when "
	"a check failed.",
	preflight_groups, sizeof(struct preflight_options), 0, 0,
	preflight_exec, 0
};
