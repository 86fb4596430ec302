/* hub.h -- the JupyterHub REST client: libcurl multi on the one loop */
#ifndef HUB_H
#define HUB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/hs.h"
#include "core/loop.h"
#include "measure/measure.h"

/*
 * One thread, no thread per request: every request is a curl easy handle
 * on the loop's multi handle (keep-alive connections, at most `concurrency`
 * requests in flight; the rest wait in a FIFO queue). Connection failures
 * and 502/503/504 are retried with exponential backoff and full jitter
 * (bounded tries); every attempt is counted in the measure struct under its
 * class. A 429 is NOT retried here: the caller sees it (retry_after tells
 * the two kinds apart) and decides; hub counts it in measure->count_429.
 * Bodies go into bounded bufs; empty 2xx bodies are never parsed.
 *
 * Ownership: the token is copied into the hub's Authorization header and
 * wiped (explicit_bzero) by hub_free(); the caller keeps and wipes its own.
 */
struct hub;

struct hub_reqlog {			/* one attempt, for -v */
	const char	*method;
	const char	*what;		/* path class, e.g. "/users/{name}/server" */
	enum mclass	 cls;
	long		 status;	/* 0: network error */
	const char	*neterr;	/* curl's message when status is 0 */
	double		 ms;
	int		 attempt;	/* 0 first, 1.. retries */
};

struct hub_config {
	const char	*url;		/* API root, e.g. http://h:8081/hub/api */
	const char	*token;
	int		 concurrency;	/* requests in flight (default 16) */
	int		 timeout_s;	/* per attempt (default 30) */
	int		 max_tries;	/* attempts for retryable failures (5) */
	int		 backoff_ms;	/* first backoff (250), doubles, cap 8 s */
	size_t		 max_body;	/* response cap (default 16 MiB) */
	void		(*on_request)(void *arg, const struct hub_reqlog *rl);
	void		*log_arg;
};
#define HUB_CONFIG_INIT { NULL, NULL, 16, 30, 5, 250, 16u << 20, NULL, NULL }

/* the answer handed to a callback; valid only during the callback */
struct hub_resp {
	long		 status;	/* HTTP status, 0: network error,
					 * -1: dropped by hub_drop_queued */
	const char	*neterr;	/* curl error text when status is 0 */
	const char	*body;		/* never NULL, NUL-terminated */
	size_t		 len;
	const char	*message;	/* {"message"} of an error body, or "" */
	double		 retry_after;	/* seconds, -1 when absent */
	int64_t		 latency_us;	/* libcurl's total time, last attempt */
	int		 tries;
};
typedef void hub_cb(void *arg, const struct hub_resp *r);

/* what preflight learnt */
struct hub_info {
	char		 version[32];	/* "3.0.0" */
	int		 major, minor, patch;
	char		 kind[16];	/* "service" or "user" */
	char		 owner[128];
	int		 has_admin_users, has_servers, has_read_metrics,
			 has_read_hub;
	int		 has_tokens;	/* may mint user tokens (sessions) */
};

/* returns 0, HS_EUSAGE (bad URL), HS_ENOMEM; m is the caller's and must
 * outlive the hub. Free with hub_free(). */
int	 hub_new(struct hub **hp, struct loop *l, const struct hub_config *cfg,
	    struct measure *m, struct hs_errbuf *eb);
/* cancels everything in flight or queued (no callbacks), wipes the token */
void	 hub_free(struct hub *h);
struct loop *hub_loop(struct hub *h);
/* requests in flight at most (cfg.concurrency) */
int	 hub_concurrency(const struct hub *h);
struct measure *hub_measure(struct hub *h);
const struct hub_info *hub_info(const struct hub *h);
/* the token's expanded scopes as hub_preflight() read them from GET
 * /user (borrowed, valid until hub_free()); NULL before it, or on a hub
 * before RBAC */
const cJSON *hub_scopes(const struct hub *h);

