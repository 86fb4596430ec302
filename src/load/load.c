/* load.c -- fake users PREFIX-N: batched creation, capped spawns, readiness, teardown */
/*
 * Users live in one array in index order (PREFIX-(base+i) is users[i]), so a
 * name from a list page finds its user in O(1). Each user is a small state
 * machine; load_kick() issues whatever the states allow (create batches,
 * starts under the spawn window, one readiness list round at a time) and
 * runs after every answer and on a 250 ms tick, so nothing polls per user.
 *
 * Readiness: a start answered 201 is ready; 202 is pending and is settled
 * by paged GET /users?state=active&name_filter=PREFIX- rounds. A round
 * only judges users whose start was answered before the round was sent
 * (ack_gen < round), because the hub answers in order: a pending user that
 * such a round does not list has failed.
 *
 * Teardown works on its own array of names (ours, everyone with the
 * prefix, or a given list). A user whose default server is known to be
 * running and settled (ready, not pending) is deleted in one request:
 * DELETE /users/NAME stops that server itself (spawner stop, proxy route
 * removed; checked on 3.0 and 5.2.1) before it deletes the user. The others
 * take two steps: stop the servers in parallel, confirm with active-list
 * rounds that none remains (re-stopping servers whose spawn was pending:
 * 400 on hubs <= 5.0), then delete. A delete answered 500 (a spawn still
 * pending) or 400 (still stopping: the hub's stop outlasted its 10 s) goes
 * back to waiting, and the rounds fall back to stopping a server still
 * listed running.
 */
#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "load/load.h"

enum ustate {
	U_NEW, U_CREATING, U_UNKNOWN, U_CREATED, U_STARTQ, U_STARTING,
	U_THROTTLED, U_PENDING, U_READY, U_FAILED, U_TIMEDOUT,
	U_COLLIDED,	/* existed before us: not ours */
	U_NOCREATE,	/* the hub refused to create it */
	U_LEAVING,	/* departed: its server is being stopped */
	U_GONE,		/* torn down */
};

#define NAME_MAX_LEN	64
#define ULEN		1024
#define U(ld, i)	(&(ld)->blk[(i) / ULEN][(i) % ULEN])

struct luser {
	char			 name[NAME_MAX_LEN];
	uint8_t			 state;
	uint8_t			 started;	/* a start was sent */
	uint8_t			 seen;		/* listed by the current round */
	uint8_t			 named;		/* its named servers started */
	uint32_t		 idx;		/* position in the blocks */
	uint32_t		 ack_gen;
	int64_t			 t_start;	/* ms: start request sent */
	struct loop_timer	*timer;		/* throttle or activity */
	struct loop_timer	*dtimer;	/* departure */
	struct load		*ld;
};

enum tstate { T_STOPQ, T_STOPPING, T_WAIT, T_DELQ, T_DELETING, T_DONE };

/* the teardown keeps up to TD_QUEUE requests waiting in the hub client,
 * refilled on its tick and whenever its answers have drained half of them
 * (so a slow tick never holds it back) */
#define TD_QUEUE	128

struct tuser {
	char			 name[NAME_MAX_LEN];
	uint8_t			 state;
	uint8_t			 active;	/* listed active by the last round */
	uint8_t			 spawn_pending;
	uint8_t			 server;	/* running, not yet counted
						 * stopped */
	int64_t			 retry_at;	/* ms */
	uint32_t		 ack_gen;	/* rounds sent before its answer */
	int			 tries;
	struct luser		*u;		/* ours, or NULL */
	struct load		*ld;
};

struct load {
	struct hub		*hub;
	struct loop		*loop;
	struct measure		*m;
	struct load_config	 cfg;
	char			*prefix;
	char			*options;	/* compact JSON or NULL */
	char			*start_body;	/* as the hub's version wants
						 * it (load_start_body) */
	char			 filter[NAME_MAX_LEN + 32];

	struct luser		**blk;		/* blocks of ULEN: stable */
	size_t			 nusers, nblk;
	long			 base;		/* index of users[0] */
	long			 next_index;
	size_t			 target;
	enum load_phase		 phase;

	int			 creates_flying;
	size_t			 spawns;	/* STARTING + PENDING */
	size_t			 window;	/* spawn window (<= cfg) */
	int			 ceiling;
	int			 fatal;
	struct hs_errbuf	 fatal_eb;
	int			 interrupted;
	int			 ramping;	/* load_kick may send */
	int			 dropped;	/* unsent starts were dropped */
	size_t			 nst[U_GONE + 1];	/* users per state */
	size_t			 first_new;	/* no U_NEW below */
	size_t			 first_start;	/* nothing startable below */
	int			 reconcile;	/* a create needs a re-list */
	int			 listing;	/* a list round in flight */
	uint32_t		 gen;		/* list rounds sent */
	int64_t			 next_poll;
	int64_t			 throttled_until;

	struct arrival		 arr;		/* when users may start */
	int			 churn;		/* departures run (hold) */
	size_t			 c_departed;

	int			 flow;		/* activity and probe run */
	struct loop_timer	*probe_timer;
	int			 probe_flying;
	struct loop_timer	*tick_timer;
	struct loop_timer	*poll_timer;	/* the next list round due */
	int64_t			 t0;

	/* teardown */
	struct tuser		*tu;
	size_t			 ntu, td_left;
	uint32_t		 td_gen;	/* teardown rounds sent */
	int			 td_running;
	int64_t			 hub_down_since;

	size_t			 c_created, c_started, c_ready, c_failed,
				 c_timedout, c_stopped, c_deleted;
	struct named		*named;		/* --named-servers N */
	struct progress_sampler	*sample;	/* spawn phases, or NULL */
};

static void load_kick(struct load *ld);
static void activity_arm(struct luser *u, int first);
static void churn_stop(struct load *ld);
static void hub_ok(struct load *ld);
static void hub_bad(struct load *ld);
static void depart_arm(struct load *ld, struct luser *u);
static void on_tick(void *arg);

static const char *const phase_names[] = {
	"idle", "discover", "create", "start", "wait", "hold", "stop",
	"delete", "done",
};

const char *
load_phase_name(enum load_phase p)
{
	return (unsigned)p <= LOAD_DONE ? phase_names[p] : "?";
}

static void
load_event(struct load *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
load_event(struct load *ld, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (ld->cfg.on_event == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ld->cfg.on_event(ld->cfg.hook_arg, line);
}

static void
load_fatal(struct load *ld, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
load_fatal(struct load *ld, int code, const char *fmt, ...)
{
	va_list ap;

	if (ld->fatal)
		return;
	ld->fatal = code;
	ld->fatal_eb.code = code;
	va_start(ap, fmt);
	vsnprintf(ld->fatal_eb.msg, sizeof(ld->fatal_eb.msg), fmt, ap);
	va_end(ap);
}

static uint32_t
load_rand(void)
{
	return (uint32_t)arc4random();
}

/* --- pure helpers --- */

long
load_name_index(const char *prefix, const char *name)
{
	size_t pl = strlen(prefix);
	const char *p, *errstr = NULL;
	long long n;

	if (strncmp(name, prefix, pl) != 0 || name[pl] != '-')
		return -1;
	p = name + pl + 1;
	if (*p == '\0' || strlen(p) > 9 || (p[0] == '0' && p[1] != '\0'))
		return -1;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return -1;
	n = strtonum(p, 0, 999999999, &errstr);
	return errstr ? -1 : (long)n;
}

int
load_activity_body(char *dst, size_t n, int64_t t_us)
{
	time_t secs = (time_t)(t_us / 1000000);
	struct tm tm;
	char ts[40];
	int len;

	if (gmtime_r(&secs, &tm) == NULL)
		return -1;
	len = (int)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + len, sizeof(ts) - (size_t)len, ".%06dZ",
	    (int)(t_us % 1000000));
	len = snprintf(dst, n, "{\"servers\":{\"\":{\"last_activity\":\"%s\"}},"
	    "\"last_activity\":\"%s\"}", ts, ts);
	return len < 0 || (size_t)len >= n ? -1 : len;
}

int
load_create_body(struct buf *b, const char *const *names, size_t n)
{
	size_t i;
	int r;

	/* names are [a-z0-9-] (prefix_ok, load_name_index): no escaping */
	if ((r = buf_addstr(b, "{\"usernames\":[")) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = buf_printf(b, "%s\"%s\"", i ? "," : "", names[i])) != 0)
			return r;
	return buf_addstr(b, "],\"admin\":false}");
}

char *
load_start_body(const char *options, int hub_major)
{
	char *s = NULL;

	/* 6.0 reads {"user_options": {...}, "display_name": ...}; the bare
	 * form only while neither key is in it, so an option named
	 * display_name would be lost: wrap it from 6.0 on */
	if (hub_major >= 6) {
		if (asprintf(&s, "{\"user_options\":%s}", options) < 0)
			s = NULL;
		return s;
	}
	return strdup(options);
}

static int64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- lifecycle --- */

static int
prefix_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 40 || !isalnum((unsigned char)p[0]))
		return 0;
	for (; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		    *p == '-'))
			return 0;
	return 1;
}

