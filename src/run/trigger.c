/* trigger.c -- stall triggers: the health probe, the loop histogram, rate limits */
/*
 * The watcher is three timers on the caller's loop. The probe timer starts
 * a health probe every interval_s unless one is still out (one at a time:
 * a stalled hub is not sent a queue of probes). The check timer, ten times
 * a second, looks at the probe in flight: its age is the hub's latency so
 * far, so a stall is seen probe_s after it began, while it still lasts,
 * not when the answer finally arrives. The metrics timer reads /metrics
 * every metrics_interval_s, and stops for good once a page shows no
 * event_loop_interval_seconds (JupyterHub before 5.0).
 *
 * The trigger callback runs from the check timer or the metrics answer
 * and may turn the loop (the captures do): the watcher is busy meanwhile,
 * so its own timers, which keep firing inside that loop, decide nothing.
 */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/loop.h"
#include "load/hub.h"
#include "measure/metrics.h"
#include "run/trigger.h"

#define CHECK_MS	100
#define PROBE_MAX_BODY	4096

const char *
trigger_source_name(enum trigger_source s)
{
	return s == TRIGGER_LOOP ? "loop_interval" : s == TRIGGER_LOG ? "log" :
	    "probe";
}

double
trigger_log_line(const char *line, size_t len)
{
	static const char key[] = "Event loop was unresponsive for at least ";
	const char *p = memmem(line, len, key, sizeof(key) - 1);
	char num[32], *end;
	size_t n;
	double v;

	if (p == NULL)
		return NAN;
	p += sizeof(key) - 1;
	for (n = 0; p + n < line + len && n < sizeof(num) - 1 &&
	    ((p[n] >= '0' && p[n] <= '9') || p[n] == '.'); n++)
		num[n] = p[n];
	num[n] = '\0';
	v = strtod(num, &end);
	return n > 0 && *end == '\0' && isfinite(v) ? v : NAN;
}

const char *
trigger_skip_reason(enum trigger_verdict v)
{
	switch (v) {
	case TRIGGER_SKIP_BUSY:
		return "a capture was running";
	case TRIGGER_SKIP_GAP:
		return "too soon after the last trigger (triggers.min_gap)";
	case TRIGGER_SKIP_MAX:
		return "the plateau's maximum was reached "
		    "(triggers.max_per_plateau)";
	default:
		return NULL;
	}
}

/* --- the gate --- */

void
trigger_gate_init(struct trigger_gate *g)
{
	int i;

	for (i = 0; i < TRIGGER_NSOURCES; i++)
		g->quiet[i] = 1;
	g->last_ms = -1;
	g->fired = 0;
}

void
trigger_gate_window(struct trigger_gate *g)
{
	g->fired = 0;
}

enum trigger_verdict
trigger_gate_eval(struct trigger_gate *g, const struct trigger_config *c,
    enum trigger_source s, double value, int64_t now_ms, int busy)
{
	/* the log's lines are event-loop intervals too */
	double th = s == TRIGGER_PROBE ? c->probe_s : c->loop_s;

	if (th <= 0 || isnan(value))
		return TRIGGER_QUIET;
	if (value < th) {
		g->quiet[s] = 1;
		return TRIGGER_QUIET;
	}
	if (!g->quiet[s])
		return TRIGGER_QUIET;		/* the same stall */
	g->quiet[s] = 0;
	if (busy)
		return TRIGGER_SKIP_BUSY;
	if (g->fired >= c->max_per_window)
		return TRIGGER_SKIP_MAX;
	if (g->last_ms >= 0 && (double)(now_ms - g->last_ms) <
	    c->min_gap_s * 1000.0)
		return TRIGGER_SKIP_GAP;
	g->last_ms = now_ms;
	g->fired++;
	return TRIGGER_FIRE;
}

