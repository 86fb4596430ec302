/* session.c -- browser-like user sessions: own token, login form, pages, proxy */
/*
 * A session is a small state machine per user: MINT (the service token
 * asks POST /users/NAME/tokens, through hub.c), LOGIN (GET /hub/login for
 * the form and its _xsrf, then POST it; the cookies come back in
 * Set-Cookie and live in a per-user jar string), then BROWSE: a think
 * timer, then one request picked by the mix weights, then the next think
 * time. The users' own requests do not go through hub.c (whose every
 * request carries the service token to the API root): they are curl easy
 * handles of this module on the same loop, with the user's Authorization
 * or Cookie header, to the PUBLIC URL, as a browser sends them. A user has
 * at most one request in flight; when cfg.concurrency are flying, users
 * whose think time is over wait in a FIFO. Easy handles are pooled (reset
 * between uses) so libcurl keeps its connections alive in the multi.
 *
 * While its server starts (sessions_starting(), before it is ready) the
 * user holds a second, long request: the spawn's progress event stream,
 * GET /hub/api/users/NAME/server/progress with its token, read to its end
 * (the hub closes it after the ready or failed event) and measured from
 * open to end under MC_PROGRESS. It is read as a browser reads it, by
 * progress.c's SSE reader: a stream that ends before its ready or failed
 * event is said once. With the login form, the user also does what a
 * browser does after clicking start: it logs in first (when it has no
 * cookie yet) and loads the hub's /hub/spawn-pending/NAME page with its
 * cookie (MC_SPAWNPEND: 200 and the page while the server starts, 302 to
 * the server once it is ready, on 3.0 as on 5.x); the OAuth opening of
 * its server and the browsing then wait for the server to be ready.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "load/progress.h"
#include "load/session.h"

#define NAME_LEN	64
#define TOKEN_LEN	128
#define COOKIE_MAX	4096
#define LOGIN_BODY_MAX	(256u << 10)

enum sstate { S_OFF, S_MINT, S_LOGIN, S_PENDING, S_OPEN, S_BROWSE };

/* hops a browser follows to open its server (server, hub, callback, the
 * page again): more is a loop */
#define OPEN_MAX_HOPS	6

struct sreq;

struct suser {
	struct sessions		*s;
	char			 name[NAME_LEN];
	char			 token[TOKEN_LEN];	/* "" until minted */
	char			*cookie;	/* jar "k=v; k2=v2" or NULL */
	uint8_t			 state;
	uint8_t			 on;		/* the session runs */
	uint8_t			 queued;	/* waits for a free slot */
	uint8_t			 login_tried;
	uint8_t			 minting;	/* a mint is at the hub */
	uint8_t			 nproxy;	/* rotates the proxy paths */
	uint8_t			 starting;	/* its server is starting */
	uint8_t			 srv_cookie;	/* holds its server's cookie */
	uint8_t			 open_tried;	/* opened its server (OAuth) */
	uint8_t			 pend_due;	/* a start's spawn-pending page
						 * is still to be loaded */
	struct loop_timer	*timer;		/* think time */
	struct sreq		*rq;		/* in flight */
	struct sreq		*prq;		/* the progress stream */
	struct suser		*qnext;
};

struct sreq {
	struct suser		*u;
	enum mclass		 cls;
	int			 step;		/* login: 0 GET, 1 POST */
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*post;
	struct buf		 body;		/* login form only */
	int			 keep_body;
	struct progress_sse	*sse;		/* the progress stream only */
};

struct sessions {
	struct hub		*hub;
	struct loop		*loop;
	struct measure		*m;
	struct session_config	 cfg;
	char			*pub;		/* public URL, no trailing / */
	int			 login_form;	/* the preflight found a form */
	struct suser		**u;
	size_t			 n, cap;
	struct suser		*qhead, *qtail;
	int			 flying;
	int			 streams;	/* progress streams open */
	CURL			**pool;
	size_t			 npool;
	uint32_t		 rnd;
	struct session_stats	 st;
	int			 said_mint, said_login, said_progress;
	int			 said_cut;	/* a stream ended early */
};

/* JupyterLab's own polls, in turn (the server answers them itself) */
static const char *const proxy_paths[] = {
	"api/kernels", "api/sessions", "api/terminals", "api/status",
};
#define NPROXY (sizeof(proxy_paths) / sizeof(proxy_paths[0]))

static void pump(struct sessions *s);
static void think(struct suser *u, int first);

static uint32_t
srand32(struct sessions *s)
{
	uint32_t x = s->rnd;	/* xorshift32: think times and the mix */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return s->rnd = x;
}