int
load_new(struct load **lp, struct hub *h, const struct load_config *cfg,
    struct hs_errbuf *eb)
{
	struct load *ld = NULL;
	cJSON *opt = NULL;
	int r = HS_ENOMEM;

	*lp = NULL;
	if (cfg->prefix == NULL || !prefix_ok(cfg->prefix))
		return hs_error(eb, HS_EUSAGE, "--prefix: '%.60s' is not a "
		    "valid prefix; use 1 to 40 of [a-z0-9-], starting with a "
		    "letter or digit", cfg->prefix ? cfg->prefix : "");
	if (cfg->arrivals != ARRIVAL_BURST && !(cfg->arrival_rate > 0))
		return hs_error(eb, HS_EUSAGE, "arrivals.rate: must be above 0 "
		    "for arrivals.mode 'rate' or 'poisson'");
	if (cfg->server_options != NULL) {
		opt = cJSON_Parse(cfg->server_options);
		if (!cJSON_IsObject(opt)) {
			cJSON_Delete(opt);
			return hs_error(eb, HS_EUSAGE, "--server-options: "
			    "'%.60s' is not a JSON object; e.g. "
			    "'{\"profile\":\"micro\"}'", cfg->server_options);
		}
	}
	if ((ld = calloc(1, sizeof(*ld))) == NULL)
		goto out;
	ld->hub = h;
	ld->loop = hub_loop(h);
	ld->m = hub_measure(h);
	ld->cfg = *cfg;
	if (ld->cfg.batch_size < 1)
		ld->cfg.batch_size = 1;
	if (ld->cfg.spawn_concurrency < 1)
		ld->cfg.spawn_concurrency = 1;
	if (ld->cfg.poll_interval_ms < 50)
		ld->cfg.poll_interval_ms = 50;
	if (ld->cfg.teardown_timeout_s < 1)
		ld->cfg.teardown_timeout_s = 600;
	if (ld->cfg.hub_gone_s < 1)
		ld->cfg.hub_gone_s = 30;
	if (ld->cfg.tick_ms < 50)
		ld->cfg.tick_ms = 250;
	ld->window = (size_t)ld->cfg.spawn_concurrency;
	ld->next_index = 1;
	ld->base = 1;
	ld->t0 = loop_now(ld->loop);
	ld->hub_down_since = 0;
	arrival_init(&ld->arr, ld->cfg.arrivals, ld->cfg.arrival_rate,
	    ld->t0, load_rand());
	if ((ld->prefix = strdup(cfg->prefix)) == NULL)
		goto out;
	ld->cfg.prefix = ld->prefix;
	snprintf(ld->filter, sizeof(ld->filter), "name_filter=%s-", ld->prefix);
	if (opt && (ld->options = cJSON_PrintUnformatted(opt)) == NULL)
		goto out;
	ld->cfg.server_options = ld->options;
	if (ld->options && (ld->start_body = load_start_body(ld->options,
	    hub_info(h)->major)) == NULL)
		goto out;
	if (cfg->phase_streams > 0 && progress_sampler_new(&ld->sample, h,
	    cfg->phase_streams, (int64_t)ld->cfg.ready_timeout_s * 1000) != 0)
		goto out;
	if (cfg->named_servers > 0) {
		struct named_config nc = { cfg->named_servers, ld->start_body,
		    ld->cfg.spawn_concurrency, ld->cfg.ready_timeout_s,
		    ld->cfg.poll_interval_ms, ld->filter, &ld->interrupted,
		    ld->sample };

		if ((r = named_new(&ld->named, h, &nc, eb)) != 0) {
			load_free(ld);
			return r;
		}
		/* the users' servers are the named ones */
		ld->cfg.start_servers = 0;
	}
	*lp = ld;
	ld = NULL;
	r = 0;
 out:
	cJSON_Delete(opt);
	load_free(ld);
	if (r != 0)
		hs_error(eb, r, "out of memory");
	return r;
}

static void
load_stop_timers(struct load *ld)
{
	size_t i;

	for (i = 0; i < ld->nusers; i++)
		if (U(ld, i)->timer) {
			loop_timer_cancel(ld->loop, U(ld, i)->timer);
			U(ld, i)->timer = NULL;
		}
	churn_stop(ld);
	if (ld->probe_timer)
		loop_timer_cancel(ld->loop, ld->probe_timer);
	ld->probe_timer = NULL;
	if (ld->tick_timer)
		loop_timer_cancel(ld->loop, ld->tick_timer);
	ld->tick_timer = NULL;
	if (ld->poll_timer)
		loop_timer_cancel(ld->loop, ld->poll_timer);
	ld->poll_timer = NULL;
}

void
load_free(struct load *ld)
{
	if (ld == NULL)
		return;
	load_stop_timers(ld);
	/* answers must not reach freed users */
	progress_sampler_free(ld->sample);
	hub_cancel_all(ld->hub);
	for (size_t i = 0; i < ld->nblk; i++)
		free(ld->blk[i]);
	free(ld->blk);
	free(ld->tu);
	free(ld->prefix);
	free(ld->options);
	free(ld->start_body);
	named_free(ld->named);
	free(ld);
}

struct measure *
load_measure(struct load *ld)
{
	return ld->m;
}

void
load_interrupt(struct load *ld)
{
	ld->interrupted++;
	loop_stop(ld->loop);
}

void
load_progress(const struct load *ld, struct load_progress *p)
{
	struct hist *all;

	memset(p, 0, sizeof(*p));
	p->phase = ld->phase;
	p->target = ld->target;
	p->created = ld->c_created;
	p->started = ld->c_started;
	p->ready = ld->c_ready;
	p->failed = ld->c_failed;
	p->timed_out = ld->c_timedout;
	p->stopped = ld->c_stopped;
	p->deleted = ld->c_deleted;
	p->departed = ld->c_departed;
	p->ceiling = ld->ceiling;
	p->elapsed_s = (double)(loop_now(ld->loop) - ld->t0) / 1000.0;
	if (ld->m) {
		p->n429 = ld->m->count_429;
		if ((all = malloc(sizeof(*all))) != NULL) {
			measure_all_latency(ld->m, all);
			p->p50_ms = (double)hist_quantile(all, 0.5) / 1000.0;
			p->p99_ms = (double)hist_quantile(all, 0.99) / 1000.0;
			free(all);
		}
	}
	if (ld->named) {
		struct named_counts nc;

		named_counts(ld->named, &nc);
		p->started = nc.started;
		p->ready = nc.ready;
		p->failed = nc.failed + ld->c_failed;
		p->timed_out = nc.timed_out;
		p->ceiling = nc.ceiling;
		p->named_target = nc.target;
		p->named_removed = nc.removed;
	}
	if (ld->td_running) {
		size_t i;

		for (i = 0; i < ld->ntu; i++)
			if (ld->tu[i].state != T_DONE)
				p->left++;
	}
}

/* --- users --- */

/* every state change goes through here: per-state counts keep the
 * driver and the done predicates O(1) instead of O(users) per answer */
static void
setst(struct load *ld, struct luser *u, enum ustate st)
{
	size_t i = u->idx;

	ld->nst[u->state]--;
	ld->nst[st]++;
	u->state = (uint8_t)st;
	if (st == U_NEW && i < ld->first_new)
		ld->first_new = i;
	if ((st == U_CREATED || st == U_STARTQ) && i < ld->first_start)
		ld->first_start = i;
}

static struct luser *
user_by_name(struct load *ld, const char *name)
{
	long idx = load_name_index(ld->prefix, name);

	if (idx < ld->base || (size_t)(idx - ld->base) >= ld->nusers)
		return NULL;
	return U(ld, idx - ld->base);
}

