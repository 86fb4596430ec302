/* named.c -- named servers: N per fake user, started, awaited, removed */
/*
 * One array of servers, user-major (server k of user i is srv[i*N + k]),
 * with the users' names sorted beside it so a list page finds a server in
 * O(log users). Starts go out under a spawn window; a 202 is settled by
 * state=active rounds as in load.c (a round sent after the answer that
 * does not list the server means it failed). Removal re-sends the DELETE
 * {"remove": true} of a server still stopping once a second until the hub
 * answers 404 (no such server), so no round is needed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/named.h"

#define NM_USER_MAX	64
#define NM_SRV_MAX	16
#define NM_PER_USER_MAX	64

enum sstate {
	S_QUEUED, S_STARTING, S_THROTTLED, S_PENDING, S_READY, S_FAILED,
	S_TIMEDOUT, S_UNSENT,
	R_QUEUED, R_REMOVING, R_DONE,
	R_REFUSED,	/* the hub will not remove it (403, 4xx): left */
};

struct nsrv {
	uint8_t		 state;
	uint8_t		 seen;
	uint32_t	 ack_gen;
	int64_t		 t_start;	/* ms */
	int64_t		 retry_at;	/* ms */
	struct named	*nm;
	size_t		 user;		/* index into users */
	int		 k;		/* 1..N */
};

struct nuser {
	char		 name[NM_USER_MAX];
};

struct named {
	struct hub		*hub;
	struct loop		*loop;
	struct measure		*m;
	struct named_config	 cfg;
	char			*body;
	char			*filter;

	struct nuser		*users;		/* sorted by name */
	struct nsrv		*srv;
	size_t			 nusers;
	size_t			 spawns, window;
	uint32_t		 gen;
	int			 listing, fatal, ceiling;
	struct hs_errbuf	 fatal_eb;
	int64_t			 next_poll;
	struct named_counts	 c;		/* over every call */
};

void
named_server_name(char *dst, size_t n, int i)
{
	snprintf(dst, n, "srv-%d", i);
}

int
named_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > 30 || !islower((unsigned char)s[0]) ||
	    s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

int
named_new(struct named **np, struct hub *h, const struct named_config *cfg,
    struct hs_errbuf *eb)
{
	struct named *nm;

	*np = NULL;
	if (cfg->per_user < 1 || cfg->per_user > NM_PER_USER_MAX)
		return hs_error(eb, HS_EUSAGE, "--named-servers: %d is out of "
		    "range; use 1 to %d servers per user", cfg->per_user,
		    NM_PER_USER_MAX);
	if ((nm = calloc(1, sizeof(*nm))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	nm->hub = h;
	nm->loop = hub_loop(h);
	nm->m = hub_measure(h);
	nm->cfg = *cfg;
	if (nm->cfg.spawn_concurrency < 1)
		nm->cfg.spawn_concurrency = 1;
	if (nm->cfg.poll_interval_ms < 50)
		nm->cfg.poll_interval_ms = 50;
	if ((cfg->body && (nm->body = strdup(cfg->body)) == NULL) ||
	    (nm->filter = strdup(cfg->filter ? cfg->filter : "")) == NULL) {
		named_free(nm);
		return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	nm->cfg.body = nm->body;
	nm->cfg.filter = nm->filter;
	*np = nm;
	return 0;
}

static void
named_reset(struct named *nm)
{
	free(nm->users);
	free(nm->srv);
	nm->users = NULL;
	nm->srv = NULL;
	nm->nusers = 0;
}

void
named_free(struct named *nm)
{
	if (nm == NULL)
		return;
	named_reset(nm);
	free(nm->body);
	free(nm->filter);
	free(nm);
}

void
named_counts(const struct named *nm, struct named_counts *c)
{
	*c = nm->c;
	c->ceiling = nm->ceiling;
}

static int
nuser_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nuser *)a)->name,
	    ((const struct nuser *)b)->name);
}