static void
sevent(struct sessions *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
sevent(struct sessions *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (s->cfg.on_event == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->cfg.on_event(s->cfg.arg, line);
}

/* --- pure helpers --- */

int
session_pick(const struct session_mix *mix, int can_page, uint32_t r)
{
	uint32_t w[3], total, x;
	int i;

	w[0] = can_page && mix->page > 0 ? (uint32_t)mix->page : 0;
	w[1] = mix->own_api > 0 ? (uint32_t)mix->own_api : 0;
	w[2] = mix->proxy > 0 ? (uint32_t)mix->proxy : 0;
	total = w[0] + w[1] + w[2];
	if (total == 0)
		return -1;
	x = r % total;
	for (i = 0; i < 3; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return 2;
}

int
session_form_value(const char *html, const char *name, char *dst, size_t n)
{
	char pat[96];
	const char *p, *tag, *end, *v, *q;
	size_t len;

	snprintf(pat, sizeof(pat), "name=\"%s\"", name);
	for (p = html; (p = strstr(p, pat)) != NULL; p += strlen(pat)) {
		/* the tag around it: the last '<' before, the next '>' after */
		for (tag = p; tag > html && *tag != '<'; tag--)
			;
		if (*tag != '<' || (end = strchr(p, '>')) == NULL)
			continue;
		for (v = tag; (v = strstr(v, "value=\"")) != NULL && v < end;
		    v += 7) {
			if (v > tag && !isspace((unsigned char)v[-1]))
				continue;
			v += 7;
			if ((q = strchr(v, '"')) == NULL || q > end)
				return -1;
			len = (size_t)(q - v);
			if (len >= n)
				return -1;
			memcpy(dst, v, len);
			dst[len] = '\0';
			return 0;
		}
	}
	return -1;
}

int
session_form_offered(const char *html)
{
	return strstr(html, "<form") != NULL &&
	    strstr(html, "name=\"username\"") != NULL &&
	    strstr(html, "name=\"password\"") != NULL;
}

int
session_cookie_set(char **jarp, const char *sc)
{
	struct buf b = BUF_INIT(COOKIE_MAX);
	const char *eq, *end, *p, *e;
	size_t klen, vlen;
	char *nj;
	int r;

	while (*sc == ' ' || *sc == '\t')
		sc++;
	end = sc + strcspn(sc, ";\r\n");
	if ((eq = memchr(sc, '=', (size_t)(end - sc))) == NULL || eq == sc ||
	    memchr(sc, ' ', (size_t)(eq - sc)) != NULL)
		return HS_EUSAGE;
	klen = (size_t)(eq - sc);
	vlen = (size_t)(end - eq - 1);
	/* the other cookies of the jar, in their order */
	for (p = *jarp; p != NULL && *p != '\0'; p = *e ? e + 2 : e) {
		if ((e = strstr(p, "; ")) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > klen && strncmp(p, sc, klen) == 0 &&
		    p[klen] == '=')
			continue;
		if (b.len > 0)
			buf_addstr(&b, "; ");
		buf_add(&b, p, (size_t)(e - p));
	}
	if (vlen > 0) {		/* an empty value clears the cookie */
		if (b.len > 0)
			buf_addstr(&b, "; ");
		buf_add(&b, sc, (size_t)(end - sc));
	}
	if ((r = buf_error(&b)) != 0) {
		explicit_bzero(b.data, b.len);
		buf_release(&b);
		return r;
	}
	nj = NULL;
	if (b.len > 0 && (nj = buf_detach(&b, NULL)) == NULL)
		return HS_ENOMEM;
	buf_release(&b);
	if (*jarp != NULL) {
		explicit_bzero(*jarp, strlen(*jarp));
		free(*jarp);
	}
	*jarp = nj;
	return 0;
}

int
session_mint_body(struct buf *b, const char *name, int expires_s)
{
	/* what a single-user server's token and a browser session of this
	 * user hold: read itself and its servers, use its server, post its
	 * activity; nothing of anyone else */
	return buf_printf(b, "{\"scopes\":[\"read:users!user=%s\","
	    "\"read:servers!user=%s\",\"access:servers!user=%s\","
	    "\"users:activity!user=%s\"],\"note\":\"hubspy session\","
	    "\"expires_in\":%d}", name, name, name, name, expires_s);
}

/* --- lifecycle --- */

int
sessions_new(struct sessions **sp, struct hub *h,
    const struct session_config *cfg, struct hs_errbuf *eb)
{
	struct sessions *s;
	const char *u = cfg->public_url;
	size_t n;

	*sp = NULL;
	if (u == NULL || (strncmp(u, "http://", 7) != 0 &&
	    strncmp(u, "https://", 8) != 0) || strlen(u) < 9 ||
	    strpbrk(u, " \t\r\n?#") != NULL)
		return hs_error(eb, HS_EUSAGE, "bad public URL '%.200s'; give "
		    "the hub's public address, e.g. http://127.0.0.1:8000 "
		    "(--public-url or hub.public_url)", u ? u : "");
	if (cfg->mix.page < 0 || cfg->mix.own_api < 0 || cfg->mix.proxy < 0 ||
	    cfg->mix.page + cfg->mix.own_api + cfg->mix.proxy <= 0)
		return hs_error(eb, HS_EUSAGE, "sessions.mix: every weight is "
		    "0; give page, own_api or proxy a weight above 0");
	if (cfg->think_min_ms < 0 || cfg->think_max_ms < cfg->think_min_ms)
		return hs_error(eb, HS_EUSAGE, "sessions.think: min (%d ms) "
		    "is above max (%d ms)", cfg->think_min_ms,
		    cfg->think_max_ms);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->pub = strdup(u)) == NULL) {
		free(s);
		return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	n = strlen(s->pub);
	while (n > 0 && s->pub[n - 1] == '/')
		s->pub[--n] = '\0';
	s->hub = h;
	s->loop = hub_loop(h);
	s->m = hub_measure(h);
	s->cfg = *cfg;
	s->cfg.public_url = NULL;
	if (s->cfg.concurrency < 1)
		s->cfg.concurrency = 1;
	if (s->cfg.timeout_s < 1)
		s->cfg.timeout_s = 30;
	s->rnd = (uint32_t)loop_now_us() | 1;
	/* the multi's connection cache holds the hub client's connections
	 * and the sessions' (hub_new sized it for its own alone): without
	 * room, every session request would open a new connection */
	curl_multi_setopt(loop_multi(s->loop), CURLMOPT_MAXCONNECTS,
	    (long)hub_concurrency(h) + s->cfg.concurrency + 8);
	*sp = s;
	return 0;
}

static void
sreq_free(struct sreq *q)
{
	struct curl_slist *l;

	if (q == NULL)
		return;
	for (l = q->hdrs; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(q->hdrs);
	if (q->post != NULL) {
		explicit_bzero(q->post, strlen(q->post));
		free(q->post);
	}
	buf_release(&q->body);
	if (q->sse != NULL) {
		progress_sse_free(q->sse);
		free(q->sse);
	}
	free(q);
}

/* aborts the request in *qp (if any), counted in *countp */
static void
req_cancel(struct sessions *s, struct sreq **qp, int *countp)
{
	if (*qp == NULL)
		return;
	loop_xfer_cancel(s->loop, (*qp)->easy);
	curl_easy_cleanup((*qp)->easy);
	sreq_free(*qp);
	*qp = NULL;
	(*countp)--;
}

/* ends whatever user u has going: timer, queue place, request; with
 * keep_login a login already at the hub goes on (user_end) */
static void
user_quiet(struct suser *u, int keep_login)
{
	struct sessions *s = u->s;
	struct suser **pp;

	if (u->timer != NULL) {
		loop_timer_cancel(s->loop, u->timer);
		u->timer = NULL;
	}
	if (u->queued) {
		for (pp = &s->qhead; *pp != NULL; pp = &(*pp)->qnext)
			if (*pp == u) {
				*pp = u->qnext;
				break;
			}
		s->qtail = NULL;
		for (pp = &s->qhead; *pp != NULL; pp = &(*pp)->qnext)
			s->qtail = *pp;
		u->queued = 0;
		u->qnext = NULL;
	}
	req_cancel(s, &u->prq, &s->streams);
	if (u->state == S_LOGIN) {
		if (keep_login && u->rq != NULL && u->rq->cls == MC_LOGIN)
			return;
		/* a login not sent yet, or cut short: the next start logs
		 * in, where it would take the cut one for a failed one */
		u->login_tried = 0;
	}
	req_cancel(s, &u->rq, &s->flying);
}

void
sessions_free(struct sessions *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		struct suser *u = s->u[i];

		user_quiet(u, 0);
		explicit_bzero(u->token, sizeof(u->token));
		if (u->cookie != NULL) {
			explicit_bzero(u->cookie, strlen(u->cookie));
			free(u->cookie);
		}
		free(u);
	}
	for (i = 0; i < s->npool; i++)
		curl_easy_cleanup(s->pool[i]);
	free(s->pool);
	free(s->u);
	free(s->pub);
	free(s);
}

void
sessions_stats(const struct sessions *s, struct session_stats *st)
{
	*st = s->st;
}

int
sessions_login_form(const struct sessions *s)
{
	return s->login_form;
}

/* --- the users' own requests --- */

/* the user's page shows the events; only the end matters here */
static void
on_progress_event(void *arg, const struct progress_event *ev)
{
	(void)arg;
	(void)ev;
}

static size_t
on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct sreq *q = arg;

	if (q->sse != NULL)
		progress_sse_feed(q->sse, p, sz * nm, on_progress_event, q);
	if (q->keep_body)
		(void)buf_add(&q->body, p, sz * nm);	/* sticky at the cap */
	return sz * nm;
}

static size_t
on_header(char *p, size_t sz, size_t nm, void *arg)
{
	struct sreq *q = arg;
	size_t n = sz * nm;
	char line[COOKIE_MAX];

	if (n > 11 && n < sizeof(line) && strncasecmp(p, "Set-Cookie:", 11)
	    == 0) {
		memcpy(line, p + 11, n - 11);
		line[n - 11] = '\0';
		/* a cookie the jar cannot hold is left out: the next page
		 * then shows the login failed, which is counted */
		(void)session_cookie_set(&q->u->cookie, line);
		explicit_bzero(line, n - 11);
	}
	return n;
}

static void on_done(void *arg, CURL *easy, CURLcode res);

/* a handle with what every session request sets alike */
static CURL *
easy_new(void)
{
	CURL *e;

	if ((e = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "hubspy/" HUBSPY_VERSION
	    " (session)");
	return e;
}

/* sends one request of user u: path under the public URL; auth 1 sends
 * the token, cookie 1 the jar; post NULL for a GET (post is taken) */
static int
send_req(struct suser *u, enum mclass cls, int step, const char *path,
    int auth, int cookie, char *post)
{
	struct sessions *s = u->s;
	struct buf url = BUF_INIT(4096), h = BUF_INIT(TOKEN_LEN + 64);
	struct curl_slist *l;
	struct sreq *q;
	CURL *e = NULL;
	int r = HS_ENOMEM;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		free(post);
		return HS_ENOMEM;
	}
	q->u = u;
	q->cls = cls;
	q->step = step;
	q->post = post;
	q->keep_body = cls == MC_LOGIN && step == 0;
	buf_init(&q->body, LOGIN_BODY_MAX);
	if (buf_printf(&url, "%s%s", s->pub, path) != 0)
		goto out;
	if (auth && (buf_printf(&h, "Authorization: token %s", u->token) != 0
	    || (q->hdrs = curl_slist_append(NULL, h.data)) == NULL))
		goto out;
	if (post != NULL && (l = curl_slist_append(q->hdrs, "Content-Type: "
	    "application/x-www-form-urlencoded")) != NULL)
		q->hdrs = l;
	else if (post != NULL)
		goto out;
	if (cls == MC_PROGRESS) {
		if ((l = curl_slist_append(q->hdrs, "Accept: text/event-stream"))
		    == NULL || (q->sse = malloc(sizeof(*q->sse))) == NULL)
			goto out;
		q->hdrs = l;
		progress_sse_init(q->sse);
	}
	/* a pooled handle keeps what every request sets alike (no
	 * curl_easy_reset, which frees and rebuilds it all); the rest is set
	 * for each request, cleared where this one has none */
	if (s->npool > 0)
		e = s->pool[--s->npool];
	else if ((e = easy_new()) == NULL)
		goto out;
	curl_easy_setopt(e, CURLOPT_URL, url.data);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->hdrs);
	curl_easy_setopt(e, CURLOPT_COOKIE, cookie ? u->cookie : NULL);
	if (cls == MC_PROGRESS) {
		/* a stream: bounded as a whole by the spawn's own timeout; the
		 * hub sends a keepalive every 8 s, so 30 s of silence is dead */
		curl_easy_setopt(e, CURLOPT_TIMEOUT,
		    (long)s->cfg.progress_timeout_s);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
	} else {
		curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)s->cfg.timeout_s);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 0L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 0L);
	}
	curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
	if (post != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
	} else
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	if ((r = loop_xfer_add(s->loop, e, on_done, q)) != 0)
		goto out;
	q->easy = e;
	e = NULL;
	if (cls == MC_PROGRESS) {
		u->prq = q;
		s->streams++;
	} else {
		u->rq = q;
		s->flying++;
	}
	q = NULL;
	r = 0;
