/* hub.c -- JupyterHub REST client on the loop: queue, retries, paging, preflight, probes */
/*
 * Every request is a struct hreq: queued (FIFO), in flight (a curl easy
 * handle on the loop's multi), or waiting for a backoff timer before its
 * next attempt. At most cfg.concurrency are in flight; easy handles are
 * pooled so that libcurl keeps its connections alive. A request ends with
 * exactly one callback. Measurements are taken here, per attempt, from
 * libcurl's own timer (CURLINFO_TOTAL_TIME_T), so queueing in the client is
 * not part of a latency.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "load/hub.h"

struct hreq {
	struct hub		*h;
	LIST_ENTRY(hreq)	 link;		/* all requests */
	struct hreq		*qnext;		/* queue */
	enum mclass		 cls;
	char			 method[8];
	char			*path;
	char			*body;
	hub_cb			*cb;
	void			*arg;
	int			 attempt;
	int			 state;		/* 0 queued, 1 flying, 2 backoff */
	CURL			*easy;
	struct loop_timer	*timer;
	struct buf		 resp;
	double			 retry_after;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct hub {
	struct loop		*loop;
	struct measure		*m;
	struct hub_config	 cfg;
	char			*url;
	/* the request headers, the token's line first in each: a GET's
	 * (pagination asked for), a request with a body's (its type), and
	 * one without a body's. Each request sends only what it needs:
	 * libcurl formats every header byte one call at a time, and checks
	 * each header against each of its own (client CPU per request) */
	struct curl_slist	*hdrs_get, *hdrs_body, *hdrs_bare;
	LIST_HEAD(, hreq)	 all;
	struct hreq		*qhead, *qtail;
	int			 flying;
	size_t			 nreq;
	CURL			**pool;
	size_t			 npool;
	uint32_t		 rnd;
	struct hub_info		 info;
	cJSON			*scopes;	/* GET /user's, from preflight */
	/* the pace (hub_pace): at most pace_n requests on the wire or
	 * answered within the last HUB_PACE_WINDOW_MS */
	int			 pace_n;
	int			 pace_ext;	/* on the wire, not ours */
	int64_t			 pace_done[HUB_PACE_MAX];	/* newest first */
	struct loop_timer	*pace_timer;
	/* streams (hub_stream_open): outside the queue and concurrency */
	struct curl_slist	*shdrs;		/* the token, text/event-stream */
	LIST_HEAD(, hub_stream)	 streams;
	size_t			 nstreams;
};

static void hub_pump(struct hub *h);
static void hreq_finish(struct hreq *q, long status, const char *neterr,
	    int64_t us);

struct loop *
hub_loop(struct hub *h)
{
	return h->loop;
}

int
hub_concurrency(const struct hub *h)
{
	return h->cfg.concurrency;
}

struct measure *
hub_measure(struct hub *h)
{
	return h->m;
}

const struct hub_info *
hub_info(const struct hub *h)
{
	return &h->info;
}

size_t
hub_pending(const struct hub *h)
{
	return h->nreq;
}

const cJSON *
hub_scopes(const struct hub *h)
{
	return h->scopes;
}

/* --- the pace --- */

void
hub_pace(struct hub *h, int n)
{
	h->pace_n = n < 0 ? 0 : n > HUB_PACE_MAX ? HUB_PACE_MAX : n;
}

int64_t
hub_pace_wait_ms(const struct hub *h)
{
	int64_t now = loop_now_us(), until;
	int busy, k;

	if (h->pace_n == 0)
		return 0;
	busy = h->flying + h->pace_ext;
	if (busy >= h->pace_n)
		return 100;	/* an answer frees a place: look again then */
	/* the (pace_n - busy)-th newest answer must be out of the window */
	k = h->pace_n - busy - 1;
	if (h->pace_done[k] == 0)
		return 0;
	until = h->pace_done[k] + HUB_PACE_WINDOW_MS * 1000;
	return until <= now ? 0 : (until - now + 999) / 1000;
}

static void
pace_note_done(struct hub *h)
{
	if (h->pace_n == 0)
		return;
	memmove(h->pace_done + 1, h->pace_done,
	    (HUB_PACE_MAX - 1) * sizeof(h->pace_done[0]));
	h->pace_done[0] = loop_now_us();
}

void
hub_pace_begin(struct hub *h)
{
	h->pace_ext++;
}

void
hub_pace_end(struct hub *h)
{
	if (h->pace_ext > 0)
		h->pace_ext--;
	pace_note_done(h);
	hub_pump(h);
}

static void
on_pace(void *arg)
{
	struct hub *h = arg;

	h->pace_timer = NULL;
	hub_pump(h);
}

static uint32_t
hub_rand(struct hub *h)
{
	/* xorshift32: jitter only */
	uint32_t x = h->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return h->rnd = x;
}

/* --- pure helpers --- */