static struct nuser *
nuser_find(struct named *nm, const char *name)
{
	struct nuser key;

	if (strlcpy(key.name, name, sizeof(key.name)) >= sizeof(key.name))
		return NULL;
	return bsearch(&key, nm->users, nm->nusers, sizeof(*nm->users),
	    nuser_cmp);
}

/* the server of user NAME called SERVER (srv-K), or NULL */
static struct nsrv *
srv_find(struct named *nm, const char *user, const char *server)
{
	struct nuser *u = nuser_find(nm, user);
	const char *errstr = NULL;
	long long k;

	if (u == NULL || strncmp(server, "srv-", 4) != 0)
		return NULL;
	k = strtonum(server + 4, 1, nm->cfg.per_user, &errstr);
	if (errstr)
		return NULL;
	return &nm->srv[(size_t)(u - nm->users) * (size_t)nm->cfg.per_user +
	    (size_t)k - 1];
}

/* users (and their N servers each) in state st; 0 or HS_ENOMEM */
static int
named_setup(struct named *nm, const char *const *users, size_t n,
    enum sstate st)
{
	size_t i, N = (size_t)nm->cfg.per_user;

	named_reset(nm);
	if (n == 0)
		return 0;
	if ((nm->users = calloc(n, sizeof(*nm->users))) == NULL ||
	    (nm->srv = calloc(n * N, sizeof(*nm->srv))) == NULL)
		return HS_ENOMEM;
	for (i = 0; i < n; i++)
		strlcpy(nm->users[i].name, users[i], sizeof(nm->users[i].name));
	qsort(nm->users, n, sizeof(*nm->users), nuser_cmp);
	nm->nusers = n;
	for (i = 0; i < n * N; i++) {
		nm->srv[i].state = (uint8_t)st;
		nm->srv[i].nm = nm;
		nm->srv[i].user = i / N;
		nm->srv[i].k = (int)(i % N) + 1;
	}
	return 0;
}

static void
srv_path(const struct nsrv *s, char *dst, size_t n)
{
	char sn[NM_SRV_MAX];

	named_server_name(sn, sizeof(sn), s->k);
	snprintf(dst, n, "/users/%s/servers/%s", s->nm->users[s->user].name,
	    sn);
}

/* --- start --- */

static void named_kick(struct named *nm);

static void
set_state(struct named *nm, struct nsrv *s, enum sstate st)
{
	if (s->state == S_STARTING || s->state == S_PENDING)
		nm->spawns--;
	if (st == S_STARTING || st == S_PENDING)
		nm->spawns++;
	if (st == S_READY && s->state != S_READY) {
		nm->c.ready++;
		if (s->state == S_TIMEDOUT)
			nm->c.timed_out--;
		hist_record(&nm->m->spawn,
		    (loop_now(nm->loop) - s->t_start) * 1000);
		if (nm->window < (size_t)nm->cfg.spawn_concurrency)
			nm->window++;
	} else if (st == S_FAILED)
		nm->c.failed++;
	else if (st == S_TIMEDOUT)
		nm->c.timed_out++;
	s->state = (uint8_t)st;
}