out:
	explicit_bzero(h.data, h.len);
	buf_release(&h);
	buf_release(&url);
	if (e != NULL)
		curl_easy_cleanup(e);
	sreq_free(q);
	return r;
}

static void
login_step(struct suser *u, int step, const char *xsrf)
{
	struct buf b = BUF_INIT(1024);
	char *post;

	if (step == 0) {
		(void)send_req(u, MC_LOGIN, 0, "/hub/login", 0, 1, NULL);
		return;
	}
	/* DummyAuthenticator-style: the user's name, an empty password */
	if (buf_printf(&b, "username=%s&password=", u->name) != 0 ||
	    (xsrf[0] != '\0' && buf_printf(&b, "&_xsrf=%s", xsrf) != 0) ||
	    (post = buf_detach(&b, NULL)) == NULL) {
		buf_release(&b);
		return;
	}
	buf_release(&b);
	(void)send_req(u, MC_LOGIN, 1, "/hub/login?next=", 0, 1, post);
}

static int
logged_in(const struct suser *u)
{
	return u->cookie != NULL &&
	    (strstr(u->cookie, "jupyterhub-session-id=") != NULL ||
	    strstr(u->cookie, "jupyterhub-hub-login=") != NULL);
}

/* where a logged-in (or not) user goes once its server is ready: open
 * the server as a browser does (OAuth) when it has none of its cookies
 * yet, else browse */
