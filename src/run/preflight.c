/* preflight.c -- can this machine profile that hub, and is there room: the checks */
/*
 * One check per row, in the order a run needs them: the hub (when the
 * caller has a client), kubectl context, RBAC, the hub pod, the hub
 * process, py-spy and its version against the hub's Python, a real attach
 * (a py-spy dump), then capacity as IBM's guide reasons about it: ready
 * user nodes, pods per node (allocatable pods minus the system pods already
 * there), the user-placeholder StatefulSet, and the planned count and step.
 * A check that cannot run is a row too (fail or warn), never an error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "capture/target.h"
#include "core/proc.h"
#include "load/hub.h"
#include "run/preflight.h"

static const char *const names[] = {
	[PREFLIGHT_HUB] = "hub",
	[PREFLIGHT_HUB_TOKEN] = "hub token",
	[PREFLIGHT_HUB_METRICS] = "hub metrics",
	[PREFLIGHT_KUBECTL] = "kubectl",
	[PREFLIGHT_KUBECTL_CONTEXT] = "kubectl context",
	[PREFLIGHT_RBAC] = "rbac",
	[PREFLIGHT_HUB_POD] = "hub pod",
	[PREFLIGHT_HUB_PROCESS] = "hub process",
	[PREFLIGHT_PYSPY] = "py-spy",
	[PREFLIGHT_PYTHON] = "python",
	[PREFLIGHT_ATTACH] = "attach",
	[PREFLIGHT_USER_NODES] = "user nodes",
	[PREFLIGHT_PLACEHOLDERS] = "placeholders",
	[PREFLIGHT_PLAN_COUNT] = "plan: count",
	[PREFLIGHT_PLAN_STEP] = "plan: step",
};

const char *
preflight_name(enum preflight_id id)
{
	return (size_t)id < sizeof(names) / sizeof(names[0]) ? names[id] : "?";
}

const char *
preflight_status_name(enum preflight_status s)
{
	static const char *const st[] = { "pass", "warn", "fail", "skip" };

	return (size_t)s < sizeof(st) / sizeof(st[0]) ? st[s] : "?";
}

void
preflight_line(const struct preflight_check *c, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", c->detail, c->fix ? "; " : "",
	    c->fix ? c->fix : "");
}

/* --- the list of checks --- */

void
preflight_init(struct preflight *pf, preflight_cb *cb, void *arg)
{
	*pf = (struct preflight)PREFLIGHT_INIT;
	pf->on_check = cb;
	pf->arg = arg;
}

void
preflight_release(struct preflight *pf)
{
	free(pf->checks);
	*pf = (struct preflight)PREFLIGHT_INIT;
}

void
preflight_add(struct preflight *pf, enum preflight_id id,
    enum preflight_status st, const char *fix, const char *fmt, ...)
{
	struct preflight_check c, *p;
	va_list ap;

	c.id = id;
	c.status = st;
	c.fix = fix;
	va_start(ap, fmt);
	vsnprintf(c.detail, sizeof(c.detail), fmt, ap);
	va_end(ap);
	if (st == PREFLIGHT_FAIL)
		pf->nfail++;
	if (st == PREFLIGHT_WARN)
		pf->nwarn++;
	if (pf->n == pf->alloc) {
		size_t na = pf->alloc ? pf->alloc * 2 : 16;

		if ((p = reallocarray(pf->checks, na, sizeof(*p))) != NULL) {
			pf->checks = p;
			pf->alloc = na;
		}
	}
	if (pf->n < pf->alloc)
		pf->checks[pf->n++] = c;
	else
		pf->nomem = 1;
	if (pf->on_check)
		pf->on_check(pf->arg, &c);
}

const struct preflight_check *
preflight_get(const struct preflight *pf, enum preflight_id id)
{
	size_t i;

	for (i = pf->n; i > 0; i--)
		if (pf->checks[i - 1].id == id)
			return &pf->checks[i - 1];
	return NULL;
}

/* --- the hub --- */