static void
on_start(void *arg, const struct hub_resp *rs)
{
	struct nsrv *s = arg;
	struct named *nm = s->nm;
	int64_t now = loop_now(nm->loop);

	if (s->state != S_STARTING)
		goto out;
	if (rs->status < 0) {		/* dropped before it was sent */
		set_state(nm, s, S_UNSENT);
		goto out;
	}
	if (rs->status == 201 || rs->status == 202) {
		int64_t us = loop_now_us();
		char path[256];

		s->t_start = now - rs->latency_us / 1000;
		srv_path(s, path, sizeof(path));
		strlcat(path, "/progress", sizeof(path));
		(void)progress_sample(nm->cfg.sample, path, s,
		    us - rs->latency_us, us);
	}
	switch (rs->status) {
	case 201:
		set_state(nm, s, S_READY);
		break;
	case 0:				/* unknown: the next round decides */
	case 202:
		set_state(nm, s, S_PENDING);
		s->ack_gen = nm->gen;
		break;
	case 400:
		if (strstr(rs->message, "already running") != NULL)
			set_state(nm, s, S_READY);
		else if (strstr(rs->message, "not enabled") != NULL) {
			set_state(nm, s, S_UNSENT);
			if (!nm->fatal)
				nm->fatal = hs_error(&nm->fatal_eb, HS_EHUB,
				    "the hub does not allow named servers (400 "
				    "%.120s); enable them "
				    "(c.JupyterHub.allow_named_servers = True, "
				    "z2jh hub.allowNamedServers: true) or leave "
				    "out --named-servers", rs->message);
		} else if (strstr(rs->message, "maximum of") != NULL) {
			set_state(nm, s, S_UNSENT);
			if (!nm->fatal)
				nm->fatal = hs_error(&nm->fatal_eb, HS_EHUB,
				    "the hub's named_server_limit_per_user is "
				    "below --named-servers %d (400 %.160s); raise "
				    "the limit or ask for fewer servers per user",
				    nm->cfg.per_user, rs->message);
		} else if (strstr(rs->message, "pending") != NULL) {
			set_state(nm, s, S_THROTTLED);
			s->retry_at = now + 1000;
		} else
			set_state(nm, s, S_FAILED);
		break;
	case 429:
		if (rs->retry_after < 0) {
			set_state(nm, s, S_UNSENT);
			nm->ceiling = 1;
			break;
		}
		set_state(nm, s, S_THROTTLED);
		s->retry_at = now + (int64_t)(rs->retry_after * 1000) +
		    (int64_t)(arc4random() % 1000);
		nm->window = nm->spawns > 1 ? nm->spawns : 1;
		break;
	case 403:
		set_state(nm, s, S_UNSENT);
		if (!nm->fatal)
			nm->fatal = hs_error(&nm->fatal_eb, HS_EAUTH, "the hub "
			    "refused to start a named server (403 %.200s); the "
			    "token needs the servers scope", rs->message);
		break;
	default:
		set_state(nm, s, S_FAILED);
	}
 out:
	named_kick(nm);
}

struct round {
	struct named	*nm;
	uint32_t	 gen;
};

static void
round_item(void *arg, const cJSON *it)
{
	struct round *rd = arg;
	struct named *nm = rd->nm;
	const cJSON *nmj = cJSON_GetObjectItemCaseSensitive(it, "name");
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(it, "servers");
	const cJSON *one;

	if (!cJSON_IsString(nmj) || !cJSON_IsObject(sv))
		return;
	cJSON_ArrayForEach(one, sv) {
		struct nsrv *s = srv_find(nm, nmj->valuestring, one->string);

		if (s == NULL)
			continue;
		s->seen = 1;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(one,
		    "ready")) && (s->state == S_PENDING ||
		    s->state == S_TIMEDOUT))
			set_state(nm, s, S_READY);
	}
}

static void
round_done(void *arg, int r, const char *msg)
{
	struct round *rd = arg;
	struct named *nm = rd->nm;
	int64_t now = loop_now(nm->loop);
	size_t i, ns = nm->nusers * (size_t)nm->cfg.per_user;

	(void)msg;
	nm->listing = 0;
	for (i = 0; i < ns; i++) {
		struct nsrv *s = &nm->srv[i];

		if (r == 0 && s->state == S_PENDING && s->ack_gen < rd->gen &&
		    !s->seen)
			set_state(nm, s, S_FAILED);
		else if (s->state == S_PENDING && now - s->t_start >
		    (int64_t)nm->cfg.ready_timeout_s * 1000)
			set_state(nm, s, S_TIMEDOUT);
		s->seen = 0;
	}
	free(rd);
	named_kick(nm);
}

