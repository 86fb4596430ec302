/* target.h -- the hub to profile and how to reach it: kubectl exec, kubectl debug, or local */
#ifndef TARGET_H
#define TARGET_H

#include <stdint.h>

#include "core/hs.h"

struct loop;
struct proc;
struct proc_spec;

/*
 * One interface, three transports; the capture code never knows which one
 * it talks to. A command meant for the hub container (an argv, never a
 * shell string built from user input) is run:
 *   kubectl  kubectl [--context=C] [--kubeconfig=K] [-n NS] exec POD -c hub
 *            [-i] [-t] -- ARGV
 *   debug    the same exec, into an ephemeral container that target_open()
 *            adds with `kubectl debug --profile=general --target=hub
 *            --image=IMAGE` (it shares the hub container's PID namespace)
 *   local    ARGV directly on this machine
 */
enum target_transport {
	TARGET_KUBECTL,
	TARGET_DEBUG,
	TARGET_LOCAL,
};

/* failure classes (the strings are the contract of docs/artifacts.md) */
enum target_fail {
	TF_NONE = 0,
	TF_KUBECTL_MISSING,	/* "kubectl_missing" */
	TF_NOT_AUTHORISED,	/* "not_authorised": RBAC forbids pods/exec ... */
	TF_POD_NOT_FOUND,	/* "pod_not_found" (also: several pods match) */
	TF_CONTAINER_NOT_FOUND,	/* "container_not_found" */
	TF_PYSPY_MISSING,	/* "pyspy_missing" */
	TF_PERMISSION_DENIED,	/* "permission_denied": no SYS_PTRACE */
	TF_NO_SUCH_PID,		/* "no_such_pid" (also: no jupyterhub process) */
	TF_NOT_PYTHON,		/* "not_python" */
	TF_UNSUPPORTED_PYTHON,	/* "unsupported_python": py-spy too old */
	TF_IDLE,		/* "idle": no stack counts found */
	TF_TIMEOUT,		/* "timeout" */
	TF_OTHER,		/* "other" */
};

/* the contract name ("permission_denied"); NULL for TF_NONE */
const char	*target_fail_name(enum target_fail f);
/* one line: what to do about it (the IBM remedy for permissions) */
const char	*target_fail_fix(enum target_fail f);
/* classifies kubectl's and py-spy's stderr (pyspy.md 4 and 8.6,
 * kubectl-exec.md 3) with the exit code; timed_out wins */
enum target_fail target_classify(const char *err, int exit_code,
		    int timed_out);

/* the line of err that says what went wrong: "Error: X" (py-spy),
 * "Error from server ..." or "error: ..." (kubectl), "Permission Denied"
 * (py-spy), else the first non-empty one not from a logger ("[...");
 * copied into out without an "Error: " prefix; "" when none */
void	target_error_line(const char *err, char *out, size_t outsz);

/* What the caller asks for. Strings are borrowed for target_open() only
 * (they are copied). Every NULL or 0 is "the default" noted here. */
struct target_config {
	enum target_transport transport;	/* TARGET_KUBECTL */
	const char	*context;	/* kubectl's current context */
	const char	*kubeconfig;	/* kubectl's default */
	const char	*namespace;	/* the context's namespace */
	const char	*pod;		/* found with selector */
	const char	*selector;	/* "component=hub" */
	const char	*container;	/* "hub" */
	const char	*image;		/* debug: the hub container's image */
	long		 pid;		/* the jupyterhub process found in /proc */
	const char	*kubectl;	/* "kubectl" in PATH */
	const char	*pyspy;		/* "py-spy" in the container's PATH */
	const char	*tmpdir;	/* where py-spy writes in the container: "/tmp" */
	const char	*log_file;	/* local: the hub's log file (for logs) */
	int		 exec_timeout;	/* seconds for each short exec: 30 */
};
#define TARGET_CONFIG_INIT { TARGET_KUBECTL, NULL, NULL, NULL, NULL, NULL, \
	NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 }

/* what target_open() found; every string owned by the target */
struct target {
	struct loop	*loop;
	enum target_transport transport;
	char		*context, *kubeconfig, *kubectl, *pyspy, *tmpdir, *log_file;
	char		*selector, *image;
	char		*namespace;	/* NULL: the context's (kubectl shows it) */
	char		*pod;		/* NULL for local */
	char		*container;	/* the hub container */
	char		*exec_container;	/* where commands run: container, or the debug one */
	long		 pid;		/* the hub process, in the container's PID namespace */
	char		*hub_cmdline;	/* its command line, arguments joined by spaces */
	char		*python;	/* "3.11.2", or NULL when unknown */
	char		*pyspy_version;	/* "0.4.2" */
	int		 pyspy_ver;	/* 402 == 0.4.2 (major*10000+minor*100+patch) */
	int		 exec_timeout;
	enum target_fail failure;	/* of the last failed step */
	int		 interrupted;	/* target_interrupt() was called */
	/* remote py-spy processes running now (capture.c registers them,
	 * target_interrupt() signals them) */
	long		 active[8];
	int		 nactive;
	struct proc	**killers;	/* private: kill execs in flight */
	int		 nkillers;
	char		*context_opt, *kubeconfig_opt;	/* private: "--context=C" */
};
#define TARGET_INIT { NULL, TARGET_KUBECTL, NULL, NULL, NULL, NULL, NULL, \
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0, 0, \
	TF_NONE, 0, { 0 }, 0, NULL, 0, NULL, NULL }