static int
users_grow(struct load *ld, size_t want)
{
	while (ld->nblk * ULEN < want) {
		struct luser **p = reallocarray(ld->blk, ld->nblk + 1,
		    sizeof(*p));

		if (p == NULL)
			return HS_ENOMEM;
		ld->blk = p;
		if ((p[ld->nblk] = calloc(ULEN, sizeof(**p))) == NULL)
			return HS_ENOMEM;
		ld->nblk++;
	}
	return 0;
}

static size_t
owned(const struct load *ld)
{
	return ld->nusers - ld->nst[U_COLLIDED] - ld->nst[U_NOCREATE];
}

static int
add_users(struct load *ld, size_t n)
{
	size_t i;
	int r;

	if (ld->nusers == 0)
		ld->base = ld->next_index;
	if ((r = users_grow(ld, ld->nusers + n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		struct luser *u = U(ld, ld->nusers);

		ld->nusers++;
		memset(u, 0, sizeof(*u));
		u->ld = ld;
		u->idx = (uint32_t)(ld->nusers - 1);
		u->state = U_NEW;
		ld->nst[U_NEW]++;
		if (ld->first_new > u->idx)
			ld->first_new = u->idx;
		snprintf(u->name, sizeof(u->name), "%s-%ld", ld->prefix,
		    ld->next_index++);
	}
	return 0;
}

/* --- discover --- */

/* servers (a user model's "servers") is only the default server, ready and
 * not pending: DELETE /users/NAME stops it and deletes the user in one
 * request. A pending spawn (the hub answers 500), a pending stop (400) or a
 * named server (the hub does not stop those) take the two-step path. */
static int
td_direct(const cJSON *servers)
{
	const cJSON *s0 = cJSON_GetObjectItemCaseSensitive(servers, "");
	const cJSON *pend = cJSON_GetObjectItemCaseSensitive(s0, "pending");

	return cJSON_GetArraySize(servers) == 1 && cJSON_IsObject(s0) &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s0, "ready")) &&
	    (pend == NULL || cJSON_IsNull(pend));
}

struct disc {
	struct load	*ld;
	size_t		 n;
	long		 highest;
	int		 done, r;
	char		 msg[600];
	/* teardown by prefix collects the names */
	struct tuser	*tu;
	size_t		 ntu, captu;
	int		 collect;
};

static void
disc_item(void *arg, const cJSON *u)
{
	struct disc *d = arg;
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(u, "name");
	long idx;

	if (!cJSON_IsString(nm) ||
	    (idx = load_name_index(d->ld->prefix, nm->valuestring)) < 0)
		return;
	d->n++;
	if (idx > d->highest)
		d->highest = idx;
	if (d->collect) {
		const cJSON *sv = cJSON_GetObjectItemCaseSensitive(u, "servers");
		struct tuser *t;

		if (d->ntu == d->captu) {
			size_t nc = d->captu ? d->captu * 2 : 256;
			struct tuser *p = reallocarray(d->tu, nc, sizeof(*p));

			if (p == NULL) {
				d->r = HS_ENOMEM;
				return;
			}
			d->tu = p;
			d->captu = nc;
		}
		t = &d->tu[d->ntu++];
		memset(t, 0, sizeof(*t));
		strlcpy(t->name, nm->valuestring, sizeof(t->name));
		/* no servers key (no read:servers): assume one; only a
		 * settled default server alone goes with the delete */
		t->server = sv == NULL || cJSON_GetArraySize(sv) > 0;
		t->state = !t->server ? T_DELQ : td_direct(sv) ? T_DELQ :
		    T_STOPQ;
	}
}

static void
disc_done(void *arg, int r, const char *msg)
{
	struct disc *d = arg;

	d->done = 1;
	if (r != 0) {
		d->r = r;
		strlcpy(d->msg, msg ? msg : "listing failed", sizeof(d->msg));
	}
}

static int
disc_isdone(void *arg)
{
	return ((struct disc *)arg)->done;
}

static int
discover(struct load *ld, struct disc *d, struct hs_errbuf *eb)
{
	int r;

	d->ld = ld;
	d->highest = 0;
	if ((r = hub_list_users(ld->hub, MC_LIST, ld->filter, disc_item,
	    disc_done, d)) != 0)
		return hs_error(eb, r, "out of memory");
	while (!d->done)
		if (loop_run(ld->loop, disc_isdone, d, 0) < 0)
			return hs_error(eb, HS_EFAIL, "event loop failed");
	if (d->r != 0)
		return hs_error(eb, d->r, "%s", d->msg);
	return 0;
}

int
load_discover(struct load *ld, size_t *existingp, long *highestp,
    struct hs_errbuf *eb)
{
	struct disc d;
	int r;

	memset(&d, 0, sizeof(d));
	ld->phase = LOAD_DISCOVER;
	if ((r = discover(ld, &d, eb)) != 0)
		return r;
	if (ld->nusers == 0 && d.highest + 1 > ld->next_index)
		ld->next_index = d.highest + 1;
	if (existingp)
		*existingp = d.n;
	if (highestp)
		*highestp = d.highest;
	ld->phase = LOAD_IDLE;
	return 0;
}

/* --- activity and probe --- */

static void
on_activity(void *arg, const struct hub_resp *rs)
{
	(void)arg;
	(void)rs;	/* counted by the hub; a failed post is data */
}

static void
activity_fire(void *arg)
{
	struct luser *u = arg;
	struct load *ld = u->ld;
	char path[NAME_MAX_LEN + 32], body[160];

	u->timer = NULL;
	if (!ld->flow)
		return;
	snprintf(path, sizeof(path), "/users/%s/activity", u->name);
	if (load_activity_body(body, sizeof(body), wall_us()) > 0)
		hub_request(ld->hub, MC_ACTIVITY, "POST", path, body,
		    on_activity, NULL);
	activity_arm(u, 0);
}

static void
activity_arm(struct luser *u, int first)
{
	struct load *ld = u->ld;
	int64_t iv = (int64_t)ld->cfg.activity_interval_s * 1000, d;

	if (iv <= 0 || u->timer != NULL)
		return;
	if (first)	/* spread the first posts over one interval */
		d = (int64_t)(load_rand() % (uint32_t)iv);
	else		/* +-10 % like jupyterhub-singleuser */
		d = iv * 9 / 10 + (int64_t)(load_rand() % (uint32_t)(iv / 5 + 1));
	u->timer = loop_timer_add(ld->loop, d, activity_fire, u);
}

static void probe_arm(struct load *ld);

static void
on_probe(void *arg, const struct hub_resp *rs)
{
	struct load *ld = arg;

	(void)rs;
	ld->probe_flying = 0;
}

static void
probe_fire(void *arg)
{
	struct load *ld = arg;
	char path[NAME_MAX_LEN + 16];
	size_t i;

	ld->probe_timer = NULL;
	if (!ld->flow)
		return;
	/* one probe at a time: a slow hub delays the next one (so the probe
	 * measures latency, not a request rate) */
	for (i = 0; i < ld->nusers && !ld->probe_flying; i++) {
		struct luser *u = U(ld, i);

		if (u->state < U_CREATED || u->state > U_TIMEDOUT)
			continue;
		snprintf(path, sizeof(path), "/users/%s", u->name);
		if (hub_request(ld->hub, MC_PROBE, "GET", path, NULL, on_probe,
		    ld) == 0)
			ld->probe_flying = 1;
		break;
	}
	probe_arm(ld);
}

static void
probe_arm(struct load *ld)
{
	if (ld->cfg.probe_interval_ms > 0 && ld->probe_timer == NULL)
		ld->probe_timer = loop_timer_add(ld->loop,
		    ld->cfg.probe_interval_ms, probe_fire, ld);
}

static void
flow_start(struct load *ld)
{
	size_t i;

	ld->flow = 1;
	probe_arm(ld);
	if (ld->cfg.activity_interval_s <= 0)
		return;
	for (i = 0; i < ld->nusers; i++) {
		struct luser *u = U(ld, i);

		if (u->state == U_READY ||
		    (!ld->cfg.start_servers && u->state == U_CREATED))
			activity_arm(u, 1);
	}
}

static void
flow_stop(struct load *ld)
{
	size_t i;

	ld->flow = 0;
	for (i = 0; i < ld->nusers; i++)
		if (U(ld, i)->timer && U(ld, i)->state != U_THROTTLED) {
			loop_timer_cancel(ld->loop, U(ld, i)->timer);
			U(ld, i)->timer = NULL;
		}
	if (ld->probe_timer)
		loop_timer_cancel(ld->loop, ld->probe_timer);
	ld->probe_timer = NULL;
}

/* --- departures: while the load is held, users leave and come back --- */

