/* metrics.h -- the hub's Prometheus /hub/metrics page, the families we keep */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>

#include "core/hs.h"

/*
 * metrics_parse() reads the Prometheus text format line by line (lines
 * longer than METRICS_MAX_LINE and series past the caps are an error, not
 * a crash) and keeps: process_cpu_seconds_total,
 * process_resident_memory_bytes, process_start_time_seconds, and with the
 * hub's prefix (default "jupyterhub", JUPYTERHUB_METRICS_PREFIX in 5.0+):
 * request_duration_seconds (count, sum per handler and code, all methods
 * together), server_spawn_duration_seconds and proxy_add_duration_seconds
 * (count, sum per status),
 * total_users, running_servers (recorded but unreliable: it counts pending
 * spawns and drifts), event_loop_interval_seconds (5.0+; count, sum and
 * buckets). A value absent from the page is NAN. The manifest's
 * hub_metrics object (snapshots and their delta) is written by the run
 * record (record_to_json).
 */
#define METRICS_MAX_LINE	8192
#define METRICS_MAX_SERIES	512	/* request (handler, code) pairs */
#define METRICS_MAX_STATUS	16	/* spawn statuses */
#define METRICS_MAX_BUCKETS	32

struct metrics_sum {
	char	 key[200];	/* handler or status */
	char	 code[8];	/* request: the HTTP code, else "" */
	double	 count, sum;
};

struct metrics_snapshot {
	double	 cpu_seconds;		/* process_cpu_seconds_total */
	double	 rss_bytes;		/* process_resident_memory_bytes */
	double	 start_time;		/* process_start_time_seconds */
	double	 total_users;
	double	 running_servers;	/* unreliable, see above */
	struct metrics_sum *requests;	/* request_duration_seconds */
	size_t	 nrequests;
	struct metrics_sum spawns[METRICS_MAX_STATUS];
	size_t	 nspawns;
	struct metrics_sum proxy_adds[METRICS_MAX_STATUS];
	size_t	 nproxy_adds;
	int	 has_event_loop;	/* event_loop_interval_seconds present */
	double	 loop_count, loop_sum;
	double	 loop_le[METRICS_MAX_BUCKETS];	/* bucket bounds (+Inf last) */
	double	 loop_cum[METRICS_MAX_BUCKETS];	/* cumulative counts */
	size_t	 nloop;
	size_t	 lines;			/* lines read */
};
#define METRICS_SNAPSHOT_INIT { 0 }

/* prefix NULL or "" means "jupyterhub". Returns 0, HS_EHUB (not a
 * metrics page: "hub metrics: line 3: ..."), HS_ELIMIT, HS_ENOMEM.
 * Release s with metrics_release() in every case. */
int	 metrics_parse(const char *text, size_t len, const char *prefix,
	    struct metrics_snapshot *s, struct hs_errbuf *eb);
void	 metrics_release(struct metrics_snapshot *s);

#endif
