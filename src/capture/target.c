/* target.c -- reach the hub: kubectl exec, kubectl debug or local; find its process */
/*
 * Every remote command is an argv. The few shell snippets below are fixed
 * strings: user-given values (pids, paths) reach them as positional
 * parameters ("$1"), never spliced into the script. Failures of kubectl
 * and py-spy are classified from their stderr and exit code into the
 * classes of docs/artifacts.md and explained in one line with the fix.
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/loop.h"
#include "core/proc.h"
#include "capture/target.h"

#define DEFAULT_SELECTOR	"component=hub"
#define DEFAULT_CONTAINER	"hub"
#define DEFAULT_EXEC_TIMEOUT	30
#define DEBUG_SLEEP		"3600"

/* --- failure classes --- */

static const struct {
	const char *name;
	const char *fix;
} fails[] = {
	[TF_NONE] = { NULL, NULL },
	[TF_KUBECTL_MISSING] = { "kubectl_missing",
	    "install kubectl (1.30 or later) or pass --kubectl PATH" },
	[TF_NOT_AUTHORISED] = { "not_authorised",
	    "your Kubernetes user needs a Role allowing get/list on pods and "
	    "pods/log and create on pods/exec in the hub's namespace (see "
	    "docs/kubernetes.md)" },
	[TF_POD_NOT_FOUND] = { "pod_not_found",
	    "check --context and -n/--namespace, or pass --pod NAME or "
	    "-l SELECTOR" },
	[TF_CONTAINER_NOT_FOUND] = { "container_not_found",
	    "pass -c/--container with the hub's container (z2jh: hub)" },
	[TF_PYSPY_MISSING] = { "pyspy_missing",
	    "use the default hub image (k8s-hub, not k8s-hub-slim), pass "
	    "--py-spy PATH, or use --transport debug --image IMAGE (an image "
	    "with py-spy)" },
	[TF_PERMISSION_DENIED] = { "permission_denied",
	    "py-spy needs SYS_PTRACE: add 'RUN setcap cap_sys_ptrace+ep "
	    "$(which py-spy)' to the hub image and set hub.containerSecurityContext "
	    "(allowPrivilegeEscalation: true, capabilities.add: [SYS_PTRACE]); "
	    "without a rebuild use --transport debug" },
	[TF_NO_SUCH_PID] = { "no_such_pid",
	    "the hub process is gone or was not found; check the pod (did the "
	    "hub restart?) or pass --pid" },
	[TF_NOT_PYTHON] = { "not_python",
	    "--pid must name the jupyterhub (Python) process; leave it out and "
	    "hubspy finds the hub" },
	[TF_UNSUPPORTED_PYTHON] = { "unsupported_python",
	    "upgrade py-spy in the hub image (0.4.0 or later for Python "
	    "3.12/3.13, 0.4.2 for 3.14)" },
	[TF_IDLE] = { "idle",
	    "the hub was idle (no stack counts found): add --idle to include "
	    "waiting threads, or capture while load runs" },
	[TF_TIMEOUT] = { "timeout",
	    "kubectl or py-spy did not finish in time; check the pod and the "
	    "cluster, or raise --exec-timeout" },
	[TF_OTHER] = { "other", "see the message; run with the same options "
	    "under 'kubectl exec' by hand to investigate" },
};

const char *
target_fail_name(enum target_fail f)
{
	return f > TF_NONE && f <= TF_OTHER ? fails[f].name : NULL;
}

const char *
target_fail_fix(enum target_fail f)
{
	return f > TF_NONE && f <= TF_OTHER ? fails[f].fix : NULL;
}

enum target_fail
target_classify(const char *err, int exit_code, int timed_out)
{
	static const struct {
		const char *needle;
		enum target_fail f;
	} rules[] = {
		/* order matters: permission texts come with other causes */
		{ "cannot run 'kubectl'", TF_KUBECTL_MISSING },
		{ "Forbidden", TF_NOT_AUTHORISED },
		{ "forbidden", TF_NOT_AUTHORISED },
		{ "Unauthorized", TF_NOT_AUTHORISED },
		{ "is not valid for pod", TF_CONTAINER_NOT_FOUND },
		{ "container not found", TF_CONTAINER_NOT_FOUND },
		{ "(NotFound)", TF_POD_NOT_FOUND },
		{ "executable file not found", TF_PYSPY_MISSING },
		{ "py-spy: not found", TF_PYSPY_MISSING },
		{ "cannot run 'py-spy'", TF_PYSPY_MISSING },
		{ "Permission Denied", TF_PERMISSION_DENIED },
		{ "Permission denied", TF_PERMISSION_DENIED },
		{ "Operation not permitted", TF_PERMISSION_DENIED },
		{ "EPERM", TF_PERMISSION_DENIED },
		{ "Failed to get process executable name", TF_NO_SUCH_PID },
		{ "Unsupported version of Python", TF_UNSUPPORTED_PYTHON },
		{ "Failed to find python version", TF_NOT_PYTHON },
		{ "Failed to find a python interpreter", TF_NOT_PYTHON },
		{ "No python processes found", TF_NOT_PYTHON },
		{ "No stack counts found", TF_IDLE },
	};
	size_t i;

	if (timed_out)
		return TF_TIMEOUT;
	/* an image without a shell: not py-spy's absence */
	if (err != NULL && strstr(err, "\"sh\": executable file not found"))
		return TF_OTHER;
	if (err != NULL)
		for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
			if (strstr(err, rules[i].needle) != NULL)
				return rules[i].f;
	if (exit_code == 127)
		return TF_PYSPY_MISSING;
	return exit_code == 0 ? TF_NONE : TF_OTHER;
}