static void
on_depart(void *arg, const struct hub_resp *rs)
{
	struct luser *u = arg;
	struct load *ld = u->ld;

	if (rs->status == 0)
		hub_bad(ld);
	else if (rs->status > 0)
		hub_ok(ld);
	/* whatever the answer, the user comes back with the arrivals: a
	 * stop still pending (202) makes its start wait (400 pending stop),
	 * a server that did not stop answers the start "already running" */
	if (u->state == U_LEAVING)
		setst(ld, u, U_CREATED);
	load_kick(ld);
}

static void
depart_fire(void *arg)
{
	struct luser *u = arg;
	struct load *ld = u->ld;
	char path[NAME_MAX_LEN + 16];

	u->dtimer = NULL;
	if (!ld->churn || u->state != U_READY || ld->interrupted)
		return;
	if (ld->cfg.sessions != NULL)
		sessions_end(ld->cfg.sessions, u->name);
	if (u->timer != NULL) {		/* its activity posts end too */
		loop_timer_cancel(ld->loop, u->timer);
		u->timer = NULL;
	}
	progress_sampler_drop(ld->sample, u);
	snprintf(path, sizeof(path), "/users/%s/server", u->name);
	if (hub_request(ld->hub, MC_STOP, "DELETE", path, NULL, on_depart,
	    u) != 0) {
		depart_arm(ld, u);	/* out of memory: stay a while */
		return;
	}
	setst(ld, u, U_LEAVING);
	ld->c_ready--;
	ld->c_departed++;
}

static void
depart_arm(struct load *ld, struct luser *u)
{
	int64_t l = (int64_t)ld->cfg.session_length_s * 1000;

	if (!ld->churn || l <= 0 || u->dtimer != NULL)
		return;
	/* 0.5 to 1.5 session lengths: departures do not line up */
	u->dtimer = loop_timer_add(ld->loop, l / 2 + (int64_t)(load_rand() %
	    (uint32_t)(l + 1)), depart_fire, u);
}

static void
churn_stop(struct load *ld)
{
	size_t i;

	ld->churn = 0;
	for (i = 0; i < ld->nusers; i++)
		if (U(ld, i)->dtimer != NULL) {
			loop_timer_cancel(ld->loop, U(ld, i)->dtimer);
			U(ld, i)->dtimer = NULL;
		}
}

/* the engine's tick: a lazy timer (it runs on a turn the answers make
 * anyway, the loop wakes for it only half a tick late when idle), except
 * while timed arrivals are due, which are started from the tick */
static struct loop_timer *
tick_arm(struct load *ld, int64_t delay_ms, loop_timer_cb *cb)
{
	if (ld->arr.mode != ARRIVAL_BURST)
		return loop_timer_add(ld->loop, delay_ms, cb, ld);
	return loop_timer_add_lazy(ld->loop, delay_ms, delay_ms / 2, cb, ld);
}

int
load_hold_begin(struct load *ld)
{
	size_t i;

	ld->phase = LOAD_HOLD;
	flow_start(ld);
	if (ld->cfg.session_length_s <= 0 || !ld->cfg.start_servers)
		return 0;
	/* users come and go: the engine keeps starting the ones that come
	 * back (under the spawn window and the arrivals) and settling them */
	ld->churn = 1;
	ld->ramping = 1;
	arrival_restart(&ld->arr, loop_now(ld->loop));
	for (i = 0; i < ld->nusers; i++)
		if (U(ld, i)->state == U_READY)
			depart_arm(ld, U(ld, i));
	if (ld->tick_timer == NULL)
		ld->tick_timer = tick_arm(ld, 250, on_tick);
	return 0;
}

void
load_hold_end(struct load *ld)
{
	flow_stop(ld);
	if (ld->churn) {
		churn_stop(ld);
		ld->ramping = 0;
		if (ld->tick_timer)
			loop_timer_cancel(ld->loop, ld->tick_timer);
		ld->tick_timer = NULL;
	}
	ld->phase = LOAD_IDLE;
}

/* --- state changes --- */

static void
set_ready(struct load *ld, struct luser *u)
{
	if (u->state == U_STARTING || u->state == U_PENDING)
		ld->spawns--;
	if (u->state != U_READY) {
		ld->c_ready++;
		if (u->state == U_FAILED)
			ld->c_failed--;
		if (u->state == U_TIMEDOUT)
			ld->c_timedout--;
		hist_record(&ld->m->spawn,
		    (loop_now(ld->loop) - u->t_start) * 1000);
	}
	setst(ld, u, U_READY);
	if (ld->window < (size_t)ld->cfg.spawn_concurrency)
		ld->window++;	/* recover slowly after throttling */
	if (ld->flow)
		activity_arm(u, 1);
	if (ld->cfg.sessions != NULL)	/* a failure is the session's own */
		(void)sessions_begin(ld->cfg.sessions, u->name);
	depart_arm(ld, u);
}

static void
set_failed(struct load *ld, struct luser *u, int timed_out)
{
	if (u->state == U_STARTING || u->state == U_PENDING)
		ld->spawns--;
	setst(ld, u, timed_out ? U_TIMEDOUT : U_FAILED);
	if (timed_out)
		ld->c_timedout++;
	else
		ld->c_failed++;
}

static void
set_created(struct load *ld, struct luser *u)
{
	setst(ld, u, U_CREATED);
	ld->c_created++;
	if (ld->flow && !ld->cfg.start_servers)
		activity_arm(u, 1);
}

/* --- create --- */

static void
hub_ok(struct load *ld)
{
	ld->hub_down_since = 0;
}

static void
hub_bad(struct load *ld)
{
	if (ld->hub_down_since == 0)
		ld->hub_down_since = loop_now(ld->loop);
}


struct batch {
	struct load	*ld;
	size_t		 first, n;	/* users[first .. first+n) */
};

static void
on_create(void *arg, const struct hub_resp *rs)
{
	struct batch *b = arg;
	struct load *ld = b->ld;
	cJSON *j = NULL;
	const cJSON *it;
	size_t i;

	ld->creates_flying--;
	if (rs->status < 0) {
		/* dropped before it was sent: nothing was created */
		for (i = b->first; i < b->first + b->n; i++)
			if (U(ld, i)->state == U_CREATING)
				setst(ld, U(ld, i), U_NEW);
		free(b);
		return;
	}
	if (rs->status == 0)
		hub_bad(ld);
	else
		hub_ok(ld);
	if (rs->status == 201 &&
	    (j = cJSON_ParseWithLength(rs->body, rs->len)) != NULL &&
	    cJSON_IsArray(j)) {
		for (i = b->first; i < b->first + b->n; i++)
			U(ld, i)->seen = 0;
		cJSON_ArrayForEach(it, j) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it,
			    "name");
			struct luser *u;

			if (cJSON_IsString(nm) &&
			    (u = user_by_name(ld, nm->valuestring)) != NULL)
				u->seen = 1;
		}
		for (i = b->first; i < b->first + b->n; i++) {
			struct luser *u = U(ld, i);

			if (u->state != U_CREATING)
				continue;
			if (u->seen || rs->tries > 1)
				set_created(ld, u);	/* a lost first try
							 * may have made it */
			else
				setst(ld, u, U_COLLIDED);
			u->seen = 0;
		}
	} else if (rs->status == 409) {
		for (i = b->first; i < b->first + b->n; i++)
			if (U(ld, i)->state == U_CREATING) {
				if (rs->tries > 1)
					set_created(ld, U(ld, i));
				else
					setst(ld, U(ld, i), U_COLLIDED);
			}
	} else if (rs->status == 403) {
		load_fatal(ld, HS_EAUTH, "the hub refused to create users (403 "
		    "%.200s); the token needs the admin:users scope",
		    rs->message);
		for (i = b->first; i < b->first + b->n; i++)
			if (U(ld, i)->state == U_CREATING)
				setst(ld, U(ld, i), U_UNKNOWN);
	} else if (rs->status == 400 &&
	    strncmp(rs->message, "Failed to create", 16) != 0) {
		load_fatal(ld, HS_EHUB, "the hub refused to create users (400 "
		    "%.200s)", rs->message);
		for (i = b->first; i < b->first + b->n; i++)
			if (U(ld, i)->state == U_CREATING)
				setst(ld, U(ld, i), U_NOCREATE);
	} else {
		/* partial (400 Failed to create), 5xx, network, bad body:
		 * some may exist; a re-list decides */
		for (i = b->first; i < b->first + b->n; i++)
			if (U(ld, i)->state == U_CREATING)
				setst(ld, U(ld, i), U_UNKNOWN);
		ld->reconcile = 1;
		if (rs->status == 400)
			load_event(ld, "the hub created only part of a batch: "
			    "%.200s", rs->message);
	}
	cJSON_Delete(j);
	free(b);
	load_kick(ld);
}