static void
send_round(struct named *nm)
{
	struct round *rd;
	char q[200];

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return;
	rd->nm = nm;
	rd->gen = ++nm->gen;
	snprintf(q, sizeof(q), "state=active%s%s", nm->filter[0] ? "&" : "",
	    nm->filter);
	if (hub_list_users(nm->hub, MC_POLL, q, round_item, round_done,
	    rd) != 0) {
		free(rd);
		return;
	}
	nm->listing = 1;
	nm->next_poll = loop_now(nm->loop) + nm->cfg.poll_interval_ms;
}

static int
stopping(const struct named *nm)
{
	return nm->fatal || nm->ceiling ||
	    (nm->cfg.interrupted && *nm->cfg.interrupted);
}

static void
named_kick(struct named *nm)
{
	int64_t now = loop_now(nm->loop);
	size_t i, ns = nm->nusers * (size_t)nm->cfg.per_user, pending = 0;
	char path[NM_USER_MAX + 64];

	for (i = 0; i < ns; i++) {
		struct nsrv *s = &nm->srv[i];

		if (s->state == S_PENDING)
			pending++;
		if (s->state == S_THROTTLED && now >= s->retry_at)
			s->state = S_QUEUED;
		if (s->state != S_QUEUED || nm->spawns >= nm->window)
			continue;
		if (stopping(nm)) {
			s->state = S_UNSENT;
			continue;
		}
		srv_path(s, path, sizeof(path));
		if (hub_request(nm->hub, MC_START, "POST", path, nm->body,
		    on_start, s) != 0)
			break;
		if (s->t_start == 0) {
			nm->c.started++;
			s->t_start = now;
		}
		set_state(nm, s, S_STARTING);
	}
	if (pending > 0 && !nm->listing && now >= nm->next_poll)
		send_round(nm);
}

static int
start_done(void *arg)
{
	struct named *nm = arg;
	size_t i, ns = nm->nusers * (size_t)nm->cfg.per_user;

	if (nm->cfg.interrupted && *nm->cfg.interrupted > 1)
		return 1;
	if (nm->listing)
		return 0;
	for (i = 0; i < ns; i++) {
		enum sstate st = nm->srv[i].state;

		if (st == S_STARTING || st == S_PENDING ||
		    (!stopping(nm) && (st == S_QUEUED || st == S_THROTTLED)))
			return 0;
	}
	return 1;
}

static void
named_tick(void *arg)
{
	named_kick(arg);
}

/* turns the loop until done(nm) or the deadline (0: none), kicking at
 * least every 100 ms (retries and throttled starts are due by time) */
static void
named_run(struct named *nm, int (*done)(void *), int64_t deadline,
    void (*kick)(void *))
{
	while (!done(nm) && (deadline == 0 || loop_now(nm->loop) < deadline)) {
		if (loop_run(nm->loop, done, nm, loop_now(nm->loop) + 100) < 0)
			break;
		kick(nm);
	}
}

int
named_start(struct named *nm, const char *const *users, size_t n,
    struct hs_errbuf *eb)
{
	size_t i, ns;