double
trigger_loop_interval(const struct metrics_snapshot *a,
    const struct metrics_snapshot *b)
{
	double total, below, lo = 0;
	size_t i;

	if (a == NULL || b == NULL || !a->has_event_loop ||
	    !b->has_event_loop || a->nloop != b->nloop || b->nloop == 0 ||
	    b->loop_count < a->loop_count)
		return NAN;
	total = b->loop_count - a->loop_count;
	if (total <= 0)
		return 0;
	for (i = 0; i < b->nloop; i++) {
		if (a->loop_le[i] != b->loop_le[i] ||
		    b->loop_cum[i] < a->loop_cum[i])
			return NAN;
		below = b->loop_cum[i] - a->loop_cum[i];
		if (below >= total)
			return lo;	/* every new count is at most le[i] */
		if (!isinf(b->loop_le[i]))
			lo = b->loop_le[i];
	}
	return lo;
}

int
trigger_config_check(const struct trigger_config *c, struct hs_errbuf *eb)
{
	if (!(c->probe_s == 0 || (c->probe_s >= 0.1 && c->probe_s <= 600)))
		return hs_error(eb, HS_EUSAGE, "triggers.probe: %g is out of "
		    "range (0 to turn it off, or 0.1 to 600 seconds)",
		    c->probe_s);
	if (!(c->loop_s == 0 || (c->loop_s >= 0.01 && c->loop_s <= 600)))
		return hs_error(eb, HS_EUSAGE, "triggers.loop_interval: %g is "
		    "out of range (0 to turn it off, or 0.01 to 600 seconds)",
		    c->loop_s);
	if (!(c->interval_s >= 0.1 && c->interval_s <= 3600))
		return hs_error(eb, HS_EUSAGE, "probe interval: %g is out of "
		    "range (0.1 to 3600 seconds)", c->interval_s);
	if (!(c->min_gap_s >= 0 && c->min_gap_s <= 86400) ||
	    c->max_per_window < 0 || c->max_per_window > 1000)
		return hs_error(eb, HS_EUSAGE, "triggers: min_gap (0 to 86400 "
		    "s) or max_per_plateau (0 to 1000) out of range");
	return 0;
}

/* --- the watcher --- */

struct trigger_watch {
	struct loop		*loop;
	struct hub		*hub;
	char			*base, *prefix;
	struct trigger_config	 cfg;
	struct trigger_hooks	 hooks;
	struct trigger_gate	 gate;
	int64_t			 t0_us;
	int			 busy;		/* a callback or a capture runs */
	/* the probe */
	struct hub_probe	*probe;
	int64_t			 probe_t0_us;
	struct loop_timer	*probe_timer, *check_timer;
	/* /metrics */
	int			 metrics_on;
	struct mreq		*mreq;		/* the read in flight */
	struct loop_timer	*metrics_timer;
	struct metrics_snapshot	 last;
	int			 have_last;
	double			 loop_s;	/* last interval read, NAN */
	/* the hub's log file, followed */
	char			*log_file;
	off_t			 log_off;
	double			 log_pending;	/* seen while busy, NAN */
	char			 log_part[4096];	/* a line not ended yet */
	size_t			 log_npart;
	struct loop_timer	*log_timer;
	/* for the timeline and the cost */
	struct trigger_sample	*samples;
	size_t			 nsamples, capsamples;
	struct trigger_cost	 cost;
	long long		 log_stalls;	/* "unresponsive" lines seen */
};

static double
since(const struct trigger_watch *w, int64_t us)
{
	return (double)(us - w->t0_us) / 1e6;
}