/*
 * Kubernetes names reach kubectl's argv, so they are checked first:
 * a pod is a DNS-1123 subdomain (at most 253 of a-z 0-9 - ., starting and
 * ending with a letter or digit), a namespace and a container a DNS-1123
 * label (at most 63 of a-z 0-9 -). Returns NULL when s is valid, else why
 * not (a phrase for a message: "starts with '-' (...)"). target_init()
 * checks --pod, --namespace and --container with it; profiles check
 * target.pod, target.namespace and target.container when loaded.
 */
enum target_name { TARGET_NAME_POD, TARGET_NAME_LABEL };
const char	*target_check_name(enum target_name kind, const char *s);

/*
 * Opening, step by step (preflight reports each; target_open() does all):
 *   target_init     copy the configuration (no I/O)
 *   target_find_pod kubectl present, pod by name or selector (exactly one,
 *                   Running), its container; debug: adds the ephemeral
 *                   container and waits until it runs
 *   target_probe    `py-spy --version` in the container
 *   target_find_hub the jupyterhub process (/proc/N/cmdline, skipping
 *                   configurable-http-proxy and tini) unless pid was given,
 *                   and its Python version
 * Each returns 0 or HS_ETARGET (t->failure set, eb: one line with the fix),
 * HS_EUSAGE for a bad configuration, HS_ENOMEM. They run the loop.
 */
int	target_init(struct target *t, struct loop *l,
	    const struct target_config *cfg, struct hs_errbuf *eb);
int	target_find_pod(struct target *t, struct hs_errbuf *eb);
int	target_probe(struct target *t, struct hs_errbuf *eb);
int	target_find_hub(struct target *t, struct hs_errbuf *eb);
int	target_open(struct target *t, struct loop *l,
	    const struct target_config *cfg, struct hs_errbuf *eb);
/* frees everything target_init() and the steps allocated */
void	target_release(struct target *t);

#define TARGET_TTY	0x1	/* kubectl exec -i -t (the caller gives a pty) */
#define TARGET_STDIN	0x2	/* kubectl exec -i */

/* starts cmd in the hub's container through the transport: fills
 * spec->argv (owned by the call; freed before it returns) and runs
 * proc_start(). Returns what proc_start() returns. */
int	target_start(struct target *t, struct proc *p, const char *const *cmd,
	    int flags, struct proc_spec *spec, struct hs_errbuf *eb);
/* target_start() with output into p's buffers, then waits at most
 * timeout_ms (0: exec_timeout); returns 0 when the command ran (whatever
 * its exit code: see proc_exit_code()), else like target_start() or
 * HS_ETARGET with t->failure = TF_TIMEOUT */
int	target_run(struct target *t, struct proc *p, const char *const *cmd,
	    int64_t timeout_ms, struct hs_errbuf *eb);
/* runs kubectl itself with the context, kubeconfig and namespace options
 * (args after those: {"get", "pod", NAME, "-o", "json", NULL}); like
 * target_run(); HS_EUSAGE for the local transport */
int	target_kubectl(struct target *t, struct proc *p, const char *const *args,
	    const char *out_path, int64_t timeout_ms, struct hs_errbuf *eb);
/* starts kubectl with those options and args on the loop, without
 * waiting (spec's argv is set here; its other fields are the caller's):
 * like target_start() */
int	target_kubectl_start(struct target *t, struct proc *p,
	    const char *const *args, struct proc_spec *spec,
	    struct hs_errbuf *eb);

struct cJSON;
/* target_kubectl() with ARGS, then its JSON output parsed into *jp (free
 * with cJSON_Delete; NULL on failure). A kubectl that exits non-zero is
 * classified into t->failure and explained in eb ("kubectl ARGS[0]
 * ARGS[1]: LINE (class); fix"); an answer that is not JSON is HS_ETARGET
 * too. Returns 0 or like target_kubectl(). */
int	target_kubectl_json(struct target *t, const char *const *args,
	    struct cJSON **jp, struct hs_errbuf *eb);

/* explains a command that exited non-zero (or timed out): classifies
 * its stderr into t->failure and writes "WHAT: LINE (class); fix" into
 * eb; returns HS_ETARGET */
int	target_failed(struct target *t, const char *what, const struct proc *p,
	    struct hs_errbuf *eb);

/* sends sig to a process inside the container (kill through the
 * transport); bounded by exec_timeout */
int	target_signal(struct target *t, long pid, int sig, struct hs_errbuf *eb);

/* the first call asks every active remote py-spy to stop with SIGINT (so
 * it still writes its file); safe to call from a loop signal callback */
void	target_interrupt(struct target *t);

/* parses "py-spy 0.4.2" into 402; -1 when it does not look like that */
int	target_parse_pyspy_version(const char *s);

/* picks the hub among the NUL-framed process list the discovery script
 * prints ("\0@@PID\0" then the raw /proc/PID/cmdline, per process);
 * returns the pid, 0 when none, -N when several (the first N pids are
 * then in several[0..min(N,8)) ). Exposed for unit tests. */
long	target_pick_hub(const char *list, size_t len, long several[8],
	    char **cmdlinep);

#endif