static int
send_create(struct load *ld, size_t first, size_t n)
{
	const char **names = NULL;
	struct buf body = BUF_INIT(1 << 20);
	struct batch *b = NULL;
	size_t i;
	int r = HS_ENOMEM;

	if ((names = calloc(n, sizeof(*names))) == NULL ||
	    (b = calloc(1, sizeof(*b))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		names[i] = U(ld, first + i)->name;
	if (load_create_body(&body, names, n) != 0)
		goto out;
	if (ld->cfg.on_batch)
		ld->cfg.on_batch(ld->cfg.batch_arg, names, n);
	b->ld = ld;
	b->first = first;
	b->n = n;
	for (i = 0; i < n; i++)
		setst(ld, U(ld, first + i), U_CREATING);
	if ((r = hub_request(ld->hub, MC_CREATE, "POST", "/users", body.data,
	    on_create, b)) != 0) {
		for (i = 0; i < n; i++)
			setst(ld, U(ld, first + i), U_NEW);
		goto out;
	}
	b = NULL;
	ld->creates_flying++;
	r = 0;
 out:
	free(names);
	free(b);
	buf_release(&body);
	return r;
}

/* --- reconcile after a doubtful create --- */

static void
recon_item(void *arg, const cJSON *it)
{
	struct load *ld = arg;
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
	struct luser *u;

	if (cJSON_IsString(nm) &&
	    (u = user_by_name(ld, nm->valuestring)) != NULL &&
	    u->state == U_UNKNOWN)
		set_created(ld, u);
}

static void
recon_done(void *arg, int r, const char *msg)
{
	struct load *ld = arg;
	size_t i;

	ld->listing = 0;
	if (r != 0) {
		load_fatal(ld, r, "%s", msg ? msg : "cannot list users");
		return;
	}
	for (i = 0; i < ld->nusers; i++)
		if (U(ld, i)->state == U_UNKNOWN) {
			/* not on the hub: refused; counted, not retried */
			setst(ld, U(ld, i), U_NOCREATE);
			ld->c_failed++;
		}
	load_kick(ld);
}

/* --- start --- */

static void
throttle_wait(struct load *ld, double secs)
{
	int64_t now = loop_now(ld->loop);
	int64_t end = now + (int64_t)(secs * 1000);
	int64_t from = ld->throttled_until > now ? ld->throttled_until : now;

	/* wall-clock seconds during which some start was held back */
	if (end > from)
		ld->m->throttled_s += (double)(end - from) / 1000.0;
	if (end > ld->throttled_until)
		ld->throttled_until = end;
}

static void
unthrottle(void *arg)
{
	struct luser *u = arg;

	u->timer = NULL;
	if (u->state == U_THROTTLED)
		setst(u->ld, u, U_STARTQ);
	load_kick(u->ld);
}

static void
on_start(void *arg, const struct hub_resp *rs)
{
	struct luser *u = arg;
	struct load *ld = u->ld;

	if (rs->status < 0) {
		/* dropped before it was sent */
		if (u->state == U_STARTING) {
			ld->spawns--;
			setst(ld, u, U_CREATED);
		}
		return;
	}
	if (rs->status == 0)
		hub_bad(ld);
	else
		hub_ok(ld);
	if (u->state != U_STARTING)
		goto out;
	if (rs->status == 201 || rs->status == 202) {
		/* the spawn starts with the attempt the hub accepted, not when
		 * the request entered hubspy's queue */
		int64_t now = loop_now_us();
		char path[NAME_MAX_LEN + 32];

		u->t_start = loop_now(ld->loop) - rs->latency_us / 1000;
		snprintf(path, sizeof(path), "/users/%s/server/progress",
		    u->name);
		/* a sample the hub cannot open is no failure of the spawn */
		(void)progress_sample(ld->sample, path, u,
		    now - rs->latency_us, now);
	}
	switch (rs->status) {
	case 201:
		set_ready(ld, u);
		break;
	case 202:
		setst(ld, u, U_PENDING);
		u->ack_gen = ld->gen;
		break;
	case 400:
		if (strstr(rs->message, "already running") != NULL) {
			set_ready(ld, u);
		} else if (strstr(rs->message, "pending") != NULL) {
			/* pending stop: try again shortly */
			ld->spawns--;
			setst(ld, u, U_THROTTLED);
			u->timer = loop_timer_add(ld->loop, 1000, unthrottle, u);
		} else
			set_failed(ld, u, 0);
		break;
	case 429:
		ld->spawns--;
		if (rs->retry_after < 0) {
			/* active_server_limit: a ceiling, not a delay */
			setst(ld, u, U_CREATED);
			if (!ld->ceiling)
				load_event(ld, "ramp stopped: the hub's "
				    "active_server_limit was reached (429 "
				    "without Retry-After) at %zu servers",
				    ld->c_ready + ld->spawns);
			ld->ceiling = 1;
			break;
		}
		{
			double w = rs->retry_after + (double)(load_rand() % 1000)
			    / 1000.0;

			throttle_wait(ld, w);
			setst(ld, u, U_THROTTLED);
			u->timer = loop_timer_add(ld->loop, (int64_t)(w * 1000),
			    unthrottle, u);
			/* fewer starts in flight than the hub's limit */
			ld->window = ld->spawns > 1 ? ld->spawns : 1;
		}
		break;
	case 403:
		ld->spawns--;
		setst(ld, u, U_CREATED);
		load_fatal(ld, HS_EAUTH, "the hub refused to start a server "
		    "(403 %.200s); the token needs the servers scope",
		    rs->message);
		break;
	case 0:
		/* unknown outcome: the next list round decides */
		setst(ld, u, U_PENDING);
		u->ack_gen = ld->gen;
		break;
	default:
		set_failed(ld, u, 0);
	}
 out:
	load_kick(ld);
}

static int
send_start(struct load *ld, struct luser *u)
{
	char path[NAME_MAX_LEN + 16];
	int r;

	snprintf(path, sizeof(path), "/users/%s/server", u->name);
	if ((r = hub_request(ld->hub, MC_START, "POST", path, ld->start_body,
	    on_start, u)) != 0)
		return r;
	if (!u->started) {
		u->started = 1;
		ld->c_started++;
	}
	if (u->state == U_CREATED)	/* an arrival, not a retry */
		u->t_start = loop_now(ld->loop);
	setst(ld, u, U_STARTING);
	ld->spawns++;
	return 0;
}

/* --- readiness rounds --- */

struct round {
	struct load	*ld;
	uint32_t	 gen;
};

static void
round_item(void *arg, const cJSON *it)
{
	struct round *rd = arg;
	struct load *ld = rd->ld;
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
	const cJSON *sv, *s0, *ready;
	struct luser *u;

	if (!cJSON_IsString(nm) ||
	    (u = user_by_name(ld, nm->valuestring)) == NULL)
		return;
	u->seen = 1;
	sv = cJSON_GetObjectItemCaseSensitive(it, "servers");
	s0 = cJSON_GetObjectItemCaseSensitive(sv, "");
	ready = cJSON_GetObjectItemCaseSensitive(s0, "ready");
	if (cJSON_IsTrue(ready) &&
	    (u->state == U_PENDING || u->state == U_TIMEDOUT))
		set_ready(ld, u);
}

static void
round_done(void *arg, int r, const char *msg)
{
	struct round *rd = arg;
	struct load *ld = rd->ld;
	int64_t now = loop_now(ld->loop);
	size_t i;

	ld->listing = 0;
	for (i = 0; i < ld->nusers; i++) {
		struct luser *u = U(ld, i);

		if (r == 0 && u->state == U_PENDING && u->ack_gen < rd->gen &&
		    !u->seen)
			set_failed(ld, u, 0);
		else if (u->state == U_PENDING && now - u->t_start >
		    (int64_t)ld->cfg.ready_timeout_s * 1000)
			set_failed(ld, u, 1);
		u->seen = 0;
	}
	if (r != 0) {
		hub_bad(ld);
		load_event(ld, "a readiness round failed: %s", msg ? msg : "");
	} else
		hub_ok(ld);
	free(rd);
	load_kick(ld);
}

static void
send_round(struct load *ld)
{
	struct round *rd;
	char q[sizeof(ld->filter) + 16];

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return;
	rd->ld = ld;
	rd->gen = ++ld->gen;
	snprintf(q, sizeof(q), "state=active&%s", ld->filter);
	if (hub_list_users(ld->hub, MC_POLL, q, round_item, round_done,
	    rd) != 0) {
		free(rd);
		return;
	}
	ld->listing = 1;
	ld->next_poll = loop_now(ld->loop) + ld->cfg.poll_interval_ms;
}

/* --- the driver --- */

static void td_kick(struct load *ld);

static void
poll_due(void *arg)
{
	struct load *ld = arg;

	ld->poll_timer = NULL;
	if (ld->td_running)
		td_kick(ld);
	else
		load_kick(ld);
}

/* a list round is wanted but not due yet: wake when it is (not on the
 * next tick, which may be a second away) */
static void
poll_arm(struct load *ld)
{
	int64_t d = ld->next_poll - loop_now(ld->loop);

	if (ld->poll_timer == NULL)
		ld->poll_timer = loop_timer_add(ld->loop, d, poll_due, ld);
}

static void
load_kick(struct load *ld)
{
	size_t i;
	int stop_new = ld->interrupted || ld->fatal;

	if (!ld->ramping || ld->td_running)
		return;
	/* creation: up to two batches in flight, in index order */
	while (ld->first_new < ld->nusers &&
	    U(ld, ld->first_new)->state != U_NEW)
		ld->first_new++;
	for (i = ld->first_new; !stop_new && !ld->reconcile &&
	    ld->nst[U_NEW] > 0 && i < ld->nusers && ld->creates_flying < 2;
	    i++) {
		size_t n = 0;

		if (U(ld, i)->state != U_NEW)
			continue;
		while (i + n < ld->nusers && n < (size_t)ld->cfg.batch_size &&
		    U(ld, i + n)->state == U_NEW)
			n++;
		if (send_create(ld, i, n) != 0)
			break;
		i += n - 1;
	}
	if (ld->reconcile && ld->creates_flying == 0 && !ld->listing &&
	    !ld->fatal) {
		ld->reconcile = 0;
		if (hub_list_users(ld->hub, MC_LIST, ld->filter, recon_item,
		    recon_done, ld) == 0)
			ld->listing = 1;
	}
	/* starts under the window, in index order */
	while (ld->first_start < ld->nusers &&
	    U(ld, ld->first_start)->state != U_CREATED &&
	    U(ld, ld->first_start)->state != U_STARTQ)
		ld->first_start++;
	for (i = ld->first_start; ld->cfg.start_servers && !stop_new &&
	    !ld->ceiling && ld->nst[U_CREATED] + ld->nst[U_STARTQ] > 0 &&
	    i < ld->nusers && ld->spawns < ld->window; i++) {
		struct luser *u = U(ld, i);
		int arriving = u->state == U_CREATED;

		/* an arrival waits for its time; a retry does not */
		if (arriving && !arrival_due(&ld->arr, loop_now(ld->loop))) {
			if (ld->nst[U_STARTQ] == 0)
				break;	/* no later arrival is due either */
			continue;
		}
		if (arriving || u->state == U_STARTQ) {
			if (send_start(ld, u) != 0)
				break;
			if (arriving)
				arrival_take(&ld->arr, loop_now(ld->loop));
			if (arriving && ld->cfg.sessions != NULL)
				(void)sessions_starting(ld->cfg.sessions,
				    u->name);
		}
	}
	if (ld->nst[U_PENDING] > 0 && !ld->listing) {
		if (loop_now(ld->loop) >= ld->next_poll)
			send_round(ld);
		else
			poll_arm(ld);
	}
	if (owned(ld) < ld->target && !stop_new)
		add_users(ld, ld->target - owned(ld));	/* collisions */
}

static void
on_tick(void *arg)
{
	struct load *ld = arg;

	ld->tick_timer = tick_arm(ld, ld->cfg.tick_ms, on_tick);
	load_kick(ld);
	if (ld->cfg.on_tick)
		ld->cfg.on_tick(ld->cfg.hook_arg);
}

static int
ramp_done(void *arg)
{
	struct load *ld = arg;
	const size_t *n = ld->nst;

	if (ld->hub_down_since && loop_now(ld->loop) - ld->hub_down_since >
	    (int64_t)ld->cfg.hub_gone_s * 1000)
		load_fatal(ld, HS_EHUB, "the hub stopped answering (nothing "
		    "for %d s); stopping the ramp", ld->cfg.hub_gone_s);
	if ((ld->fatal || ld->interrupted) && !ld->dropped) {
		/* nothing new goes out: unsent creates and starts end now */
		ld->dropped = 1;
		hub_drop_queued(ld->hub, MC_CREATE);
		hub_drop_queued(ld->hub, MC_START);
	}
	if (ld->fatal || ld->interrupted > 1)
		return 1;
	if (ld->interrupted)	/* answered, nothing new */
		return n[U_CREATING] == 0 && n[U_STARTING] == 0;
	if (n[U_NEW] || n[U_CREATING] || n[U_UNKNOWN])
		return 0;
	if (ld->cfg.start_servers) {
		/* a departure still stopping comes back with this ramp */
		if (n[U_STARTING] || n[U_PENDING] || n[U_LEAVING])
			return 0;
		if (!ld->ceiling && (n[U_CREATED] || n[U_STARTQ] ||
		    n[U_THROTTLED]))
			return 0;
	}
	return !ld->listing;
}

/* the named servers of the users created since the last ramp; the
 * message of a failure goes to ld->fatal_eb */
static int
ramp_named(struct load *ld)
{
	const char **names;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	size_t i, n = 0;
	int r;

	if ((names = calloc(ld->nusers ? ld->nusers : 1, sizeof(*names))) ==
	    NULL)
		return hs_error(&ld->fatal_eb, HS_ENOMEM, "out of memory");
	for (i = 0; i < ld->nusers; i++) {
		struct luser *u = U(ld, i);

		if (u->state == U_CREATED && !u->named) {
			names[n++] = u->name;
			u->named = 1;
		}
	}
	ld->phase = LOAD_WAIT;
	r = named_start(ld->named, names, n, &eb);
	free(names);
	if (r != 0)
		ld->fatal_eb = eb;
	return r;
}

/* the ramp's last sampled streams: how long it waits for them to end */
#define SAMPLE_GRACE_MS	5000

static int
sample_done(void *arg)
{
	struct load *ld = arg;

	return progress_sampler_open(ld->sample) == 0 || ld->interrupted;
}

int
load_ramp(struct load *ld, size_t total_users, struct hs_errbuf *eb)
{
	size_t have;
	int r;

	if (ld->fatal) {
		*eb = ld->fatal_eb;
		return ld->fatal;
	}
	ld->target = total_users;
	have = owned(ld);
	if (have < total_users && (r = add_users(ld, total_users - have)) != 0)
		return hs_error(eb, r, "out of memory");
	ld->phase = ld->cfg.start_servers ? LOAD_START : LOAD_CREATE;
	ld->flow = 1;
	probe_arm(ld);
	if (ld->tick_timer == NULL)
		ld->tick_timer = tick_arm(ld, ld->cfg.tick_ms, on_tick);
	ld->ramping = 1;
	arrival_restart(&ld->arr, loop_now(ld->loop));
	load_kick(ld);
	while (!ramp_done(ld))
		if (loop_run(ld->loop, ramp_done, ld, 0) < 0)
			break;
	ld->ramping = 0;
	if (ld->named && !ld->fatal && !ld->interrupted &&
	    (r = ramp_named(ld)) != 0 && r != HS_EPARTIAL)
		ld->fatal = ld->fatal_eb.code = r;	/* its message is set */
	/* every spawn is settled: its stream's last event is on its way (a
	 * start answered 201 opened it a moment ago); the plateau's phases
	 * are its own, so wait for them, a little */
	if (!ld->fatal && !ld->interrupted) {
		int64_t dl = loop_now(ld->loop) + SAMPLE_GRACE_MS;

		while (!sample_done(ld) && loop_now(ld->loop) < dl)
			if (loop_run(ld->loop, sample_done, ld, dl) < 0)
				break;
	}
	if (ld->tick_timer)
		loop_timer_cancel(ld->loop, ld->tick_timer);
	ld->tick_timer = NULL;
	if (ld->poll_timer)
		loop_timer_cancel(ld->loop, ld->poll_timer);
	ld->poll_timer = NULL;
	ld->phase = LOAD_IDLE;
	if (ld->fatal) {
		*eb = ld->fatal_eb;
		return ld->fatal;
	}
	if (ld->interrupted)
		return hs_error(eb, HS_EPARTIAL, "interrupted: ramp stopped at "
		    "%zu of %zu users", ld->c_created, total_users);
	return 0;
}

/* --- teardown --- */

static int
tu_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tuser *)a)->name,
	    ((const struct tuser *)b)->name);
}