void
target_error_line(const char *err, char *out, size_t outsz)
{
	const char *p = err, *best = NULL, *bestend = NULL;

	out[0] = '\0';
	if (err == NULL)
		return;
	while (*p) {
		const char *e = strchr(p, '\n');

		if (e == NULL)
			e = p + strlen(p);
		if (e > p && best == NULL && *p != '[') {
			best = p;
			bestend = e;
		}
		if (strncmp(p, "Error", 5) == 0 || strncmp(p, "error:", 6) == 0 ||
		    strncmp(p, "Permission Denied", 17) == 0) {
			best = p;
			bestend = e;
			break;
		}
		p = *e ? e + 1 : e;
	}
	if (best == NULL)
		return;
	if (strncmp(best, "Error: ", 7) == 0)
		best += 7;
	else if (strncmp(best, "error: ", 7) == 0)
		best += 7;
	snprintf(out, outsz, "%.*s", (int)(bestend - best), best);
}

/* "WHAT: 'LINE'; FIX" into eb, t->failure = f */
static int
target_fail(struct target *t, struct hs_errbuf *eb, enum target_fail f,
    const char *what, const char *err)
{
	char line[240];

	target_error_line(err, line, sizeof(line));
	t->failure = f;
	if (line[0])
		return hs_error(eb, HS_ETARGET, "%s: %s (%s); %s", what, line,
		    fails[f].name, fails[f].fix);
	return hs_error(eb, HS_ETARGET, "%s (%s); %s", what, fails[f].name,
	    fails[f].fix);
}

int
target_failed(struct target *t, const char *what, const struct proc *p,
    struct hs_errbuf *eb)
{
	enum target_fail f = target_classify(p->err.data, proc_exit_code(p),
	    p->timed_out);

	return target_fail(t, eb, f == TF_NONE ? TF_OTHER : f, what,
	    p->err.len ? p->err.data : p->out.data);
}

/* --- argv building --- */

struct av {
	char	**v;
	size_t	  n, cap;
	int	  nomem;
};

static void
av_add(struct av *a, const char *s)
{
	char **nv;

	if (a->nomem)
		return;
	if (a->n + 2 > a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;

		if ((nv = reallocarray(a->v, ncap, sizeof(*nv))) == NULL) {
			a->nomem = 1;
			return;
		}
		a->v = nv;
		a->cap = ncap;
	}
	if ((a->v[a->n] = strdup(s)) == NULL) {
		a->nomem = 1;
		return;
	}
	a->v[++a->n] = NULL;
}

static void
av_free(struct av *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* kubectl [--context=C] [--kubeconfig=K] [-n NS]: the joined forms, so
 * a value can never be read as an option (the namespace is checked) */
static void
av_kubectl(struct av *a, const struct target *t)
{
	av_add(a, t->kubectl);
	if (t->context)
		av_add(a, t->context_opt);
	if (t->kubeconfig)
		av_add(a, t->kubeconfig_opt);
	if (t->namespace) {
		av_add(a, "-n");
		av_add(a, t->namespace);
	}
}

const char *
target_check_name(enum target_name kind, const char *s)
{
	size_t n = strlen(s), max = kind == TARGET_NAME_POD ? 253 : 63, i;

	if (n == 0)
		return "empty";
	if (s[0] == '-')
		return "starts with '-' (it would be read as a kubectl option)";
	if (n > max)
		return kind == TARGET_NAME_POD ? "longer than 253 characters" :
		    "longer than 63 characters";
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    (s[i] == '.' && kind == TARGET_NAME_POD)))
			return kind == TARGET_NAME_POD ? "not a DNS-1123 "
			    "subdomain (lower-case letters, digits, '-' and "
			    "'.')" : "not a DNS-1123 label (lower-case "
			    "letters, digits and '-')";
	if (!isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return "must start and end with a letter or a digit "
		    "(DNS-1123)";
	return NULL;
}

/* --- configuration --- */

static int
dup_opt(char **dst, const char *src, const char *def)
{
	const char *s = src && *src ? src : def;

	free(*dst);
	*dst = NULL;
	if (s == NULL)
		return 0;
	return (*dst = strdup(s)) == NULL ? HS_ENOMEM : 0;
}

