/* progress.c -- a spawn's progress event stream: the SSE reader, the timeline, the sample */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "load/progress.h"

void
progress_sse_init(struct progress_sse *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->line, PROGRESS_LINE_MAX);
	buf_init(&p->data, PROGRESS_LINE_MAX);
}

void
progress_sse_free(struct progress_sse *p)
{
	buf_release(&p->line);
	buf_release(&p->data);
}

/* the blank line: the event's data (its lines joined by LF) as JSON */
static void
dispatch(struct progress_sse *p, progress_event_fn *fn, void *arg)
{
	struct progress_event ev = { -1, 0, 0, "" };
	cJSON *j, *v;

	if (p->data.len == 0 && buf_error(&p->data) == 0)
		return;			/* no data lines: no event */
	if (buf_error(&p->data) != 0 || p->done || (j = cJSON_ParseWithLength(
	    p->data.data, p->data.len)) == NULL) {
		p->bad++;
		buf_reset(&p->data);
		return;
	}
	if (!cJSON_IsObject(j)) {
		p->bad++;
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "progress");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 100)
		ev.progress = (int)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (cJSON_IsString(v))
		ev.message = v->valuestring;
	ev.ready = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ready"));
	ev.failed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
	    "failed"));
	if (ev.ready || ev.failed)
		p->done = 1;
	p->events++;
	fn(arg, &ev);
out:
	cJSON_Delete(j);
	buf_reset(&p->data);
}

/* one whole line, without its end */
static void
line(struct progress_sse *p, progress_event_fn *fn, void *arg)
{
	const char *s = p->line.data, *val;
	size_t n = p->line.len, flen;

	if (n == 0) {
		dispatch(p, fn, arg);
		return;
	}
	if (s[0] == ':') {
		p->comments++;
		return;
	}
	if ((val = memchr(s, ':', n)) != NULL) {
		flen = (size_t)(val - s);
		val++;
		if (val < s + n && *val == ' ')
			val++;
	} else {
		flen = n;		/* a field without a value */
		val = s + n;
	}
	if (flen == 4 && memcmp(s, "data", 4) == 0) {
		if (p->data.len > 0)
			(void)buf_addch(&p->data, '\n');
		(void)buf_add(&p->data, val, (size_t)(s + n - val));
	}
	/* event, id, retry and unknown fields: nothing the hub sends */
}

void
progress_sse_feed(struct progress_sse *p, const char *s, size_t n,
    progress_event_fn *fn, void *arg)
{
	size_t i, run;

	for (i = 0; i < n; i += run) {
		const char *c = s + i;

		if (p->skip_lf) {
			p->skip_lf = 0;
			if (*c == '\n') {
				run = 1;
				continue;
			}
		}
		if (*c == '\n' || *c == '\r') {
			run = 1;
			p->skip_lf = *c == '\r';
			if (p->overlong) {
				p->overlong = 0;
				p->bad++;
			} else
				line(p, fn, arg);
			buf_reset(&p->line);
			continue;
		}
		/* the run of bytes up to the next line end */
		for (run = 1; i + run < n && s[i + run] != '\n' &&
		    s[i + run] != '\r'; run++)
			;
		if (!p->overlong && buf_add(&p->line, c, run) != 0) {
			p->overlong = 1;
			buf_reset(&p->line);
		}
	}
}

int
progress_timeline_event(struct progress_timeline *t, int64_t now,
    const struct progress_event *ev)
{
	if (t->t_end != 0)
		return -1;
	if (t->nevents == 0)
		t->t_first = now;
	if (t->nevents < PROGRESS_EVENTS_MAX) {
		t->t_ev[t->nevents] = now;
		t->pct[t->nevents] = ev->progress;
	}
	t->nevents++;
	if (ev->ready || ev->failed) {
		t->t_end = now;
		t->ready = ev->ready && !ev->failed;
		t->failed = ev->failed;
	}
	return 0;
}

static void
span(struct hist *h, int64_t a, int64_t b)
{
	if (a != 0 && b != 0 && b >= a)
		hist_record(h, b - a);
}

