/* preflight.h -- can this machine profile that hub, and is there room: one typed result per check */
#ifndef PREFLIGHT_H
#define PREFLIGHT_H

#include <stddef.h>

#include "core/hs.h"

struct cJSON;
struct hub;
struct target;

/*
 * Each check ends in one struct preflight_check, kept in order in a struct
 * preflight and handed to the caller's callback as soon as it is known (a
 * check may take seconds: kubectl, a py-spy dump). Nothing here prints;
 * `hubspy preflight` prints one row per check, the run coordinator turns
 * the hub checks into its verdict.
 */
enum preflight_id {
	PREFLIGHT_HUB,			/* "hub": reachable, its version */
	PREFLIGHT_HUB_TOKEN,		/* "hub token": accepted, its scopes */
	PREFLIGHT_HUB_METRICS,		/* "hub metrics": read:metrics */
	PREFLIGHT_KUBECTL,		/* "kubectl": kubectl runs */
	PREFLIGHT_KUBECTL_CONTEXT,	/* "kubectl context" */
	PREFLIGHT_RBAC,			/* "rbac": auth can-i, per verb */
	PREFLIGHT_HUB_POD,		/* "hub pod" */
	PREFLIGHT_HUB_PROCESS,		/* "hub process" */
	PREFLIGHT_PYSPY,		/* "py-spy": present, its version */
	PREFLIGHT_PYTHON,		/* "python": py-spy supports the hub's */
	PREFLIGHT_ATTACH,		/* "attach": a real py-spy dump */
	PREFLIGHT_USER_NODES,		/* "user nodes": ready nodes, room */
	PREFLIGHT_PLACEHOLDERS,		/* "placeholders" */
	PREFLIGHT_PLAN_COUNT,		/* "plan: count" */
	PREFLIGHT_PLAN_STEP,		/* "plan: step" */
};
/* the check's row name ("hub token") */
const char *preflight_name(enum preflight_id id);

enum preflight_status {
	PREFLIGHT_PASS,
	PREFLIGHT_WARN,
	PREFLIGHT_FAIL,
	PREFLIGHT_SKIP,
};
/* "pass", "warn", "fail", "skip" */
const char *preflight_status_name(enum preflight_status s);

struct preflight_check {
	enum preflight_id	 id;
	enum preflight_status	 status;
	char			 detail[1024];	/* one line: what was found */
	const char		*fix;	/* what to do (static), or NULL when
					 * nothing is to be done or the detail
					 * already says it */
};
/* the line shown for c: "DETAIL" or "DETAIL; FIX", cut to n bytes */
void	preflight_line(const struct preflight_check *c, char *buf, size_t n);

typedef void preflight_cb(void *arg, const struct preflight_check *c);

struct preflight {
	struct preflight_check	*checks;	/* in the order they ended */
	size_t			 n, alloc;
	int			 nfail, nwarn;
	int			 nomem;	/* a check could not be kept (the
					 * callback still saw it) */
	preflight_cb		*on_check;	/* may be NULL */
	void			*arg;
};
#define PREFLIGHT_INIT { NULL, 0, 0, 0, 0, 0, NULL, NULL }

void	preflight_init(struct preflight *pf, preflight_cb *cb, void *arg);
/* frees the checks; pf is PREFLIGHT_INIT afterwards */
void	preflight_release(struct preflight *pf);
/* adds a check (the callers' own, e.g. a hub left out for want of a URL)
 * and reports it */
void	preflight_add(struct preflight *pf, enum preflight_id id,
	    enum preflight_status st, const char *fix, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* the last check with that id, or NULL */
const struct preflight_check *preflight_get(const struct preflight *pf,
	    enum preflight_id id);

/*
 * The hub through a client built with its token: hub_preflight(), then
 * "hub" (version at url), "hub token" (kind and scopes: admin:users and
 * servers when need_write) and "hub metrics" (read:metrics, a warning).
 * Returns hub_preflight()'s result (0, HS_EHUB, HS_EAUTH ...) with its
 * message in eb; the checks after a failed one are left out.
 */
int	preflight_hub(struct preflight *pf, struct hub *h, const char *url,
	    int need_write, struct hs_errbuf *eb);

/* what the run will ask of the cluster, for the capacity checks */
#define PREFLIGHT_NODE_SELECTOR	"hub.jupyter.org/node-purpose=user"
struct preflight_plan {
	const char	*node_selector;	/* NULL: PREFLIGHT_NODE_SELECTOR */
	long long	 count;		/* planned users; 0: not planned */
	long long	 step;		/* planned ramp step; 0: not planned */
	long long	 failure_limit;	/* Spawner.consecutive_failure_limit */
};
#define PREFLIGHT_PLAN_INIT { NULL, 0, 0, 5 }

/*
 * The target, in the order a run needs it, on a target after target_init():
 * kubectl and its context, RBAC (get/list pods, create pods/exec, get
 * pods/log, and patch pods/ephemeralcontainers for the debug transport),
 * the hub pod, the hub process, py-spy, its version against the hub's
 * Python, a real attach (py-spy dump), then capacity as IBM's guide
 * reasons about it: ready user nodes, pods per node (allocatable pods minus
 * the system pods already there), the user-placeholder StatefulSet, and
 * the plan's count and step. The kubectl checks are left out for the local
 * transport; a missing kubectl or context, or hub pod, ends the list.
 */
void	preflight_target(struct preflight *pf, struct target *t,
	    const struct preflight_plan *plan);

/* --- pure helpers (unit-tested) --- */
/* the py-spy version (as target.h's pyspy_ver: 402 == 0.4.2) that the
 * Python "MAJ.MIN[...]" needs: 0 (any), 400, 402, or 99999 (none yet);
 * -1 when python is NULL or not a version (pyspy.md 0) */
int	preflight_pyspy_needed(const char *python);
/* from `kubectl get nodes -o json` and `kubectl get pods -A -o json`: the
 * nodes listed (*total), the Ready ones (*ready) and the room for user
 * pods on them: allocatable pods (110 when absent) minus the pods of
 * kube-system or of a DaemonSet already there, per node */
void	preflight_capacity(const struct cJSON *nodes, const struct cJSON *pods,
	    long long *total, long long *ready, long long *capacity);
/* threads in a `py-spy dump` text (lines starting "Thread ") */
int	preflight_dump_threads(const char *dump);

#endif
