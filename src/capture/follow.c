/* follow.c -- the hub's log followed through kubectl logs -f, on the loop */
/*
 * One child at a time. A timer reads what kubectl wrote into its bounded
 * output buffer and empties it; proc's on_done (kubectl ended) arms the
 * restart timer instead of restarting from inside proc's own callback.
 * While on_line runs (it may turn the loop) the reader does nothing: a
 * nested read would hand lines out of order.
 */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "core/proc.h"
#include "capture/follow.h"
#include "capture/target.h"

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	30000
#define RECENT		512
#define LASTED_MS	2000

struct follow {
	struct target		*t;
	struct loop		*loop;
	follow_line_cb		*on_line;
	void			*arg;
	struct proc		 p;
	int			 running;	/* p started, not yet released */
	int			 reading;	/* on_line is running */
	struct loop_timer	*read_timer, *restart_timer;
	int64_t			 backoff_ms;
	int64_t			 ended_ms;	/* the last follow ended (loop clock) */
	struct follow_lines	 fl;
	struct follow_stats	 st;
	/* the last lines handed out (hashes): a restart's --since covers a
	 * little more than the gap, and what it repeats is dropped */
	uint64_t		 recent[RECENT];
	size_t			 nrecent;
	int			 catchup;	/* a restart's first lines */
};

long long
follow_lines_add(struct follow_lines *fl, const char *data, size_t len,
    follow_line_cb *cb, void *arg)
{
	const char *p = data, *end = data + len, *nl;
	long long n = 0;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t k = (size_t)(nl - p);

		if (fl->npart > 0) {	/* the line began in an earlier call */
			if (k > sizeof(fl->part) - fl->npart)
				k = sizeof(fl->part) - fl->npart;
			memcpy(fl->part + fl->npart, p, k);
			k += fl->npart;
			fl->npart = 0;
			cb(arg, fl->part, k);
		} else
			cb(arg, p, k < sizeof(fl->part) ? k : sizeof(fl->part));
		n++;
		p = nl + 1;
	}
	/* the rest waits for its newline (a longer line is cut) */
	while (p < end && fl->npart < sizeof(fl->part))
		fl->part[fl->npart++] = *p++;
	return n;
}

static void on_restart(void *arg);

/* FNV-1a */
static uint64_t
line_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void
count_line(void *arg, const char *line, size_t len)
{
	struct follow *f = arg;
	uint64_t h = line_hash(line, len);
	size_t i, n = f->nrecent < RECENT ? f->nrecent : RECENT;

	if (f->catchup) {
		/* a line already handed out before the restart, again */
		for (i = 0; i < n; i++)
			if (f->recent[i] == h)
				return;
		f->catchup = 0;
	}
	f->recent[f->nrecent++ % RECENT] = h;
	f->st.lines++;
	f->on_line(f->arg, line, len);
}

/* hands out what kubectl wrote so far */
static void
drain(struct follow *f)
{
	char *data;
	size_t len;

	if (!f->running || f->reading || f->p.out.len == 0)
		return;
	/* take the bytes first: on_line may turn the loop, which appends */
	len = f->p.out.len;
	if ((data = malloc(len)) == NULL)
		return;
	memcpy(data, f->p.out.data, len);
	buf_consume(&f->p.out, len);
	f->reading = 1;
	follow_lines_add(&f->fl, data, len, count_line, f);
	f->reading = 0;
	free(data);
}

/* ends the child (if any) and remembers its complaint */
static void
stop_child(struct follow *f)
{
	size_t n;

	if (!f->running)
		return;
	if (f->p.err.len > 0) {
		n = strcspn(f->p.err.data, "\n");
		snprintf(f->st.last_error, sizeof(f->st.last_error), "%.*s",
		    (int)(n < 255 ? n : 255), f->p.err.data);
	}
	/* when the stream ended: kubectl's end, or now when it is stopped */
	f->ended_ms = f->p.reaped ? f->p.end_ms : loop_now_us() / 1000;
	proc_release(&f->p);
	f->running = 0;
	/* the partial line is lost with its stream: the next one starts clean */
	f->fl.npart = 0;
}