static struct tuser *
tu_find(struct load *ld, const char *name)
{
	struct tuser key;

	if (strlcpy(key.name, name, sizeof(key.name)) >= sizeof(key.name))
		return NULL;
	return bsearch(&key, ld->tu, ld->ntu, sizeof(*ld->tu), tu_cmp);
}

static void
td_deleted(struct load *ld, struct tuser *t)
{
	t->state = T_DONE;
	ld->td_left--;
	ld->c_deleted++;
	if (t->u) {
		if (t->u->state == U_READY && ld->m)
			ld->m->lifecycles++;
		else if (ld->m && !ld->cfg.start_servers)
			ld->m->lifecycles++;
		setst(ld, t->u, U_GONE);
	}
}

/* t's server is gone: counted once, whichever answer or round saw it */
static void
td_stopped(struct load *ld, struct tuser *t)
{
	if (t->server)
		ld->c_stopped++;
	t->server = 0;
}

static void
stop_answer(void *arg, const struct hub_resp *rs)
{
	struct tuser *t = arg;
	struct load *ld = t->ld;
	int64_t now = loop_now(ld->loop);

	if (rs->status == 0) {
		hub_bad(ld);
		t->state = T_STOPQ;
		t->retry_at = now + 2000;
		return;
	}
	hub_ok(ld);
	t->ack_gen = ld->td_gen;
	switch (rs->status) {
	case 204:
		t->state = T_DELQ;
		td_stopped(ld, t);
		break;
	case 404:
		td_deleted(ld, t);	/* no such user: nothing left */
		break;
	case 400:
		/* "pending spawn, please wait" (<= 5.0) or "pending stop":
		 * wait for rounds, re-stop spawns when they settle */
		t->state = T_WAIT;
		t->spawn_pending = strstr(rs->message, "spawn") != NULL;
		t->retry_at = now + 1000;
		break;
	default:
		/* 202 stopping; 500 (<= 5.4.4 for a missing user, or an
		 * error): the active list decides */
		t->state = T_WAIT;
		t->retry_at = now + 1000;
	}
}