static int
next_state(const struct suser *u)
{
	return u->s->cfg.open_server && logged_in(u) && !u->srv_cookie &&
	    !u->open_tried ? S_OPEN : S_BROWSE;
}

/* the think time is over: one request, now or when a slot frees */
static void
act(struct suser *u)
{
	struct sessions *s = u->s;
	char path[NAME_LEN + 64];
	int a, r;

	if (u->rq != NULL || (!u->on && !(u->starting &&
	    (u->state == S_LOGIN || u->state == S_PENDING))))
		return;
	if (s->flying >= s->cfg.concurrency) {
		if (!u->queued) {
			u->queued = 1;
			u->qnext = NULL;
			if (s->qtail)
				s->qtail->qnext = u;
			else
				s->qhead = u;
			s->qtail = u;
		}
		return;
	}
	if (u->state == S_LOGIN) {
		login_step(u, 0, "");
		if (u->rq != NULL)
			return;
		u->state = S_BROWSE;	/* out of memory: browse without */
	}
	if (u->state == S_PENDING) {
		/* the page the hub sends a browser to after start */
		u->pend_due = 0;
		snprintf(path, sizeof(path), "/hub/spawn-pending/%s", u->name);
		if (send_req(u, MC_SPAWNPEND, 0, path, 0, 1, NULL) == 0)
			return;
		u->state = next_state(u);
	}
	if (!u->on)
		return;		/* the rest waits for its server */
	if (u->state == S_OPEN) {
		/* a page of the server (files/: every jupyter_server has it)
		 * needs the browser's login: OAuth, as when a tab opens */
		snprintf(path, sizeof(path), "/user/%s/files/", u->name);
		u->open_tried = 1;
		if (send_req(u, MC_OAUTH, 0, path, 0, 1, NULL) == 0)
			return;
		u->state = S_BROWSE;
	}
	a = session_pick(&s->cfg.mix, logged_in(u), srand32(s));
	switch (a) {
	case 0:
		r = send_req(u, MC_PAGE, 0, "/hub/home", 0, 1, NULL);
		break;
	case 1:
		r = send_req(u, MC_OWNAPI, 0, "/hub/api/user", 1, 0, NULL);
		break;
	case 2:
		snprintf(path, sizeof(path), "/user/%s/%s", u->name,
		    proxy_paths[u->nproxy++ % NPROXY]);
		/* the server's own cookie once it gave one, else the token */
		r = send_req(u, MC_PROXY, 0, path, !u->srv_cookie,
		    u->srv_cookie, NULL);
		break;
	default:
		return;		/* nothing this user may do */
	}
	if (r != 0)
		think(u, 0);	/* try again after a think time */
}