static void
arm_restart(struct follow *f)
{
	if (f->restart_timer != NULL || f->st.starts >= FOLLOW_MAX_STARTS)
		return;
	f->restart_timer = loop_timer_add(f->loop, f->backoff_ms, on_restart,
	    f);
	if (f->backoff_ms < BACKOFF_MAX_MS)
		f->backoff_ms *= 2;
	if (f->backoff_ms > BACKOFF_MAX_MS)
		f->backoff_ms = BACKOFF_MAX_MS;
}

static void
on_proc_done(void *arg, struct proc *p)
{
	struct follow *f = arg;

	(void)p;
	/* a stream that lasted (the API server ended it) is no failure:
	 * the next waits little; a kubectl that fails at once backs off */
	if (proc_seconds(&f->p) * 1000 >= LASTED_MS)
		f->backoff_ms = BACKOFF_MIN_MS;
	arm_restart(f);
}

static void
on_read(void *arg)
{
	struct follow *f = arg;

	f->read_timer = loop_timer_add(f->loop, FOLLOW_READ_MS, on_read, f);
	if (f->reading)
		return;
	drain(f);
	if (f->running && (f->p.out.err != 0 || f->p.out_truncated)) {
		/* more than FOLLOW_OUT_MAX between two reads: start again */
		stop_child(f);
		arm_restart(f);
	}
}

static int
start_child(struct follow *f, struct hs_errbuf *eb)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	char since[32];
	const char *args[] = { "logs", "-f", since, f->t->pod, "-c",
	    f->t->container, NULL };
	int64_t away;
	int r;

	/* the first follow starts now; a later one covers the gap */
	away = f->ended_ms > 0 ? loop_now_us() / 1000 - f->ended_ms : 0;
	snprintf(since, sizeof(since), "--since=%llds",
	    (long long)(away + 999) / 1000 + 1);
	spec.out_max = FOLLOW_OUT_MAX;
	spec.err_max = 4096;
	f->p = (struct proc)PROC_INIT;
	f->p.on_done = on_proc_done;
	f->p.arg = f;
	f->st.starts++;		/* tried: a failing kubectl is bounded too */
	if ((r = target_kubectl_start(f->t, &f->p, args, &spec, eb)) != 0) {
		proc_release(&f->p);
		return r;
	}
	f->catchup = f->nrecent > 0;
	f->running = 1;
	return 0;
}

static void
on_restart(void *arg)
{
	struct follow *f = arg;
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	f->restart_timer = NULL;
	if (f->reading) {	/* after on_line's loop turn */
		f->restart_timer = loop_timer_add(f->loop, FOLLOW_READ_MS,
		    on_restart, f);
		return;
	}
	drain(f);		/* what it wrote before it ended */
	stop_child(f);
	if (start_child(f, &eb) != 0) {
		snprintf(f->st.last_error, sizeof(f->st.last_error), "%s",
		    eb.msg);
		arm_restart(f);
	}
}

int
follow_start(struct follow **fp, struct target *t, follow_line_cb *on_line,
    void *arg, struct hs_errbuf *eb)
{
	struct follow *f;
	int r;

	*fp = NULL;
	if (t->transport == TARGET_LOCAL)
		return hs_error(eb, HS_EUSAGE, "no kubectl logs with "
		    "--transport local");
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	f->t = t;
	f->loop = t->loop;
	f->on_line = on_line;
	f->arg = arg;
	f->p = (struct proc)PROC_INIT;
	f->backoff_ms = BACKOFF_MIN_MS;
	if ((r = start_child(f, eb)) != 0) {
		follow_free(f);
		return r;
	}
	if ((f->read_timer = loop_timer_add(f->loop, FOLLOW_READ_MS, on_read,
	    f)) == NULL) {
		follow_free(f);
		return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	*fp = f;
	return 0;
}

void
follow_stats(const struct follow *f, struct follow_stats *st)
{
	*st = f->st;
}

void
follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	if (f->read_timer)
		loop_timer_cancel(f->loop, f->read_timer);
	if (f->restart_timer)
		loop_timer_cancel(f->loop, f->restart_timer);
	if (f->running)
		proc_release(&f->p);	/* SIGKILL to its process group */
	free(f);
}