static void
delete_answer(void *arg, const struct hub_resp *rs)
{
	struct tuser *t = arg;
	struct load *ld = t->ld;
	int64_t now = loop_now(ld->loop);

	if (rs->status == 0) {
		hub_bad(ld);
		t->state = T_DELQ;
		t->retry_at = now + 2000;
		return;
	}
	hub_ok(ld);
	if (rs->status == 204) {
		/* a running server was stopped by the delete itself */
		td_stopped(ld, t);
		td_deleted(ld, t);
		return;
	}
	if (rs->status == 404) {
		td_deleted(ld, t);
		return;
	}
	/* 500: a spawn is still pending; 400: still stopping. Wait until the
	 * active list no longer shows it, then delete again (bounded by the
	 * teardown timeout) */
	t->tries++;
	t->ack_gen = ld->td_gen;
	t->state = T_WAIT;
	t->spawn_pending = rs->status == 500;
	t->retry_at = now + 1000;
}

/* an answer drained the queue to half: refill it now, not on the tick */
static void
td_refill(struct load *ld)
{
	if (ld->td_running && hub_pending(ld->hub) < TD_QUEUE / 2)
		td_kick(ld);
}

static void
on_stop(void *arg, const struct hub_resp *rs)
{
	struct load *ld = ((struct tuser *)arg)->ld;

	stop_answer(arg, rs);
	td_refill(ld);
}

static void
on_delete(void *arg, const struct hub_resp *rs)
{
	struct load *ld = ((struct tuser *)arg)->ld;

	delete_answer(arg, rs);
	td_refill(ld);
}

static void
td_round_item(void *arg, const cJSON *it)
{
	struct load *ld = arg;
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
	const cJSON *s0, *pend;
	struct tuser *t;

	if (!cJSON_IsString(nm) || (t = tu_find(ld, nm->valuestring)) == NULL)
		return;
	t->active = 1;
	s0 = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(it, "servers"), "");
	pend = cJSON_GetObjectItemCaseSensitive(s0, "pending");
	t->spawn_pending = cJSON_IsString(pend) &&
	    strcmp(pend->valuestring, "spawn") == 0;
	if (cJSON_IsString(pend) == 0 && s0 != NULL && t->state == T_WAIT &&
	    t->ack_gen < ld->td_gen) {
		/* running again, or never stopped, in a round sent after the
		 * stop was answered: stop it (again) */
		t->state = T_STOPQ;
		t->retry_at = 0;
	}
}

static void
td_round_done(void *arg, int r, const char *msg)
{
	struct load *ld = arg;
	int64_t now = loop_now(ld->loop);
	size_t i;

	ld->listing = 0;
	if (r != 0) {
		hub_bad(ld);
		for (i = 0; i < ld->ntu; i++)
			ld->tu[i].active = 0;
		return;
	}
	hub_ok(ld);
	for (i = 0; i < ld->ntu; i++) {
		struct tuser *t = &ld->tu[i];

		if (t->state == T_WAIT && t->ack_gen < ld->td_gen) {
			if (!t->active) {
				t->state = T_DELQ;
				t->retry_at = 0;
				td_stopped(ld, t);
			} else if (t->spawn_pending && now >= t->retry_at) {
				/* 5.1+ cancels a pending spawn on stop; older
				 * hubs answer 400 again until it settles */
				t->state = T_STOPQ;
				t->retry_at = now + 2000;
			}
		}
		t->active = 0;
	}
	td_kick(ld);	/* what the round released goes out now */
}

static void
td_kick(struct load *ld)
{
	int64_t now = loop_now(ld->loop);
	size_t i, waiting = 0, room;
	char path[NAME_MAX_LEN + 16];

	/* keep the queue short (TD_QUEUE) beyond the requests in flight */
	room = hub_pending(ld->hub) < TD_QUEUE ? TD_QUEUE -
	    hub_pending(ld->hub) : 0;
	for (i = 0; i < ld->ntu && room > 0; i++) {
		struct tuser *t = &ld->tu[i];

		if (t->retry_at > now)
			continue;
		if (t->state == T_STOPQ) {
			snprintf(path, sizeof(path), "/users/%s/server",
			    t->name);
			if (hub_request(ld->hub, MC_STOP, "DELETE", path, NULL,
			    on_stop, t) == 0) {
				t->state = T_STOPPING;
				room--;
			}
		} else if (t->state == T_DELQ) {
			snprintf(path, sizeof(path), "/users/%s", t->name);
			if (hub_request(ld->hub, MC_DELETE, "DELETE", path,
			    NULL, on_delete, t) == 0) {
				t->state = T_DELETING;
				room--;
			}
		}
	}
	for (i = 0; i < ld->ntu; i++)
		if (ld->tu[i].state == T_WAIT)
			waiting++;
	if (waiting > 0 && !ld->listing && now < ld->next_poll)
		poll_arm(ld);
	else if (waiting > 0 && !ld->listing) {
		char q[sizeof(ld->filter) + 16];

		snprintf(q, sizeof(q), "state=active%s%s",
		    ld->filter[0] ? "&" : "", ld->filter);
		if (hub_list_users(ld->hub, MC_POLL, q, td_round_item,
		    td_round_done, ld) == 0) {
			ld->td_gen++;
			ld->listing = 1;
			ld->next_poll = now + ld->cfg.poll_interval_ms;
		}
	}
}

static void
td_tick(void *arg)
{
	struct load *ld = arg;

	ld->tick_timer = tick_arm(ld, ld->cfg.tick_ms, td_tick);
	td_kick(ld);
	if (ld->cfg.on_tick)
		ld->cfg.on_tick(ld->cfg.hook_arg);
}

struct td_wait {
	struct load	*ld;
	int64_t		 deadline;
};

static int
td_done(void *arg)
{
	struct td_wait *w = arg;
	struct load *ld = w->ld;
	int64_t now = loop_now(ld->loop);

	if (ld->hub_down_since && now - ld->hub_down_since >
	    (int64_t)ld->cfg.hub_gone_s * 1000)
		return 1;
	if (now > w->deadline)
		return 1;
	return ld->td_left == 0 && !ld->listing;
}