/*
 * The pace (hubspy watch: the hub never sees more than n requests in any
 * one second from us). A request starts only while fewer than n are on
 * the wire or were answered within the last HUB_PACE_WINDOW_MS: of any
 * n + 1 requests, one was answered more than a second before the last
 * began, so the hub's log (which stamps a request when it answers) never
 * holds n + 1 of them in one second. Queued requests wait; requests the
 * hub does not send itself (health probes) ask hub_pace_wait_ms() first
 * and bracket themselves with hub_pace_begin() and hub_pace_end().
 * n 0 (the default): no pace; n is capped at HUB_PACE_MAX.
 */
#define HUB_PACE_MAX		8
#define HUB_PACE_WINDOW_MS	1250	/* a second, and the hub's log's lag */
void	 hub_pace(struct hub *h, int n);
/* ms until one more request may start under the pace (0: now) */
int64_t	 hub_pace_wait_ms(const struct hub *h);
void	 hub_pace_begin(struct hub *h);
void	 hub_pace_end(struct hub *h);

/*
 * Queues a request. path is relative to the API root ("/users/a/server",
 * names already URL-safe); body may be NULL (no body) and is copied. cb runs
 * exactly once (unless hub_free or hub_cancel_all come first). Returns 0 or
 * HS_ENOMEM.
 */
int	 hub_request(struct hub *h, enum mclass cls, const char *method,
	    const char *path, const char *body, hub_cb *cb, void *arg);
/* requests queued or in flight */
size_t	 hub_pending(const struct hub *h);
/* ends every request of class cls that is not on the wire (queued, or
 * waiting to retry) with its callback and status -1 ("cancelled"; not
 * measured): an interrupted ramp sends nothing new */
void	 hub_drop_queued(struct hub *h, enum mclass cls);
/* drops every queued and in-flight request without callbacks (all
 * owners: load_free() calls it) */
void	 hub_cancel_all(struct hub *h);

/*
 * A stream: GET path with the token and "Accept: text/event-stream",
 * whose body is handed to on_chunk as it arrives (only a 2xx answer's;
 * an error's body is dropped). Outside the queue, the concurrency and the
 * pace, and never retried: a stream that breaks ends, and its owner
 * decides. It ends by itself when the hub closes it, when timeout_ms
 * passes (the bound, connection included) or on a network error: on_end
 * runs once then, with the HTTP status (0: none) and curl's reason (NULL
 * when the hub ended it cleanly); the stream is freed after on_end
 * returns. hub_stream_close() ends it early without on_end. The one
 * attempt is measured under cls when it ends, from open to end. Neither
 * callback may close a stream; on_chunk may open one. Returns 0,
 * HS_ENOMEM or HS_EFAIL.
 */
struct hub_stream;
typedef void hub_stream_chunk_cb(void *arg, const char *p, size_t n);
typedef void hub_stream_end_cb(void *arg, long status, const char *neterr);
int	 hub_stream_open(struct hub *h, enum mclass cls, const char *path,
	    int64_t timeout_ms, hub_stream_chunk_cb *on_chunk,
	    hub_stream_end_cb *on_end, void *arg, struct hub_stream **sp);
/* ends a stream still open, without on_end (NULL: nothing) */
void	 hub_stream_close(struct hub_stream *st);
/* streams open now */
size_t	 hub_streams_open(const struct hub *h);

/*
 * A paged listing: GET /users?QUERY&limit=200&offset=N with the pagination
 * Accept header, following _pagination.next.offset until next is null
 * (never stopping on a short page, never using next.url). item() runs for
 * each user model (borrowed), done() once at the end with 0 or HS_EHUB/
 * HS_EAUTH and a message. Class MC_LIST unless cls says otherwise.
 */
typedef void hub_item_cb(void *arg, const cJSON *user);
typedef void hub_done_cb(void *arg, int r, const char *msg);
int	 hub_list_users(struct hub *h, enum mclass cls, const char *query,
	    hub_item_cb *item, hub_done_cb *done, void *arg);