/* the next step of a browser at once (login, spawn-pending, opening the
 * server), else after a think time */
static void
go_on(struct suser *u)
{
	if (u->state != S_BROWSE)
		act(u);
	if (u->rq == NULL && u->timer == NULL && !u->queued)
		think(u, 0);
}

static void
on_think(void *arg)
{
	struct suser *u = arg;

	u->timer = NULL;
	act(u);
}

static void
think(struct suser *u, int first)
{
	struct sessions *s = u->s;
	int64_t lo = s->cfg.think_min_ms, hi = s->cfg.think_max_ms, d;

	if (!u->on || u->timer != NULL)
		return;
	/* the first one anywhere in [0, max]: arrivals do not line up */
	if (first)
		lo = 0;
	d = lo + (int64_t)(srand32(s) % (uint32_t)(hi - lo + 1));
	u->timer = loop_timer_add(s->loop, d, on_think, u);
}

/* the next hop of a browser opening its server: the redirect's target
 * when it stays on the public URL; 0 when it was sent */
static int
open_next(struct suser *u, const char *url, long status, int hop)
{
	struct sessions *s = u->s;
	size_t n = strlen(s->pub);

	if (status < 300 || status >= 400 || url[0] == '\0' ||
	    hop >= OPEN_MAX_HOPS)
		return -1;
	if (strncmp(url, s->pub, n) != 0 || url[n] != '/')
		return -1;	/* off the hub's public URL: not followed */
	return send_req(u, MC_OAUTH, hop, url + n, 0, 1, NULL);
}

/* 1 when the jar holds the cookie u's server sets after OAuth
 * (jupyterhub-user-NAME; not its -oauth-state) */
static int
server_cookie(const struct suser *u)
{
	char needle[NAME_LEN + 24];
	const char *p;
	size_t n;

	if (u->cookie == NULL)
		return 0;
	n = (size_t)snprintf(needle, sizeof(needle), "jupyterhub-user-%s=",
	    u->name);
	for (p = u->cookie; (p = strstr(p, needle)) != NULL; p += n)
		if (p == u->cookie || p[-1] == ' ')
			return 1;
	return 0;
}