int
target_init(struct target *t, struct loop *l, const struct target_config *cfg,
    struct hs_errbuf *eb)
{
	const struct {
		char		**dst;
		const char	 *src, *def;
	} strs[] = {
		{ &t->context, cfg->context, NULL },
		{ &t->kubeconfig, cfg->kubeconfig, NULL },
		{ &t->kubectl, cfg->kubectl, "kubectl" },
		{ &t->pyspy, cfg->pyspy, "py-spy" },
		{ &t->tmpdir, cfg->tmpdir, "/tmp" },
		{ &t->log_file, cfg->log_file, NULL },
		{ &t->selector, cfg->selector, DEFAULT_SELECTOR },
		{ &t->image, cfg->image, NULL },
		{ &t->namespace, cfg->namespace, NULL },
		{ &t->pod, cfg->pod, NULL },
		{ &t->container, cfg->container, DEFAULT_CONTAINER },
	};
	size_t i;

	*t = (struct target)TARGET_INIT;
	t->loop = l;
	t->transport = cfg->transport;
	t->pid = cfg->pid;
	t->exec_timeout = cfg->exec_timeout > 0 ? cfg->exec_timeout :
	    DEFAULT_EXEC_TIMEOUT;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (dup_opt(strs[i].dst, strs[i].src, strs[i].def) != 0)
			return hs_error(eb, HS_ENOMEM, "out of memory");
	if (t->transport == TARGET_LOCAL && (cfg->pod || cfg->context ||
	    cfg->namespace || cfg->kubeconfig))
		return hs_error(eb, HS_EUSAGE, "--transport local runs py-spy "
		    "on this machine; --pod, --context, --kubeconfig and "
		    "--namespace are for kubectl and debug");
	if (t->transport != TARGET_DEBUG && cfg->image)
		return hs_error(eb, HS_EUSAGE, "--image is for --transport "
		    "debug");
	if (t->transport != TARGET_LOCAL && cfg->log_file)
		return hs_error(eb, HS_EUSAGE, "--log-file is for --transport "
		    "local; kubectl reads the hub's logs from the pod");
	if (t->tmpdir[0] != '/')
		return hs_error(eb, HS_EUSAGE, "--tmpdir: '%s' is not an "
		    "absolute path", t->tmpdir);
	{
		const struct {
			const char	*opt, *val;
			enum target_name kind;
		} names[] = {
			{ "--pod", t->pod, TARGET_NAME_POD },
			{ "--namespace", t->namespace, TARGET_NAME_LABEL },
			{ "--container", t->container, TARGET_NAME_LABEL },
		};
		const char *why;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (names[i].val != NULL && (why = target_check_name(
			    names[i].kind, names[i].val)) != NULL)
				return hs_error(eb, HS_EUSAGE, "%s '%.100s': "
				    "%s; give the name as kubectl get shows "
				    "it", names[i].opt, names[i].val, why);
	}
	if (t->selector[0] == '-')
		return hs_error(eb, HS_EUSAGE, "--selector '%.100s': starts "
		    "with '-' (it would be read as a kubectl option)",
		    t->selector);
	if ((t->context && asprintf(&t->context_opt, "--context=%s",
	    t->context) == -1) || (t->kubeconfig &&
	    asprintf(&t->kubeconfig_opt, "--kubeconfig=%s", t->kubeconfig) ==
	    -1))
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if ((t->exec_container = strdup(t->container)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	return 0;
}

void
target_release(struct target *t)
{
	int i;

	for (i = 0; i < t->nkillers; i++) {
		proc_release(t->killers[i]);
		free(t->killers[i]);
	}
	free(t->killers);
	free(t->context);
	free(t->context_opt);
	free(t->kubeconfig);
	free(t->kubeconfig_opt);
	free(t->kubectl);
	free(t->pyspy);
	free(t->tmpdir);
	free(t->log_file);
	free(t->selector);
	free(t->image);
	free(t->namespace);
	free(t->pod);
	free(t->container);
	free(t->exec_container);
	free(t->hub_cmdline);
	free(t->python);
	free(t->pyspy_version);
	*t = (struct target)TARGET_INIT;
}

/* --- running things --- */

static int
run_argv(struct target *t, struct proc *p, char **argv, const char *out_path,
    int64_t timeout_ms, struct hs_errbuf *eb)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	int r;

	spec.argv = (const char *const *)argv;
	spec.out_path = out_path;
	spec.timeout_ms = timeout_ms > 0 ? timeout_ms : t->exec_timeout * 1000LL;
	spec.timeout_sig = SIGTERM;
	spec.kill_after_ms = 2000;
	if ((r = proc_start(p, t->loop, &spec, eb)) != 0) {
		if (r == HS_ETARGET && strcmp(argv[0], t->kubectl) == 0)
			t->failure = TF_KUBECTL_MISSING;
		else if (r == HS_ETARGET)
			t->failure = TF_PYSPY_MISSING;
		return r;
	}
	if (proc_wait(p, 0) == 1) {	/* a second Ctrl-C: give up */
		proc_kill(p, SIGKILL);
		return hs_error(eb, HS_EPARTIAL, "interrupted while running "
		    "'%s'", argv[0]);
	}
	if (p->timed_out) {
		t->failure = TF_TIMEOUT;
		return hs_error(eb, HS_ETARGET, "'%s' did not finish within %lld "
		    "s (timeout); %s", argv[0], (long long)spec.timeout_ms / 1000,
		    fails[TF_TIMEOUT].fix);
	}
	return 0;
}

static void
av_transport(struct av *a, const struct target *t, int flags)
{
	if (t->transport == TARGET_LOCAL)
		return;
	av_kubectl(a, t);
	av_add(a, "exec");
	if (flags & (TARGET_STDIN | TARGET_TTY))
		av_add(a, "-i");
	if (flags & TARGET_TTY)
		av_add(a, "-t");
	av_add(a, t->pod);
	av_add(a, "-c");
	av_add(a, t->exec_container);
	av_add(a, "--");
}

/* starts the argv built in a (then freed) without waiting; missing: the
 * failure when argv[0] cannot be run */
static int
start_av(struct target *t, struct proc *p, struct av *a,
    struct proc_spec *spec, enum target_fail missing, struct hs_errbuf *eb)
{
	int r;

