/* progress.c -- a spawn's progress event stream: the SSE reader, the timeline */
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

void
progress_phases_reset(struct progress_phases *pp)
{
	int i;

	pp->sampled = pp->failed = 0;
	for (i = 0; i < PP_NPHASE; i++)
		hist_reset(&pp->h[i]);
}

static void
span(struct hist *h, int64_t a, int64_t b)
{
	if (a != 0 && b != 0 && b >= a)
		hist_record(h, b - a);
}

void
progress_phases_add(struct progress_phases *pp,
    const struct progress_timeline *t)
{
	pp->sampled++;
	span(&pp->h[PP_ACCEPT], t->t_sent, t->t_accepted);
	span(&pp->h[PP_FIRST], t->t_accepted, t->t_first);
	if (t->failed) {
		pp->failed++;
		return;
	}
	if (t->ready) {
		span(&pp->h[PP_READY], t->t_first, t->t_end);
		span(&pp->h[PP_TOTAL], t->t_sent, t->t_end);
	}
}

const char *
progress_phase_name(enum progress_phase ph)
{
	static const char *const names[PP_NPHASE] = {
		"accept", "first_event", "ready", "total"
	};

	return ph >= 0 && ph < PP_NPHASE ? names[ph] : "?";
}