/*
 * Synchronous helpers: run the loop until the answer arrives.
 * hub_preflight: GET / (version) and GET /user (scopes); fails with
 * HS_EHUB (unreachable, not a hub) or HS_EAUTH (token rejected, or a scope
 * missing, naming it: admin:users, and servers or admin:servers). With
 * need_write 0 only a readable token is required.
 */
int	 hub_preflight(struct hub *h, int need_write, struct hs_errbuf *eb);
/* a GET whose JSON answer is returned in *jp (cJSON_Delete) */
int	 hub_get_json(struct hub *h, enum mclass cls, const char *path,
	    cJSON **jp, long *statusp, struct hs_errbuf *eb);

/*
 * Text requests, for what is not the JSON API: the Prometheus metrics and
 * the health probes. A struct hub_text holds one answer; its body has the
 * cap given to HUB_TEXT_INIT (or buf_init).
 */
struct hub_text {
	long		 status;	/* HTTP status; 0: no answer */
	char		 error[256];	/* curl's reason when the transfer
					 * failed, "" when it did not */
	int64_t		 latency_us;	/* libcurl's total time */
	struct buf	 body;		/* never NULL, NUL-terminated */
};
#define HUB_TEXT_INIT(maxbytes) { 0, "", 0, BUF_INIT(maxbytes) }
/* frees the body; tx is reusable afterwards */
void	 hub_text_release(struct hub_text *tx);

/*
 * A GET of path (relative to the API root, with the token, retried like
 * every request and measured under cls) whose answer, whatever its status,
 * goes into *tx (body emptied first; an answer past the hub's max_body
 * ends as status 0). Runs the loop until answered. Returns 0, HS_ELIMIT
 * (the body is larger than tx's cap), HS_ENOMEM or HS_EFAIL (the loop
 * failed), with one line in eb.
 */
int	 hub_get_text(struct hub *h, enum mclass cls, const char *path,
	    struct hub_text *tx, struct hs_errbuf *eb);

/*
 * A health probe: GET BASE PATH on the loop, without the token or any
 * retry, bounded by timeout_ms (connection included), while the caller
 * does other work. The body keeps the chunks that fit in max_body (a
 * chunk that would pass it is left out; the probe does not fail). Returns
 * 0, HS_ENOMEM or HS_EFAIL; free with hub_probe_free(), which aborts a
 * probe still running.
 */
struct hub_probe;
int	 hub_probe_start(struct hub_probe **pp, struct loop *l,
	    const char *base, const char *path, int64_t timeout_ms,
	    size_t max_body);
/* 1 once answered or failed: hub_probe_text() is final then */
int	 hub_probe_done(const struct hub_probe *pr);
/* BASE PATH, as requested */
const char *hub_probe_url(const struct hub_probe *pr);
const struct hub_text *hub_probe_text(const struct hub_probe *pr);
void	 hub_probe_free(struct hub_probe *pr);

/* --- pure helpers (unit-tested) --- */
/* the hub's base URL from its API root: trailing slashes and then one
 * "/hub/api" removed ("http://h:8081/hub/api/" -> "http://h:8081"); a new
 * string (free()), NULL when api_url is NULL or empty, or out of memory */
char	*hub_base_url(const char *api_url);
/* Retry-After: delta-seconds or an HTTP date; -1 when absent or bad */
double	 hub_parse_retry_after(const char *value, time_t now);
/* backoff before attempt n (1..): min(cap, base*2^(n-1)) * (0.5..1.0) */
int64_t	 hub_backoff_ms(int attempt, int base_ms, int64_t cap_ms,
	    uint32_t rnd);
/* a page's next offset: 0 and *offp set when next is present, 1 when next
 * is null (last page), HS_EHUB when the shape is wrong */
int	 hub_page_next(const cJSON *page, long *offp);
/* "/users/alice/server?x" -> "/users/{name}/server",
 * "/users/alice/servers/srv-1/progress" -> "/users/{name}/servers/{server}/progress" */
void	 hub_path_class(const char *path, char *dst, size_t n);
/* parses "X.Y.Z[...]" */
int	 hub_parse_version(const char *s, int *maj, int *min, int *pat);

#endif