	if (a->nomem) {
		av_free(a);
		return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	spec->argv = (const char *const *)a->v;
	r = proc_start(p, t->loop, spec, eb);
	spec->argv = NULL;
	if (r == HS_ETARGET)
		t->failure = missing;
	av_free(a);
	return r;
}

int
target_start(struct target *t, struct proc *p, const char *const *cmd,
    int flags, struct proc_spec *spec, struct hs_errbuf *eb)
{
	struct av a = { 0 };
	size_t i;

	av_transport(&a, t, flags);
	for (i = 0; cmd[i]; i++)
		av_add(&a, cmd[i]);
	return start_av(t, p, &a, spec, t->transport == TARGET_LOCAL ?
	    TF_PYSPY_MISSING : TF_KUBECTL_MISSING, eb);
}

/* runs the argv built in a (then freed), or says it ran out of memory */
static int
run_av(struct target *t, struct proc *p, struct av *a, const char *out_path,
    int64_t timeout_ms, struct hs_errbuf *eb)
{
	int r;

	if (a->nomem)
		r = hs_error(eb, HS_ENOMEM, "out of memory");
	else
		r = run_argv(t, p, a->v, out_path, timeout_ms, eb);
	av_free(a);
	return r;
}

int
target_run(struct target *t, struct proc *p, const char *const *cmd,
    int64_t timeout_ms, struct hs_errbuf *eb)
{
	struct av a = { 0 };
	size_t i;

	av_transport(&a, t, 0);
	for (i = 0; cmd[i]; i++)
		av_add(&a, cmd[i]);
	return run_av(t, p, &a, NULL, timeout_ms, eb);
}

/* kubectl, its options, then args into a; HS_EUSAGE for the local
 * transport */
static int
av_kubectl_args(struct av *a, const struct target *t,
    const char *const *args, struct hs_errbuf *eb)
{
	size_t i;

	if (t->transport == TARGET_LOCAL)
		return hs_error(eb, HS_EUSAGE, "no kubectl with --transport "
		    "local");
	av_kubectl(a, t);
	for (i = 0; args[i]; i++)
		av_add(a, args[i]);
	return 0;
}

int
target_kubectl(struct target *t, struct proc *p, const char *const *args,
    const char *out_path, int64_t timeout_ms, struct hs_errbuf *eb)
{
	struct av a = { 0 };
	int r;

	if ((r = av_kubectl_args(&a, t, args, eb)) != 0)
		return r;
	r = run_av(t, p, &a, out_path, timeout_ms, eb);
	if (r != 0 && t->failure == TF_KUBECTL_MISSING)
		return target_fail(t, eb, TF_KUBECTL_MISSING,
		    "cannot run kubectl", eb->msg);
	return r;
}

int
target_kubectl_start(struct target *t, struct proc *p,
    const char *const *args, struct proc_spec *spec, struct hs_errbuf *eb)
{
	struct av a = { 0 };
	int r;

	if ((r = av_kubectl_args(&a, t, args, eb)) != 0)
		return r;
	return start_av(t, p, &a, spec, TF_KUBECTL_MISSING, eb);
}

int
target_kubectl_json(struct target *t, const char *const *args, cJSON **jp,
    struct hs_errbuf *eb)
{
	struct proc p = PROC_INIT;
	int r;