	if (nm->fatal) {
		*eb = nm->fatal_eb;
		return nm->fatal;
	}
	if (named_setup(nm, users, n, S_QUEUED) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	ns = n * (size_t)nm->cfg.per_user;
	nm->c.target += ns;
	nm->window = (size_t)nm->cfg.spawn_concurrency;
	nm->spawns = 0;
	nm->next_poll = 0;
	named_kick(nm);
	named_run(nm, start_done, 0, named_tick);
	hub_drop_queued(nm->hub, MC_START);
	for (i = 0; i < ns; i++)
		if (nm->srv[i].state == S_PENDING)
			set_state(nm, &nm->srv[i], S_TIMEDOUT);
	if (nm->fatal) {
		*eb = nm->fatal_eb;
		return nm->fatal;
	}
	if (nm->cfg.interrupted && *nm->cfg.interrupted)
		return hs_error(eb, HS_EPARTIAL, "interrupted: %zu of %zu named "
		    "servers ready", nm->c.ready, nm->c.target);
	return 0;
}

/* --- removal --- */

static const char remove_body[] = "{\"remove\":true}";

static void
on_remove(void *arg, const struct hub_resp *rs)
{
	struct nsrv *s = arg;
	struct named *nm = s->nm;

	if (s->state != R_REMOVING)
		return;
	if (rs->status == 204 || rs->status == 404) {
		/* removed, or already gone */
		s->state = R_DONE;
		nm->c.removed++;
		return;
	}
	if (rs->status == 400 && strstr(rs->message, "not enabled")) {
		/* named servers are off: the hub has none to remove (a start
		 * refused the same way) */
		s->state = R_DONE;
		return;
	}
	if (rs->status >= 400 && rs->status < 500 && rs->status != 400 &&
	    rs->status != 429) {
		s->state = R_REFUSED;
		return;
	}
	/* 202 stopping, 400 pending spawn (<= 5.0), 5xx, network: ask
	 * again shortly; a removed server answers 404 */
	s->state = R_QUEUED;
	s->retry_at = loop_now(nm->loop) + 1000;
}

static void
remove_kick(void *arg)
{
	struct named *nm = arg;
	int64_t now = loop_now(nm->loop);
	size_t i, ns = nm->nusers * (size_t)nm->cfg.per_user, room;
	char path[NM_USER_MAX + 64];

	room = hub_pending(nm->hub) < 64 ? 64 - hub_pending(nm->hub) : 0;
	for (i = 0; i < ns && room > 0; i++) {
		struct nsrv *s = &nm->srv[i];

		if (s->state != R_QUEUED || s->retry_at > now)
			continue;
		srv_path(s, path, sizeof(path));
		if (hub_request(nm->hub, MC_STOP, "DELETE", path, remove_body,
		    on_remove, s) != 0)
			break;
		s->state = R_REMOVING;
		room--;
	}
}

static int
remove_done(void *arg)
{
	struct named *nm = arg;
	size_t i, ns = nm->nusers * (size_t)nm->cfg.per_user;

	if (nm->cfg.interrupted && *nm->cfg.interrupted > 1)
		return 1;
	for (i = 0; i < ns; i++)
		if (nm->srv[i].state != R_DONE &&
		    nm->srv[i].state != R_REFUSED)
			return 0;
	return 1;
}

/* purge: the hubspy-named servers (srv-K, stopped ones too) of the users
 * listed */
struct found {
	struct named	*nm;
	struct nuser	*only;		/* sorted, or NULL: every user */
	size_t		 nonly;
	struct fuser {
		char	 name[NM_USER_MAX];
		uint64_t mask;		/* srv-K: bit K-1 */
	}		*u;
	size_t		 n, cap;
	int		 maxk, done, r;
	char		 msg[300];
};

static void
found_item(void *arg, const cJSON *it)
{
	struct found *f = arg;
	const cJSON *nmj = cJSON_GetObjectItemCaseSensitive(it, "name");
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(it, "servers");
	const cJSON *one;
	struct nuser key;
	uint64_t mask = 0;

	if (!cJSON_IsString(nmj) || !cJSON_IsObject(sv) ||
	    strlcpy(key.name, nmj->valuestring, sizeof(key.name)) >=
	    sizeof(key.name))
		return;
	if (f->only && bsearch(&key, f->only, f->nonly, sizeof(*f->only),
	    nuser_cmp) == NULL)
		return;
	cJSON_ArrayForEach(one, sv) {
		const char *errstr = NULL;
		long long k;

		if (strncmp(one->string, "srv-", 4) != 0)
			continue;
		k = strtonum(one->string + 4, 1, NM_PER_USER_MAX, &errstr);
		if (errstr)
			continue;
		mask |= (uint64_t)1 << (k - 1);
		if (k > f->maxk)
			f->maxk = (int)k;
	}
	if (mask == 0)
		return;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 64;
		struct fuser *p = reallocarray(f->u, nc, sizeof(*p));

		if (p == NULL) {
			f->r = HS_ENOMEM;
			return;
		}
		f->u = p;
		f->cap = nc;
	}
	f->u[f->n].mask = mask;
	memcpy(f->u[f->n++].name, key.name, sizeof(key.name));
}