void
progress_phases_add(struct mphases *pp, const struct progress_timeline *t)
{
	pp->sampled++;
	span(&pp->h[MP_ACCEPT], t->t_sent, t->t_accepted);
	span(&pp->h[MP_FIRST], t->t_accepted, t->t_first);
	if (t->failed) {
		pp->failed++;
		return;
	}
	if (!t->ready) {
		pp->unfinished++;
		return;
	}
	span(&pp->h[MP_READY], t->t_first, t->t_end);
	span(&pp->h[MP_TOTAL], t->t_sent, t->t_end);
}

/* --- the sample --- */

struct psample {
	struct progress_sampler	*s;
	LIST_ENTRY(psample)	 link;		/* the sampler's open ones */
	const void		*key;
	struct hub_stream	*st;
	struct progress_sse	 sse;
	struct progress_timeline tl;
};

struct progress_sampler {
	struct hub		*h;
	int			 max;
	int64_t			 timeout_ms;
	LIST_HEAD(, psample)	 open;
	size_t			 nopen, peak;
};

int
progress_sampler_new(struct progress_sampler **sp, struct hub *h, int max,
    int64_t timeout_ms)
{
	struct progress_sampler *s;

	if ((*sp = s = calloc(1, sizeof(*s))) == NULL)
		return HS_ENOMEM;
	s->h = h;
	LIST_INIT(&s->open);
	s->max = max > 0 ? max : 0;
	s->timeout_ms = timeout_ms;
	return 0;
}

static void
ps_unlink(struct psample *ps)
{
	struct progress_sampler *s = ps->s;

	LIST_REMOVE(ps, link);
	s->nopen--;
	progress_sse_free(&ps->sse);
	free(ps);
}

static void
ps_event(void *arg, const struct progress_event *ev)
{
	struct psample *ps = arg;

	(void)progress_timeline_event(&ps->tl, loop_now_us(), ev);
}

static void
ps_chunk(void *arg, const char *p, size_t n)
{
	struct psample *ps = arg;

	progress_sse_feed(&ps->sse, p, n, ps_event, ps);
}

/* the stream ended by itself: the hub closed it, the bound, a break */
static void
ps_end(void *arg, long status, const char *neterr)
{
	struct psample *ps = arg;

	(void)status;
	(void)neterr;
	progress_phases_add(&hub_measure(ps->s->h)->phases, &ps->tl);
	ps_unlink(ps);
}

int
progress_sample(struct progress_sampler *s, const char *path,
    const void *key, int64_t t_sent, int64_t t_accepted)
{
	struct psample *ps;
	int r;

	if (s == NULL || s->nopen >= (size_t)s->max)
		return 0;
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return HS_ENOMEM;
	ps->s = s;
	ps->key = key;
	ps->tl.t_sent = t_sent;
	ps->tl.t_accepted = t_accepted;
	progress_sse_init(&ps->sse);
	if ((r = hub_stream_open(s->h, MC_PHASES, path, s->timeout_ms,
	    ps_chunk, ps_end, ps, &ps->st)) != 0) {
		progress_sse_free(&ps->sse);
		free(ps);
		return r;
	}
	LIST_INSERT_HEAD(&s->open, ps, link);
	if (++s->nopen > s->peak)
		s->peak = s->nopen;
	return 1;
}

static void
ps_close(struct psample *ps)
{
	hub_stream_close(ps->st);
	progress_phases_add(&hub_measure(ps->s->h)->phases, &ps->tl);
	ps_unlink(ps);
}

void
progress_sampler_drop(struct progress_sampler *s, const void *key)
{
	struct psample *ps, *next;

	if (s == NULL)
		return;
	for (ps = LIST_FIRST(&s->open); ps; ps = next) {
		next = LIST_NEXT(ps, link);
		if (ps->key == key)
			ps_close(ps);
	}
}

void
progress_sampler_drop_all(struct progress_sampler *s)
{
	while (s != NULL && !LIST_EMPTY(&s->open))
		ps_close(LIST_FIRST(&s->open));
}

size_t
progress_sampler_open(const struct progress_sampler *s)
{
	return s ? s->nopen : 0;
}

size_t
progress_sampler_peak(const struct progress_sampler *s)
{
	return s ? s->peak : 0;
}

void
progress_sampler_free(struct progress_sampler *s)
{
	struct psample *ps;

	if (s == NULL)
		return;
	while ((ps = LIST_FIRST(&s->open)) != NULL) {
		hub_stream_close(ps->st);
		ps_unlink(ps);
	}
	free(s);
}