double
hub_parse_retry_after(const char *v, time_t now)
{
	const char *errstr = NULL;
	long long n;
	time_t t;

	if (v == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0')
		return -1;
	if (isdigit((unsigned char)*v)) {
		char tmp[32];
		size_t len = strcspn(v, " \t\r\n");

		if (len >= sizeof(tmp))
			return -1;
		memcpy(tmp, v, len);
		tmp[len] = '\0';
		n = strtonum(tmp, 0, 86400, &errstr);
		return errstr ? -1 : (double)n;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	return t > now ? (double)(t - now) : 0;
}

int64_t
hub_backoff_ms(int attempt, int base_ms, int64_t cap_ms, uint32_t rnd)
{
	int64_t d = base_ms;
	int i;

	for (i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	/* "equal jitter": half fixed, half random */
	return d / 2 + (int64_t)(rnd % (uint32_t)(d / 2 + 1));
}

int
hub_page_next(const cJSON *page, long *offp)
{
	const cJSON *p, *next, *off;

	if (!cJSON_IsObject(page) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(page, "items")) ||
	    (p = cJSON_GetObjectItemCaseSensitive(page, "_pagination")) == NULL ||
	    !cJSON_IsObject(p))
		return HS_EHUB;
	next = cJSON_GetObjectItemCaseSensitive(p, "next");
	if (next == NULL || cJSON_IsNull(next))
		return 1;
	off = cJSON_GetObjectItemCaseSensitive(next, "offset");
	if (!cJSON_IsNumber(off) || off->valuedouble < 0)
		return HS_EHUB;
	*offp = (long)off->valuedouble;
	return 0;
}

void
hub_path_class(const char *path, char *dst, size_t n)
{
	size_t len = strcspn(path, "?");
	char tmp[256];

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, path, len);
	tmp[len] = '\0';
	if (strncmp(tmp, "/users/", 7) == 0 && tmp[7] != '\0') {
		const char *rest = strchr(tmp + 7, '/');

		/* a named server: /users/{name}/servers/{server}[/...] */
		if (rest && strncmp(rest, "/servers/", 9) == 0 &&
		    rest[9] != '\0') {
			const char *tail = strchr(rest + 9, '/');

			snprintf(dst, n, "/users/{name}/servers/{server}%s",
			    tail ? tail : "");
			return;
		}
		snprintf(dst, n, "/users/{name}%s", rest ? rest : "");
		return;
	}
	strlcpy(dst, tmp, n);
}

int
hub_parse_version(const char *s, int *maj, int *min, int *pat)
{
	int a = 0, b = 0, c = 0;

	if (s == NULL || sscanf(s, "%d.%d.%d", &a, &b, &c) < 2)
		return HS_EHUB;
	*maj = a;
	*min = b;
	*pat = c;
	return 0;
}

/* --- lifecycle --- */

int
hub_new(struct hub **hp, struct loop *l, const struct hub_config *cfg,
    struct measure *m, struct hs_errbuf *eb)
{
	struct hub *h = NULL;
	struct buf auth = BUF_INIT(4096);
	size_t ulen;
	int r = HS_ENOMEM;

	*hp = NULL;
	if (cfg->url == NULL || (strncmp(cfg->url, "http://", 7) != 0 &&
	    strncmp(cfg->url, "https://", 8) != 0) ||
	    strlen(cfg->url) < 9 || strpbrk(cfg->url, " \t\r\n") != NULL)
		return hs_error(eb, HS_EUSAGE, "bad hub URL '%.200s'; give the "
		    "API root, e.g. http://127.0.0.1:8081/hub/api",
		    cfg->url ? cfg->url : "");
	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto out;
	h->loop = l;
	h->m = m;
	LIST_INIT(&h->all);
	LIST_INIT(&h->streams);
	h->cfg = *cfg;
	if (h->cfg.concurrency < 1)
		h->cfg.concurrency = 1;
	if (h->cfg.max_tries < 1)
		h->cfg.max_tries = 1;
	if (h->cfg.max_body == 0)
		h->cfg.max_body = 16u << 20;
	h->rnd = (uint32_t)loop_now_us() | 1;
	if ((h->url = strdup(cfg->url)) == NULL)
		goto out;
	ulen = strlen(h->url);
	while (ulen > 0 && h->url[ulen - 1] == '/')
		h->url[--ulen] = '\0';
	if (buf_printf(&auth, "Authorization: token %s",
	    cfg->token ? cfg->token : "") != 0)
		goto out;
	if ((h->hdrs_get = curl_slist_append(NULL, auth.data)) == NULL ||
	    curl_slist_append(h->hdrs_get, "Accept: application/jupyterhub-pagination+json, application/json") == NULL ||
	    (h->hdrs_body = curl_slist_append(NULL, auth.data)) == NULL ||
	    curl_slist_append(h->hdrs_body, "Content-Type: application/json") == NULL ||
	    curl_slist_append(h->hdrs_body, "Expect:") == NULL ||
	    (h->hdrs_bare = curl_slist_append(NULL, auth.data)) == NULL ||
	    (h->shdrs = curl_slist_append(NULL, auth.data)) == NULL ||
	    curl_slist_append(h->shdrs, "Accept: text/event-stream") == NULL)
		goto out;
	h->cfg.token = NULL;
	curl_multi_setopt(loop_multi(l), CURLMOPT_MAXCONNECTS,
	    (long)h->cfg.concurrency + 4);
	*hp = h;
	h = NULL;
	r = 0;
 out:
	explicit_bzero(auth.data, auth.len);
	buf_release(&auth);
	if (h != NULL)
		hub_free(h);
	if (r != 0)
		hs_error(eb, r, "out of memory");
	return r;
}

static void
hreq_free(struct hreq *q)
{
	struct hub *h = q->h;

	LIST_REMOVE(q, link);
	h->nreq--;
	free(q->path);
	free(q->body);
	buf_release(&q->resp);
	free(q);
}

void
hub_cancel_all(struct hub *h)
{
	struct hreq *q;

	while ((q = LIST_FIRST(&h->all)) != NULL) {
		if (q->state == 1 && q->easy) {
			loop_xfer_cancel(h->loop, q->easy);
			curl_easy_cleanup(q->easy);
			h->flying--;
			pace_note_done(h);	/* the hub may still answer it */
		}
		if (q->state == 2 && q->timer)
			loop_timer_cancel(h->loop, q->timer);
		hreq_free(q);
	}
	h->qhead = h->qtail = NULL;
}

void
hub_drop_queued(struct hub *h, enum mclass cls)
{
	struct hreq *q, *next, **pp;

	/* unlink the class from the queue first: callbacks may queue more */
	for (pp = &h->qhead; *pp;) {
		q = *pp;
		if (q->cls == cls) {
			*pp = q->qnext;
			q->state = 3;		/* dropped, callback pending */
		} else
			pp = &q->qnext;
	}
	h->qtail = NULL;
	for (q = h->qhead; q; q = q->qnext)
		h->qtail = q;
	LIST_FOREACH(q, &h->all, link)
		if (q->cls == cls && q->state == 2) {
			loop_timer_cancel(h->loop, q->timer);
			q->timer = NULL;
			q->state = 3;
		}
	for (q = LIST_FIRST(&h->all); q; q = next) {
		next = LIST_NEXT(q, link);
		if (q->state != 3)
			continue;
		hreq_finish(q, -1, "cancelled", 0);
		next = LIST_FIRST(&h->all);	/* the callback may have changed all */
	}
}

/* frees a header list, its token's line wiped first */
static void
hdrs_free(struct curl_slist *l)
{
	struct curl_slist *s;

	for (s = l; s; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(l);
}

void
hub_free(struct hub *h)
{
	size_t i;

	if (h == NULL)
		return;
	hub_cancel_all(h);
	while (!LIST_EMPTY(&h->streams))	/* an owner that forgot its own */
		hub_stream_close(LIST_FIRST(&h->streams));
	if (h->pace_timer)
		loop_timer_cancel(h->loop, h->pace_timer);
	cJSON_Delete(h->scopes);
	for (i = 0; i < h->npool; i++)
		curl_easy_cleanup(h->pool[i]);
	free(h->pool);
	hdrs_free(h->hdrs_get);
	hdrs_free(h->hdrs_body);
	hdrs_free(h->hdrs_bare);
	hdrs_free(h->shdrs);
	free(h->url);
	free(h);
}

/* --- transfers --- */

static size_t
on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct hreq *q = arg;

	if (buf_add(&q->resp, p, sz * nm) != 0)
		return 0;	/* over the cap: the transfer fails */
	return sz * nm;
}

static size_t
on_header(char *p, size_t sz, size_t nm, void *arg)
{
	struct hreq *q = arg;
	size_t n = sz * nm;
	char tmp[128];

	if (n > 12 && n < sizeof(tmp) && strncasecmp(p, "Retry-After:", 12) == 0) {
		memcpy(tmp, p + 12, n - 12);
		tmp[n - 12] = '\0';
		q->retry_after = hub_parse_retry_after(tmp, time(NULL));
	}
	return n;
}

static void on_done(void *arg, CURL *easy, CURLcode res);

/* a new easy handle with the options every request of this hub shares
 * (set once: a pooled handle keeps them), or NULL when out of memory */
static CURL *
hub_easy_new(struct hub *h)
{
	CURL *e;

	if ((e = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)h->cfg.timeout_s);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "hubspy/" HUBSPY_VERSION);
	return e;
}