	*jp = NULL;
	if ((r = target_kubectl(t, &p, args, NULL, 0, eb)) != 0)
		goto out;
	if (proc_exit_code(&p) != 0) {
		char what[200];

		snprintf(what, sizeof(what), "kubectl %s %s", args[0],
		    args[1] ? args[1] : "");
		r = target_failed(t, what, &p, eb);
		goto out;
	}
	if ((*jp = cJSON_Parse(p.out.data)) == NULL)
		r = hs_error(eb, HS_ETARGET, "kubectl %s %s: the answer is not "
		    "JSON", args[0], args[1] ? args[1] : "");
out:
	proc_release(&p);
	return r;
}

/* --- the pod --- */

static int
parse_json(struct target *t, const struct proc *p, cJSON **jp,
    struct hs_errbuf *eb)
{
	if ((*jp = cJSON_Parse(p->out.data)) == NULL) {
		t->failure = TF_OTHER;
		return hs_error(eb, HS_ETARGET, "kubectl answered something "
		    "that is not JSON (%zu bytes); run 'kubectl get pods -o "
		    "json' by hand", p->out.len);
	}
	return 0;
}

static const char *
jstr(const cJSON *o, const char *path)
{
	char key[64];
	const char *dot;
	const cJSON *cur = o;

	while (cur && (dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		cur = cJSON_GetObjectItemCaseSensitive(cur, key);
		path = dot + 1;
	}
	cur = cur ? cJSON_GetObjectItemCaseSensitive(cur, path) : NULL;
	return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

/* the context's namespace, for messages and the manifest */
static int
context_namespace(struct target *t, struct hs_errbuf *eb)
{
	static const char *const args[] = { "config", "view", "--minify",
	    "-o", "jsonpath={..namespace}", NULL };
	struct proc p = PROC_INIT;
	char *ns;
	int r;

	if (t->namespace)
		return 0;
	if ((r = target_kubectl(t, &p, args, NULL, 0, eb)) != 0)
		goto out;
	ns = p.out.data;
	ns[strcspn(ns, " \n")] = '\0';
	if ((t->namespace = strdup(*ns ? ns : "default")) == NULL)
		r = hs_error(eb, HS_ENOMEM, "out of memory");
out:
	proc_release(&p);
	return r;
}

static int
pod_check(struct target *t, const cJSON *pod, struct hs_errbuf *eb)
{
	const cJSON *cs, *c;
	const char *phase = jstr(pod, "status.phase");
	char names[200] = "";

	if (phase && strcmp(phase, "Running") != 0) {
		t->failure = TF_POD_NOT_FOUND;
		return hs_error(eb, HS_ETARGET, "pod '%s' is %s, not Running "
		    "(pod_not_found); %s", t->pod, phase,
		    fails[TF_POD_NOT_FOUND].fix);
	}
	cs = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pod, "spec"), "containers");
	cJSON_ArrayForEach(c, cs) {
		const char *n = jstr(c, "name");

		if (n == NULL)
			continue;
		if (strcmp(n, t->container) == 0) {
			const char *img = jstr(c, "image");

			if (t->image == NULL && img &&
			    (t->image = strdup(img)) == NULL)
				return hs_error(eb, HS_ENOMEM, "out of memory");
			return 0;
		}
		if (names[0])
			strlcat(names, ", ", sizeof(names));
		strlcat(names, n, sizeof(names));
	}
	t->failure = TF_CONTAINER_NOT_FOUND;
	return hs_error(eb, HS_ETARGET, "pod '%s' has no container '%s' "
	    "(containers: %s) (container_not_found); %s", t->pod, t->container,
	    names[0] ? names : "none", fails[TF_CONTAINER_NOT_FOUND].fix);
}

/* lists the pods matching the selector and keeps the one Running */
static int
pod_by_selector(struct target *t, cJSON **podp, struct hs_errbuf *eb)
{
	char sel[1100];
	const char *args[] = { "get", "pods", sel, "-o", "json",
	    NULL };
	struct proc p = PROC_INIT;
	cJSON *list = NULL, *it;
	const cJSON *found = NULL;
	char names[300] = "";
	int r, nrun = 0, nall = 0;

	if ((size_t)snprintf(sel, sizeof(sel), "--selector=%s", t->selector) >=
	    sizeof(sel))
		return hs_error(eb, HS_EUSAGE, "--selector: longer than %zu "
		    "characters", sizeof(sel) - 12);
	if ((r = target_kubectl(t, &p, args, NULL, 0, eb)) != 0)
		goto out;
	if (proc_exit_code(&p) != 0) {
		r = target_failed(t, "cannot list the hub pods", &p, eb);
		goto out;
	}
	if ((r = parse_json(t, &p, &list, eb)) != 0)
		goto out;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(list, "items")) {
		const char *n = jstr(it, "metadata.name");
		const char *ph = jstr(it, "status.phase");

		nall++;
		if (ph && strcmp(ph, "Running") != 0)
			continue;
		nrun++;
		found = it;
		if (names[0])
			strlcat(names, ", ", sizeof(names));
		strlcat(names, n ? n : "?", sizeof(names));
	}
	if (nrun != 1) {
		t->failure = TF_POD_NOT_FOUND;
		if (nrun == 0)
			r = hs_error(eb, HS_ETARGET, "no running pod matches "
			    "selector '%s' in namespace '%s' (%d not running) "
			    "(pod_not_found); %s", t->selector, t->namespace, nall,
			    fails[TF_POD_NOT_FOUND].fix);
		else
			r = hs_error(eb, HS_ETARGET, "%d pods match selector "
			    "'%s' in namespace '%s': %s (pod_not_found); pick one "
			    "with --pod NAME or a narrower -l", nrun, t->selector,
			    t->namespace, names);
		goto out;
	}
	if ((t->pod = strdup(jstr(found, "metadata.name") ?
	    jstr(found, "metadata.name") : "")) == NULL ||
	    (*podp = cJSON_Duplicate(found, 1)) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	cJSON_Delete(list);
	proc_release(&p);
	return r;
}

static int
pod_by_name(struct target *t, cJSON **podp, struct hs_errbuf *eb)
{
	const char *args[] = { "get", "pod", t->pod, "-o", "json", NULL };
	struct proc p = PROC_INIT;
	char what[200];
	int r;

	if ((r = target_kubectl(t, &p, args, NULL, 0, eb)) != 0)
		goto out;
	if (proc_exit_code(&p) != 0) {
		snprintf(what, sizeof(what), "cannot find pod '%s' in namespace "
		    "'%s'", t->pod, t->namespace);
		r = target_failed(t, what, &p, eb);
		goto out;
	}
	r = parse_json(t, &p, podp, eb);
out:
	proc_release(&p);
	return r;
}

/* waits (running the loop) until the ephemeral container runs */
static int
debug_wait(struct target *t, struct hs_errbuf *eb)
{
	int64_t end = loop_now(t->loop) + t->exec_timeout * 1000LL;
	int r = 0;

	while (loop_now(t->loop) < end) {
		cJSON *pod = NULL, *st;

		if ((r = pod_by_name(t, &pod, eb)) != 0)
			return r;
		cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(pod, "status"),
		    "ephemeralContainerStatuses")) {
			const char *n = jstr(st, "name");
			const cJSON *state = cJSON_GetObjectItemCaseSensitive(st,
			    "state");

			if (n && strcmp(n, t->exec_container) == 0 &&
			    cJSON_GetObjectItemCaseSensitive(state, "running")) {
				cJSON_Delete(pod);
				return 0;
			}
		}
		cJSON_Delete(pod);
		loop_run(t->loop, NULL, NULL, loop_now_us() / 1000 + 1000);
	}
	t->failure = TF_TIMEOUT;
	return hs_error(eb, HS_ETARGET, "debug container '%s' in pod '%s' did "
	    "not start within %d s (timeout); check 'kubectl describe pod %s' "
	    "(image pull?) or pass --image", t->exec_container, t->pod,
	    t->exec_timeout, t->pod);
}

