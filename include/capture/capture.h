/* capture.h -- py-spy record, dump and top inside the hub, hub usage, logs and pod status */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stdint.h>

#include "core/hs.h"
#include "capture/target.h"

/*
 * Every function here is synchronous and runs the loop while it waits, so
 * HTTP load driven from the same loop keeps flowing. They write into a
 * caller-given directory (which must exist) with fixed names:
 *   record.raw  record.svg  record.speedscope.json
 *   top.txt
 *   dump-1.txt .. dump-N.txt  dump-1.json .. dump-N.json  stuck.txt
 * and append one struct capture_file per file to the caller's result.
 *
 * Return value: 0 when at least the main file was written (a file may
 * still carry a failure class, e.g. idle), HS_ETARGET when nothing usable
 * came back (eb: the first failure, one line with its fix), HS_EIO when
 * the directory is not writable, HS_ENOMEM. After target_interrupt() the
 * running py-spy ends with SIGINT, its file is still fetched, and
 * res->interrupted is set.
 */
enum capture_kind {
	CAPTURE_RECORD,		/* "record" */
	CAPTURE_TOP,		/* "top" */
	CAPTURE_DUMP,		/* "dump" (stuck.txt too) */
};
const char *capture_kind_name(enum capture_kind k);

struct capture_file {
	enum capture_kind kind;
	char		*path;		/* DIR/NAME */
	const char	*name;		/* "record.raw" */
	int		 written;	/* the file exists and holds the capture */
	int		 exit_code;	/* py-spy's (through kubectl), -1: did not run */
	enum target_fail failure;	/* TF_NONE when fine */
	char		*message;	/* one line (with the fix) or NULL */
	double		 seconds;	/* wall time of the py-spy run */
	long long	 samples;	/* record: samples kept; -1: n/a */
};

struct capture_result {
	struct capture_file *files;
	size_t		 nfiles;
	int		 interrupted;
};
#define CAPTURE_RESULT_INIT { NULL, 0, 0 }
/* frees every file entry (not the files on disk) */
void	capture_result_release(struct capture_result *res);

struct record_opts {
	int	duration;	/* seconds (py-spy --duration) */
	int	rate;		/* samples per second */
	int	nonblocking;	/* --nonblocking (default on; off with native) */
	int	idle, gil, native, subprocesses;
	int	svg;		/* also record.svg (py-spy flamegraph) */
	int	speedscope;	/* also record.speedscope.json */
	int	margin;		/* watchdog margin over duration, seconds */
};
#define RECORD_OPTS_INIT { 10, 100, 1, 0, 0, 0, 0, 0, 0, 15 }

struct dump_opts {
	int	count;		/* dumps (dump-1 .. dump-N) */
	int	interval_ms;	/* between the starts of two dumps */
	int	locals;		/* --locals */
	int	nonblocking;	/* default on */
	int	subprocesses;
};
#define DUMP_OPTS_INIT { 1, 2000, 0, 1, 0 }

struct top_opts {
	int	seconds;	/* how long the screen runs */
	int	rate;
	int	nonblocking, idle, gil, subprocesses;
	unsigned short rows, cols;	/* the local pty (0: 50 x 160) */
};
#define TOP_OPTS_INIT { 10, 100, 1, 0, 0, 0, 0, 0 }

int	capture_record(struct target *t, const char *dir,
	    const struct record_opts *o, struct capture_result *res,
	    struct hs_errbuf *eb);
int	capture_dump(struct target *t, const char *dir,
	    const struct dump_opts *o, struct capture_result *res,
	    struct hs_errbuf *eb);
int	capture_top(struct target *t, const char *dir,
	    const struct top_opts *o, struct capture_result *res,
	    struct hs_errbuf *eb);

/* hub usage: CPU seconds (utime+stime of the hub PID, USER_HZ 100), RSS,
 * and the container's cgroup memory (v2 memory.current, v1
 * memory.usage_in_bytes); a value that could not be read is -1 */
struct capture_usage {
	double		cpu_seconds;
	long long	rss_bytes;
	long long	cgroup_memory_bytes;
};
int	capture_usage(struct target *t, struct capture_usage *u,
	    struct hs_errbuf *eb);

/* the hub's last `tail` log lines into path (kubectl logs --tail, or the
 * local transport's log file) */
int	capture_logs(struct target *t, const char *path, int tail,
	    struct hs_errbuf *eb);
/* the log of the hub container before its last restart (kubectl logs
 * --previous); HS_ETARGET "no previous container: ..." when it has not
 * restarted, HS_EUSAGE for the local transport */
int	capture_previous_logs(struct target *t, const char *path, int tail,
	    struct hs_errbuf *eb);
/* the hub pod's events (kubectl get events --field-selector
 * involvedObject.name=POD), one line each into path: "TYPE REASON
 * LASTTIME (xCOUNT): MESSAGE"; *nevents of them. HS_EUSAGE for the local
 * transport, else like target_kubectl_json() */
int	capture_events(struct target *t, const char *path, int *nevents,
	    struct hs_errbuf *eb);
/* the Python packages installed for the hub (pip list --format=freeze,
 * with the hub's interpreter when its command line names one), bounded by
 * timeout_ms and the child output cap; into path */
int	capture_packages(struct target *t, const char *path,
	    int64_t timeout_ms, struct hs_errbuf *eb);

/* the hub pod's status as `kubectl get pod -o json` tells it */
struct capture_container {
	char		*name;		/* NULL when absent */
	int		 restarts;	/* restartCount (0 when absent) */
	char		*last_reason;	/* lastState.terminated.reason or NULL */
};
struct capture_pod {
	char		*phase;		/* status.phase ("Running") or NULL */
	struct capture_container *containers;	/* status.containerStatuses */
	size_t		 ncontainers;
};
#define CAPTURE_POD_INIT { NULL, NULL, 0 }
/* frees the contents; the struct is CAPTURE_POD_INIT afterwards */
void	capture_pod_release(struct capture_pod *pod);
/* the hub pod (kubectl get pod, not for the local transport) into *pod
 * (release with capture_pod_release()), and its whole JSON, pretty, into
 * path (best effort: a write failure is not reported). Returns 0 or like
 * target_kubectl_json(). */
int	capture_pod(struct target *t, const char *path,
	    struct capture_pod *pod, struct hs_errbuf *eb);

/*
 * Pure helpers, exposed for unit tests and the report:
 * capture_pod_parse: struct capture_pod from a pod object (fields that are
 *   missing stay NULL or 0); 0 or HS_ENOMEM (*out released).
 * capture_top_frame: the last complete frame of a py-spy top screen
 *   (ESC[H-separated, ending with "Press Control-C to quit"), escapes
 *   and \r removed, trailing blank lines dropped; malloc'd, NULL if none.
 * capture_raw_samples: sum of the counts of a raw (collapsed) file.
 * capture_stuck: from n `dump --json` texts taken span_s seconds apart,
 *   the report for stuck.txt (malloc'd); *nstuck = threads whose stack
 *   did not change across all dumps while active in one of them.
 */
char	*capture_top_frame(const char *screen, size_t len);
long long capture_raw_samples(const char *raw, size_t len);
char	*capture_stuck(const char *const *json, size_t n, double span_s,
	    int *nstuck);
struct cJSON;
int	capture_pod_parse(const struct cJSON *pod, struct capture_pod *out);

#endif