static int
hreq_start(struct hreq *q)
{
	struct hub *h = q->h;
	struct buf url = BUF_INIT(8192);
	CURL *e;
	int r;

	if (h->npool > 0)
		e = h->pool[--h->npool];
	else if ((e = hub_easy_new(h)) == NULL)
		return HS_ENOMEM;
	if ((r = buf_addstr(&url, h->url)) != 0 ||
	    (r = buf_addstr(&url, q->path)) != 0) {
		buf_release(&url);
		curl_easy_cleanup(e);
		return r;
	}
	buf_reset(&q->resp);
	q->retry_after = -1;
	q->errbuf[0] = '\0';
	/* a pooled handle keeps its options: only this request's are set */
	curl_easy_setopt(e, CURLOPT_URL, url.data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->errbuf);
	if (strcmp(q->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs_get);
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
	} else {
		const char *b = q->body ? q->body : "";

		curl_easy_setopt(e, CURLOPT_HTTPHEADER,
		    *b ? h->hdrs_body : h->hdrs_bare);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, b);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(b));
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
		    strcmp(q->method, "POST") == 0 ? NULL : q->method);
	}
	buf_release(&url);
	if ((r = loop_xfer_add(h->loop, e, on_done, q)) != 0) {
		curl_easy_cleanup(e);
		return r;
	}
	q->easy = e;
	q->state = 1;
	h->flying++;
	return 0;
}