static void
on_done(void *arg, CURL *easy, CURLcode res)
{
	struct sreq *q = arg;
	struct suser *u = q->u;
	struct sessions *s = u->s;
	curl_off_t total = 0;
	long status = 0;
	char xsrf[256] = "", easy_url[2048] = "";

	if (res == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
	if (q->cls == MC_OAUTH && status >= 300 && status < 400) {
		char *loc = NULL;

		/* libcurl resolves Location against the request's URL */
		if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &loc) ==
		    CURLE_OK && loc != NULL && strlen(loc) < sizeof(easy_url))
			strlcpy(easy_url, loc, sizeof(easy_url));
	}
	measure_request(s->m, q->cls, status, (int64_t)total, 0);
	if (status == 429)
		measure_429(s->m, -1);
	if (q == u->prq) {
		u->prq = NULL;
		s->streams--;
	} else {
		u->rq = NULL;
		s->flying--;
	}
	if (s->npool < (size_t)s->cfg.concurrency) {
		CURL **p = reallocarray(s->pool, s->npool + 1, sizeof(*p));

		if (p != NULL) {
			s->pool = p;
			s->pool[s->npool++] = easy;
			easy = NULL;
		}
	}
	if (easy != NULL)
		curl_easy_cleanup(easy);
	if (q->cls == MC_PROGRESS) {
		/* the stream ended: the spawn is over, or the hub had nothing
		 * to stream (400: not starting any more, 404) */
		if (status != 200 && !s->said_progress++)
			sevent(s, "progress stream of %s: GET /hub/api/users/%s/"
			    "server/progress answered %ld%s%s", u->name,
			    u->name, status, status ? "" : ": ",
			    status ? "" : curl_easy_strerror(res));
		else if (status == 200 && !q->sse->done && !s->said_cut++)
			sevent(s, "progress stream of %s ended before its ready "
			    "or failed event (%llu events read%s%s)", u->name,
			    (unsigned long long)q->sse->events,
			    res != CURLE_OK ? ": " : "", res != CURLE_OK ?
			    curl_easy_strerror(res) : "");
		sreq_free(q);
		pump(s);
		return;
	}
	if (q->cls == MC_SPAWNPEND) {
		/* the page's script sends the browser to the server once the
		 * progress stream says ready: the OAuth opening when ready */
		sreq_free(q);
		u->state = next_state(u);
		go_on(u);
		pump(s);
		return;
	}
	if (q->cls == MC_OAUTH) {
		/* the callback's answer brings the cookie: the page it then
		 * redirects to is the server's own business */
		if (!server_cookie(u) &&
		    open_next(u, easy_url, status, q->step + 1) == 0) {
			sreq_free(q);
			return;
		}
		/* the end of the chain: the server's cookie, or none (a stub
		 * server, or a hub that refused: the token goes on) */
		if (server_cookie(u)) {
			u->srv_cookie = 1;
			s->st.opened++;
		}
		u->state = S_BROWSE;
		sreq_free(q);
		think(u, 0);
		pump(s);
		return;
	}
	if (q->cls == MC_LOGIN && q->step == 0 && status == 200 &&
	    buf_error(&q->body) == 0 && q->body.len > 0) {
		/* the form's _xsrf (JupyterHub 4+; 3.0 has none) */
		(void)session_form_value(q->body.data, "_xsrf", xsrf,
		    sizeof(xsrf));
		sreq_free(q);
		login_step(u, 1, xsrf);
		explicit_bzero(xsrf, sizeof(xsrf));
		if (u->rq != NULL)
			return;
	} else if (q->cls == MC_LOGIN) {
		if (q->step == 1 && status == 302 && logged_in(u)) {
			s->st.logged_in++;
			/* a start: its spawn-pending page (a redirect when
			 * the server got ready meanwhile); a ready server:
			 * the tab opens it at once */
			u->state = u->pend_due ? S_PENDING : next_state(u);
			if (u->state != S_BROWSE) {
				sreq_free(q);
				go_on(u);
				pump(s);
				return;
			}
		} else {
			u->pend_due = 0;	/* pages need the cookie */
			s->st.login_failed++;
			if (!s->said_login++)
				sevent(s, "login failed for %s: %s /hub/login "
				    "answered %ld%s; its session browses "
				    "without hub pages", u->name, q->step ?
				    "POST" : "GET", status, q->step && status
				    == 200 ? " (the form again: the hub "
				    "refused the name or the password)" : "");
		}
		sreq_free(q);
		u->state = S_BROWSE;
	} else
		sreq_free(q);
	think(u, 0);
	pump(s);
}

static void
pump(struct sessions *s)
{
	while (s->qhead != NULL && s->flying < s->cfg.concurrency) {
		struct suser *u = s->qhead;

		s->qhead = u->qnext;
		if (s->qhead == NULL)
			s->qtail = NULL;
		u->qnext = NULL;
		u->queued = 0;
		act(u);
		if (u->rq == NULL && u->timer == NULL)
			break;	/* could not send: the others wait too */
	}
}

/* --- the progress stream --- */