int
preflight_hub(struct preflight *pf, struct hub *h, const char *url,
    int need_write, struct hs_errbuf *eb)
{
	const struct hub_info *in;
	int r;

	r = hub_preflight(h, need_write, eb);
	in = hub_info(h);
	if (r != 0 && in->version[0] == '\0') {
		preflight_add(pf, PREFLIGHT_HUB, PREFLIGHT_FAIL, NULL, "%s",
		    eb->msg);
		return r;
	}
	preflight_add(pf, PREFLIGHT_HUB, PREFLIGHT_PASS, NULL,
	    "JupyterHub %s at %s", in->version, url);
	if (r != 0) {
		preflight_add(pf, PREFLIGHT_HUB_TOKEN, PREFLIGHT_FAIL, NULL,
		    "%s", eb->msg);
		return r;
	}
	preflight_add(pf, PREFLIGHT_HUB_TOKEN, PREFLIGHT_PASS, NULL, "%s token%s",
	    in->kind[0] ? in->kind : "a", need_write ?
	    " with admin:users and servers" : " that reads the hub");
	if (!in->has_read_metrics)
		preflight_add(pf, PREFLIGHT_HUB_METRICS, PREFLIGHT_WARN, NULL,
		    "no read:metrics scope: a run cannot read /hub/metrics "
		    "(add read:metrics to the service's role)");
	else
		preflight_add(pf, PREFLIGHT_HUB_METRICS, PREFLIGHT_PASS, NULL,
		    "read:metrics");
	return 0;
}

/* --- the target --- */

/* kubectl ARGS; its stdout's first line (stderr's when it failed) into
 * line */
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

/* 0 when the context is usable, -1 when the list must end */
static int
check_context(struct preflight *pf, struct target *t)
{
	static const char *const ctx[] = { "config", "current-context", NULL };
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char line[300];
	int ex = 0;

	if (kubectl_line(t, ctx, line, sizeof(line), &ex, &eb) != 0) {
		preflight_add(pf, PREFLIGHT_KUBECTL, PREFLIGHT_FAIL, NULL, "%s",
		    eb.msg);
		return -1;
	}
	if (ex != 0) {
		preflight_add(pf, PREFLIGHT_KUBECTL_CONTEXT, PREFLIGHT_FAIL,
		    "pass --context or --kubeconfig", "%s", line);
		return -1;
	}
	preflight_add(pf, PREFLIGHT_KUBECTL_CONTEXT, PREFLIGHT_PASS, NULL, "%s",
	    t->context ? t->context : line);
	return 0;
}

static void
check_rbac(struct preflight *pf, struct target *t)
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
			preflight_add(pf, PREFLIGHT_RBAC, PREFLIGHT_FAIL, NULL,
			    "%s", eb.msg);
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
		preflight_add(pf, PREFLIGHT_RBAC, PREFLIGHT_FAIL,
		    target_fail_fix(TF_NOT_AUTHORISED), "not allowed in "
		    "namespace '%s': %s (not_authorised)", t->namespace ?
		    t->namespace : "(the context's)", missing);
	else
		preflight_add(pf, PREFLIGHT_RBAC, PREFLIGHT_PASS, NULL,
		    "get/list pods, create pods/exec, get pods/log%s", n == 5 ?
		    ", patch pods/ephemeralcontainers" : "");
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

void
preflight_capacity(const cJSON *nodes, const cJSON *pods, long long *total,
    long long *ready, long long *capacity)
{
	const cJSON *n, *p;

	*total = *ready = *capacity = 0;
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(nodes, "items")) {
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(n, "metadata");
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(md, "name");
		const cJSON *alloc = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(n, "status"),
		    "allocatable"), "pods");
		long long slots, sys = 0;

		(*total)++;
		if (!node_ready(n) || !cJSON_IsString(nm))
			continue;
		(*ready)++;
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
		*capacity += slots > sys ? slots - sys : 0;
	}
}