static void
hreq_finish(struct hreq *q, long status, const char *neterr, int64_t us)
{
	struct hub *h = q->h;
	struct hub_resp rs;
	char msg[512] = "";

	if (status >= 400 && q->resp.len > 0) {
		cJSON *j = cJSON_ParseWithLength(q->resp.data, q->resp.len);
		const cJSON *mm = cJSON_GetObjectItemCaseSensitive(j, "message");

		if (cJSON_IsString(mm))
			strlcpy(msg, mm->valuestring, sizeof(msg));
		cJSON_Delete(j);
	}
	rs.status = status;
	rs.neterr = neterr ? neterr : "";
	rs.body = q->resp.data;
	rs.len = q->resp.len;
	rs.message = msg;
	rs.retry_after = q->retry_after;
	rs.latency_us = us;
	rs.tries = q->attempt + 1;
	q->cb(q->arg, &rs);
	hreq_free(q);
	(void)h;
}

static void
on_backoff(void *arg)
{
	struct hreq *q = arg;
	struct hub *h = q->h;

	q->timer = NULL;
	q->state = 0;
	/* retries go first: they were sent before anything queued now */
	q->qnext = h->qhead;
	h->qhead = q;
	if (h->qtail == NULL)
		h->qtail = q;
	hub_pump(h);
}

static void
on_done(void *arg, CURL *easy, CURLcode res)
{
	struct hreq *q = arg;
	struct hub *h = q->h;
	long status = 0;
	curl_off_t total = 0;
	struct hub_reqlog rl;
	char what[128];
	int retry;

	q->easy = NULL;
	h->flying--;
	pace_note_done(h);
	if (res == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
	/* pool the handle: its connection stays in the multi's cache */
	if (h->npool < (size_t)h->cfg.concurrency + 4) {
		CURL **p = reallocarray(h->pool, h->npool + 1, sizeof(*p));

		if (p != NULL) {
			h->pool = p;
			h->pool[h->npool++] = easy;
			easy = NULL;
		}
	}
	if (easy)
		curl_easy_cleanup(easy);
	if (res != CURLE_OK && q->errbuf[0] == '\0')
		strlcpy(q->errbuf, curl_easy_strerror(res), sizeof(q->errbuf));
	measure_request(h->m, q->cls, status, (int64_t)total, q->attempt > 0);
	if (status == 429)
		measure_429(h->m, q->retry_after);
	if (h->cfg.on_request) {
		hub_path_class(q->path, what, sizeof(what));
		rl.method = q->method;
		rl.what = what;
		rl.cls = q->cls;
		rl.status = status;
		rl.neterr = status ? NULL : q->errbuf;
		rl.ms = (double)total / 1000.0;
		rl.attempt = q->attempt;
		h->cfg.on_request(h->cfg.log_arg, &rl);
	}
	retry = (status == 0 || status == 502 || status == 503 ||
	    status == 504) && q->attempt + 1 < h->cfg.max_tries &&
	    res != CURLE_WRITE_ERROR;
	if (retry) {
		q->attempt++;
		q->state = 2;
		q->timer = loop_timer_add(h->loop, hub_backoff_ms(q->attempt,
		    h->cfg.backoff_ms, 8000, hub_rand(h)), on_backoff, q);
		if (q->timer != NULL) {
			hub_pump(h);
			return;
		}
	}
	hreq_finish(q, status, status ? NULL : q->errbuf, (int64_t)total);
	hub_pump(h);
}

static void
hub_pump(struct hub *h)
{
	int64_t wait;

	while (h->flying < h->cfg.concurrency && h->qhead) {
		struct hreq *q = h->qhead;

		if ((wait = hub_pace_wait_ms(h)) > 0) {
			/* paced: the queue waits (an answer pumps too) */
			if (h->pace_timer == NULL)
				h->pace_timer = loop_timer_add(h->loop, wait,
				    on_pace, h);
			return;
		}

		h->qhead = q->qnext;
		if (h->qhead == NULL)
			h->qtail = NULL;
		q->qnext = NULL;
		if (hreq_start(q) != 0) {
			strlcpy(q->errbuf, "cannot start a transfer",
			    sizeof(q->errbuf));
			measure_request(h->m, q->cls, 0, 0, q->attempt > 0);
			hreq_finish(q, 0, q->errbuf, 0);
		}
	}
}

int
hub_request(struct hub *h, enum mclass cls, const char *method,
    const char *path, const char *body, hub_cb *cb, void *arg)
{
	struct hreq *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return HS_ENOMEM;
	q->h = h;
	q->cls = cls;
	strlcpy(q->method, method, sizeof(q->method));
	q->cb = cb;
	q->arg = arg;
	buf_init(&q->resp, h->cfg.max_body);
	if ((q->path = strdup(path)) == NULL ||
	    (body && (q->body = strdup(body)) == NULL)) {
		free(q->path);
		free(q->body);
		free(q);
		return HS_ENOMEM;
	}
	LIST_INSERT_HEAD(&h->all, q, link);
	h->nreq++;
	if (h->qtail)
		h->qtail->qnext = q;
	else
		h->qhead = q;
	h->qtail = q;
	hub_pump(h);
	return 0;
}

/* --- streams --- */

/*
 * A stream is a GET whose body is handed over as it arrives (the spawn
 * progress event stream). It bypasses the queue, the concurrency and the
 * pace, and it is never retried: a broken stream is the caller's data.
 * Its one attempt is measured under its class when it ends, from open to
 * end (a stream closed by its owner: the time until then).
 */
struct hub_stream {
	struct hub		*h;
	LIST_ENTRY(hub_stream)	 link;		/* the hub's streams */
	enum mclass		 cls;
	char			*path;
	CURL			*easy;
	hub_stream_chunk_cb	*on_chunk;
	hub_stream_end_cb	*on_end;
	void			*arg;
	int64_t			 t0;		/* us, opened */
	long			 status;	/* once the headers are in */
	char			 errbuf[CURL_ERROR_SIZE];
};

static void
stream_unlink(struct hub_stream *st)
{
	struct hub *h = st->h;

	LIST_REMOVE(st, link);
	h->nstreams--;
}

static void
stream_log(struct hub_stream *st, long status, int64_t us)
{
	struct hub *h = st->h;
	struct hub_reqlog rl;
	char what[128];

	measure_request(h->m, st->cls, status, us, 0);
	if (h->cfg.on_request) {
		hub_path_class(st->path, what, sizeof(what));
		rl.method = "GET";
		rl.what = what;
		rl.cls = st->cls;
		rl.status = status;
		rl.neterr = status ? NULL : st->errbuf;
		rl.ms = (double)us / 1000.0;
		rl.attempt = 0;
		h->cfg.on_request(h->cfg.log_arg, &rl);
	}
}

static size_t
on_stream_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct hub_stream *st = arg;

	if (st->status == 0)
		curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE,
		    &st->status);
	/* an error's body is not the stream: dropped */
	if (st->status >= 200 && st->status < 300)
		st->on_chunk(st->arg, p, sz * nm);
	return sz * nm;
}