static int
debug_add(struct target *t, struct hs_errbuf *eb)
{
	char name[64], target[128], image[512];
	const char *args[] = { "debug", t->pod, "--profile=general", target,
	    image, "-c", name, "--", "sleep", DEBUG_SLEEP, NULL };
	struct proc p = PROC_INIT;
	int r;

	if (t->image == NULL)
		return hs_error(eb, HS_EUSAGE, "--transport debug: no --image "
		    "given and the hub container has none; pass --image");
	snprintf(name, sizeof(name), "hubspy-%ld%04lx", (long)getpid() % 100000,
	    (unsigned long)(loop_now_us() & 0xffff));
	snprintf(target, sizeof(target), "--target=%s", t->container);
	snprintf(image, sizeof(image), "--image=%s", t->image);
	if ((r = target_kubectl(t, &p, args, NULL, 0, eb)) != 0)
		goto out;
	if (proc_exit_code(&p) != 0) {
		r = target_failed(t, "cannot add a debug container", &p, eb);
		goto out;
	}
	free(t->exec_container);
	if ((t->exec_container = strdup(name)) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	r = debug_wait(t, eb);
out:
	proc_release(&p);
	return r;
}

int
target_find_pod(struct target *t, struct hs_errbuf *eb)
{
	cJSON *pod = NULL;
	int r;

	if (t->transport == TARGET_LOCAL)
		return 0;
	if ((r = context_namespace(t, eb)) != 0)
		return r;
	if (t->pod)
		r = pod_by_name(t, &pod, eb);
	else
		r = pod_by_selector(t, &pod, eb);
	if (r == 0)
		r = pod_check(t, pod, eb);
	cJSON_Delete(pod);
	if (r == 0 && t->transport == TARGET_DEBUG)
		r = debug_add(t, eb);
	return r;
}

/* --- py-spy --- */

int
target_parse_pyspy_version(const char *s)
{
	unsigned a, b, c;
	int n = 0;

	if (sscanf(s, "py-spy %u.%u.%u%n", &a, &b, &c, &n) != 3 || n == 0 ||
	    a > 99 || b > 99 || c > 99)
		return -1;
	return (int)(a * 10000 + b * 100 + c);
}

static const char *
where(const struct target *t, char *buf, size_t sz)
{
	if (t->transport == TARGET_LOCAL)
		snprintf(buf, sz, "on this machine");
	else
		snprintf(buf, sz, "in pod '%s' container '%s'", t->pod,
		    t->exec_container);
	return buf;
}

int
target_probe(struct target *t, struct hs_errbuf *eb)
{
	const char *cmd[] = { t->pyspy, "--version", NULL };
	struct proc p = PROC_INIT;
	char w[200], what[300];
	int r, v;

	r = target_run(t, &p, cmd, 0, eb);
	if (r == HS_ETARGET && t->failure == TF_PYSPY_MISSING) {
		snprintf(what, sizeof(what), "py-spy ('%s') not found %s",
		    t->pyspy, where(t, w, sizeof(w)));
		r = target_fail(t, eb, TF_PYSPY_MISSING, what, NULL);
		goto out;
	}
	if (r == HS_ETARGET && t->failure == TF_KUBECTL_MISSING) {
		snprintf(what, sizeof(what), "kubectl ('%s') not found",
		    t->kubectl);
		r = target_fail(t, eb, TF_KUBECTL_MISSING, what, NULL);
		goto out;
	}
	if (r != 0)
		goto out;
	v = target_parse_pyspy_version(p.out.data);
	if (proc_exit_code(&p) != 0 || v < 0) {
		enum target_fail f = target_classify(p.err.data,
		    proc_exit_code(&p), 0);

		snprintf(what, sizeof(what), "cannot run py-spy ('%s') %s",
		    t->pyspy, where(t, w, sizeof(w)));
		r = target_fail(t, eb, f == TF_NONE ? TF_OTHER : f, what,
		    p.err.len ? p.err.data : p.out.data);
		goto out;
	}
	t->pyspy_ver = v;
	free(t->pyspy_version);
	p.out.data[strcspn(p.out.data, "\r\n")] = '\0';
	if ((t->pyspy_version = strdup(p.out.data + 7)) == NULL)
		r = hs_error(eb, HS_ENOMEM, "out of memory");
out:
	proc_release(&p);
	return r;
}

/* --- the hub process --- */

static const char *
base_name(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

/* is this argv (NUL-separated, len bytes) the hub? */
static int
is_hub(const char *cmd, size_t len)
{
	const char *args[16];
	size_t n = 0, off = 0, i = 0;

	while (off < len && n < 16) {
		args[n++] = cmd + off;
		off += strnlen(cmd + off, len - off) + 1;
	}
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (strstr(args[i], "configurable-http-proxy"))
			return 0;
	i = 0;
	if (strncmp(base_name(args[0]), "python", 6) == 0) {
		i = 1;
		while (i < n && args[i][0] == '-' && strcmp(args[i], "-m") != 0)
			i += (strcmp(args[i], "-X") == 0 ||
			    strcmp(args[i], "-W") == 0) ? 2 : 1;
		if (i + 1 < n && strcmp(args[i], "-m") == 0)
			return strcmp(args[i + 1], "jupyterhub") == 0;
	}
	return i < n && strcmp(base_name(args[i]), "jupyterhub") == 0;
}

long
target_pick_hub(const char *list, size_t len, long several[8], char **cmdlinep)
{
	const char *p = list, *end = list + len;
	long found = 0;
	int count = 0;

	if (cmdlinep)
		*cmdlinep = NULL;
	while (p < end) {
		const char *rec, *next, *c;
		long pid;
		size_t clen;

		if ((rec = memmem(p, (size_t)(end - p), "\0@@", 3)) == NULL)
			break;
		rec += 3;
		pid = strtol(rec, NULL, 10);
		if ((c = memchr(rec, '\0', (size_t)(end - rec))) == NULL)
			break;
		c++;
		next = memmem(c, (size_t)(end - c), "\0@@", 3);
		/* the cmdline's own final NUL precedes the next marker */
		clen = (size_t)((next ? next : end) - c);
		p = next ? next : end;
		if (pid <= 0 || clen == 0 || !is_hub(c, clen))
			continue;
		if (count < 8)
			several[count] = pid;
		count++;
		if (found == 0) {
			found = pid;
			if (cmdlinep && (*cmdlinep = malloc(clen + 1)) != NULL) {
				size_t i;

				memcpy(*cmdlinep, c, clen);
				(*cmdlinep)[clen] = '\0';
				for (i = 0; i + 1 < clen; i++)
					if ((*cmdlinep)[i] == '\0')
						(*cmdlinep)[i] = ' ';
			}
		}
	}
	if (count > 1) {
		if (cmdlinep) {
			free(*cmdlinep);
			*cmdlinep = NULL;
		}
		return -count;
	}
	return found;
}

static const char discover_sh[] =
    "for d in /proc/[0-9]*; do "
    "printf '\\000@@%s\\000' \"${d#/proc/}\"; "
    "cat \"$d/cmdline\" 2>/dev/null; "
    "done; :";

/* exe, Python version and cmdline of "$1"; when its executable cannot run
 * from here (a hub in another root whose Python needs that root's C
 * library: a container seen from its node, a chroot), the same-named
 * interpreter run inside the process's root, where that is allowed */
static const char describe_sh[] =
    "[ -d \"/proc/$1\" ] || { echo gone; exit 0; }; "
    "e=$(readlink \"/proc/$1/exe\" 2>/dev/null); "
    "echo \"exe $e\"; "
    "case \"${e##*/}\" in python*) \"/proc/$1/exe\" -V 2>&1 || "
    "for c in \"/usr/bin/${e##*/}\" \"/usr/local/bin/${e##*/}\"; do "
    "PATH=\"$PATH:/usr/sbin:/sbin\" chroot \"/proc/$1/root\" \"$c\" -V "
    "2>/dev/null && break; done;; esac; "
    "printf 'cmd '; tr '\\000' ' ' < \"/proc/$1/cmdline\"; echo; :";

int
target_find_hub(struct target *t, struct hs_errbuf *eb)
{
	const char *disc[] = { "sh", "-c", discover_sh, NULL };
	char pidstr[32], w[200], what[400];
	const char *desc[] = { "sh", "-c", describe_sh, "sh", pidstr, NULL };
	struct proc p = PROC_INIT;
	long several[8], pid;
	char *line, *save = NULL;
	int r;

	if (t->pid <= 0) {
		if ((r = target_run(t, &p, disc, 0, eb)) != 0)
			goto out;
		if (proc_exit_code(&p) != 0) {
			r = target_failed(t, "cannot list the processes "
			    "of the hub container", &p, eb);
			goto out;
		}
		free(t->hub_cmdline);
		pid = target_pick_hub(p.out.data, p.out.len, several,
		    &t->hub_cmdline);
		if (pid == 0) {
			snprintf(what, sizeof(what), "no jupyterhub process %s",
			    where(t, w, sizeof(w)));
			r = target_fail(t, eb, TF_NO_SUCH_PID, what, NULL);
			goto out;
		}
		if (pid < 0) {
			char list[120] = "";
			int i;

			for (i = 0; i < 8 && i < -pid; i++) {
				char one[24];

				snprintf(one, sizeof(one), "%s%ld", i ? ", " : "",
				    several[i]);
				strlcat(list, one, sizeof(list));
			}
			t->failure = TF_NO_SUCH_PID;
			r = hs_error(eb, HS_ETARGET, "%ld jupyterhub processes %s "
			    "(pids %s) (no_such_pid); pick one with --pid", -pid,
			    where(t, w, sizeof(w)), list);
			goto out;
		}
		t->pid = pid;
		proc_release(&p);
	}
	snprintf(pidstr, sizeof(pidstr), "%ld", t->pid);
	if ((r = target_run(t, &p, desc, 0, eb)) != 0)
		goto out;
	if (strncmp(p.out.data, "gone", 4) == 0) {
		snprintf(what, sizeof(what), "no process %ld %s", t->pid,
		    where(t, w, sizeof(w)));
		r = target_fail(t, eb, TF_NO_SUCH_PID, what, NULL);
		goto out;
	}
	if (proc_exit_code(&p) != 0) {
		r = target_failed(t, "cannot read the hub process", &p, eb);
		goto out;
	}
	for (line = strtok_r(p.out.data, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "Python ", 7) == 0 && t->python == NULL)
			t->python = strdup(line + 7);
		else if (strncmp(line, "cmd ", 4) == 0 && t->hub_cmdline == NULL) {
			size_t n = strlen(line);

			while (n > 4 && line[n - 1] == ' ')
				line[--n] = '\0';
			t->hub_cmdline = strdup(line + 4);
		}
	}
	r = 0;
out:
	proc_release(&p);
	return r;
}

int
target_open(struct target *t, struct loop *l, const struct target_config *cfg,
    struct hs_errbuf *eb)
{
	int r;

	if ((r = target_init(t, l, cfg, eb)) != 0 ||
	    (r = target_find_pod(t, eb)) != 0 ||
	    (r = target_probe(t, eb)) != 0 ||
	    (r = target_find_hub(t, eb)) != 0)
		return r;
	return 0;
}

/* --- signals --- */

int
target_signal(struct target *t, long pid, int sig, struct hs_errbuf *eb)
{
	char pidstr[32];
	const char *name = sig == SIGINT ? "INT" : sig == SIGKILL ? "KILL" :
	    "TERM";
	const char *cmd[] = { "sh", "-c", "kill -s \"$1\" \"$2\"", "sh", name,
	    pidstr, NULL };
	struct proc p = PROC_INIT;
	int r;

	if (t->transport == TARGET_LOCAL)
		return kill((pid_t)pid, sig) == 0 ? 0 : hs_error(eb, HS_ETARGET,
		    "cannot signal process %ld", pid);
	snprintf(pidstr, sizeof(pidstr), "%ld", pid);
	r = target_run(t, &p, cmd, 0, eb);
	proc_release(&p);
	return r;
}

/* asynchronous: the kill execs finish in the loop; released with t */
void
target_interrupt(struct target *t)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	int i;

	if (t->interrupted++)
		return;
	for (i = 0; i < t->nactive; i++) {
		char pidstr[32];
		const char *cmd[] = { "sh", "-c", "kill -s INT \"$1\"", "sh",
		    pidstr, NULL };
		struct proc_spec spec = PROC_SPEC_INIT;
		struct proc **nk, *np;

		if (t->transport == TARGET_LOCAL) {
			kill((pid_t)t->active[i], SIGINT);
			continue;
		}
		nk = reallocarray(t->killers, (size_t)t->nkillers + 1,
		    sizeof(*nk));
		if (nk == NULL)
			break;
		t->killers = nk;
		if ((np = malloc(sizeof(*np))) == NULL)
			break;
		*np = (struct proc)PROC_INIT;
		snprintf(pidstr, sizeof(pidstr), "%ld", t->active[i]);
		spec.timeout_ms = t->exec_timeout * 1000LL;
		if (target_start(t, np, cmd, 0, &spec, &eb) != 0) {
			proc_release(np);
			free(np);
			continue;
		}
		t->killers[t->nkillers++] = np;
	}
	/* signalled: whoever registers a pid from now on signals it itself */
	t->nactive = 0;
}