static void
check_capacity(struct preflight *pf, struct target *t,
    const struct preflight_plan *plan)
{
	const char *sel = plan->node_selector ? plan->node_selector :
	    PREFLIGHT_NODE_SELECTOR;
	const char *nargs[] = { "get", "nodes", "-l", sel, "-o", "json", NULL };
	static const char *const pargs[] = { "get", "pods", "-A", "-o", "json",
	    NULL };
	static const char *const sargs[] = { "get", "statefulset",
	    "user-placeholder", "-o", "json", NULL };
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	cJSON *nodes = NULL, *pods = NULL, *sts = NULL;
	long long capacity = 0, ready = 0, total = 0, placeholders = -1;

	if (target_kubectl_json(t, nargs, &nodes, &eb) != 0) {
		preflight_add(pf, PREFLIGHT_USER_NODES, PREFLIGHT_WARN, NULL,
		    "cannot list nodes: %s", eb.msg);
		goto out;
	}
	if (target_kubectl_json(t, pargs, &pods, &eb) != 0) {
		preflight_add(pf, PREFLIGHT_USER_NODES, PREFLIGHT_WARN, NULL,
		    "cannot list pods: %s", eb.msg);
		goto out;
	}
	preflight_capacity(nodes, pods, &total, &ready, &capacity);
	if (ready == 0)
		preflight_add(pf, PREFLIGHT_USER_NODES, PREFLIGHT_WARN,
		    "user pods wait for the autoscaler (or pass "
		    "--node-selector)", "no ready node matches '%s' (%lld "
		    "match)", sel, total);
	else
		preflight_add(pf, PREFLIGHT_USER_NODES, PREFLIGHT_PASS, NULL,
		    "%lld ready of %lld matching '%s': room for %lld user pods "
		    "(allocatable pods minus system pods)", ready, total, sel,
		    capacity);
	if (target_kubectl_json(t, sargs, &sts, &eb) == 0) {
		const cJSON *rep = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(sts, "spec"), "replicas");

		placeholders = cJSON_IsNumber(rep) ? rep->valueint : 0;
		preflight_add(pf, PREFLIGHT_PLACEHOLDERS, PREFLIGHT_PASS, NULL,
		    "user-placeholder StatefulSet: %lld replicas (evicted by "
		    "real users; they keep nodes warm)", placeholders);
	} else if (t->failure == TF_POD_NOT_FOUND)
		preflight_add(pf, PREFLIGHT_PLACEHOLDERS, PREFLIGHT_SKIP, NULL,
		    "no user-placeholder StatefulSet "
		    "(scheduling.userPlaceholder off)");
	else
		preflight_add(pf, PREFLIGHT_PLACEHOLDERS, PREFLIGHT_WARN, NULL,
		    "%s", eb.msg);
	if (plan->count > 0) {
		if (plan->count > capacity)
			preflight_add(pf, PREFLIGHT_PLAN_COUNT, PREFLIGHT_WARN,
			    NULL, "--count %lld exceeds the room on ready user "
			    "nodes (%lld): the autoscaler must add nodes during "
			    "the ramp, and spawns wait meanwhile", plan->count,
			    capacity);
		else
			preflight_add(pf, PREFLIGHT_PLAN_COUNT, PREFLIGHT_PASS,
			    NULL, "--count %lld fits in %lld", plan->count,
			    capacity);
	}
out:
	if (plan->step > 0) {
		if (plan->step > 500 && plan->failure_limit > 0)
			preflight_add(pf, PREFLIGHT_PLAN_STEP, PREFLIGHT_WARN,
			    "set hub.consecutiveFailureLimit: 0 or ramp by 500 "
			    "at most", "steps of %lld (above 500) with a "
			    "consecutive failure limit of %lld: spawns failing "
			    "while nodes scale up make the hub exit "
			    "(IBM)", plan->step, plan->failure_limit);
		else
			preflight_add(pf, PREFLIGHT_PLAN_STEP, PREFLIGHT_PASS,
			    NULL, "steps of %lld, failure limit %lld",
			    plan->step, plan->failure_limit);
	}
	cJSON_Delete(nodes);
	cJSON_Delete(pods);
	cJSON_Delete(sts);
}

int
preflight_pyspy_needed(const char *python)
{
	unsigned maj = 0, min = 0;

	if (python == NULL || sscanf(python, "%u.%u", &maj, &min) != 2)
		return -1;
	if (maj == 3 && min >= 15)
		return 99999;
	if (maj == 3 && min >= 14)
		return 402;
	if (maj == 3 && min >= 12)
		return 400;
	return 0;
}

