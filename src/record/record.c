/* record.c -- the run record: filled by the run, written as manifest.json,
 * read back and validated for the renderers */
/*
 * The writer (record_to_json) emits the keys in the order the manifest has
 * always had them, so a run's manifest.json is the same as before the
 * record existed. The reader (record_from_json) checks every field it
 * keeps for its type and range and names the first one that is wrong with
 * its path, "plateaus[2].requests.start.status"; keys it does not know are
 * ignored (docs/artifacts.md). The renderers' shared figures, one row per
 * plateau, are at the end.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "record/record.h"

/* ---- lifecycle ---- */

static void
quantiles_none(struct record_quantiles *q)
{
	q->p50 = q->p90 = q->p99 = q->max = NAN;
}

static void
phases_none(struct record_phases *ph)
{
	int i;

	ph->sampled = ph->failed = ph->unfinished = RECORD_NONE;
	for (i = 0; i < MP_NPHASE; i++)
		quantiles_none(&ph->q[i]);
}

static void
usage_none(struct record_usage *u)
{
	u->present = 0;
	u->cpu_seconds = u->rss_bytes = u->cgroup_memory_bytes = NAN;
}

void
record_init(struct run_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->schema = RECORD_SCHEMA;
	rec->prof.settle = rec->prof.hold = rec->prof.record_rate = NAN;
	rec->prof.servers = -1;
	rec->target.pid = NAN;
	usage_none(&rec->after_purge);
}

static void
plateau_init(struct record_plateau *p)
{
	memset(p, 0, sizeof(*p));
	p->state.asked = p->state.created = p->state.ready = RECORD_NONE;
	p->state.failed = p->state.timed_out = RECORD_NONE;
	p->ramp_seconds = NAN;
	p->throttle.count_429 = RECORD_NONE;
	p->throttle.retry_after_seconds = p->throttle.throttled_seconds = NAN;
	p->throttle.active_server_limit = -1;
	p->spawn_count = RECORD_NONE;
	quantiles_none(&p->spawn_seconds);
	phases_none(&p->phases);
	p->hold_seconds = p->hold_rps = NAN;
	p->metrics_seconds = NAN;
	usage_none(&p->usage_start);
	usage_none(&p->usage_end);
	p->usage_cpu_percent = NAN;
	p->log_stalls = RECORD_NONE;
}

static void
capture_release(struct record_capture *c)
{
	free(c->kind);
	free(c->file);
	free(c->sha256);
	free(c->failure);
	free(c->message);
}

static void
classes_release(struct record_class *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(c[i].status);
	free(c);
}

static void
plateau_release(struct record_plateau *p)
{
	size_t i;

	classes_release(p->classes, p->nclasses);
	for (i = 0; i < p->ncaptures; i++)
		capture_release(&p->captures[i]);
	free(p->captures);
	metrics_release(&p->mstart);
	metrics_release(&p->mend);
}