static void
progress_open(struct suser *u)
{
	char path[NAME_LEN * 2 + 48];

	if (!u->s->cfg.progress || u->prq != NULL || u->token[0] == '\0')
		return;
	snprintf(path, sizeof(path), "/hub/api/users/%s/server/progress",
	    u->name);
	(void)send_req(u, MC_PROGRESS, 0, path, 1, 0, NULL);
}

/* --- minting --- */

static void
browse(struct suser *u)
{
	struct sessions *s = u->s;

	/* a login or spawn-pending page of its start still at the hub or
	 * waiting its turn: its end goes on from there */
	if (u->rq != NULL || u->queued)
		return;
	if (s->login_form && !u->login_tried && !logged_in(u)) {
		u->login_tried = 1;
		u->state = S_LOGIN;
		think(u, 1);
		return;
	}
	u->state = next_state(u);
	if (u->state == S_OPEN)
		go_on(u);	/* the spawn-pending page sends it there */
	else
		think(u, 1);
}

static void
on_mint(void *arg, const struct hub_resp *rs)
{
	struct suser *u = arg;
	struct sessions *s = u->s;
	const cJSON *t;
	cJSON *j;

	u->minting = 0;
	if (rs->status == 201 && (j = cJSON_ParseWithLength(rs->body,
	    rs->len)) != NULL) {
		t = cJSON_GetObjectItemCaseSensitive(j, "token");
		if (cJSON_IsString(t) && strlen(t->valuestring) <
		    sizeof(u->token))
			strlcpy(u->token, t->valuestring, sizeof(u->token));
		if (t != NULL && t->valuestring != NULL)
			explicit_bzero(t->valuestring, strlen(t->valuestring));
		cJSON_Delete(j);
	}
	/* the answer held the token: wipe it before hub.c frees the body
	 * (the callback's view is const; the bytes are the request's own) */
	explicit_bzero((void *)(uintptr_t)rs->body, rs->len);
	if (u->token[0] == '\0') {
		s->st.mint_failed++;
		if (!s->said_mint++)
			sevent(s, "cannot mint a token for %s: POST "
			    "/users/%s/tokens answered %ld%s%.200s; its "
			    "session does not run", u->name, u->name,
			    rs->status, rs->message[0] ? ": " : "",
			    rs->message);
		u->state = S_OFF;
		if (u->on) {
			u->on = 0;
			s->st.browsing--;
		}
		return;
	}
	s->st.minted++;
	if (u->starting)
		progress_open(u);
	if (u->on)
		browse(u);
}

static struct suser *
find_user(struct sessions *s, const char *name)
{
	size_t i;

	/* from the end: the newest users begin and end most often */
	for (i = s->n; i > 0; i--)
		if (strcmp(s->u[i - 1]->name, name) == 0)
			return s->u[i - 1];
	return NULL;
}

/* user name's session, made on first sight; NULL when out of memory or
 * the name is too long */
static struct suser *
get_user(struct sessions *s, const char *name)
{
	struct suser *u;

	if (strlen(name) >= NAME_LEN)
		return NULL;
	if ((u = find_user(s, name)) != NULL)
		return u;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct suser **p = reallocarray(s->u, nc, sizeof(*p));

		if (p == NULL)
			return NULL;
		s->u = p;
		s->cap = nc;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->s = s;
	strlcpy(u->name, name, sizeof(u->name));
	s->u[s->n++] = u;
	s->st.users++;
	return u;
}

/* asks the hub for u's token (once: a mint in flight is not repeated) */
static int
mint(struct suser *u)
{
	struct sessions *s = u->s;
	struct buf body = BUF_INIT(1024);
	char path[NAME_LEN + 32];
	int r;

	if (u->minting || u->token[0] != '\0')
		return 0;
	u->state = S_MINT;
	snprintf(path, sizeof(path), "/users/%s/tokens", u->name);
	if ((r = session_mint_body(&body, u->name, s->cfg.token_expires_s)) ==
	    0 && (r = hub_request(s->hub, MC_MINT, "POST", path, body.data,
	    on_mint, u)) == 0)
		u->minting = 1;
	buf_release(&body);
	return r;
}

int
sessions_starting(struct sessions *s, const char *name)
{
	struct suser *u;
	int r = 0;

	if (!s->cfg.progress && !s->login_form)
		return 0;
	if ((u = get_user(s, name)) == NULL)
		return HS_ENOMEM;
	u->starting = 1;
	if (s->cfg.progress) {
		if (u->token[0] == '\0')
			r = mint(u);
		else
			progress_open(u);
	}
	/* a browser clicking start: logged in first, then the hub's
	 * spawn-pending page (each at once, in its turn) */
	if (r == 0 && s->login_form && !u->on && u->rq == NULL &&
	    !u->queued) {
		u->pend_due = 1;
		if (!logged_in(u) && !u->login_tried) {
			u->login_tried = 1;
			u->state = S_LOGIN;
			act(u);
		} else if (logged_in(u)) {
			u->state = S_PENDING;
			act(u);
		} else
			u->pend_due = 0;	/* its login failed */
	}
	return r;
}

