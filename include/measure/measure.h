/* measure.h -- per-request-class counters and log-linear latency histograms */
#ifndef MEASURE_H
#define MEASURE_H

#include <stdint.h>

/*
 * A histogram of non-negative integers (microseconds here) in log-linear
 * buckets (HdrHistogram-style): exact below 64, then 32 linear sub-buckets
 * per power of two, so any reported value is within 1/32 (~3 %) of a value
 * that was recorded. Values above 2^40 are clamped. Flat array, no
 * allocation: a struct hist is about 9.5 KiB.
 */
#define HIST_SUB	32
#define HIST_MAXBITS	40
#define HIST_NBUCKETS	(HIST_SUB * (HIST_MAXBITS - 4))

struct hist {
	uint64_t	 n;
	int64_t		 min, max;
	uint64_t	 b[HIST_NBUCKETS];
};

void	 hist_reset(struct hist *h);
void	 hist_record(struct hist *h, int64_t v);
/* dst += src */
void	 hist_merge(struct hist *dst, const struct hist *src);
/* the value at quantile q (0 < q <= 1): the midpoint of the bucket holding
 * the ceil(q*n)-th smallest value, clamped to [min, max]; 0 when empty */
int64_t	 hist_quantile(const struct hist *h, double q);
/* bucket index of v, and the lowest/highest value of a bucket (tested) */
int	 hist_index(int64_t v);
int64_t	 hist_lowest(int idx);
int64_t	 hist_highest(int idx);

/* request classes: keys of the "requests" object of docs/artifacts.md.
 * The session classes (load/session.h) are the users' own requests:
 * MC_MINT (the service token minting a user's token), MC_LOGIN (the login
 * form and its post), MC_PAGE (hub pages with the login cookie), MC_OWNAPI
 * (GET /hub/api/user with the user's token), MC_PROXY (the user's server
 * through the hub's public proxy), MC_PROGRESS (the spawn's progress event
 * stream, read by the user while its server starts: open to its end),
 * MC_OAUTH (each hop of a browser opening its server: the server's
 * redirect to the hub's OAuth authorize, the hub's back, the callback).
 * MC_PHASES: the spawn-phase sample's progress streams, read with the
 * service token from open to end (load/progress.h); not a lifecycle
 * request, and left out of the all-classes latency. */
enum mclass {
	MC_CREATE, MC_START, MC_POLL, MC_STOP, MC_DELETE, MC_ACTIVITY,
	MC_PROBE, MC_LIST, MC_OTHER, MC_MINT, MC_LOGIN, MC_PAGE, MC_OWNAPI,
	MC_PROXY, MC_PROGRESS, MC_OAUTH, MC_PHASES, MC_NCLASS
};
const char *mclass_name(enum mclass c);

/*
 * One class: every request SENT counts (a retry is another request, also
 * counted in retries), so status tallies sum to count. Latency is libcurl's
 * CURLINFO_TOTAL_TIME_T of each attempt that got an HTTP answer.
 */
struct mstats {
	uint64_t	 count, retries;
	uint64_t	 s2xx, s5xx, s429, network, s3xx;
	uint64_t	 s4xx[100];	/* 400..499 except 429 */
	struct hist	 lat;		/* microseconds */
};

/*
 * The spawn phases of a sample of spawns (load/progress.h), each a
 * histogram in microseconds of the spawns where both ends were seen:
 * request -> accepted (the accepted attempt's own time), accepted -> first
 * progress event, first event -> ready, request -> ready (total). sampled
 * counts the timelines added, failed those that ended failed (left out
 * of ready and total), unfinished those whose stream ended before the
 * ready or failed event (broken, the bound passed, torn down).
 */
enum mphase { MP_ACCEPT, MP_FIRST, MP_READY, MP_TOTAL, MP_NPHASE };
struct mphases {
	uint64_t	 sampled, failed, unfinished;
	struct hist	 h[MP_NPHASE];
};
/* "accept", "first_event", "ready", "total" */
const char *mphase_name(enum mphase ph);

struct measure {
	struct mstats	 cls[MC_NCLASS];
	uint64_t	 count_429;
	double		 retry_after_s;	/* sum of Retry-After values seen */
	double		 throttled_s;	/* time starts actually waited on 429 */
	int		 active_server_limit;	/* a 429 without Retry-After seen */
	struct hist	 spawn;		/* start request sent -> ready, us */
	uint64_t	 lifecycles;	/* users deleted after a full lifecycle */
	struct mphases	 phases;	/* the sampled spawns' phases */
};

/* zeroes everything (a new window, e.g. per plateau) */
void	 measure_reset(struct measure *m);
/* one answered or failed attempt: status 0 means a network error */
void	 measure_request(struct measure *m, enum mclass c, long status,
	    int64_t latency_us, int is_retry);
/* a 429: retry_after < 0 when the header was absent */
void	 measure_429(struct measure *m, double retry_after);
/* requests of every class but activity, probe and the sessions' own
 * (login, page, own_api, proxy, progress, oauth): the lifecycle cost */
uint64_t measure_lifecycle_requests(const struct measure *m);
/* all classes merged into dst, but MC_PHASES (streams open for a
 * spawn's whole length are no request latency) */
void	 measure_all_latency(const struct measure *m, struct hist *dst);

#endif