static int
wait_creates(void *arg)
{
	struct load *ld = arg;

	return !ld->listing && !ld->creates_flying &&
	    ld->nst[U_STARTING] == 0;
}

/* has_server: 0 none, 1 maybe (stop first), 2 running and settled
 * (deleted with it in one request) */
static int
td_add(struct load *ld, const char *name, int has_server, struct luser *u)
{
	struct tuser *t;

	if (ld->ntu % 256 == 0) {
		struct tuser *p = reallocarray(ld->tu, ld->ntu + 256,
		    sizeof(*p));

		if (p == NULL)
			return HS_ENOMEM;
		ld->tu = p;
	}
	t = &ld->tu[ld->ntu++];
	memset(t, 0, sizeof(*t));
	strlcpy(t->name, name, sizeof(t->name));
	t->state = has_server == 1 ? T_STOPQ : T_DELQ;
	t->server = has_server != 0;
	t->u = u;
	return 0;
}

/* removes the named servers before the users: ours (the ones started),
 * or what the hub lists for the prefix or the names (purge) */
static int
teardown_named(struct load *ld, enum load_teardown_mode mode,
    const char *const *names, size_t n, struct hs_errbuf *eb)
{
	struct named *nm = ld->named, *tmp = NULL;
	const char **ours = NULL;
	int64_t deadline = loop_now(ld->loop) +
	    (int64_t)ld->cfg.teardown_timeout_s * 1000;
	size_t i, k = 0;
	int r;

	if (mode == LOAD_TD_OURS && nm == NULL)
		return 0;
	if (nm == NULL) {
		struct named_config nc = { 1, NULL, 1, 1, 1000, ld->filter,
		    &ld->interrupted, NULL };

		/* list everyone when a given name lacks the prefix */
		for (i = 0; mode == LOAD_TD_NAMES && i < n; i++)
			if (load_name_index(ld->prefix, names[i]) < 0)
				nc.filter = "";

		if ((r = named_new(&tmp, ld->hub, &nc, eb)) != 0)
			return r;
		nm = tmp;
	}
	ld->phase = LOAD_STOP;
	if (mode == LOAD_TD_OURS) {
		if ((ours = calloc(ld->nusers ? ld->nusers : 1,
		    sizeof(*ours))) == NULL) {
			named_free(tmp);
			return hs_error(eb, HS_ENOMEM, "out of memory");
		}
		for (i = 0; i < ld->nusers; i++)
			if (U(ld, i)->named && U(ld, i)->state != U_GONE)
				ours[k++] = U(ld, i)->name;
		r = named_remove(nm, ours, k, 1, deadline, eb);
	} else
		r = named_remove(nm, mode == LOAD_TD_NAMES ? names : NULL,
		    mode == LOAD_TD_NAMES ? n : 0, 0, deadline, eb);
	free(ours);
	named_free(tmp);
	if (r == HS_ELEFT) {
		char why[sizeof(eb->msg)];

		strlcpy(why, eb->msg, sizeof(why));
		hs_error(eb, r, "%s; run 'hubspy purge --prefix %s' when the "
		    "hub answers again", why, ld->prefix);
	}
	return r;
}

int
load_teardown(struct load *ld, enum load_teardown_mode mode,
    const char *const *names, size_t n, struct hs_errbuf *eb)
{
	struct td_wait w;
	struct disc d;
	size_t i, left = 0;
	int r = 0;

	flow_stop(ld);
	churn_stop(ld);
	/* the spawns still streaming are torn down: unfinished */
	progress_sampler_drop_all(ld->sample);
	if (ld->cfg.sessions != NULL)
		sessions_end_all(ld->cfg.sessions);
	if (ld->tick_timer)
		loop_timer_cancel(ld->loop, ld->tick_timer);
	ld->tick_timer = NULL;
	/* settle what is in flight: created users must be known */
	{
		int64_t dl = loop_now(ld->loop) + 60000;

		while (!wait_creates(ld) && loop_now(ld->loop) < dl)
			if (loop_run(ld->loop, wait_creates, ld, dl) != 1)
				break;
	}
	for (i = 0; i < ld->nusers; i++)
		if (U(ld, i)->timer) {
			loop_timer_cancel(ld->loop, U(ld, i)->timer);
			U(ld, i)->timer = NULL;
		}
	free(ld->tu);
	ld->tu = NULL;
	ld->ntu = 0;
	memset(&d, 0, sizeof(d));
	/* named servers first: a user with active ones cannot be deleted */
	if ((r = teardown_named(ld, mode, names, n, eb)) != 0)
		return r;
	switch (mode) {
	case LOAD_TD_OURS:
		for (i = 0; i < ld->nusers && r == 0; i++) {
			struct luser *u = U(ld, i);

			if (u->state == U_NEW || u->state == U_COLLIDED ||
			    u->state == U_NOCREATE || u->state == U_GONE)
				continue;
			r = td_add(ld, u->name, u->state == U_READY ? 2 :
			    u->started || u->state == U_UNKNOWN, u);
		}
		break;
	case LOAD_TD_PREFIX:
		d.collect = 1;
		ld->phase = LOAD_DISCOVER;
		if ((r = discover(ld, &d, eb)) != 0) {
			free(d.tu);
			return r;
		}
		ld->tu = d.tu;
		ld->ntu = d.ntu;
		for (i = 0; i < ld->ntu; i++) {
			ld->tu[i].u = user_by_name(ld, ld->tu[i].name);
		}
		break;
	case LOAD_TD_NAMES:
		for (i = 0; i < n && r == 0; i++) {
			if (strlen(names[i]) >= NAME_MAX_LEN ||
			    strpbrk(names[i], "/?#%& ") != NULL)
				return hs_error(eb, HS_EUSAGE, "cannot tear "
				    "down '%.80s': not a fake user name",
				    names[i]);
			r = td_add(ld, names[i], 1, user_by_name(ld, names[i]));
		}
		/* poll the prefix only when every name carries it */
		for (i = 0; i < n; i++)
			if (load_name_index(ld->prefix, names[i]) < 0)
				ld->filter[0] = '\0';
		break;
	}
	if (r != 0)
		return hs_error(eb, r, "out of memory");
	for (i = 0; i < ld->ntu; i++)
		ld->tu[i].ld = ld;
	if (ld->ntu > 1)	/* qsort(NULL, 0) is undefined: no users at all */
		qsort(ld->tu, ld->ntu, sizeof(*ld->tu), tu_cmp);
	/* duplicates in a given list: keep one */
	for (i = 1; i < ld->ntu; i++)
		if (strcmp(ld->tu[i].name, ld->tu[i - 1].name) == 0)
			ld->tu[i].state = T_DONE;
	for (i = 0, ld->td_left = 0; i < ld->ntu; i++)
		if (ld->tu[i].state != T_DONE)
			ld->td_left++;
	ld->td_running = 1;
	ld->phase = LOAD_STOP;
	ld->hub_down_since = 0;
	ld->next_poll = 0;
	w.ld = ld;
	w.deadline = loop_now(ld->loop) +
	    (int64_t)ld->cfg.teardown_timeout_s * 1000;
	ld->tick_timer = tick_arm(ld, ld->cfg.tick_ms, td_tick);
	td_kick(ld);
	while (!td_done(&w))
		if (loop_run(ld->loop, td_done, &w, w.deadline) != 1)
			break;
	if (ld->tick_timer)
		loop_timer_cancel(ld->loop, ld->tick_timer);
	ld->tick_timer = NULL;
	if (ld->poll_timer)
		loop_timer_cancel(ld->loop, ld->poll_timer);
	ld->poll_timer = NULL;
	for (i = 0; i < ld->ntu; i++)
		if (ld->tu[i].state != T_DONE)
			left++;
	if (left > 0 || ld->listing) {
		/* gave up: answers still in flight must not land on ld->tu */
		hub_cancel_all(ld->hub);
		ld->listing = 0;
	}
	ld->td_running = 0;
	ld->phase = LOAD_DONE;
	if (ld->cfg.on_tick)
		ld->cfg.on_tick(ld->cfg.hook_arg);
	if (left > 0)
		return hs_error(eb, HS_ELEFT, "teardown incomplete: %zu "
		    "user%s left on the hub (%s); run 'hubspy purge --prefix "
		    "%s' when it answers again", left, left == 1 ? "" : "s",
		    ld->hub_down_since ? "the hub stopped answering" :
		    "timed out", ld->prefix);
	return 0;
}