int
sessions_begin(struct sessions *s, const char *name)
{
	struct suser *u;
	int r;

	if ((u = get_user(s, name)) == NULL)
		return HS_ENOMEM;
	u->starting = 0;
	if (u->on)
		return 0;
	u->on = 1;
	s->st.browsing++;
	if (u->token[0] != '\0') {
		browse(u);
		return 0;
	}
	if ((r = mint(u)) != 0) {
		u->on = 0;
		s->st.browsing--;
	}
	return r;
}

static void
user_end(struct sessions *s, struct suser *u, int keep_login)
{
	if (!u->on)
		return;
	u->on = 0;
	s->st.browsing--;
	user_quiet(u, keep_login);
}

/* a departure: a login already at the hub finishes, as a form posted by
 * someone leaving does, and nothing follows it until the user's next
 * start, which finds the cookie: one login per user, its pages loaded
 * logged in. (Cut, the login would count as failed: no page, no hub
 * pages for the rest of the run.) */
void
sessions_end(struct sessions *s, const char *name)
{
	struct suser *u = find_user(s, name);

	if (u != NULL)
		user_end(s, u, 1);
	pump(s);
}

void
sessions_end_all(struct sessions *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		user_end(s, s->u[i], 0);
		s->u[i]->starting = 0;
		user_quiet(s->u[i], 0);	/* its progress stream too */
	}
}

/* --- preflight --- */

static int
probe_isdone(void *arg)
{
	return hub_probe_done(arg);
}

/* GET PUBLIC path without credentials, synchronously */
static int
probe(struct sessions *s, const char *path, struct hub_probe **pp,
    struct hs_errbuf *eb)
{
	int r;

	if ((r = hub_probe_start(pp, s->loop, s->pub, path,
	    (int64_t)s->cfg.timeout_s * 1000, LOGIN_BODY_MAX)) != 0)
		return hs_error(eb, r, "out of memory");
	while (!hub_probe_done(*pp))
		if (loop_run(s->loop, probe_isdone, *pp, 0) != 0)
			break;
	if (!hub_probe_done(*pp))
		return hs_error(eb, HS_EPARTIAL, "interrupted");
	return 0;
}

int
sessions_preflight(struct sessions *s, struct hs_errbuf *eb)
{
	const struct hub_info *in = hub_info(s->hub);
	struct hub_probe *pr = NULL;
	const struct hub_text *tx;
	cJSON *j = NULL;
	int r, offered;

	if (!in->has_tokens) {
		r = hs_error(eb, HS_EAUTH, "sessions.mode 'browse' mints a "
		    "token for every user, and the token lacks the 'tokens' "
		    "scope; add 'tokens' to its role (docs/load.md), or set "
		    "sessions.mode to 'none'");
		goto out;
	}
	if ((r = probe(s, "/hub/api/", &pr, eb)) != 0)
		goto out;
	tx = hub_probe_text(pr);
	if (tx->status != 200 || (j = cJSON_ParseWithLength(tx->body.data,
	    tx->body.len)) == NULL || !cJSON_IsString(
	    cJSON_GetObjectItemCaseSensitive(j, "version"))) {
		r = hs_error(eb, HS_EHUB, "the public URL '%.200s' does not "
		    "reach the hub (GET /hub/api/ %s%ld%s%.100s); set "
		    "--public-url or hub.public_url to the proxy's address",
		    s->pub, tx->status ? "answered " : "", tx->status,
		    tx->error[0] ? ": " : "", tx->error);
		goto out;
	}
	hub_probe_free(pr);
	pr = NULL;
	s->login_form = 0;
	if (s->cfg.login == SESSION_LOGIN_NONE) {
		r = 0;
		goto out;
	}
	if ((r = probe(s, "/hub/login", &pr, eb)) != 0)
		goto out;
	tx = hub_probe_text(pr);
	offered = tx->status == 200 && buf_error(&tx->body) == 0 &&
	    tx->body.len > 0 && session_form_offered(tx->body.data);
	if (!offered && s->cfg.login == SESSION_LOGIN_FORM) {
		r = hs_error(eb, HS_EUSAGE, "sessions.login is 'form' but the "
		    "hub at '%.200s' offers no login form (GET /hub/login "
		    "answered %ld%s); set sessions.login to 'auto' or 'none'",
		    s->pub, tx->status, tx->status == 200 ? " without a "
		    "username and password form" : "");
		goto out;
	}
	s->login_form = offered;
	if (!offered && s->cfg.mix.page > 0)
		sevent(s, "the hub offers no login form (GET /hub/login "
		    "answered %ld): sessions leave hub pages out of the mix",
		    tx->status);
	r = 0;
out:
	cJSON_Delete(j);
	hub_probe_free(pr);
	return r;
}