void
trigger_now_iso(char out[32])
{
	struct timeval tv;
	struct tm tm;
	char s[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", s, (int)(tv.tv_usec / 1000));
}

static void
decide(struct trigger_watch *w, enum trigger_source s, double value)
{
	struct trigger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.verdict = trigger_gate_eval(&w->gate, &w->cfg, s, value,
	    loop_now_us() / 1000, w->busy);
	if (ev.verdict == TRIGGER_QUIET || w->hooks.on_trigger == NULL)
		return;
	ev.source = s;
	ev.value = round(value * 1000) / 1000;
	ev.threshold = s == TRIGGER_PROBE ? w->cfg.probe_s : w->cfg.loop_s;
	trigger_now_iso(ev.at);
	ev.t = round(since(w, loop_now_us()) * 1000) / 1000;
	w->busy++;
	w->hooks.on_trigger(w->hooks.arg, &ev);
	w->busy--;
}

static void
add_sample(struct trigger_watch *w, double probe_s, int failed)
{
	struct trigger_sample *s;

	if (w->nsamples >= TRIGGER_MAX_SAMPLES)
		return;
	if (w->nsamples == w->capsamples) {
		size_t cap = w->capsamples ? w->capsamples * 2 : 256;

		if ((s = reallocarray(w->samples, cap, sizeof(*s))) == NULL)
			return;		/* the timeline loses a point */
		w->samples = s;
		w->capsamples = cap;
	}
	s = &w->samples[w->nsamples++];
	s->t = round(since(w, w->probe_t0_us) * 1000) / 1000;
	s->probe_s = round(probe_s * 1e6) / 1e6;
	s->loop_s = w->loop_s;
	s->failed = failed;
	s->users = w->hooks.users ? w->hooks.users(w->hooks.arg) : -1;
}

static void on_probe_timer(void *arg);
static void log_pending(struct trigger_watch *w);

static void
on_check(void *arg)
{
	struct trigger_watch *w = arg;
	const struct hub_text *tx;
	double age, latency;
	int failed;

	w->check_timer = loop_timer_add(w->loop, CHECK_MS, on_check, w);
	log_pending(w);
	if (w->probe == NULL)
		return;
	age = (double)(loop_now_us() - w->probe_t0_us) / 1e6;
	if (!hub_probe_done(w->probe)) {
		if (!w->busy)
			decide(w, TRIGGER_PROBE, age);
		return;
	}
	tx = hub_probe_text(w->probe);
	failed = tx->status == 0;
	latency = failed ? age : (double)tx->latency_us / 1e6;
	add_sample(w, latency, failed);
	hub_probe_free(w->probe);
	w->probe = NULL;
	if (w->hub != NULL)
		hub_pace_end(w->hub);
	/* a quick answer (or a quick refusal, which is no stall) re-arms the
	 * source; a slow one was decided on while it was out */
	if (latency < w->cfg.probe_s || (failed && age < w->cfg.probe_s))
		decide(w, TRIGGER_PROBE, 0);
}

static void
on_probe_timer(void *arg)
{
	struct trigger_watch *w = arg;

	int64_t wait;

	if (w->probe == NULL && w->hub != NULL &&
	    (wait = hub_pace_wait_ms(w->hub)) > 0) {
		/* the hub's pace (hubspy watch): the probe waits its turn */
		w->probe_timer = loop_timer_add(w->loop, wait, on_probe_timer,
		    w);
		return;
	}
	w->probe_timer = loop_timer_add(w->loop, (int64_t)(w->cfg.interval_s *
	    1000), on_probe_timer, w);
	if (w->probe != NULL)
		return;		/* one at a time */
	w->probe_t0_us = loop_now_us();
	if (hub_probe_start(&w->probe, w->loop, w->base, "/hub/health",
	    (int64_t)(w->cfg.probe_timeout_s * 1000), PROBE_MAX_BODY) == 0) {
		w->cost.probes++;
		if (w->hub != NULL)
			hub_pace_begin(w->hub);
	}
}

#define LOG_MS		500
#define LOG_READ_MAX	(1u << 20)	/* per turn: a burst waits */

static void
log_line(struct trigger_watch *w, const char *line, size_t len)
{
	double v = trigger_log_line(line, len);

	if (isnan(v))
		return;
	w->log_stalls++;
	if (w->cfg.loop_s <= 0)
		return;		/* counted, not a trigger */
	if (w->busy) {		/* decided once the capture is over */
		if (isnan(w->log_pending) || v > w->log_pending)
			w->log_pending = v;
		return;
	}
	decide(w, TRIGGER_LOG, v);
	decide(w, TRIGGER_LOG, 0);	/* each line is a stall of its own */
}

/* a line seen during a capture, decided once it is over */
static void
log_pending(struct trigger_watch *w)
{
	double v = w->log_pending;

	if (w->busy || isnan(v))
		return;
	w->log_pending = NAN;
	decide(w, TRIGGER_LOG, v);
	decide(w, TRIGGER_LOG, 0);
}

void
trigger_watch_log_line(struct trigger_watch *w, const char *line, size_t len)
{
	log_line(w, line, len);
}

long long
trigger_watch_log_stalls(const struct trigger_watch *w)
{
	return w->log_stalls;
}

static void
on_log_timer(void *arg)
{
	struct trigger_watch *w = arg;
	char buf[8192];
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd;

	w->log_timer = loop_timer_add(w->loop, LOG_MS, on_log_timer, w);
	log_pending(w);
	/* a regular file only: a FIFO's reader is its writer's business */
	if (stat(w->log_file, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (fd = open(w->log_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	if (st.st_size < w->log_off) {		/* rotated or truncated */
		w->log_off = 0;
		w->log_npart = 0;
	}
	while (done < LOG_READ_MAX && (n = pread(fd, buf, sizeof(buf),
	    w->log_off)) > 0) {
		const char *p = buf, *end = buf + n, *nl;

		w->log_off += n;
		done += (size_t)n;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			size_t k = (size_t)(nl - p);

			if (w->log_npart > 0) {	/* the line began before */
				k = k < sizeof(w->log_part) - w->log_npart ? k :
				    sizeof(w->log_part) - w->log_npart;
				memcpy(w->log_part + w->log_npart, p, k);
				log_line(w, w->log_part, w->log_npart + k);
				w->log_npart = 0;
			} else
				log_line(w, p, k);
			p = nl + 1;
		}
		/* the rest waits for its newline (a longer line is cut) */
		while (p < end && w->log_npart < sizeof(w->log_part))
			w->log_part[w->log_npart++] = *p++;
	}
	close(fd);
}

/* a /metrics read in flight: the hub calls back even after the watcher
 * is freed (a request on the wire cannot be taken back), so the callback
 * holds this and not the watcher */
struct mreq {
	struct trigger_watch	*w;	/* NULL: the watcher is gone */
};

static void
on_metrics(void *arg, const struct hub_resp *rs)
{
	struct mreq *mr = arg;
	struct trigger_watch *w = mr->w;
	struct metrics_snapshot cur = METRICS_SNAPSHOT_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	double v;

	free(mr);
	if (w == NULL)
		return;
	w->mreq = NULL;
	if (rs->status != 200 || metrics_parse(rs->body, rs->len,
	    w->cfg.metrics_prefix, &cur, &eb) != 0) {
		metrics_release(&cur);
		return;
	}
	if (!cur.has_event_loop) {
		/* before JupyterHub 5.0: nothing to watch here */
		w->metrics_on = 0;
		if (w->metrics_timer)
			loop_timer_cancel(w->loop, w->metrics_timer);
		w->metrics_timer = NULL;
		metrics_release(&cur);
		return;
	}
	v = w->have_last ? trigger_loop_interval(&w->last, &cur) : NAN;
	metrics_release(&w->last);
	w->last = cur;
	w->have_last = 1;
	w->loop_s = v;
	if (!isnan(v) && !w->busy)
		decide(w, TRIGGER_LOOP, v);
}

static void
on_metrics_timer(void *arg)
{
	struct trigger_watch *w = arg;

	w->metrics_timer = loop_timer_add(w->loop,
	    (int64_t)(w->cfg.metrics_interval_s * 1000), on_metrics_timer, w);
	if (w->mreq != NULL || !w->metrics_on ||
	    (w->mreq = calloc(1, sizeof(*w->mreq))) == NULL)
		return;
	w->mreq->w = w;
	if (hub_request(w->hub, MC_OTHER, "GET", "/metrics", NULL, on_metrics,
	    w->mreq) == 0)
		w->cost.metrics_reads++;
	else {
		free(w->mreq);
		w->mreq = NULL;
	}
}

int
trigger_watch_new(struct trigger_watch **wp, struct loop *l, struct hub *h,
    const char *base, const struct trigger_config *c,
    const struct trigger_hooks *hooks, struct hs_errbuf *eb)
{
	struct trigger_watch *w;
	int r;

	*wp = NULL;
	if ((r = trigger_config_check(c, eb)) != 0)
		return r;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if ((w->base = strdup(base)) == NULL || (c->metrics_prefix &&
	    (w->prefix = strdup(c->metrics_prefix)) == NULL) ||
	    (c->log_file && (w->log_file = strdup(c->log_file)) == NULL)) {
		trigger_watch_free(w);
		return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	w->loop = l;
	w->hub = h;
	w->cfg = *c;
	w->cfg.metrics_prefix = w->prefix;
	w->cfg.log_file = w->log_file;
	if (hooks)
		w->hooks = *hooks;
	trigger_gate_init(&w->gate);
	w->t0_us = loop_now_us();
	w->loop_s = NAN;
	w->log_pending = NAN;
	w->metrics_on = h != NULL && c->loop_s > 0 &&
	    hub_info(h)->has_read_metrics;
	if ((w->probe_timer = loop_timer_add(l, 0, on_probe_timer, w)) ==
	    NULL || (w->check_timer = loop_timer_add(l, CHECK_MS, on_check,
	    w)) == NULL || (w->metrics_on && (w->metrics_timer =
	    loop_timer_add(l, (int64_t)(c->metrics_interval_s * 1000),
	    on_metrics_timer, w)) == NULL)) {
		trigger_watch_free(w);
		return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	if (w->log_file != NULL) {
		struct stat st;

		/* from the end: what was written before is not news */
		if (stat(w->log_file, &st) == 0 && S_ISREG(st.st_mode))
			w->log_off = st.st_size;
		if ((w->log_timer = loop_timer_add(l, LOG_MS, on_log_timer,
		    w)) == NULL) {
			trigger_watch_free(w);
			return hs_error(eb, HS_ENOMEM, "out of memory");
		}
	}
	*wp = w;
	return 0;
}

void
trigger_watch_free(struct trigger_watch *w)
{
	if (w == NULL)
		return;
	if (w->probe_timer)
		loop_timer_cancel(w->loop, w->probe_timer);
	if (w->check_timer)
		loop_timer_cancel(w->loop, w->check_timer);
	if (w->metrics_timer)
		loop_timer_cancel(w->loop, w->metrics_timer);
	if (w->log_timer)
		loop_timer_cancel(w->loop, w->log_timer);
	if (w->probe != NULL && w->hub != NULL)
		hub_pace_end(w->hub);
	hub_probe_free(w->probe);
	if (w->mreq != NULL)	/* on_metrics frees it */
		w->mreq->w = NULL;
	metrics_release(&w->last);
	free(w->samples);
	free(w->base);
	free(w->prefix);
	free(w->log_file);
	free(w);
}

void
trigger_watch_window(struct trigger_watch *w)
{
	trigger_gate_window(&w->gate);
}

void
trigger_watch_busy(struct trigger_watch *w, int busy)
{
	if (busy)
		w->busy++;
	else if (w->busy > 0)
		w->busy--;
}

const struct trigger_sample *
trigger_watch_samples(const struct trigger_watch *w, size_t *n)
{
	*n = w->nsamples;
	return w->samples;
}

void
trigger_watch_cost(const struct trigger_watch *w, struct trigger_cost *cost)
{
	*cost = w->cost;
	cost->seconds = since(w, loop_now_us());
}