/* py-spy's range of Python versions (pyspy.md 0) */
static void
check_compat(struct preflight *pf, const struct target *t)
{
	int need = preflight_pyspy_needed(t->python);

	if (need < 0)
		preflight_add(pf, PREFLIGHT_PYTHON, PREFLIGHT_WARN, NULL,
		    "the hub's Python version is unknown");
	else if (t->pyspy_ver < need)
		preflight_add(pf, PREFLIGHT_PYTHON, PREFLIGHT_FAIL,
		    target_fail_fix(TF_UNSUPPORTED_PYTHON), "hub Python %s "
		    "needs py-spy %s or later, found %s (unsupported_python)",
		    t->python, need == 402 ? "0.4.2" : need == 400 ? "0.4.0" :
		    "(none yet)", t->pyspy_version);
	else
		preflight_add(pf, PREFLIGHT_PYTHON, PREFLIGHT_PASS, NULL,
		    "hub Python %s is supported by py-spy %s", t->python,
		    t->pyspy_version);
}

int
preflight_dump_threads(const char *dump)
{
	const char *s = dump;
	int threads = 0;

	while ((s = strstr(s, "\nThread ")) != NULL) {
		threads++;
		s++;
	}
	return threads;
}

static void
check_attach(struct preflight *pf, struct target *t)
{
	char pid[24], line[300];
	const char *cmd[] = { t->pyspy, "dump", "--pid", pid, "--nonblocking",
	    NULL };
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct proc p = PROC_INIT;
	enum target_fail f;

	snprintf(pid, sizeof(pid), "%ld", t->pid);
	if (target_run(t, &p, cmd, 10000, &eb) != 0) {
		preflight_add(pf, PREFLIGHT_ATTACH, PREFLIGHT_FAIL, NULL, "%s",
		    eb.msg);
		goto out;
	}
	if (proc_exit_code(&p) == 0) {
		preflight_add(pf, PREFLIGHT_ATTACH, PREFLIGHT_PASS, NULL,
		    "py-spy dump of pid %ld: %d threads", t->pid,
		    preflight_dump_threads(p.out.data));
		goto out;
	}
	f = target_classify(p.err.data, proc_exit_code(&p), 0);
	t->failure = f;
	target_error_line(p.err.data, line, sizeof(line));
	preflight_add(pf, PREFLIGHT_ATTACH, PREFLIGHT_FAIL, target_fail_fix(f),
	    "py-spy dump of pid %ld: %s (%s)", t->pid, line,
	    target_fail_name(f));
out:
	proc_release(&p);
}

void
preflight_target(struct preflight *pf, struct target *t,
    const struct preflight_plan *plan)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	int kube = t->transport != TARGET_LOCAL, r;

	if (kube && check_context(pf, t) != 0)
		return;
	/* the pod first: it learns the context's namespace */
	r = target_find_pod(t, &eb);
	if (kube)
		check_rbac(pf, t);
	if (r != 0) {
		preflight_add(pf, PREFLIGHT_HUB_POD, PREFLIGHT_FAIL, NULL, "%s",
		    eb.msg);
		return;
	}
	if (kube)
		preflight_add(pf, PREFLIGHT_HUB_POD, PREFLIGHT_PASS, NULL,
		    "%s in namespace %s, container %s", t->pod, t->namespace,
		    t->exec_container);
	if (target_find_hub(t, &eb) != 0)
		preflight_add(pf, PREFLIGHT_HUB_PROCESS, PREFLIGHT_FAIL, NULL,
		    "%s", eb.msg);
	else
		preflight_add(pf, PREFLIGHT_HUB_PROCESS, PREFLIGHT_PASS, NULL,
		    "pid %ld, Python %s: %s", t->pid, t->python ? t->python :
		    "unknown", t->hub_cmdline ? t->hub_cmdline : "");
	if (target_probe(t, &eb) != 0)
		preflight_add(pf, PREFLIGHT_PYSPY, PREFLIGHT_FAIL, NULL, "%s",
		    eb.msg);
	else {
		preflight_add(pf, PREFLIGHT_PYSPY, PREFLIGHT_PASS, NULL, "%s",
		    t->pyspy_version);
		if (t->pid > 0) {
			check_compat(pf, t);
			check_attach(pf, t);
		}
	}
	if (kube)
		check_capacity(pf, t, plan);
}