static void
on_stream_done(void *arg, CURL *easy, CURLcode res)
{
	struct hub_stream *st = arg;
	long status = 0;
	curl_off_t total = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
	curl_easy_cleanup(easy);
	st->easy = NULL;
	if (res != CURLE_OK && st->errbuf[0] == '\0')
		strlcpy(st->errbuf, curl_easy_strerror(res),
		    sizeof(st->errbuf));
	stream_log(st, status, (int64_t)total);
	stream_unlink(st);
	st->on_end(st->arg, status, res == CURLE_OK ? NULL : st->errbuf);
	free(st->path);
	free(st);
}

int
hub_stream_open(struct hub *h, enum mclass cls, const char *path,
    int64_t timeout_ms, hub_stream_chunk_cb *on_chunk,
    hub_stream_end_cb *on_end, void *arg, struct hub_stream **sp)
{
	struct hub_stream *st;
	struct buf url = BUF_INIT(8192);
	int r = HS_ENOMEM;

	*sp = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return HS_ENOMEM;
	st->h = h;
	st->cls = cls;
	st->on_chunk = on_chunk;
	st->on_end = on_end;
	st->arg = arg;
	if ((st->path = strdup(path)) == NULL ||
	    buf_printf(&url, "%s%s", h->url, path) != 0 ||
	    (st->easy = curl_easy_init()) == NULL)
		goto out;
	curl_easy_setopt(st->easy, CURLOPT_URL, url.data);
	curl_easy_setopt(st->easy, CURLOPT_HTTPHEADER, h->shdrs);
	curl_easy_setopt(st->easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(st->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(st->easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(st->easy, CURLOPT_CONNECTTIMEOUT, 10L);
	/* the hub keeps a stream alive every 8 s: 30 s of silence is dead */
	curl_easy_setopt(st->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(st->easy, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(st->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(st->easy, CURLOPT_WRITEFUNCTION, on_stream_body);
	curl_easy_setopt(st->easy, CURLOPT_WRITEDATA, st);
	curl_easy_setopt(st->easy, CURLOPT_ERRORBUFFER, st->errbuf);
	curl_easy_setopt(st->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(st->easy, CURLOPT_USERAGENT,
	    "hubspy/" HUBSPY_VERSION);
	if ((r = loop_xfer_add(h->loop, st->easy, on_stream_done, st)) != 0)
		goto out;
	st->t0 = loop_now_us();
	LIST_INSERT_HEAD(&h->streams, st, link);
	h->nstreams++;
	*sp = st;
	st = NULL;
	r = 0;
out:
	buf_release(&url);
	if (st != NULL) {
		if (st->easy)
			curl_easy_cleanup(st->easy);
		free(st->path);
		free(st);
	}
	return r;
}

void
hub_stream_close(struct hub_stream *st)
{
	long status = 0;

	if (st == NULL)
		return;
	curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE, &status);
	loop_xfer_cancel(st->h->loop, st->easy);
	curl_easy_cleanup(st->easy);
	strlcpy(st->errbuf, "closed", sizeof(st->errbuf));
	stream_log(st, status, loop_now_us() - st->t0);
	stream_unlink(st);
	free(st->path);
	free(st);
}

size_t
hub_streams_open(const struct hub *h)
{
	return h->nstreams;
}

/* --- paged listing --- */

struct hlist {
	struct hub	*h;
	enum mclass	 cls;
	char		*query;
	hub_item_cb	*item;
	hub_done_cb	*done;
	void		*arg;
	long		 offset;
	int		 pages;
};

static int hlist_next(struct hlist *L);

static void
hlist_end(struct hlist *L, int r, const char *msg)
{
	L->done(L->arg, r, msg);
	free(L->query);
	free(L);
}

static void
on_page(void *arg, const struct hub_resp *rs)
{
	struct hlist *L = arg;
	cJSON *j = NULL;
	const cJSON *it, *items;
	char msg[600];
	long off = 0;
	int r;

	if (rs->status != 200) {
		if (rs->status == 0)
			snprintf(msg, sizeof(msg), "cannot list users: %s",
			    rs->neterr);
		else
			snprintf(msg, sizeof(msg), "listing users answered "
			    "%ld%s%.200s", rs->status, rs->message[0] ? ": " :
			    "", rs->message);
		hlist_end(L, rs->status == 403 ? HS_EAUTH : HS_EHUB, msg);
		return;
	}
	if ((j = cJSON_ParseWithLength(rs->body, rs->len)) == NULL) {
		hlist_end(L, HS_EHUB, "listing users: the answer is not JSON");
		return;
	}
	if (cJSON_IsArray(j)) {
		/* a hub without pagination (< 2.0): one capped page */
		cJSON_ArrayForEach(it, j)
			L->item(L->arg, it);
		cJSON_Delete(j);
		hlist_end(L, 0, NULL);
		return;
	}
	if ((r = hub_page_next(j, &off)) < 0) {
		cJSON_Delete(j);
		hlist_end(L, HS_EHUB, "listing users: unexpected page shape");
		return;
	}
	items = cJSON_GetObjectItemCaseSensitive(j, "items");
	cJSON_ArrayForEach(it, items)
		L->item(L->arg, it);
	cJSON_Delete(j);
	if (r == 1) {
		hlist_end(L, 0, NULL);
		return;
	}
	if (off <= L->offset || ++L->pages > 100000) {
		hlist_end(L, HS_EHUB, "listing users: pagination does not "
		    "advance");
		return;
	}
	L->offset = off;
	if (hlist_next(L) != 0)
		hlist_end(L, HS_ENOMEM, "out of memory");
}

static int
hlist_next(struct hlist *L)
{
	char path[1200];

	snprintf(path, sizeof(path), "/users?%s%slimit=200&offset=%ld",
	    L->query, L->query[0] ? "&" : "", L->offset);
	return hub_request(L->h, L->cls, "GET", path, NULL, on_page, L);
}

int
hub_list_users(struct hub *h, enum mclass cls, const char *query,
    hub_item_cb *item, hub_done_cb *done, void *arg)
{
	struct hlist *L;
	int r;

	if ((L = calloc(1, sizeof(*L))) == NULL)
		return HS_ENOMEM;
	L->h = h;
	L->cls = cls;
	L->item = item;
	L->done = done;
	L->arg = arg;
	if ((L->query = strdup(query ? query : "")) == NULL) {
		free(L);
		return HS_ENOMEM;
	}
	if ((r = hlist_next(L)) != 0) {
		free(L->query);
		free(L);
	}
	return r;
}

/* --- synchronous helpers --- */

struct hsync {
	int		 done;
	long		 status;
	char		 neterr[CURL_ERROR_SIZE];
	char		 message[512];
	char		*body;
	size_t		 len;
};

static void
on_sync(void *arg, const struct hub_resp *rs)
{
	struct hsync *s = arg;

	s->done = 1;
	s->status = rs->status;
	strlcpy(s->neterr, rs->neterr, sizeof(s->neterr));
	strlcpy(s->message, rs->message, sizeof(s->message));
	if ((s->body = malloc(rs->len + 1)) != NULL) {
		memcpy(s->body, rs->body, rs->len + 1);
		s->len = rs->len;
	}
}

static int
sync_done(void *arg)
{
	return *(int *)arg;
}

/* GET path, then turns the loop until cb has set *donep */
static int
hub_wait(struct hub *h, enum mclass cls, const char *path, hub_cb *cb,
    void *arg, int *donep)
{
	int r;

	if ((r = hub_request(h, cls, "GET", path, NULL, cb, arg)) != 0)
		return r;
	/* bounded by the request's own timeouts and tries; a loop_stop()
	 * (a signal) must not leave arg dangling, so turn until answered */
	while (!*donep)
		if (loop_run(h->loop, sync_done, donep, 0) < 0)
			break;
	if (!*donep) {
		hub_cancel_all(h);	/* the loop failed: nothing can go on */
		return HS_EFAIL;
	}
	return 0;
}

static int
hub_sync(struct hub *h, enum mclass cls, const char *path, struct hsync *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = hub_wait(h, cls, path, on_sync, s, &s->done)) != 0)
		return r;
	return s->body ? 0 : HS_ENOMEM;
}

int
hub_get_json(struct hub *h, enum mclass cls, const char *path, cJSON **jp,
    long *statusp, struct hs_errbuf *eb)
{
	struct hsync s;
	int r;

	*jp = NULL;
	if ((r = hub_sync(h, cls, path, &s)) != 0) {
		free(s.body);
		return hs_error(eb, r, "request interrupted");
	}
	if (statusp)
		*statusp = s.status;
	if (s.status == 0) {
		r = hs_error(eb, HS_EHUB, "cannot reach the hub at '%.200s': "
		    "%.200s; check --url or JUPYTERHUB_API_URL", h->url,
		    s.neterr);
	} else if (s.status == 403) {
		r = hs_error(eb, HS_EAUTH, "the hub refused 'GET %.100s' (403 "
		    "%.200s); check the token (JUPYTERHUB_API_TOKEN or "
		    "--token-file) and its scopes", path, s.message);
	} else if (s.status != 200) {
		r = hs_error(eb, HS_EHUB, "'GET %.100s' answered %ld%s%.200s",
		    path, s.status, s.message[0] ? ": " : "", s.message);
	} else if ((*jp = cJSON_ParseWithLength(s.body, s.len)) == NULL) {
		r = hs_error(eb, HS_EHUB, "'GET %.100s' did not answer JSON; "
		    "is '%.200s' a JupyterHub API root?", path, h->url);
	} else
		r = 0;
	free(s.body);
	return r;
}

/* --- text requests: metrics, health probes --- */

void
hub_text_release(struct hub_text *tx)
{
	buf_release(&tx->body);
	tx->status = 0;
	tx->error[0] = '\0';
	tx->latency_us = 0;
}

struct htext {
	struct hub_text	*tx;
	int		 done, nomem;
};

static void
on_text(void *arg, const struct hub_resp *rs)
{
	struct htext *ht = arg;

	ht->done = 1;
	ht->tx->status = rs->status;
	strlcpy(ht->tx->error, rs->status == 0 ? rs->neterr : "",
	    sizeof(ht->tx->error));
	ht->tx->latency_us = rs->latency_us;
	if (buf_add(&ht->tx->body, rs->body, rs->len) != 0)
		ht->nomem = 1;
}

int
hub_get_text(struct hub *h, enum mclass cls, const char *path,
    struct hub_text *tx, struct hs_errbuf *eb)
{
	struct htext ht = { tx, 0, 0 };
	int r;

	buf_reset(&tx->body);
	tx->status = 0;
	tx->error[0] = '\0';
	tx->latency_us = 0;
	if ((r = hub_wait(h, cls, path, on_text, &ht, &ht.done)) != 0)
		return hs_error(eb, r, r == HS_ENOMEM ? "out of memory" :
		    "request interrupted");
	if (ht.nomem)
		return hs_error(eb, HS_ELIMIT, "'GET %.100s': the answer is "
		    "larger than %zu bytes", path, tx->body.max);
	return 0;
}

struct hub_probe {
	struct loop	*loop;
	CURL		*easy;		/* NULL once done (or never started) */
	char		*url;
	int		 done;
	struct hub_text	 text;
};

static size_t
on_probe_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct hub_probe *pr = arg;

	/* the body stops at the first chunk past the cap (the buffer's
	 * error is sticky: no later chunk leaves a hole); the transfer goes
	 * on so the status and latency are still read */
	(void)buf_add(&pr->text.body, p, sz * nm);
	return sz * nm;
}

static void
on_probe_done(void *arg, CURL *easy, CURLcode res)
{
	struct hub_probe *pr = arg;
	curl_off_t us = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &pr->text.status);
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &us);
	pr->text.latency_us = (int64_t)us;
	if (res != CURLE_OK)
		strlcpy(pr->text.error, curl_easy_strerror(res),
		    sizeof(pr->text.error));
	pr->done = 1;
	curl_easy_cleanup(easy);
	pr->easy = NULL;
}

int
hub_probe_start(struct hub_probe **pp, struct loop *l, const char *base,
    const char *path, int64_t timeout_ms, size_t max_body)
{
	struct hub_probe *pr;
	struct buf url = BUF_INIT(8192);
	int r = HS_ENOMEM;

	*pp = NULL;
	if ((pr = calloc(1, sizeof(*pr))) == NULL)
		return HS_ENOMEM;
	pr->loop = l;
	buf_init(&pr->text.body, max_body);
	if (buf_printf(&url, "%s%s", base, path) != 0 ||
	    (pr->url = buf_detach(&url, NULL)) == NULL ||
	    (pr->easy = curl_easy_init()) == NULL)
		goto out;
	curl_easy_setopt(pr->easy, CURLOPT_URL, pr->url);
	curl_easy_setopt(pr->easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(pr->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(pr->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(pr->easy, CURLOPT_WRITEFUNCTION, on_probe_body);
	curl_easy_setopt(pr->easy, CURLOPT_WRITEDATA, pr);
	curl_easy_setopt(pr->easy, CURLOPT_USERAGENT, "hubspy/" HUBSPY_VERSION);
	if ((r = loop_xfer_add(l, pr->easy, on_probe_done, pr)) != 0)
		goto out;
	*pp = pr;
	pr = NULL;
	r = 0;
out:
	buf_release(&url);
	hub_probe_free(pr);
	return r;
}

int
hub_probe_done(const struct hub_probe *pr)
{
	return pr->done;
}

const char *
hub_probe_url(const struct hub_probe *pr)
{
	return pr->url;
}

const struct hub_text *
hub_probe_text(const struct hub_probe *pr)
{
	return &pr->text;
}

void
hub_probe_free(struct hub_probe *pr)
{
	if (pr == NULL)
		return;
	if (pr->easy != NULL) {
		/* harmless when the transfer was never added */
		loop_xfer_cancel(pr->loop, pr->easy);
		curl_easy_cleanup(pr->easy);
	}
	hub_text_release(&pr->text);
	free(pr->url);
	free(pr);
}

char *
hub_base_url(const char *api_url)
{
	char *b;
	size_t n;

	if (api_url == NULL || *api_url == '\0' || (b = strdup(api_url)) ==
	    NULL)
		return NULL;
	n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	if (n >= 8 && strcmp(b + n - 8, "/hub/api") == 0)
		b[n - 8] = '\0';
	return b;
}

/* --- preflight --- */

static int
has_scope(const cJSON *scopes, const char *name)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, scopes)
		if (cJSON_IsString(s) && strcmp(s->valuestring, name) == 0)
			return 1;
	return 0;
}

int
hub_preflight(struct hub *h, int need_write, struct hs_errbuf *eb)
{
	cJSON *v = NULL, *u = NULL;
	const cJSON *ver, *sc, *k, *nm;
	struct hub_info *in = &h->info;
	long st = 0;
	int r;

	if ((r = hub_get_json(h, MC_OTHER, "/", &v, &st, eb)) != 0) {
		if (r == HS_EAUTH || (r == HS_EHUB && st != 0))
			r = hs_error(eb, HS_EHUB, "'%.200s' does not look like "
			    "a JupyterHub API root (GET / answered %ld); give "
			    "e.g. http://127.0.0.1:8081/hub/api", h->url, st);
		goto out;
	}
	ver = cJSON_GetObjectItemCaseSensitive(v, "version");
	if (!cJSON_IsString(ver) || hub_parse_version(ver->valuestring,
	    &in->major, &in->minor, &in->patch) != 0) {
		r = hs_error(eb, HS_EHUB, "'%.200s' does not look like a "
		    "JupyterHub API root (no version); give e.g. "
		    "http://127.0.0.1:8081/hub/api", h->url);
		goto out;
	}
	strlcpy(in->version, ver->valuestring, sizeof(in->version));
	if ((r = hub_get_json(h, MC_OTHER, "/user", &u, &st, eb)) != 0) {
		if (r == HS_EAUTH)
			r = hs_error(eb, HS_EAUTH, "the hub rejected the token "
			    "(403 on GET /user); check JUPYTERHUB_API_TOKEN or "
			    "--token-file");
		goto out;
	}
	k = cJSON_GetObjectItemCaseSensitive(u, "kind");
	nm = cJSON_GetObjectItemCaseSensitive(u, "name");
	if (cJSON_IsString(k))
		strlcpy(in->kind, k->valuestring, sizeof(in->kind));
	if (cJSON_IsString(nm))
		strlcpy(in->owner, nm->valuestring, sizeof(in->owner));
	sc = cJSON_GetObjectItemCaseSensitive(u, "scopes");
	if (cJSON_IsArray(sc)) {
		cJSON_Delete(h->scopes);
		h->scopes = cJSON_DetachItemViaPointer(u, (cJSON *)sc);
		sc = h->scopes;
		in->has_admin_users = has_scope(sc, "admin:users");
		in->has_servers = has_scope(sc, "servers") ||
		    has_scope(sc, "admin:servers");
		in->has_read_metrics = has_scope(sc, "read:metrics");
		in->has_read_hub = has_scope(sc, "read:hub");
		in->has_tokens = has_scope(sc, "tokens");
	} else {
		/* a hub before RBAC (< 2.0): admin users can do everything */
		const cJSON *adm = cJSON_GetObjectItemCaseSensitive(u, "admin");

		in->has_admin_users = in->has_servers = in->has_tokens =
		    cJSON_IsTrue(adm);
	}
	if (need_write && !in->has_admin_users) {
		r = hs_error(eb, HS_EAUTH, "the token lacks the 'admin:users' "
		    "scope; give its role admin:users and servers (see "
		    "docs/load.md)");
		goto out;
	}
	if (need_write && !in->has_servers) {
		r = hs_error(eb, HS_EAUTH, "the token lacks the 'servers' "
		    "scope (or admin:servers); give its role admin:users and "
		    "servers (see docs/load.md)");
		goto out;
	}
	r = 0;
 out:
	cJSON_Delete(v);
	cJSON_Delete(u);
	return r;
}