static void
found_done(void *arg, int r, const char *msg)
{
	struct found *f = arg;

	f->done = 1;
	if (r != 0 && f->r == 0) {
		f->r = r;
		strlcpy(f->msg, msg ? msg : "listing failed", sizeof(f->msg));
	}
}

static int
found_isdone(void *arg)
{
	return ((struct found *)arg)->done;
}

/* lists the hub: the users (of users/n when given) with srv-K servers */
static int
named_find(struct named *nm, const char *const *users, size_t n,
    struct found *f, struct hs_errbuf *eb)
{
	char q[200];
	size_t i;
	int r;

	f->nm = nm;
	if (users != NULL) {
		if ((f->only = calloc(n ? n : 1, sizeof(*f->only))) == NULL)
			return hs_error(eb, HS_ENOMEM, "out of memory");
		for (i = 0; i < n; i++)
			strlcpy(f->only[i].name, users[i],
			    sizeof(f->only[i].name));
		qsort(f->only, n, sizeof(*f->only), nuser_cmp);
		f->nonly = n;
	}
	snprintf(q, sizeof(q), "include_stopped_servers=1%s%s",
	    nm->filter[0] ? "&" : "", nm->filter);
	if ((r = hub_list_users(nm->hub, MC_LIST, q, found_item, found_done,
	    f)) != 0)
		return hs_error(eb, r, "out of memory");
	while (!f->done)
		if (loop_run(nm->loop, found_isdone, f, 0) < 0)
			break;
	if (f->r != 0)
		return hs_error(eb, f->r, "%s", f->msg);
	return 0;
}

int
named_remove(struct named *nm, const char *const *users, size_t n,
    int known, int64_t deadline_ms, struct hs_errbuf *eb)
{
	struct found f;
	const char **list = NULL;
	size_t i, left = 0, ns;
	int r = 0;

	memset(&f, 0, sizeof(f));
	if (!known) {
		if ((r = named_find(nm, users, n, &f, eb)) != 0)
			goto out;
		r = HS_ENOMEM;
		if ((list = calloc(f.n ? f.n : 1, sizeof(*list))) == NULL)
			goto out;
		for (i = 0; i < f.n; i++)
			list[i] = f.u[i].name;
		users = list;
		n = f.n;
		nm->cfg.per_user = f.maxk > 0 ? f.maxk : 1;
	}
	r = HS_ENOMEM;
	if (named_setup(nm, users, n, R_QUEUED) != 0)
		goto out;
	/* purge: only the servers the hub has */
	for (i = 0; i < f.n; i++) {
		struct nuser *u = nuser_find(nm, f.u[i].name);
		size_t base = (size_t)(u - nm->users) * (size_t)nm->cfg.per_user;
		int k;

		for (k = 0; k < nm->cfg.per_user; k++)
			if (!(f.u[i].mask & ((uint64_t)1 << k)))
				nm->srv[base + (size_t)k].state = R_DONE;
	}
	r = 0;
	remove_kick(nm);
	named_run(nm, remove_done, deadline_ms, remove_kick);
	ns = nm->nusers * (size_t)nm->cfg.per_user;
	for (i = 0; i < ns; i++)
		if (nm->srv[i].state != R_DONE)
			left++;
	if (left > 0) {
		hub_cancel_all(nm->hub);
		r = hs_error(eb, HS_ELEFT, "teardown incomplete: %zu named "
		    "server%s not removed (%s)", left, left == 1 ? "" : "s",
		    deadline_ms && loop_now(nm->loop) >= deadline_ms ?
		    "timed out" : "the hub refused or the run was interrupted");
	}
 out:
	if (r == HS_ENOMEM && eb->code == 0)
		hs_error(eb, r, "out of memory");
	free(list);
	free(f.u);
	free(f.only);
	return r;
}