static void
trigger_release(struct record_trigger *t)
{
	size_t i;

	free(t->source);
	free(t->at);
	free(t->phase);
	free(t->dir);
	free(t->skipped);
	for (i = 0; i < t->ncaptures; i++)
		capture_release(&t->captures[i]);
	free(t->captures);
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
record_release(struct run_record *rec)
{
	size_t i;

	free(rec->hubspy_version);
	free(rec->created);
	free(rec->profile_name);
	free(rec->partial_reason);
	cJSON_Delete(rec->profile);
	cJSON_Delete(rec->plan);
	free(rec->prof.activity);
	free(rec->prof.teardown);
	strv_free(rec->prof.captures, rec->prof.ncaptures);
	free(rec->hub.url);
	free(rec->hub.version);
	free(rec->hub.token_kind);
	cJSON_Delete(rec->hub.info);
	strv_free(rec->hub.scopes, rec->hub.nscopes);
	free(rec->target.transport);
	free(rec->target.context);
	free(rec->target.namespace);
	free(rec->target.pod);
	free(rec->target.container);
	free(rec->target.python);
	free(rec->target.pyspy);
	free(rec->timeline);
	for (i = 0; i < rec->nplateaus; i++)
		plateau_release(&rec->plateaus[i]);
	free(rec->plateaus);
	for (i = 0; i < rec->ntriggers; i++)
		trigger_release(&rec->triggers[i]);
	free(rec->triggers);
	free(rec->samples);
	free(rec->watch_start);
	record_clear_files(rec);
	record_init(rec);
}

/* ---- filling ---- */

int
record_set_str(char **dst, const char *s)
{
	char *c = NULL;

	/* what the writer writes, the reader reads: at most the reader's cap
	 * (a message from py-spy or the hub may be longer) */
	if (s != NULL && (c = strndup(s, RECORD_MAX_STRING - 1)) == NULL)
		return HS_ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

void
record_clear_files(struct run_record *rec)
{
	size_t i;

	for (i = 0; i < rec->nfiles; i++)
		free(rec->files[i].path);
	free(rec->files);
	rec->files = NULL;
	rec->nfiles = 0;
}

/* a capture's bytes and sha256 are those of its file as archived */
static int
sync_list(struct record_capture *caps, size_t n, const struct record_file *f)
{
	size_t k;

	for (k = 0; k < n; k++) {
		struct record_capture *c = &caps[k];

		if (c->file == NULL || strcmp(c->file, f->path) != 0)
			continue;
		c->bytes = f->bytes;
		if (record_set_str(&c->sha256, f->sha256) != 0)
			return HS_ENOMEM;
	}
	return 0;
}

static int
sync_captures(struct run_record *rec, const struct record_file *f)
{
	size_t i;

	for (i = 0; i < rec->nplateaus; i++)
		if (sync_list(rec->plateaus[i].captures,
		    rec->plateaus[i].ncaptures, f) != 0)
			return HS_ENOMEM;
	for (i = 0; i < rec->ntriggers; i++)
		if (sync_list(rec->triggers[i].captures,
		    rec->triggers[i].ncaptures, f) != 0)
			return HS_ENOMEM;
	return 0;
}

/* appends one file (no capture is touched) */
static int
file_push(struct run_record *rec, const char *path, long long bytes,
    const char *sha256, long long redactions)
{
	struct record_file *f;

	if (rec->nfiles >= RECORD_MAX_FILES)
		return HS_ELIMIT;
	if ((f = reallocarray(rec->files, rec->nfiles + 1,
	    sizeof(*f))) == NULL)
		return HS_ENOMEM;
	rec->files = f;
	f = &rec->files[rec->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		return HS_ENOMEM;
	f->bytes = bytes;
	f->redactions = redactions;
	snprintf(f->sha256, sizeof(f->sha256), "%s", sha256);
	rec->nfiles++;
	return 0;
}

int
record_add_file(struct run_record *rec, const char *path, long long bytes,
    const char *sha256, long long redactions)
{
	int r;

	if ((r = file_push(rec, path, bytes, sha256, redactions)) != 0)
		return r;
	return sync_captures(rec, &rec->files[rec->nfiles - 1]);
}

int
record_add_phase(struct run_record *rec, const char *phase, long plateau,
    const char *start, const char *end, double seconds)
{
	struct record_phase *t;

	if ((t = reallocarray(rec->timeline, rec->ntimeline + 1,
	    sizeof(*t))) == NULL)
		return HS_ENOMEM;
	rec->timeline = t;
	t = &t[rec->ntimeline++];
	memset(t, 0, sizeof(*t));
	strlcpy(t->phase, phase, sizeof(t->phase));
	t->plateau = plateau;
	strlcpy(t->start, start, sizeof(t->start));
	strlcpy(t->end, end, sizeof(t->end));
	t->seconds = seconds;
	return 0;
}

int
record_add_plateau(struct run_record *rec, long users, const char *dir,
    struct record_plateau **pp)
{
	struct record_plateau *p;

	if ((p = reallocarray(rec->plateaus, rec->nplateaus + 1,
	    sizeof(*p))) == NULL)
		return HS_ENOMEM;
	rec->plateaus = p;
	p = &p[rec->nplateaus++];
	plateau_init(p);
	p->users = users;
	strlcpy(p->dir, dir, sizeof(p->dir));
	*pp = p;
	return 0;
}

/* milliseconds (scale 1000) or seconds (1e6) of a microsecond histogram,
 * to the microsecond; NAN when empty */
static double
quantile(const struct hist *h, double q, double scale)
{
	if (h->n == 0)
		return NAN;
	return round((double)hist_quantile(h, q) / scale * 1000.0) / 1000.0;
}

static void
quantiles(struct record_quantiles *q, const struct hist *h, double scale)
{
	q->p50 = quantile(h, 0.50, scale);
	q->p90 = quantile(h, 0.90, scale);
	q->p99 = quantile(h, 0.99, scale);
	q->max = quantile(h, 1.0, scale);
}

static int
add_status(struct record_class *c, const char *key, uint64_t n)
{
	struct record_status *s;

	if ((s = reallocarray(c->status, c->nstatus + 1, sizeof(*s))) == NULL)
		return HS_ENOMEM;
	c->status = s;
	s = &s[c->nstatus++];
	strlcpy(s->key, key, sizeof(s->key));
	s->n = (long long)n;
	return 0;
}

int
record_plateau_set_measure(struct record_plateau *p, const struct measure *m)
{
	struct record_class *cls;
	char key[8];
	size_t n = 0;
	int i, k;

	classes_release(p->classes, p->nclasses);
	p->classes = NULL;
	p->nclasses = 0;
	if ((cls = calloc(MC_NCLASS, sizeof(*cls))) == NULL)
		return HS_ENOMEM;
	p->classes = cls;
	p->has_requests = 1;
	for (i = 0; i < MC_NCLASS; i++) {
		const struct mstats *s = &m->cls[i];
		struct record_class *c = &cls[n];

		if (s->count == 0)
			continue;
		p->nclasses = ++n;
		strlcpy(c->name, mclass_name((enum mclass)i), sizeof(c->name));
		c->count = (long long)s->count;
		c->retries = (long long)s->retries;
		quantiles(&c->latency_ms, &s->lat, 1000.0);
		c->has_status = 1;
		if (add_status(c, "2xx", s->s2xx) != 0 ||
		    (s->s3xx > 0 && add_status(c, "3xx", s->s3xx) != 0))
			return HS_ENOMEM;
		for (k = 0; k < 100; k++) {
			if (s->s4xx[k] == 0)
				continue;
			snprintf(key, sizeof(key), "%d", 400 + k);
			if (add_status(c, key, s->s4xx[k]) != 0)
				return HS_ENOMEM;
		}
		if (add_status(c, "429", s->s429) != 0 ||
		    add_status(c, "5xx", s->s5xx) != 0 ||
		    add_status(c, "network", s->network) != 0)
			return HS_ENOMEM;
	}
	p->has_throttle = 1;
	p->throttle.count_429 = (long long)m->count_429;
	p->throttle.retry_after_seconds = m->retry_after_s;
	p->throttle.throttled_seconds = round(m->throttled_s * 1000.0) / 1000.0;
	p->throttle.active_server_limit = m->active_server_limit != 0;
	p->has_spawn = 1;
	p->spawn_count = (long long)m->spawn.n;
	quantiles(&p->spawn_seconds, &m->spawn, 1e6);
	p->has_phases = m->phases.sampled > 0;
	phases_none(&p->phases);
	if (p->has_phases) {
		p->phases.sampled = (long long)m->phases.sampled;
		p->phases.failed = (long long)m->phases.failed;
		p->phases.unfinished = (long long)m->phases.unfinished;
		for (k = 0; k < MP_NPHASE; k++)
			quantiles(&p->phases.q[k], &m->phases.h[k], 1e6);
	}
	return 0;
}

void
record_plateau_set_metrics(struct record_plateau *p,
    struct metrics_snapshot *start, struct metrics_snapshot *end,
    double seconds)
{
	metrics_release(&p->mstart);
	metrics_release(&p->mend);
	p->has_metrics = start != NULL || end != NULL;
	p->has_mstart = start != NULL;
	p->has_mend = end != NULL;
	if (start != NULL) {
		p->mstart = *start;
		memset(start, 0, sizeof(*start));
	}
	if (end != NULL) {
		p->mend = *end;
		memset(end, 0, sizeof(*end));
	}
	p->metrics_seconds = seconds;
}

static int
capture_push(struct record_capture **caps, size_t *ncaps,
    const struct record_capture *c)
{
	struct record_capture *n;

	if ((n = reallocarray(*caps, *ncaps + 1, sizeof(*n))) == NULL)
		return HS_ENOMEM;
	*caps = n;
	n = &n[*ncaps];
	*n = *c;
	n->kind = n->file = n->sha256 = n->failure = n->message = NULL;
	(*ncaps)++;
	if (record_set_str(&n->kind, c->kind) != 0 ||
	    record_set_str(&n->file, c->file) != 0 ||
	    record_set_str(&n->sha256, c->sha256) != 0 ||
	    record_set_str(&n->failure, c->failure) != 0 ||
	    record_set_str(&n->message, c->message) != 0)
		return HS_ENOMEM;
	return 0;
}

int
record_plateau_add_capture(struct record_plateau *p,
    const struct record_capture *c)
{
	return capture_push(&p->captures, &p->ncaptures, c);
}

int
record_trigger_add_capture(struct record_trigger *t,
    const struct record_capture *c)
{
	return capture_push(&t->captures, &t->ncaptures, c);
}

int
record_add_trigger(struct run_record *rec, const struct record_trigger *t,
    struct record_trigger **tp)
{
	struct record_trigger *n;

	if (rec->ntriggers >= RECORD_MAX_ITEMS)
		return HS_ELIMIT;
	if ((n = reallocarray(rec->triggers, rec->ntriggers + 1,
	    sizeof(*n))) == NULL)
		return HS_ENOMEM;
	rec->triggers = n;
	n = &n[rec->ntriggers];
	*n = *t;
	n->source = n->at = n->phase = n->dir = n->skipped = NULL;
	n->captures = NULL;
	n->ncaptures = 0;
	rec->ntriggers++;
	if (tp)
		*tp = n;
	if (record_set_str(&n->source, t->source) != 0 ||
	    record_set_str(&n->at, t->at) != 0 ||
	    record_set_str(&n->phase, t->phase) != 0 ||
	    record_set_str(&n->dir, t->dir) != 0 ||
	    record_set_str(&n->skipped, t->skipped) != 0)
		return HS_ENOMEM;
	return 0;
}

int
record_add_sample(struct run_record *rec, const struct record_sample *s)
{
	struct record_sample *n;

	if (rec->nsamples >= RECORD_MAX_SAMPLES)
		return HS_ELIMIT;
	if ((n = reallocarray(rec->samples, rec->nsamples + 1,
	    sizeof(*n))) == NULL)
		return HS_ENOMEM;
	rec->samples = n;
	rec->samples[rec->nsamples++] = *s;
	return 0;
}

/* ---- the writer ---- */

/*
 * A JSON builder with a sticky failure: every add after the first failed
 * allocation is a no-op and record_to_json checks once at the end.
 */
struct jw {
	int	 failed;
};

static cJSON *
jadd(struct jw *w, cJSON *o, const char *k, cJSON *v)
{
	if (v == NULL)
		w->failed = 1;
	if (w->failed || o == NULL) {
		cJSON_Delete(v);
		return NULL;
	}
	if ((cJSON_IsArray(o) ? cJSON_AddItemToArray(o, v) :
	    cJSON_AddItemToObject(o, k, v)) == 0) {
		cJSON_Delete(v);
		w->failed = 1;
		return NULL;
	}
	return v;
}

static void
jnum(struct jw *w, cJSON *o, const char *k, double v)
{
	jadd(w, o, k, isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v));
}

static void
jcount(struct jw *w, cJSON *o, const char *k, long long v)
{
	jadd(w, o, k, v < 0 ? cJSON_CreateNull() : cJSON_CreateNumber((double)v));
}

static void
jstr(struct jw *w, cJSON *o, const char *k, const char *s)
{
	jadd(w, o, k, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static void
jbool(struct jw *w, cJSON *o, const char *k, int b)
{
	jadd(w, o, k, b < 0 ? cJSON_CreateNull() : cJSON_CreateBool(b));
}

static cJSON *
jobj(struct jw *w, cJSON *o, const char *k)
{
	return jadd(w, o, k, cJSON_CreateObject());
}

static cJSON *
jarr(struct jw *w, cJSON *o, const char *k)
{
	return jadd(w, o, k, cJSON_CreateArray());
}

static void
jnull(struct jw *w, cJSON *o, const char *k)
{
	jadd(w, o, k, cJSON_CreateNull());
}

static void
jdoc(struct jw *w, cJSON *o, const char *k, const cJSON *doc)
{
	jadd(w, o, k, doc ? cJSON_Duplicate(doc, 1) : cJSON_CreateNull());
}

static void
w_quantiles(struct jw *w, cJSON *o, const struct record_quantiles *q)
{
	jnum(w, o, "p50", q->p50);
	jnum(w, o, "p90", q->p90);
	jnum(w, o, "p99", q->p99);
	jnum(w, o, "max", q->max);
}

static void
w_classes(struct jw *w, cJSON *pl, const struct record_plateau *p)
{
	cJSON *req, *c, *st;
	size_t i, k;

	if (!p->has_requests) {
		jnull(w, pl, "requests");
		return;
	}
	req = jobj(w, pl, "requests");
	for (i = 0; i < p->nclasses; i++) {
		const struct record_class *rc = &p->classes[i];

		c = jobj(w, req, rc->name);
		jcount(w, c, "count", rc->count);
		jcount(w, c, "retries", rc->retries);
		w_quantiles(w, jobj(w, c, "latency_ms"), &rc->latency_ms);
		if (!rc->has_status) {
			jnull(w, c, "status");
			continue;
		}
		st = jobj(w, c, "status");
		for (k = 0; k < rc->nstatus; k++)
			jcount(w, st, rc->status[k].key, rc->status[k].n);
	}
}

static void
w_load(struct jw *w, cJSON *pl, const struct record_plateau *p)
{
	cJSON *o;

	w_classes(w, pl, p);
	if (p->has_throttle) {
		o = jobj(w, pl, "throttle");
		jcount(w, o, "count_429", p->throttle.count_429);
		jnum(w, o, "retry_after_seconds",
		    p->throttle.retry_after_seconds);
		jnum(w, o, "throttled_seconds", p->throttle.throttled_seconds);
		jbool(w, o, "active_server_limit",
		    p->throttle.active_server_limit);
	} else
		jnull(w, pl, "throttle");
	if (p->has_spawn) {
		o = jobj(w, pl, "spawn_seconds");
		jcount(w, o, "count", p->spawn_count);
		w_quantiles(w, o, &p->spawn_seconds);
	} else
		jnull(w, pl, "spawn_seconds");
	if (p->has_phases) {
		char key[32];
		int k;

		o = jobj(w, pl, "spawn_phases");
		jcount(w, o, "sampled", p->phases.sampled);
		jcount(w, o, "failed", p->phases.failed);
		jcount(w, o, "unfinished", p->phases.unfinished);
		for (k = 0; k < MP_NPHASE; k++) {
			snprintf(key, sizeof(key), "%s_seconds",
			    mphase_name((enum mphase)k));
			w_quantiles(w, jobj(w, o, key), &p->phases.q[k]);
		}
	} else
		jnull(w, pl, "spawn_phases");
}

cJSON *
record_measure_json(const struct measure *m)
{
	struct record_plateau p;
	struct jw w = { 0 };
	cJSON *o;

	plateau_init(&p);
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (record_plateau_set_measure(&p, m) != 0)
		w.failed = 1;
	w_load(&w, o, &p);
	plateau_release(&p);
	if (w.failed) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* hub_metrics (docs/artifacts.md): the snapshots, and "delta" their
 * difference, computed here */

static cJSON *
count_sum(struct jw *w, double count, double sum, int with_mean, double scale)
{
	cJSON *o = cJSON_CreateObject();

	jnum(w, o, "count", count);
	jnum(w, o, "sum", sum);
	if (with_mean)
		jnum(w, o, scale == 1 ? "mean_seconds" : "mean_ms", count > 0 ?
		    sum / count * scale : NAN);
	return o;
}

static cJSON *
requests_json(struct jw *w, const struct metrics_snapshot *e,
    const struct metrics_snapshot *s)
{
	const struct metrics_sum *x, *y;
	double c, sum;
	cJSON *a, *o;
	size_t i, j;

	a = cJSON_CreateArray();
	for (i = 0; a != NULL && i < e->nrequests; i++) {
		x = &e->requests[i];
		c = x->count;
		sum = x->sum;
		if (s != NULL) {
			for (j = 0, y = NULL; j < s->nrequests; j++)
				if (strcmp(s->requests[j].key, x->key) == 0 &&
				    strcmp(s->requests[j].code, x->code) == 0)
					y = &s->requests[j];
			if (y != NULL) {
				c -= y->count;
				sum -= y->sum;
			}
			if (c <= 0)
				continue;
		}
		o = jadd(w, a, NULL, count_sum(w, c, sum, s != NULL, 1000));
		jstr(w, o, "handler", x->key);
		jstr(w, o, "code", x->code);
	}
	return a;
}

/* per status {count, sum} of a histogram's sums (the spawns', the proxy
 * adds'): e's, less s's when s is given */
static cJSON *
status_sums_json(struct jw *w, const struct metrics_sum *e, size_t ne,
    const struct metrics_sum *s, size_t ns)
{
	double c, sum;
	cJSON *o;
	size_t i, j;

	o = cJSON_CreateObject();
	for (i = 0; o != NULL && i < ne; i++) {
		c = e[i].count;
		sum = e[i].sum;
		for (j = 0; s != NULL && j < ns; j++)
			if (strcmp(s[j].key, e[i].key) == 0) {
				c -= s[j].count;
				sum -= s[j].sum;
			}
		jadd(w, o, e[i].key, count_sum(w, c, sum, s != NULL, 1));
	}
	return o;
}

static cJSON *
spawns_json(struct jw *w, const struct metrics_snapshot *e,
    const struct metrics_snapshot *s)
{
	return status_sums_json(w, e->spawns, e->nspawns,
	    s ? s->spawns : NULL, s ? s->nspawns : 0);
}

static cJSON *
proxy_adds_json(struct jw *w, const struct metrics_snapshot *e,
    const struct metrics_snapshot *s)
{
	return status_sums_json(w, e->proxy_adds, e->nproxy_adds,
	    s ? s->proxy_adds : NULL, s ? s->nproxy_adds : 0);
}

static cJSON *
loop_json(struct jw *w, const struct metrics_snapshot *e,
    const struct metrics_snapshot *s)
{
	double c, sum, cum, p99 = NAN;
	cJSON *o, *b, *pair;
	size_t i;

	if (!e->has_event_loop || (s != NULL && !s->has_event_loop))
		return cJSON_CreateNull();
	if (s != NULL && s->nloop != e->nloop)
		return cJSON_CreateNull();
	c = e->loop_count - (s ? s->loop_count : 0);
	sum = e->loop_sum - (s ? s->loop_sum : 0);
	o = count_sum(w, c, sum, s != NULL, 1000);
	if (s == NULL) {
		b = jarr(w, o, "buckets");
		for (i = 0; i < e->nloop; i++) {
			pair = jarr(w, b, NULL);
			jadd(w, pair, NULL, isinf(e->loop_le[i]) ?
			    cJSON_CreateString("+Inf") :
			    cJSON_CreateNumber(e->loop_le[i]));
			jnum(w, pair, NULL, e->loop_cum[i]);
		}
		return o;
	}
	/* the upper bound of the bucket holding the 99th percentile */
	for (i = 0; i < e->nloop && c > 0; i++) {
		cum = e->loop_cum[i] - s->loop_cum[i];
		if (cum >= 0.99 * c) {
			p99 = isinf(e->loop_le[i]) ? NAN : e->loop_le[i] * 1000;
			break;
		}
	}
	jnum(w, o, "p99_le_ms", p99);
	return o;
}

static cJSON *
snapshot_json(struct jw *w, const struct metrics_snapshot *m)
{
	cJSON *o = cJSON_CreateObject();

	jnum(w, o, "process_cpu_seconds_total", m->cpu_seconds);
	jnum(w, o, "process_resident_memory_bytes", m->rss_bytes);
	jnum(w, o, "process_start_time_seconds", m->start_time);
	jnum(w, o, "total_users", m->total_users);
	jnum(w, o, "running_servers", m->running_servers);
	jbool(w, o, "running_servers_reliable", 0);
	jadd(w, o, "request_duration_seconds", requests_json(w, m, NULL));
	jadd(w, o, "server_spawn_duration_seconds", spawns_json(w, m, NULL));
	jadd(w, o, "proxy_add_duration_seconds", proxy_adds_json(w, m, NULL));
	jadd(w, o, "event_loop_interval_seconds", loop_json(w, m, NULL));
	return o;
}

static double
diff(double a, double b)
{
	return isnan(a) || isnan(b) ? NAN : b - a;
}

static cJSON *
delta_json(struct jw *w, const struct metrics_snapshot *s,
    const struct metrics_snapshot *e, double seconds)
{
	double cpu = e->cpu_seconds - s->cpu_seconds;
	cJSON *o = cJSON_CreateObject();

	jnum(w, o, "seconds", seconds);
	jnum(w, o, "cpu_seconds", diff(s->cpu_seconds, e->cpu_seconds));
	jnum(w, o, "cpu_percent", isnan(cpu) || seconds <= 0 ? NAN :
	    cpu / seconds * 100);
	jnum(w, o, "rss_bytes", diff(s->rss_bytes, e->rss_bytes));
	jnum(w, o, "total_users", diff(s->total_users, e->total_users));
	jadd(w, o, "request_duration_seconds", requests_json(w, e, s));
	jadd(w, o, "server_spawn_duration_seconds", spawns_json(w, e, s));
	jadd(w, o, "proxy_add_duration_seconds", proxy_adds_json(w, e, s));
	jadd(w, o, "event_loop_interval_seconds", loop_json(w, e, s));
	return o;
}

/* 1 restarted, 0 not, -1 unknown */
static int
restarted_of(const struct metrics_snapshot *s, const struct metrics_snapshot *e)
{
	if (s == NULL || e == NULL || isnan(s->start_time) ||
	    isnan(e->start_time))
		return -1;
	return fabs(e->start_time - s->start_time) > 0.5;
}

static int
restarted(const struct record_plateau *p)
{
	return restarted_of(p->has_mstart ? &p->mstart : NULL,
	    p->has_mend ? &p->mend : NULL);
}

static cJSON *
hub_metrics_json(struct jw *w, const struct metrics_snapshot *s,
    const struct metrics_snapshot *e, double seconds)
{
	cJSON *o = cJSON_CreateObject();
	int re = restarted_of(s, e);

	jbool(w, o, "restarted", re);
	/* counters that started again: a difference means nothing */
	if (s != NULL && e != NULL && re != 1)
		jadd(w, o, "delta", delta_json(w, s, e, seconds));
	else
		jnull(w, o, "delta");
	jadd(w, o, "start", s ? snapshot_json(w, s) : cJSON_CreateNull());
	jadd(w, o, "end", e ? snapshot_json(w, e) : cJSON_CreateNull());
	return o;
}

cJSON *
record_hub_metrics_json(const struct metrics_snapshot *start,
    const struct metrics_snapshot *end, double seconds)
{
	struct jw w = { 0 };
	cJSON *o = hub_metrics_json(&w, start, end, seconds);

	if (o == NULL || w.failed) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static void
w_metrics(struct jw *w, cJSON *pl, const struct record_plateau *p)
{
	if (!p->has_metrics) {
		jnull(w, pl, "hub_metrics");
		return;
	}
	jadd(w, pl, "hub_metrics", hub_metrics_json(w,
	    p->has_mstart ? &p->mstart : NULL, p->has_mend ? &p->mend : NULL,
	    p->metrics_seconds));
}

static void
w_usage(struct jw *w, cJSON *o, const char *k, const struct record_usage *u)
{
	cJSON *v;

	if (!u->present) {
		jnull(w, o, k);
		return;
	}
	v = jobj(w, o, k);
	jnum(w, v, "cpu_seconds", u->cpu_seconds);
	jnum(w, v, "rss_bytes", u->rss_bytes);
	jnum(w, v, "cgroup_memory_bytes", u->cgroup_memory_bytes);
}

static void
w_captures(struct jw *w, cJSON *parent, const struct record_capture *caps,
    size_t n)
{
	cJSON *a = jarr(w, parent, "captures"), *o;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct record_capture *c = &caps[i];

		o = jobj(w, a, NULL);
		jstr(w, o, "kind", c->kind);
		jstr(w, o, "file", c->file);
		jcount(w, o, "bytes", c->bytes);
		jstr(w, o, "sha256", c->sha256);
		jnum(w, o, "exit_code", c->exit_code);
		jstr(w, o, "failure", c->failure);
		jstr(w, o, "message", c->message);
		jnum(w, o, "seconds", c->seconds);
		jcount(w, o, "samples", c->samples);
	}
}

static void
w_watch(struct jw *w, cJSON *m, const struct run_record *rec)
{
	cJSON *a, *o;
	size_t i;

	jstr(w, m, "watch_start", rec->watch_start);
	a = jarr(w, m, "triggers");
	for (i = 0; i < rec->ntriggers; i++) {
		const struct record_trigger *t = &rec->triggers[i];

		o = jobj(w, a, NULL);
		jstr(w, o, "source", t->source);
		jnum(w, o, "value", t->value);
		jnum(w, o, "threshold", t->threshold);
		jstr(w, o, "at", t->at);
		jnum(w, o, "t", t->t);
		jnum(w, o, "plateau", t->plateau < 0 ? NAN :
		    (double)t->plateau);
		jstr(w, o, "phase", t->phase);
		jcount(w, o, "users", t->users);
		jstr(w, o, "dir", t->dir);
		jstr(w, o, "skipped", t->skipped);
		w_captures(w, o, t->captures, t->ncaptures);
	}
	a = jarr(w, m, "samples");
	for (i = 0; i < rec->nsamples; i++) {
		const struct record_sample *s = &rec->samples[i];

		o = jobj(w, a, NULL);
		jnum(w, o, "t", s->t);
		jnum(w, o, "probe_seconds", s->probe_seconds);
		jnum(w, o, "loop_seconds", s->loop_seconds);
		jcount(w, o, "users", s->users);
		jbool(w, o, "failed", s->failed != 0);
	}
}

static void
w_plateau(struct jw *w, cJSON *arr, const struct record_plateau *p)
{
	cJSON *pl = jobj(w, arr, NULL), *o;

	jnum(w, pl, "users", (double)p->users);
	jstr(w, pl, "dir", p->dir);
	if (p->has_state) {
		o = jobj(w, pl, "state");
		jcount(w, o, "asked", p->state.asked);
		jcount(w, o, "created", p->state.created);
		jcount(w, o, "ready", p->state.ready);
		jcount(w, o, "failed", p->state.failed);
		jcount(w, o, "timed_out", p->state.timed_out);
	} else
		jnull(w, pl, "state");
	jnum(w, pl, "ramp_seconds", p->ramp_seconds);
	w_captures(w, pl, p->captures, p->ncaptures);
	if (p->has_hold) {
		o = jobj(w, pl, "hold");
		jnum(w, o, "seconds", p->hold_seconds);
		jnum(w, o, "requests_per_second", p->hold_rps);
	} else
		jnull(w, pl, "hold");
	w_metrics(w, pl, p);
	if (p->has_usage) {
		o = jobj(w, pl, "hub_usage");
		w_usage(w, o, "start", &p->usage_start);
		w_usage(w, o, "end", &p->usage_end);
		jnum(w, o, "cpu_percent", p->usage_cpu_percent);
	} else
		jnull(w, pl, "hub_usage");
	jcount(w, pl, "hub_log_stalls", p->log_stalls);
	w_load(w, pl, p);
}

cJSON *
record_to_json(const struct run_record *rec)
{
	struct jw w = { 0 };
	cJSON *m, *o, *a;
	size_t i;

	if ((m = cJSON_CreateObject()) == NULL)
		return NULL;
	jnum(&w, m, "schema", rec->schema);
	jstr(&w, m, "hubspy_version", rec->hubspy_version);
	jstr(&w, m, "created", rec->created);
	jbool(&w, m, "partial", rec->partial != 0);
	jstr(&w, m, "partial_reason", rec->partial_reason);
	jstr(&w, m, "profile_name", rec->profile_name);
	jdoc(&w, m, "profile", rec->profile);
	jdoc(&w, m, "plan", rec->plan);
	a = jarr(&w, m, "timeline");
	for (i = 0; i < rec->ntimeline; i++) {
		const struct record_phase *t = &rec->timeline[i];

		o = jobj(&w, a, NULL);
		jstr(&w, o, "phase", t->phase);
		jnum(&w, o, "plateau", t->plateau < 0 ? NAN :
		    (double)t->plateau);
		jstr(&w, o, "start", t->start);
		jstr(&w, o, "end", t->end);
		jnum(&w, o, "seconds", t->seconds);
	}
	if (rec->has_hub) {
		o = jobj(&w, m, "hub");
		jstr(&w, o, "url", rec->hub.url);
		jstr(&w, o, "version", rec->hub.version);
		jdoc(&w, o, "info", rec->hub.info);
		jstr(&w, o, "token_kind", rec->hub.token_kind);
		a = jarr(&w, o, "scopes");
		for (i = 0; i < rec->hub.nscopes; i++)
			jstr(&w, a, NULL, rec->hub.scopes[i]);
	} else
		jnull(&w, m, "hub");
	if (rec->has_target) {
		o = jobj(&w, m, "target");
		jstr(&w, o, "transport", rec->target.transport);
		jstr(&w, o, "context", rec->target.context);
		jstr(&w, o, "namespace", rec->target.namespace);
		jstr(&w, o, "pod", rec->target.pod);
		jstr(&w, o, "container", rec->target.container);
		jnum(&w, o, "pid", rec->target.pid);
		jstr(&w, o, "python", rec->target.python);
		jstr(&w, o, "pyspy", rec->target.pyspy);
	} else
		jnull(&w, m, "target");
	a = jarr(&w, m, "plateaus");
	for (i = 0; i < rec->nplateaus; i++)
		w_plateau(&w, a, &rec->plateaus[i]);
	if (rec->has_after_purge) {
		o = jobj(&w, m, "after_purge");
		w_usage(&w, o, "hub_usage", &rec->after_purge);
	} else
		jnull(&w, m, "after_purge");
	w_watch(&w, m, rec);
	if (rec->nfiles > 0) {
		a = jarr(&w, m, "files");
		for (i = 0; i < rec->nfiles; i++) {
			const struct record_file *f = &rec->files[i];

			o = jobj(&w, a, NULL);
			jstr(&w, o, "path", f->path);
			jcount(&w, o, "bytes", f->bytes);
			jstr(&w, o, "sha256", f->sha256);
			jcount(&w, o, "redactions", f->redactions);
		}
	}
	if (w.failed) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

/* ---- the reader ---- */

/*
 * Each reading function gets the object, the path of that object in the
 * manifest ("plateaus[2].requests") and a key; it checks the value's type
 * and range and writes the first failure into eb, HS_EUSAGE, naming the
 * path. A key that is absent or null is absent data, unless required.
 */
struct rd {
	struct hs_errbuf	*eb;
};

static void
join(char *dst, size_t n, const char *base, const char *key)
{
	int w;

	/* a path cut short still names the field well enough */
	if (base[0] == '\0')
		w = snprintf(dst, n, "%.60s", key);
	else
		w = snprintf(dst, n, "%s.%.60s", base, key);
	if (w < 0 || (size_t)w >= n)
		dst[n - 1] = '\0';
}

static int
bad(struct rd *c, const char *base, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
bad(struct rd *c, const char *base, const char *key, const char *fmt, ...)
{
	char path[400], what[256], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (key != NULL)
		join(path, sizeof(path), base, key);
	else
		snprintf(path, sizeof(path), "%s", base);
	if (path[0] == '\0')
		hs_error(c->eb, HS_EUSAGE, "manifest.json: %s", what);
	else
		hs_error(c->eb, HS_EUSAGE, "manifest.json: %s: %s", path, what);
	/* keys and values quoted from the file: still one line */
	for (p = c->eb->msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return HS_EUSAGE;
}

static int
nomem(struct rd *c)
{
	return hs_error(c->eb, HS_ENOMEM, "out of memory reading manifest.json");
}

/* the value at key: NULL when absent or null */
static const cJSON *
item(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNull(v) ? NULL : v;
}

static int
mismatch(struct rd *c, const char *base, const char *key, const char *want,
    const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return bad(c, base, key, "expected %s, got %g", want,
		    v->valuedouble);
	return bad(c, base, key, "expected %s, got %s", want, json_kind(v));
}

/* an object or absent (*out NULL) */
static int
r_obj(struct rd *c, const cJSON *o, const char *base, const char *key,
    const char *want, const cJSON **out)
{
	const cJSON *v = item(o, key);

	*out = NULL;
	if (v != NULL && !cJSON_IsObject(v))
		return mismatch(c, base, key, want ? want : "an object", v);
	*out = v;
	return 0;
}

static int
r_arr(struct rd *c, const cJSON *o, const char *base, const char *key,
    const cJSON **out, size_t max)
{
	const cJSON *v = item(o, key);
	int n;

	*out = NULL;
	if (v != NULL && !cJSON_IsArray(v))
		return mismatch(c, base, key, "an array", v);
	if (v != NULL && (n = cJSON_GetArraySize(v)) > 0 && (size_t)n > max)
		return bad(c, base, key, "%d entries, more than %zu", n, max);
	*out = v;
	return 0;
}

/* a finite number in [lo, hi], or NAN when absent */
static int
r_num(struct rd *c, const cJSON *o, const char *base, const char *key,
    double lo, double hi, double *out)
{
	const cJSON *v = item(o, key);

	*out = NAN;
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return mismatch(c, base, key, "a number", v);
	if (lo == 0 && hi == HUGE_VAL && v->valuedouble < 0)
		return mismatch(c, base, key, "a non-negative number", v);
	if (v->valuedouble < lo || v->valuedouble > hi)
		return bad(c, base, key, "%g is out of range (%g to %g)",
		    v->valuedouble, lo, hi);
	*out = v->valuedouble;
	return 0;
}

#define BIG	9007199254740992.0	/* 2^53: integers a double holds */

static int
is_integer(const cJSON *v)
{
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
	    v->valuedouble == floor(v->valuedouble) &&
	    fabs(v->valuedouble) <= BIG;
}

/* a non-negative integer, or RECORD_NONE when absent */
static int
r_count_v(struct rd *c, const cJSON *v, const char *base, const char *key,
    long long *out)
{
	*out = RECORD_NONE;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!is_integer(v) || v->valuedouble < 0)
		return mismatch(c, base, key, "a non-negative integer", v);
	*out = (long long)v->valuedouble;
	return 0;
}

static int
r_count(struct rd *c, const cJSON *o, const char *base, const char *key,
    long long *out)
{
	return r_count_v(c, item(o, key), base, key, out);
}

/* any integer (an exit code, a pid), NAN when absent */
static int
r_int(struct rd *c, const cJSON *o, const char *base, const char *key,
    double *out)
{
	const cJSON *v = item(o, key);

	*out = NAN;
	if (v == NULL)
		return 0;
	if (!is_integer(v))
		return mismatch(c, base, key, "an integer", v);
	*out = v->valuedouble;
	return 0;
}

/* 1, 0, or -1 when absent */
static int
r_bool(struct rd *c, const cJSON *o, const char *base, const char *key,
    int *out)
{
	const cJSON *v = item(o, key);

	*out = -1;
	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v))
		return mismatch(c, base, key, "a boolean", v);
	*out = cJSON_IsTrue(v);
	return 0;
}

static int
check_str(struct rd *c, const cJSON *v, const char *base, const char *key,
    size_t max)
{
	size_t n;

	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return mismatch(c, base, key, "a string", v);
	if ((n = strlen(v->valuestring)) >= max)
		return bad(c, base, key, "string too long (%zu bytes, max %zu)",
		    n, max - 1);
	return 0;
}

/* a new copy, or NULL when absent */
static int
r_str(struct rd *c, const cJSON *o, const char *base, const char *key,
    char **out)
{
	const cJSON *v = item(o, key);
	int r;

	free(*out);
	*out = NULL;
	if (v == NULL)
		return 0;
	if ((r = check_str(c, v, base, key, RECORD_MAX_STRING)) != 0)
		return r;
	if ((*out = strdup(v->valuestring)) == NULL)
		return nomem(c);
	return 0;
}

/* into a fixed buffer; "" when absent */
static int
r_strbuf(struct rd *c, const cJSON *o, const char *base, const char *key,
    char *dst, size_t n)
{
	const cJSON *v = item(o, key);
	int r;

	dst[0] = '\0';
	if (v == NULL)
		return 0;
	if ((r = check_str(c, v, base, key, n)) != 0)
		return r;
	strlcpy(dst, v->valuestring, n);
	return 0;
}

/* an array of strings */
static int
r_strv(struct rd *c, const cJSON *o, const char *base, const char *key,
    char ***out, size_t *nout, int *present)
{
	const cJSON *a, *e;
	char path[400], sub[440];
	size_t i = 0;
	int r;

	if ((r = r_arr(c, o, base, key, &a, RECORD_MAX_ITEMS)) != 0)
		return r;
	if (present)
		*present = a != NULL;
	if (a == NULL)
		return 0;
	join(path, sizeof(path), base, key);
	if ((*out = calloc((size_t)cJSON_GetArraySize(a) + 1,
	    sizeof(char *))) == NULL)
		return nomem(c);
	cJSON_ArrayForEach(e, a) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if ((r = check_str(c, e, sub, NULL, RECORD_MAX_STRING)) != 0)
			return r;
		if (((*out)[i] = strdup(e->valuestring)) == NULL)
			return nomem(c);
		*nout = ++i;
	}
	return 0;
}

/* "p50", "p90", "p99", "max" */
static int
r_quantiles(struct rd *c, const cJSON *o, const char *path,
    struct record_quantiles *q)
{
	int r;

	quantiles_none(q);
	if (o == NULL)
		return 0;
	if ((r = r_num(c, o, path, "p50", 0, HUGE_VAL, &q->p50)) != 0 ||
	    (r = r_num(c, o, path, "p90", 0, HUGE_VAL, &q->p90)) != 0 ||
	    (r = r_num(c, o, path, "p99", 0, HUGE_VAL, &q->p99)) != 0 ||
	    (r = r_num(c, o, path, "max", 0, HUGE_VAL, &q->max)) != 0)
		return r;
	return 0;
}

/* spawn_phases: null, or the counts (failed + unfinished <= sampled, all
 * present) and the four phases, each quantiles or null */
static int
r_phases(struct rd *c, const cJSON *pj, const char *path,
    struct record_plateau *p)
{
	char sp[400], qp[440], key[32];
	const cJSON *o, *q;
	struct record_phases *ph = &p->phases;
	int r, k;

	if ((r = r_obj(c, pj, path, "spawn_phases", NULL, &o)) != 0)
		return r;
	if (o == NULL)
		return 0;
	join(sp, sizeof(sp), path, "spawn_phases");
	p->has_phases = 1;
	if ((r = r_count(c, o, sp, "sampled", &ph->sampled)) != 0 ||
	    (r = r_count(c, o, sp, "failed", &ph->failed)) != 0 ||
	    (r = r_count(c, o, sp, "unfinished", &ph->unfinished)) != 0)
		return r;
	if (ph->sampled == RECORD_NONE || ph->failed == RECORD_NONE ||
	    ph->unfinished == RECORD_NONE)
		return bad(c, sp, NULL, "expected the counts sampled, failed "
		    "and unfinished");
	if (ph->failed + ph->unfinished > ph->sampled)
		return bad(c, sp, NULL, "failed (%lld) and unfinished (%lld) "
		    "are more than sampled (%lld)", ph->failed,
		    ph->unfinished, ph->sampled);
	for (k = 0; k < MP_NPHASE; k++) {
		snprintf(key, sizeof(key), "%s_seconds",
		    mphase_name((enum mphase)k));
		if ((r = r_obj(c, o, sp, key, NULL, &q)) != 0)
			return r;
		join(qp, sizeof(qp), sp, key);
		if ((r = r_quantiles(c, q, qp, &ph->q[k])) != 0)
			return r;
	}
	return 0;
}

static int
r_class(struct rd *c, const cJSON *v, const char *base, struct record_class *rc)
{
	char path[400], sp[400];
	const cJSON *o, *st, *s;
	int r;

	join(path, sizeof(path), base, v->string);
	if (!cJSON_IsObject(v))
		return mismatch(c, path, NULL, "an object", v);
	if (strlen(v->string) >= sizeof(rc->name))
		return bad(c, base, NULL, "class name '%.40s' is too long "
		    "(max %zu bytes)", v->string, sizeof(rc->name) - 1);
	strlcpy(rc->name, v->string, sizeof(rc->name));
	if ((r = r_count(c, v, path, "count", &rc->count)) != 0 ||
	    (r = r_count(c, v, path, "retries", &rc->retries)) != 0 ||
	    (r = r_obj(c, v, path, "latency_ms", NULL, &o)) != 0)
		return r;
	join(sp, sizeof(sp), path, "latency_ms");
	if ((r = r_quantiles(c, o, sp, &rc->latency_ms)) != 0 ||
	    (r = r_obj(c, v, path, "status", "an object of counts", &st)) != 0)
		return r;
	if (st == NULL)
		return 0;
	join(sp, sizeof(sp), path, "status");
	if (cJSON_GetArraySize(st) > RECORD_MAX_ITEMS)
		return bad(c, sp, NULL, "more than %d status codes",
		    RECORD_MAX_ITEMS);
	rc->has_status = 1;
	if ((rc->status = calloc((size_t)cJSON_GetArraySize(st) + 1,
	    sizeof(*rc->status))) == NULL)
		return nomem(c);
	cJSON_ArrayForEach(s, st) {
		struct record_status *e = &rc->status[rc->nstatus];

		if (strlen(s->string) >= sizeof(e->key))
			return bad(c, sp, NULL, "status '%.40s' is too long "
			    "(max %zu bytes)", s->string, sizeof(e->key) - 1);
		if ((r = r_count_v(c, s, sp, s->string, &e->n)) != 0)
			return r;
		if (e->n < 0)
			return mismatch(c, sp, s->string,
			    "a non-negative integer", s);
		strlcpy(e->key, s->string, sizeof(e->key));
		rc->nstatus++;
	}
	return 0;
}

static int
r_usage(struct rd *c, const cJSON *o, const char *base, const char *key,
    struct record_usage *u)
{
	const cJSON *v;
	char path[400];
	int r;

	usage_none(u);
	if ((r = r_obj(c, o, base, key, NULL, &v)) != 0 || v == NULL)
		return r;
	join(path, sizeof(path), base, key);
	u->present = 1;
	if ((r = r_num(c, v, path, "cpu_seconds", 0, HUGE_VAL,
	    &u->cpu_seconds)) != 0 ||
	    (r = r_num(c, v, path, "rss_bytes", 0, HUGE_VAL,
	    &u->rss_bytes)) != 0 ||
	    (r = r_num(c, v, path, "cgroup_memory_bytes", 0, HUGE_VAL,
	    &u->cgroup_memory_bytes)) != 0)
		return r;
	return 0;
}

/* a count/sum pair of a snapshot */
static int
r_count_sum(struct rd *c, const cJSON *v, const char *path, double *count,
    double *sum)
{
	int r;

	if (!cJSON_IsObject(v))
		return mismatch(c, path, NULL, "an object", v);
	if ((r = r_num(c, v, path, "count", -HUGE_VAL, HUGE_VAL, count)) != 0 ||
	    (r = r_num(c, v, path, "sum", -HUGE_VAL, HUGE_VAL, sum)) != 0)
		return r;
	return 0;
}

/* {STATUS: {count, sum}} (absent: none) into x[0..*np), at most
 * METRICS_MAX_STATUS */
static int
r_status_sums(struct rd *c, const cJSON *v, const char *path,
    const char *key, struct metrics_sum *xs, size_t *np)
{
	char sp[400], ep[480];
	const cJSON *o, *e;
	int r;

	*np = 0;
	if ((r = r_obj(c, v, path, key, NULL, &o)) != 0)
		return r;
	join(sp, sizeof(sp), path, key);
	cJSON_ArrayForEach(e, o) {
		struct metrics_sum *x = &xs[*np];

		if (*np >= METRICS_MAX_STATUS)
			return bad(c, sp, NULL, "more than %d statuses",
			    METRICS_MAX_STATUS);
		if (strlen(e->string) >= sizeof(x->key))
			return bad(c, sp, NULL, "status '%.40s' is too long",
			    e->string);
		join(ep, sizeof(ep), sp, e->string);
		if ((r = r_count_sum(c, e, ep, &x->count, &x->sum)) != 0)
			return r;
		strlcpy(x->key, e->string, sizeof(x->key));
		(*np)++;
	}
	return 0;
}

static int
r_snapshot(struct rd *c, const cJSON *v, const char *path,
    struct metrics_snapshot *m)
{
	const cJSON *a, *e, *o, *pair, *le;
	char sp[400], ep[440];
	size_t i = 0;
	int r;

	memset(m, 0, sizeof(*m));
	/* the hub's own figures, as its page had them: any finite number */
	if ((r = r_num(c, v, path, "process_cpu_seconds_total", -HUGE_VAL,
	    HUGE_VAL, &m->cpu_seconds)) != 0 ||
	    (r = r_num(c, v, path, "process_resident_memory_bytes", -HUGE_VAL,
	    HUGE_VAL, &m->rss_bytes)) != 0 ||
	    (r = r_num(c, v, path, "process_start_time_seconds", -HUGE_VAL,
	    HUGE_VAL, &m->start_time)) != 0 ||
	    (r = r_num(c, v, path, "total_users", -HUGE_VAL, HUGE_VAL,
	    &m->total_users)) != 0 ||
	    (r = r_num(c, v, path, "running_servers", -HUGE_VAL, HUGE_VAL,
	    &m->running_servers)) != 0 ||
	    (r = r_arr(c, v, path, "request_duration_seconds", &a,
	    METRICS_MAX_SERIES)) != 0)
		return r;
	join(sp, sizeof(sp), path, "request_duration_seconds");
	if (a != NULL && cJSON_GetArraySize(a) > 0 &&
	    (m->requests = calloc((size_t)cJSON_GetArraySize(a),
	    sizeof(*m->requests))) == NULL)
		return nomem(c);
	cJSON_ArrayForEach(e, a) {
		struct metrics_sum *x = &m->requests[i];

		snprintf(ep, sizeof(ep), "%s[%zu]", sp, i);
		if ((r = r_count_sum(c, e, ep, &x->count, &x->sum)) != 0 ||
		    (r = r_strbuf(c, e, ep, "handler", x->key,
		    sizeof(x->key))) != 0 ||
		    (r = r_strbuf(c, e, ep, "code", x->code,
		    sizeof(x->code))) != 0)
			return r;
		m->nrequests = ++i;
	}
	if ((r = r_status_sums(c, v, path, "server_spawn_duration_seconds",
	    m->spawns, &m->nspawns)) != 0 ||
	    (r = r_status_sums(c, v, path, "proxy_add_duration_seconds",
	    m->proxy_adds, &m->nproxy_adds)) != 0)
		return r;
	if ((r = r_obj(c, v, path, "event_loop_interval_seconds", NULL,
	    &o)) != 0 || o == NULL)
		return r;
	join(sp, sizeof(sp), path, "event_loop_interval_seconds");
	m->has_event_loop = 1;
	if ((r = r_count_sum(c, o, sp, &m->loop_count, &m->loop_sum)) != 0 ||
	    (r = r_arr(c, o, sp, "buckets", &a, METRICS_MAX_BUCKETS)) != 0)
		return r;
	i = 0;
	cJSON_ArrayForEach(pair, a) {
		snprintf(ep, sizeof(ep), "%s.buckets[%zu]", sp, i);
		le = cJSON_GetArrayItem(pair, 0);
		if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
			return mismatch(c, ep, NULL, "a pair [le, count]",
			    pair);
		if (cJSON_IsString(le) && strcmp(le->valuestring, "+Inf") == 0)
			m->loop_le[i] = INFINITY;
		else if (cJSON_IsNumber(le) && isfinite(le->valuedouble))
			m->loop_le[i] = le->valuedouble;
		else
			return mismatch(c, ep, NULL, "a number or \"+Inf\" "
			    "first", le);
		if (!cJSON_IsNumber(pair->child->next) ||
		    !isfinite(pair->child->next->valuedouble))
			return mismatch(c, ep, NULL, "a count second",
			    pair->child->next);
		m->loop_cum[i] = pair->child->next->valuedouble;
		m->nloop = ++i;
	}
	return 0;
}

static int
r_metrics(struct rd *c, const cJSON *pj, const char *base,
    struct record_plateau *p)
{
	const cJSON *v, *s, *d;
	char path[400], sp[440];
	int r, re;

	if ((r = r_obj(c, pj, base, "hub_metrics", NULL, &v)) != 0 || v == NULL)
		return r;
	join(path, sizeof(path), base, "hub_metrics");
	p->has_metrics = 1;
	if ((r = r_bool(c, v, path, "restarted", &re)) != 0 ||
	    (r = r_obj(c, v, path, "delta", NULL, &d)) != 0)
		return r;
	if (d != NULL) {
		join(sp, sizeof(sp), path, "delta");
		if ((r = r_num(c, d, sp, "seconds", 0, HUGE_VAL,
		    &p->metrics_seconds)) != 0)
			return r;
	}
	if ((r = r_obj(c, v, path, "start", NULL, &s)) != 0)
		return r;
	if (s != NULL) {
		join(sp, sizeof(sp), path, "start");
		p->has_mstart = 1;
		if ((r = r_snapshot(c, s, sp, &p->mstart)) != 0)
			return r;
	}
	if ((r = r_obj(c, v, path, "end", NULL, &s)) != 0)
		return r;
	if (s != NULL) {
		join(sp, sizeof(sp), path, "end");
		p->has_mend = 1;
		if ((r = r_snapshot(c, s, sp, &p->mend)) != 0)
			return r;
	}
	return 0;
}

static int
r_capture(struct rd *c, const cJSON *v, const char *path,
    struct record_capture *k)
{
	int r;

	if (!cJSON_IsObject(v))
		return mismatch(c, path, NULL, "an object", v);
	if ((r = r_str(c, v, path, "kind", &k->kind)) != 0 ||
	    (r = r_str(c, v, path, "file", &k->file)) != 0 ||
	    (r = r_count(c, v, path, "bytes", &k->bytes)) != 0 ||
	    (r = r_str(c, v, path, "sha256", &k->sha256)) != 0 ||
	    (r = r_int(c, v, path, "exit_code", &k->exit_code)) != 0 ||
	    (r = r_str(c, v, path, "failure", &k->failure)) != 0 ||
	    (r = r_str(c, v, path, "message", &k->message)) != 0 ||
	    (r = r_num(c, v, path, "seconds", 0, HUGE_VAL, &k->seconds)) != 0 ||
	    (r = r_count(c, v, path, "samples", &k->samples)) != 0)
		return r;
	return 0;
}

/* o's "captures": a plateau's or a trigger's */
static int
r_captures(struct rd *c, const cJSON *o, const char *path,
    struct record_capture **capsp, size_t *ncapsp)
{
	const cJSON *a, *e;
	char sp[400], ep[440];
	size_t i = 0;
	int r;

	if ((r = r_arr(c, o, path, "captures", &a, RECORD_MAX_ITEMS)) != 0)
		return r;
	if (a == NULL)
		return 0;
	join(sp, sizeof(sp), path, "captures");
	if ((*capsp = calloc((size_t)cJSON_GetArraySize(a) + 1,
	    sizeof(**capsp))) == NULL)
		return nomem(c);
	cJSON_ArrayForEach(e, a) {
		struct record_capture *k = &(*capsp)[i];

		k->bytes = k->samples = RECORD_NONE;
		k->exit_code = k->seconds = NAN;
		snprintf(ep, sizeof(ep), "%s[%zu]", sp, i);
		*ncapsp = ++i;
		if ((r = r_capture(c, e, ep, k)) != 0)
			return r;
	}
	return 0;
}

/* PREFIX then at least mindigits digits and nothing else: plateaus/NNNN
 * (four or more), triggers/NN (two or more) */
static int
numbered_dir_ok(const char *d, const char *prefix, size_t mindigits)
{
	size_t n = strlen(prefix);

	if (strncmp(d, prefix, n) != 0)
		return 0;
	d += n;
	for (n = 0; d[n] >= '0' && d[n] <= '9'; n++)
		;
	return n >= mindigits && d[n] == '\0';
}

static int
r_trigger(struct rd *c, const cJSON *v, const char *path,
    struct record_trigger *t)
{
	double plateau = NAN;
	int r;

	if (!cJSON_IsObject(v))
		return mismatch(c, path, NULL, "an object", v);
	if ((r = r_str(c, v, path, "source", &t->source)) != 0 ||
	    (r = r_num(c, v, path, "value", 0, HUGE_VAL, &t->value)) != 0 ||
	    (r = r_num(c, v, path, "threshold", 0, HUGE_VAL,
	    &t->threshold)) != 0 ||
	    (r = r_str(c, v, path, "at", &t->at)) != 0 ||
	    (r = r_num(c, v, path, "t", 0, HUGE_VAL, &t->t)) != 0 ||
	    (r = r_num(c, v, path, "plateau", 0, RECORD_MAX_USERS,
	    &plateau)) != 0 ||
	    (r = r_str(c, v, path, "phase", &t->phase)) != 0 ||
	    (r = r_count(c, v, path, "users", &t->users)) != 0 ||
	    (r = r_str(c, v, path, "dir", &t->dir)) != 0 ||
	    (r = r_str(c, v, path, "skipped", &t->skipped)) != 0)
		return r;
	if (t->source == NULL)
		return bad(c, path, "source", "missing");
	if (t->dir != NULL && !numbered_dir_ok(t->dir, "triggers/", 2))
		return bad(c, path, "dir", "'%.60s' is not of the form "
		    "triggers/NN", t->dir);
	t->plateau = isnan(plateau) ? -1 : (long)plateau;
	return r_captures(c, v, path, &t->captures, &t->ncaptures);
}

/* the stall watch: watch_start, triggers, samples */
static int
r_watch(struct rd *c, const cJSON *m, struct run_record *rec)
{
	const cJSON *a, *e;
	char ep[64];
	size_t i = 0;
	int r, failed;

	if ((r = r_str(c, m, "", "watch_start", &rec->watch_start)) != 0 ||
	    (r = r_arr(c, m, "", "triggers", &a, RECORD_MAX_ITEMS)) != 0)
		return r;
	if (a != NULL && (rec->triggers = calloc((size_t)cJSON_GetArraySize(a)
	    + 1, sizeof(*rec->triggers))) == NULL)
		return nomem(c);
	cJSON_ArrayForEach(e, a) {
		struct record_trigger *t = &rec->triggers[i];

		*t = (struct record_trigger)RECORD_TRIGGER_INIT;
		snprintf(ep, sizeof(ep), "triggers[%zu]", i);
		rec->ntriggers = ++i;
		if ((r = r_trigger(c, e, ep, t)) != 0)
			return r;
	}
	if ((r = r_arr(c, m, "", "samples", &a, RECORD_MAX_SAMPLES)) != 0 ||
	    a == NULL)
		return r;
	if ((rec->samples = calloc((size_t)cJSON_GetArraySize(a) + 1,
	    sizeof(*rec->samples))) == NULL)
		return nomem(c);
	i = 0;
	cJSON_ArrayForEach(e, a) {
		struct record_sample *s = &rec->samples[i];

		s->t = s->probe_seconds = s->loop_seconds = NAN;
		s->users = RECORD_NONE;
		snprintf(ep, sizeof(ep), "samples[%zu]", i);
		rec->nsamples = ++i;
		if (!cJSON_IsObject(e))
			return mismatch(c, ep, NULL, "an object", e);
		if ((r = r_num(c, e, ep, "t", 0, HUGE_VAL, &s->t)) != 0 ||
		    (r = r_num(c, e, ep, "probe_seconds", 0, HUGE_VAL,
		    &s->probe_seconds)) != 0 ||
		    (r = r_num(c, e, ep, "loop_seconds", 0, HUGE_VAL,
		    &s->loop_seconds)) != 0 ||
		    (r = r_count(c, e, ep, "users", &s->users)) != 0 ||
		    (r = r_bool(c, e, ep, "failed", &failed)) != 0)
			return r;
		s->failed = failed == 1;
	}
	return 0;
}

static int
r_plateau(struct rd *c, const cJSON *pj, const char *path,
    struct record_plateau *p)
{
	const cJSON *o, *e;
	char sp[400];
	double users;
	int r;

	if (!cJSON_IsObject(pj))
		return mismatch(c, path, NULL, "an object", pj);
	if (item(pj, "users") == NULL)
		return bad(c, path, "users", "missing");
	if ((r = r_num(c, pj, path, "users", 0, RECORD_MAX_USERS,
	    &users)) != 0)
		return r;
	if (users != floor(users))
		return bad(c, path, "users", "expected an integer, got %g",
		    users);
	p->users = (long)users;
	if (item(pj, "dir") == NULL)
		return bad(c, path, "dir", "missing");
	if ((r = r_strbuf(c, pj, path, "dir", p->dir, sizeof(p->dir))) != 0)
		return r;
	if (!numbered_dir_ok(p->dir, "plateaus/", 4))
		return bad(c, path, "dir", "'%s' is not of the form "
		    "plateaus/NNNN", p->dir);
	if ((r = r_obj(c, pj, path, "state", NULL, &o)) != 0)
		return r;
	if (o != NULL) {
		join(sp, sizeof(sp), path, "state");
		p->has_state = 1;
		if ((r = r_count(c, o, sp, "asked", &p->state.asked)) != 0 ||
		    (r = r_count(c, o, sp, "created", &p->state.created)) != 0 ||
		    (r = r_count(c, o, sp, "ready", &p->state.ready)) != 0 ||
		    (r = r_count(c, o, sp, "failed", &p->state.failed)) != 0 ||
		    (r = r_count(c, o, sp, "timed_out",
		    &p->state.timed_out)) != 0)
			return r;
	}
	if ((r = r_num(c, pj, path, "ramp_seconds", 0, HUGE_VAL,
	    &p->ramp_seconds)) != 0 ||
	    (r = r_count(c, pj, path, "hub_log_stalls", &p->log_stalls)) != 0 ||
	    (r = r_obj(c, pj, path, "requests", "an object of request "
	    "classes", &o)) != 0)
		return r;
	if (o != NULL) {
		join(sp, sizeof(sp), path, "requests");
		if (cJSON_GetArraySize(o) > RECORD_MAX_ITEMS)
			return bad(c, sp, NULL, "more than %d request classes",
			    RECORD_MAX_ITEMS);
		p->has_requests = 1;
		if ((p->classes = calloc((size_t)cJSON_GetArraySize(o) + 1,
		    sizeof(*p->classes))) == NULL)
			return nomem(c);
		cJSON_ArrayForEach(e, o) {
			r = r_class(c, e, sp, &p->classes[p->nclasses]);
			p->nclasses++;
			if (r != 0)
				return r;
		}
	}
	if ((r = r_obj(c, pj, path, "throttle", NULL, &o)) != 0)
		return r;
	if (o != NULL) {
		join(sp, sizeof(sp), path, "throttle");
		p->has_throttle = 1;
		if ((r = r_count(c, o, sp, "count_429",
		    &p->throttle.count_429)) != 0 ||
		    (r = r_num(c, o, sp, "retry_after_seconds", 0, HUGE_VAL,
		    &p->throttle.retry_after_seconds)) != 0 ||
		    (r = r_num(c, o, sp, "throttled_seconds", 0, HUGE_VAL,
		    &p->throttle.throttled_seconds)) != 0 ||
		    (r = r_bool(c, o, sp, "active_server_limit",
		    &p->throttle.active_server_limit)) != 0)
			return r;
	}
	if ((r = r_obj(c, pj, path, "spawn_seconds", NULL, &o)) != 0)
		return r;
	if (o != NULL) {
		join(sp, sizeof(sp), path, "spawn_seconds");
		p->has_spawn = 1;
		if ((r = r_count(c, o, sp, "count", &p->spawn_count)) != 0 ||
		    (r = r_quantiles(c, o, sp, &p->spawn_seconds)) != 0)
			return r;
	}
	if ((r = r_phases(c, pj, path, p)) != 0)
		return r;
	if ((r = r_obj(c, pj, path, "hold", NULL, &o)) != 0)
		return r;
	if (o != NULL) {
		join(sp, sizeof(sp), path, "hold");
		p->has_hold = 1;
		if ((r = r_num(c, o, sp, "seconds", 0, HUGE_VAL,
		    &p->hold_seconds)) != 0 ||
		    (r = r_num(c, o, sp, "requests_per_second", 0, HUGE_VAL,
		    &p->hold_rps)) != 0)
			return r;
	}
	if ((r = r_metrics(c, pj, path, p)) != 0 ||
	    (r = r_obj(c, pj, path, "hub_usage", NULL, &o)) != 0)
		return r;
	if (o != NULL) {
		join(sp, sizeof(sp), path, "hub_usage");
		p->has_usage = 1;
		if ((r = r_usage(c, o, sp, "start", &p->usage_start)) != 0 ||
		    (r = r_usage(c, o, sp, "end", &p->usage_end)) != 0 ||
		    (r = r_num(c, o, sp, "cpu_percent", 0, HUGE_VAL,
		    &p->usage_cpu_percent)) != 0)
			return r;
	}
	return r_captures(c, pj, path, &p->captures, &p->ncaptures);
}

/* the profile fields the renderers show */
static int
r_profile(struct rd *c, const cJSON *v, struct record_profile *pf)
{
	const cJSON *o, *a, *e;
	size_t i = 0;
	int r;

	if (v == NULL)
		return 0;
	if ((r = r_obj(c, v, "profile", "plateaus", NULL, &o)) != 0 ||
	    (r = r_arr(c, o, "profile.plateaus", "users", &a,
	    RECORD_MAX_PLATEAUS)) != 0 ||
	    (r = r_num(c, o, "profile.plateaus", "settle", 0, HUGE_VAL,
	    &pf->settle)) != 0 ||
	    (r = r_num(c, o, "profile.plateaus", "hold", 0, HUGE_VAL,
	    &pf->hold)) != 0)
		return r;
	pf->has_users = a != NULL;
	cJSON_ArrayForEach(e, a) {
		char ep[64];

		snprintf(ep, sizeof(ep), "profile.plateaus.users[%zu]", i);
		if (!is_integer(e) || e->valuedouble < 0 ||
		    e->valuedouble > RECORD_MAX_USERS)
			return mismatch(c, ep, NULL, "a number of users", e);
		pf->users[i] = (long)e->valuedouble;
		pf->nusers = ++i;
	}
	if ((r = r_obj(c, v, "profile", "hub", NULL, &o)) != 0 ||
	    (r = r_bool(c, o, "profile.hub", "servers", &pf->servers)) != 0 ||
	    (r = r_obj(c, v, "profile", "activity", NULL, &o)) != 0 ||
	    (r = r_str(c, o, "profile.activity", "mode", &pf->activity)) != 0 ||
	    (r = r_str(c, v, "profile", "teardown", &pf->teardown)) != 0 ||
	    (r = r_obj(c, v, "profile", "captures", NULL, &o)) != 0 ||
	    (r = r_strv(c, o, "profile.captures", "run", &pf->captures,
	    &pf->ncaptures, &pf->has_captures)) != 0 ||
	    (r = r_obj(c, o, "profile.captures", "record", NULL, &o)) != 0 ||
	    (r = r_num(c, o, "profile.captures.record", "rate", 1, 10000,
	    &pf->record_rate)) != 0)
		return r;
	return 0;
}

int
record_set_profile(struct run_record *rec, cJSON *profile,
    struct hs_errbuf *eb)
{
	struct rd c = { eb };

	cJSON_Delete(rec->profile);
	free(rec->prof.activity);
	free(rec->prof.teardown);
	strv_free(rec->prof.captures, rec->prof.ncaptures);
	memset(&rec->prof, 0, sizeof(rec->prof));
	rec->prof.settle = rec->prof.hold = rec->prof.record_rate = NAN;
	rec->prof.servers = -1;
	rec->profile = profile;
	if (profile != NULL && !cJSON_IsObject(profile))
		return mismatch(&c, "profile", NULL, "an object", profile);
	return r_profile(&c, profile, &rec->prof);
}

static int
r_doc(struct rd *c, const cJSON *m, const char *base, const char *key,
    cJSON **out)
{
	const cJSON *v;
	int r;

	if ((r = r_obj(c, m, base, key, NULL, &v)) != 0 || v == NULL)
		return r;
	if ((*out = cJSON_Duplicate(v, 1)) == NULL)
		return nomem(c);
	return 0;
}

/* a path below the archive's top folder: relative, no "..", no empty or
 * "." component */
static int
member_path_ok(const char *p)
{
	const char *c = p;
	size_t n;

	if (*p == '\0' || *p == '/')
		return 0;
	while (*c != '\0') {
		n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
		if (*c == '/')
			c++;
		else
			break;
	}
	return p[strlen(p) - 1] != '/';
}

static int
is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* "files": what the archive holds, with sizes and checksums */
static int
r_files(struct rd *c, const cJSON *m, struct run_record *rec)
{
	const cJSON *a, *e;
	char ep[64], *path = NULL, sha[65];
	long long bytes, red;
	size_t i = 0;
	int r;

	if ((r = r_arr(c, m, "", "files", &a, RECORD_MAX_FILES)) != 0 ||
	    a == NULL)
		return r;
	cJSON_ArrayForEach(e, a) {
		snprintf(ep, sizeof(ep), "files[%zu]", i++);
		if (!cJSON_IsObject(e)) {
			r = mismatch(c, ep, NULL, "an object", e);
			goto out;
		}
		if ((r = r_str(c, e, ep, "path", &path)) != 0 ||
		    (r = r_count(c, e, ep, "bytes", &bytes)) != 0 ||
		    (r = r_strbuf(c, e, ep, "sha256", sha, sizeof(sha))) != 0 ||
		    (r = r_count(c, e, ep, "redactions", &red)) != 0)
			goto out;
		if (path == NULL) {
			r = bad(c, ep, "path", "missing");
			goto out;
		}
		if (!member_path_ok(path)) {
			r = bad(c, ep, "path", "'%.60s' is not a path inside the "
			    "archive", path);
			goto out;
		}
		if (bytes < 0) {
			r = bad(c, ep, "bytes", "missing");
			goto out;
		}
		if (!is_sha256_hex(sha)) {
			r = bad(c, ep, "sha256", "expected 64 lower-case hex "
			    "digits");
			goto out;
		}
		/* as written: the captures keep their own figures */
		if ((r = file_push(rec, path, bytes, sha, red)) != 0) {
			r = nomem(c);
			goto out;
		}
	}
	r = 0;
out:
	free(path);
	return r;
}

static int
r_top(struct rd *c, const cJSON *m, struct run_record *rec)
{
	const cJSON *v, *a, *e;
	char ep[64];
	size_t i;
	int r, partial;

	if ((r = r_str(c, m, "", "hubspy_version", &rec->hubspy_version)) != 0 ||
	    (r = r_str(c, m, "", "created", &rec->created)) != 0 ||
	    (r = r_bool(c, m, "", "partial", &partial)) != 0 ||
	    (r = r_str(c, m, "", "partial_reason", &rec->partial_reason)) != 0 ||
	    (r = r_str(c, m, "", "profile_name", &rec->profile_name)) != 0 ||
	    (r = r_doc(c, m, "", "profile", &rec->profile)) != 0 ||
	    (r = r_profile(c, rec->profile, &rec->prof)) != 0 ||
	    (r = r_doc(c, m, "", "plan", &rec->plan)) != 0)
		return r;
	rec->partial = partial == 1;
	if ((r = r_obj(c, m, "", "hub", NULL, &v)) != 0)
		return r;
	if (v != NULL) {
		rec->has_hub = 1;
		if ((r = r_str(c, v, "hub", "url", &rec->hub.url)) != 0 ||
		    (r = r_str(c, v, "hub", "version", &rec->hub.version)) != 0 ||
		    (r = r_doc(c, v, "hub", "info", &rec->hub.info)) != 0 ||
		    (r = r_str(c, v, "hub", "token_kind",
		    &rec->hub.token_kind)) != 0 ||
		    (r = r_strv(c, v, "hub", "scopes", &rec->hub.scopes,
		    &rec->hub.nscopes, NULL)) != 0)
			return r;
	}
	if ((r = r_obj(c, m, "", "target", NULL, &v)) != 0)
		return r;
	if (v != NULL) {
		rec->has_target = 1;
		if ((r = r_str(c, v, "target", "transport",
		    &rec->target.transport)) != 0 ||
		    (r = r_str(c, v, "target", "context",
		    &rec->target.context)) != 0 ||
		    (r = r_str(c, v, "target", "namespace",
		    &rec->target.namespace)) != 0 ||
		    (r = r_str(c, v, "target", "pod", &rec->target.pod)) != 0 ||
		    (r = r_str(c, v, "target", "container",
		    &rec->target.container)) != 0 ||
		    (r = r_int(c, v, "target", "pid", &rec->target.pid)) != 0 ||
		    (r = r_str(c, v, "target", "python",
		    &rec->target.python)) != 0 ||
		    (r = r_str(c, v, "target", "pyspy",
		    &rec->target.pyspy)) != 0)
			return r;
	}
	if ((r = r_arr(c, m, "", "timeline", &a, RECORD_MAX_ITEMS)) != 0)
		return r;
	if (a != NULL && (rec->timeline = calloc((size_t)cJSON_GetArraySize(a)
	    + 1, sizeof(*rec->timeline))) == NULL)
		return nomem(c);
	i = 0;
	cJSON_ArrayForEach(e, a) {
		struct record_phase *t = &rec->timeline[i];
		double pl;

		snprintf(ep, sizeof(ep), "timeline[%zu]", i);
		if (!cJSON_IsObject(e))
			return mismatch(c, ep, NULL, "an object", e);
		if ((r = r_strbuf(c, e, ep, "phase", t->phase,
		    sizeof(t->phase))) != 0 ||
		    (r = r_num(c, e, ep, "plateau", 0, RECORD_MAX_USERS,
		    &pl)) != 0 ||
		    (r = r_strbuf(c, e, ep, "start", t->start,
		    sizeof(t->start))) != 0 ||
		    (r = r_strbuf(c, e, ep, "end", t->end,
		    sizeof(t->end))) != 0 ||
		    (r = r_num(c, e, ep, "seconds", 0, HUGE_VAL,
		    &t->seconds)) != 0)
			return r;
		t->plateau = isnan(pl) ? -1 : (long)pl;
		rec->ntimeline = ++i;
	}
	if ((r = r_obj(c, m, "", "after_purge", NULL, &v)) != 0)
		return r;
	if (v != NULL) {
		rec->has_after_purge = 1;
		if ((r = r_usage(c, v, "after_purge", "hub_usage",
		    &rec->after_purge)) != 0)
			return r;
	}
	return 0;
}

int
record_from_json(struct run_record *rec, const char *text, size_t len,
    struct hs_errbuf *eb)
{
	struct rd c = { eb };
	const cJSON *schema, *pl, *e;
	cJSON *m;
	char ep[64];
	size_t i = 0, j;
	int r, n;

	record_init(rec);
	if ((m = cJSON_ParseWithLength(text, len)) == NULL) {
		const char *at = cJSON_GetErrorPtr();

		return hs_error(eb, HS_EUSAGE, "manifest.json: not valid JSON "
		    "near byte %zu; the run is damaged", at != NULL &&
		    at >= text && at <= text + len ? (size_t)(at - text) : 0);
	}
	if (!cJSON_IsObject(m)) {
		r = mismatch(&c, "", NULL, "an object", m);
		goto out;
	}
	schema = item(m, "schema");
	if (schema == NULL) {
		r = bad(&c, "schema", NULL, "missing; not a hubspy run");
		goto out;
	}
	if (!is_integer(schema) || schema->valuedouble < 1) {
		r = mismatch(&c, "schema", NULL, "a positive integer", schema);
		goto out;
	}
	if (schema->valuedouble > RECORD_SCHEMA) {
		r = hs_error(eb, HS_EUSAGE, "manifest.json: uses archive schema "
		    "%.0f, newer than this hubspy reads (%d); upgrade hubspy",
		    schema->valuedouble, RECORD_SCHEMA);
		goto out;
	}
	rec->schema = (int)schema->valuedouble;
	if (item(m, "plateaus") == NULL) {
		r = bad(&c, "plateaus", NULL, "missing; the run is damaged");
		goto out;
	}
	if ((r = r_arr(&c, m, "", "plateaus", &pl, SIZE_MAX)) != 0)
		goto out;
	if ((n = cJSON_GetArraySize(pl)) > RECORD_MAX_PLATEAUS) {
		r = bad(&c, "plateaus", NULL, "%d plateaus, more than a profile "
		    "has (max %d)", n, RECORD_MAX_PLATEAUS);
		goto out;
	}
	if ((r = r_top(&c, m, rec)) != 0)
		goto out;
	if ((rec->plateaus = calloc((size_t)n + 1,
	    sizeof(*rec->plateaus))) == NULL) {
		r = nomem(&c);
		goto out;
	}
	cJSON_ArrayForEach(e, pl) {
		struct record_plateau *p = &rec->plateaus[i];

		plateau_init(p);
		rec->nplateaus = i + 1;
		snprintf(ep, sizeof(ep), "plateaus[%zu]", i);
		if ((r = r_plateau(&c, e, ep, p)) != 0)
			goto out;
		for (j = 0; j < i; j++)
			if (strcmp(rec->plateaus[j].dir, p->dir) == 0) {
				r = bad(&c, ep, "dir", "'%s' again (also "
				    "plateaus[%zu])", p->dir, j);
				goto out;
			}
		i++;
	}
	if ((r = r_watch(&c, m, rec)) != 0)
		goto out;
	r = r_files(&c, m, rec);
out:
	cJSON_Delete(m);
	return r;
}

/* ---- what the renderers share ---- */

const struct record_class *
record_class_find(const struct record_plateau *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nclasses; i++)
		if (strcmp(p->classes[i].name, name) == 0)
			return &p->classes[i];
	return NULL;
}

const struct record_capture *
record_capture_find(const struct record_plateau *p, const char *kind)
{
	size_t i;

	for (i = 0; i < p->ncaptures; i++)
		if (p->captures[i].kind != NULL &&
		    strcmp(p->captures[i].kind, kind) == 0)
			return &p->captures[i];
	return NULL;
}

double
record_rate(const struct run_record *rec)
{
	double v = rec->prof.record_rate;

	return v > 0 && v <= 10000 ? v : 100.0;
}

double
record_usage_mib(const struct record_usage *u)
{
	double v;

	if (!u->present)
		return NAN;
	v = isnan(u->rss_bytes) ? u->cgroup_memory_bytes : u->rss_bytes;
	return isnan(v) ? v : v / 1048576.0;
}

double
record_metrics_cpu_percent(const struct record_plateau *p)
{
	double cpu;

	if (!p->has_mstart || !p->has_mend || restarted(p) == 1 ||
	    !(p->metrics_seconds > 0))
		return NAN;
	cpu = p->mend.cpu_seconds - p->mstart.cpu_seconds;
	return isnan(cpu) ? NAN : cpu / p->metrics_seconds * 100;
}

void
record_fmt(char *dst, size_t n, const char *f, double v)
{
	if (isnan(v))
		snprintf(dst, n, "-");
	else
		snprintf(dst, n, f, v);
}

static double
count_or_nan(long long v)
{
	return v < 0 ? NAN : (double)v;
}

/* the quoted request class: "probe", else the one with the most requests */
static const char *
main_class(const struct record_plateau *p)
{
	const char *best = NULL;
	long long bestn = -1;
	size_t i;

	if (record_class_find(p, "probe") != NULL)
		return "probe";
	for (i = 0; i < p->nclasses; i++)
		if (p->classes[i].count > bestn &&
		    strcmp(p->classes[i].name, "phases") != 0) {
			bestn = p->classes[i].count;
			best = p->classes[i].name;
		}
	return best;
}

/* the status counts of every class: 429s, and errors (all but 2xx and
 * 429); NAN when no class has its status tallies. The spawn-phase
 * streams are left out: one hubspy ends itself (a teardown) is no hub
 * error, and how they ended is in spawn_phases */
static void
tally(const struct record_plateau *p, double *n429, double *errors)
{
	size_t i, k;

	*n429 = *errors = NAN;
	for (i = 0; i < p->nclasses; i++) {
		const struct record_class *c = &p->classes[i];

		if (!c->has_status || strcmp(c->name, "phases") == 0)
			continue;
		if (isnan(*n429))
			*n429 = *errors = 0;
		for (k = 0; k < c->nstatus; k++) {
			const struct record_status *s = &c->status[k];

			/* a redirect is an answer (the login form's 302) */
			if (strcmp(s->key, "429") == 0)
				*n429 += (double)s->n;
			else if (strcmp(s->key, "2xx") != 0 &&
			    strcmp(s->key, "3xx") != 0)
				*errors += (double)s->n;
		}
	}
}

void
record_loop(const struct record_plateau *p, struct record_loop *lp)
{
	const struct metrics_snapshot *s = &p->mstart, *e = &p->mend;
	const struct record_class *probe = record_class_find(p, "probe");
	double c, cum, prev = 0;
	size_t i;

	memset(lp, 0, sizeof(*lp));
	lp->p50_ms = lp->p99_ms = lp->max_ms = lp->over_ms = NAN;
	lp->probe_p50_ms = probe ? probe->latency_ms.p50 : NAN;
	lp->probe_p99_ms = probe ? probe->latency_ms.p99 : NAN;
	if (!p->has_mstart || !p->has_mend || !s->has_event_loop ||
	    !e->has_event_loop || s->nloop != e->nloop || e->nloop == 0)
		return;
	c = e->loop_count - s->loop_count;
	if (!(c > 0))
		return;
	lp->has_metric = 1;
	lp->count = c;
	for (i = 0; i < e->nloop; i++) {
		double le = isinf(e->loop_le[i]) ? INFINITY :
		    e->loop_le[i] * 1000;

		cum = e->loop_cum[i] - s->loop_cum[i];
		if (isnan(lp->p50_ms) && cum >= 0.5 * c)
			lp->p50_ms = le;
		if (isnan(lp->p99_ms) && cum >= 0.99 * c)
			lp->p99_ms = le;
		if (cum > prev)
			lp->max_ms = le;
		if (!isinf(le))
			lp->over_ms = le;
		prev = cum;
	}
}

static void
loop_bound(char *dst, size_t n, double v, double over)
{
	if (isinf(v))
		snprintf(dst, n, "> %.0f ms", over);
	else if (isnan(v))
		snprintf(dst, n, "?");
	else
		snprintf(dst, n, "<= %.0f ms", v);
}

void
record_loop_line(const struct record_plateau *p, char *dst, size_t n)
{
	struct record_loop l;
	char a[32], b[32], c[32];

	record_loop(p, &l);
	if (l.has_metric) {
		loop_bound(a, sizeof(a), l.p50_ms, l.over_ms);
		loop_bound(b, sizeof(b), l.p99_ms, l.over_ms);
		loop_bound(c, sizeof(c), l.max_ms, l.over_ms);
		snprintf(dst, n, "event loop interval p50 %s, p99 %s, max %s "
		    "(%.0f intervals of the hold, "
		    "jupyterhub_event_loop_interval_seconds)", a, b, c,
		    l.count);
	} else if (!isnan(l.probe_p50_ms))
		snprintf(dst, n, "event loop not measured by this hub (the "
		    "metric is 5.0+); probe latency instead: p50 %.1f ms, "
		    "p99 %.1f ms", l.probe_p50_ms, l.probe_p99_ms);
	else
		snprintf(dst, n, "event loop not measured by this hub (the "
		    "metric is 5.0+), and no probe latency");
}

static const struct metrics_sum *
sum_success(const struct metrics_snapshot *m, enum record_hub_hist which)
{
	const struct metrics_sum *x = which == RH_SPAWN ? m->spawns :
	    m->proxy_adds;
	size_t i, n = which == RH_SPAWN ? m->nspawns : m->nproxy_adds;

	for (i = 0; i < n; i++)
		if (strcmp(x[i].key, "success") == 0)
			return &x[i];
	return NULL;
}

int
record_hub_ramp_mean(const struct run_record *rec, size_t k,
    enum record_hub_hist which, double *countp, double *meanp)
{
	const struct record_plateau *p = &rec->plateaus[k];
	const struct metrics_snapshot *prev = NULL;
	const struct metrics_sum *a, *b;
	double c, sum;

	*countp = *meanp = NAN;
	if (!p->has_mstart || (b = sum_success(&p->mstart, which)) == NULL)
		return -1;
	c = b->count;
	sum = b->sum;
	if (k > 0) {
		if (rec->plateaus[k - 1].has_mend)
			prev = &rec->plateaus[k - 1].mend;
		a = prev ? sum_success(prev, which) : NULL;
		if (a == NULL || prev->start_time != p->mstart.start_time)
			return -1;	/* unknown, or restarted */
		c -= a->count;
		sum -= a->sum;
	}
	if (!(c > 0))
		return -1;
	*countp = c;
	*meanp = sum / c;
	return 0;
}

void
record_spawn_line(const struct run_record *rec, size_t k, char *dst,
    size_t n)
{
	const struct record_plateau *p = &rec->plateaus[k];
	size_t len = 0;
	double c, mean;

	if (p->has_spawn && p->spawn_count > 0)
		len = (size_t)snprintf(dst, n, "spawn request -> ready (client, "
		    "%lld spawns): p50 %.2f s, p99 %.2f s, max %.2f s",
		    p->spawn_count, p->spawn_seconds.p50, p->spawn_seconds.p99,
		    p->spawn_seconds.max);
	else
		len = (size_t)snprintf(dst, n, "spawn request -> ready: no "
		    "spawn timed by the client");
	if (len >= n)
		return;
	if (record_hub_ramp_mean(rec, k, RH_SPAWN, &c, &mean) == 0)
		snprintf(dst + len, n - len, "; the hub's own spawn "
		    "(server_spawn_duration_seconds, success, %.0f during the "
		    "ramp): mean %.2f s", c, mean);
}

void
record_phases_line(const struct record_plateau *p, char *dst, size_t n)
{
	static const char *const lab[MP_NPHASE] = { "request -> accepted",
	    "-> first event", "-> ready", "total" };
	const struct record_phases *ph = &p->phases;
	char v[MP_NPHASE][2][24];
	int k;

	if (n == 0)
		return;
	dst[0] = '\0';
	if (!p->has_phases || ph->sampled <= 0)
		return;
	for (k = 0; k < MP_NPHASE; k++) {
		record_fmt(v[k][0], sizeof(v[k][0]), "%.2f s", ph->q[k].p50);
		record_fmt(v[k][1], sizeof(v[k][1]), "%.2f", ph->q[k].p90);
	}
	snprintf(dst, n, "spawn phases (%lld sampled, %lld failed, %lld "
	    "unfinished), p50 (p90): %s %s (%s), %s %s (%s), %s %s (%s), %s %s "
	    "(%s)", ph->sampled, ph->failed, ph->unfinished,
	    lab[0], v[0][0], v[0][1], lab[1], v[1][0], v[1][1],
	    lab[2], v[2][0], v[2][1], lab[3], v[3][0], v[3][1]);
}

void
record_row(const struct record_plateau *p, struct record_row *w)
{
	static const char *const f[RC_NCOLS] = { "%.0f", "%.0f", "%.0f",
	    "%.0f", "%.1f", "%.1f", "%.1f", "%.1f", "%.0f", "%.0f", "%.1f",
	    "%.0f" };
	const struct record_class *c;
	double n429, errors;
	int k;

	w->cls = main_class(p);
	c = w->cls ? record_class_find(p, w->cls) : NULL;
	tally(p, &n429, &errors);
	w->v[RC_USERS] = (double)p->users;
	w->v[RC_ASKED] = count_or_nan(p->state.asked);
	w->v[RC_READY] = count_or_nan(p->state.ready);
	w->v[RC_FAILED] = count_or_nan(p->state.failed);
	w->v[RC_RAMP] = p->ramp_seconds;
	w->v[RC_P50] = c ? c->latency_ms.p50 : NAN;
	w->v[RC_P99] = c ? c->latency_ms.p99 : NAN;
	w->v[RC_RPS] = p->hold_rps;
	w->v[RC_429] = p->throttle.count_429 >= 0 ?
	    (double)p->throttle.count_429 : n429;
	w->v[RC_ERRORS] = errors;
	w->v[RC_CPU] = !isnan(p->usage_cpu_percent) ? p->usage_cpu_percent :
	    record_metrics_cpu_percent(p);
	w->v[RC_RSS] = record_usage_mib(&p->usage_end);
	if (isnan(w->v[RC_RSS]) && p->has_mend)
		w->v[RC_RSS] = p->mend.rss_bytes / 1048576.0;
	for (k = 0; k < RC_NCOLS; k++)
		record_fmt(w->s[k], sizeof(w->s[k]), f[k], w->v[k]);
}
