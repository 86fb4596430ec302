/* t_progress.c -- unit tests for load/progress.c: the SSE reader, the timeline, the phases */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/hs.h"
#include "core/loop.h"
#include "load/hub.h"
#include "load/progress.h"
#include "unit.h"

struct got {
	int	 n;
	int	 pct[8], ready[8], failed[8];
	char	 msg[8][64];
};

static void
collect(void *arg, const struct progress_event *ev)
{
	struct got *g = arg;

	if (g->n < 8) {
		g->pct[g->n] = ev->progress;
		g->ready[g->n] = ev->ready;
		g->failed[g->n] = ev->failed;
		snprintf(g->msg[g->n], sizeof(g->msg[0]), "%s", ev->message);
	}
	g->n++;
}

/* the whole text fed in pieces of step bytes */
static void
feed(struct progress_sse *p, const char *s, size_t n, size_t step,
    struct got *g)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		progress_sse_feed(p, s + i, k, collect, g);
	}
}

/* a fixture read with p (initialised here) in pieces of step bytes; the
 * caller frees p */
static int
read_fixture(const char *path, size_t step, struct progress_sse *p,
    struct got *g)
{
	struct buf b = BUF_INIT(1 << 16);
	struct hs_errbuf eb;
	int r;

	memset(g, 0, sizeof(*g));
	progress_sse_init(p);
	if ((r = file_read(path, &b, &eb)) == 0)
		feed(p, b.data, b.len, step, g);
	buf_release(&b);
	return r;
}

/* JupyterHub 3.0's stream, whole and in every split: the same events */
UNIT_TEST(progress_sse_fixture_every_split)
{
	size_t step;

	/* the fixture is 286 bytes: the last steps read it whole */
	for (step = 1; step <= 300; step++) {
		struct progress_sse p;
		struct got g;

		CHECK_INT(read_fixture("tests/fixtures/progress/ready-3.0.txt",
		    step, &p, &g), 0);
		CHECK_INT(g.n, 3);
		CHECK_INT(g.pct[0], 0);
		CHECK_STR(g.msg[0], "Server requested");
		CHECK_INT(g.pct[1], 50);
		CHECK_INT(g.ready[1], 0);
		CHECK_INT(g.pct[2], 100);
		CHECK_INT(g.ready[2], 1);
		CHECK_INT(g.failed[2], 0);
		CHECK_STR(g.msg[2], "Server ready at /user/u1/");
		CHECK_INT(p.done, 1);
		CHECK_INT(p.events, 3);
		CHECK_INT(p.bad, 0);
		CHECK_INT(p.comments, 0);	/* 3.0's keepalive: blank lines */
		progress_sse_free(&p);
		if (g.n != 3)
			break;		/* one split's failure says enough */
	}
}

/* CRLF lines, a comment, the failed event; CR split from LF */
UNIT_TEST(progress_sse_failed_crlf)
{
	size_t step;

	for (step = 1; step <= 3; step++) {
		struct progress_sse p;
		struct got g;

		CHECK_INT(read_fixture("tests/fixtures/progress/failed-crlf.txt",
		    step, &p, &g), 0);
		CHECK_INT(g.n, 2);
		CHECK_INT(g.failed[1], 1);
		CHECK_INT(g.ready[1], 0);
		CHECK_INT(p.done, 1);
		CHECK_INT(p.comments, 1);
		CHECK_INT(p.bad, 0);
		progress_sse_free(&p);
	}
}

UNIT_TEST(progress_sse_edges)
{
	static const struct {
		const char	*in;
		int		 n, pct0, bad;
	} cases[] = {
		/* bare CR line ends; no space after the colon */
		{ "data:{\"progress\": 7}\r\r", 1, 7, 0 },
		/* data over two lines: joined by LF, one JSON object */
		{ "data: {\"progress\":\ndata: 9}\n\n", 1, 9, 0 },
		/* CRLF is one line end, not a line and a blank line */
		{ "data: {\"progress\":\r\ndata: 8}\r\n\r\n", 1, 8, 0 },
		/* other fields ignored; the event still dispatched */
		{ "event: x\nid: 3\ndata: {\"progress\": 1}\n\n", 1, 1, 0 },
		/* not JSON, not an object: skipped and counted */
		{ "data: nope\n\ndata: [1]\n\ndata: {}\n\n", 1, -1, 2 },
		/* progress out of range or not a number: -1 */
		{ "data: {\"progress\": 101}\n\n", 1, -1, 0 },
		{ "data: {\"progress\": \"5\"}\n\n", 1, -1, 0 },
		/* an event without its blank line is not yet an event */
		{ "data: {\"progress\": 3}\n", 0, 0, 0 },
		/* after the last event: skipped */
		{ "data: {\"ready\": true}\n\ndata: {\"progress\": 2}\n\n", 1,
		    -1, 1 },
		/* blank lines and comments alone: no event */
		{ "\n\n\r\n:x\n\n", 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct progress_sse p;
		struct got g;

		memset(&g, 0, sizeof(g));
		progress_sse_init(&p);
		progress_sse_feed(&p, cases[i].in, strlen(cases[i].in),
		    collect, &g);
		CHECK_INT(g.n, cases[i].n);
		if (cases[i].n > 0)
			CHECK_INT(g.pct[0], cases[i].pct0);
		CHECK_INT(p.bad, cases[i].bad);
		progress_sse_free(&p);
	}
}

/* a line past the cap is dropped whole, the next event still read */
UNIT_TEST(progress_sse_overlong)
{
	struct progress_sse p;
	struct got g;
	size_t n = PROGRESS_LINE_MAX + 100;
	char *big = malloc(n);
	const char *next = "\ndata: {\"progress\": 42}\n\n";

	CHECK(big != NULL);
	if (big == NULL)
		return;
	memset(big, 'x', n);
	memcpy(big, "data: ", 6);
	memset(&g, 0, sizeof(g));
	progress_sse_init(&p);
	feed(&p, big, n, 1000, &g);
	progress_sse_feed(&p, next, strlen(next), collect, &g);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.pct[0], 42);
	CHECK_INT(p.bad, 1);
	CHECK(p.line.cap <= PROGRESS_LINE_MAX + 1);
	progress_sse_free(&p);
	free(big);
}

UNIT_TEST(progress_timeline_and_phases)
{
	struct progress_timeline a, b, c;
	struct progress_event e0 = { 0, 0, 0, "" }, e50 = { 50, 0, 0, "" };
	struct progress_event ok = { 100, 1, 0, "" }, bad = { 100, 0, 1, "" };
	static struct mphases pp;

	memset(&a, 0, sizeof(a));
	a.t_sent = 1000;
	a.t_accepted = 3000;
	CHECK_INT(progress_timeline_event(&a, 4000, &e0), 0);
	CHECK_INT(progress_timeline_event(&a, 6000, &e50), 0);
	CHECK_INT(progress_timeline_event(&a, 11000, &ok), 0);
	CHECK_INT(progress_timeline_event(&a, 12000, &e50), -1);
	CHECK_INT(a.nevents, 3);
	CHECK_INT(a.t_first, 4000);
	CHECK_INT(a.t_end, 11000);
	CHECK_INT(a.pct[1], 50);
	CHECK_INT(a.ready, 1);

	memset(&b, 0, sizeof(b));
	b.t_sent = 0 + 1;
	b.t_accepted = 5001;
	CHECK_INT(progress_timeline_event(&b, 5001, &bad), 0);
	CHECK_INT(b.failed, 1);
	CHECK_INT(b.ready, 0);

	/* no stream event seen: only request -> accepted counts, and the
	 * sample is unfinished */
	memset(&c, 0, sizeof(c));
	c.t_sent = 100;
	c.t_accepted = 150;

	memset(&pp, 0, sizeof(pp));
	progress_phases_add(&pp, &a);
	progress_phases_add(&pp, &b);
	progress_phases_add(&pp, &c);
	CHECK_INT(pp.sampled, 3);
	CHECK_INT(pp.failed, 1);
	CHECK_INT(pp.unfinished, 1);	/* c: its stream ended early */
	CHECK_INT(pp.h[MP_ACCEPT].n, 3);
	CHECK_INT(pp.h[MP_ACCEPT].max, 5000);
	CHECK_INT(pp.h[MP_ACCEPT].min, 50);
	CHECK_INT(pp.h[MP_FIRST].n, 2);
	CHECK_INT(pp.h[MP_FIRST].max, 1000);
	CHECK_INT(pp.h[MP_READY].n, 1);
	CHECK_INT(pp.h[MP_READY].max, 7000);
	CHECK_INT(pp.h[MP_TOTAL].n, 1);
	CHECK_INT(pp.h[MP_TOTAL].max, 10000);
	CHECK_STR(mphase_name(MP_FIRST), "first_event");
	CHECK_STR(mphase_name(MP_NPHASE), "?");
}

/* a hub client on a loop, to a listener on 127.0.0.1, token "t" */
struct tstream {
	struct measure		*m;
	struct loop		*l;
	struct hub		*h;
	struct progress_sampler	*s;
	int			 fd;
};

static int
tstream_open(struct tstream *t, int max, int64_t timeout_ms)
{
	struct hub_config cfg = HUB_CONFIG_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char url[64];
	int port = 0;

	memset(t, 0, sizeof(*t));
	t->fd = unit_listener(&port);
	t->m = calloc(1, sizeof(*t->m));
	CHECK(t->fd >= 0 && t->m != NULL);
	if (t->fd < 0 || t->m == NULL)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hub/api", port);
	cfg.url = url;
	cfg.token = "t";
	CHECK_INT(loop_new(&t->l), 0);
	CHECK_INT(hub_new(&t->h, t->l, &cfg, t->m, &eb), 0);
	CHECK_INT(progress_sampler_new(&t->s, t->h, max, timeout_ms), 0);
	return t->s != NULL ? 0 : -1;
}

static void
tstream_close(struct tstream *t)
{
	progress_sampler_free(t->s);
	hub_free(t->h);
	if (t->l)
		loop_free(t->l);
	if (t->fd >= 0)
		close(t->fd);
	free(t->m);
}

/* a hub whose streams never answer (listening, never accepting): the
 * sample never holds more than its max open, a dropped spawn counts as
 * unfinished and frees its slot */
UNIT_TEST(progress_sampler_bound)
{
	struct tstream t;
	struct measure *m;
	struct progress_sampler *s;
	int keys[40], i, n = 0;

	if (tstream_open(&t, 4, 60000) != 0)
		goto out;
	m = t.m;
	s = t.s;
	for (i = 0; i < 40; i++) {
		int r = progress_sample(s, "/users/u/server/progress",
		    &keys[i], 1, 2);

		CHECK(r == 0 || r == 1);
		n += r;
		CHECK(progress_sampler_open(s) <= 4);
		CHECK(hub_streams_open(t.h) <= 4);
		if (i % 8 == 7)		/* the loop turns: still none ends */
			(void)loop_run(t.l, NULL, NULL, loop_now(t.l) + 20);
	}
	CHECK_INT(n, 4);
	CHECK_INT(progress_sampler_peak(s), 4);
	CHECK_INT(hub_pending(t.h), 0);	/* not in the request queue */
	CHECK_INT(m->phases.sampled, 0);
	/* the first sampled spawn's teardown: unfinished, its slot free */
	progress_sampler_drop(s, &keys[0]);
	CHECK_INT(progress_sampler_open(s), 3);
	CHECK_INT(m->phases.sampled, 1);
	CHECK_INT(m->phases.unfinished, 1);
	CHECK_INT(m->phases.h[MP_ACCEPT].n, 1);
	CHECK_INT(m->cls[MC_PHASES].count, 1);
	CHECK_INT(progress_sample(s, "/users/v/server/progress", &keys[39], 1,
	    2), 1);
	CHECK_INT(progress_sampler_open(s), 4);
	CHECK_INT(progress_sampler_peak(s), 4);
	/* max 0: nothing is sampled */
	{
		struct progress_sampler *z = NULL;

		CHECK_INT(progress_sampler_new(&z, t.h, 0, 1000), 0);
		CHECK_INT(progress_sample(z, "/x", &keys[1], 1, 2), 0);
		progress_sampler_free(z);
	}
	progress_sampler_drop_all(s);
	CHECK_INT(progress_sampler_open(s), 0);
	CHECK_INT(hub_streams_open(t.h), 0);
	CHECK_INT(m->phases.unfinished, 5);
	CHECK_INT(measure_lifecycle_requests(m), 0);	/* kept apart */
out:
	tstream_close(&t);
}

/*
 * A forked hub answering one stream with the progress events and closing
 * it after the ready event, as JupyterHub does; the token is sent. The
 * stream ends by itself and the timeline is a ready one.
 */
static pid_t
serve_stream(int fd, const char *events)
{
	pid_t pid = fork();
	char req[4096], resp[1024];
	int c;

	if (pid != 0)
		return pid;
	if ((c = accept(fd, NULL, NULL)) < 0)
		_exit(1);
	unit_read_request(c, req, sizeof(req));
	if (strstr(req, "GET /hub/api/users/u/server/progress ") == NULL ||
	    strstr(req, "Authorization: token t\r\n") == NULL ||
	    strstr(req, "Accept: text/event-stream\r\n") == NULL)
		snprintf(resp, sizeof(resp), "HTTP/1.1 403 Forbidden\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
	else
		snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: "
		    "text/event-stream\r\nConnection: close\r\n\r\n%s",
		    events);
	if (write(c, resp, strlen(resp)) < 0)
		_exit(1);
	close(c);
	_exit(0);
}

static int
sampler_idle(void *arg)
{
	return progress_sampler_open(arg) == 0;
}

UNIT_TEST(progress_sampler_stream_ends)
{
	static const struct {
		const char	*events;
		int		 ready, failed, unfinished;
	} cases[] = {
		{ "data: {\"progress\": 50}\n\ndata: {\"progress\": 100, "
		  "\"ready\": true}\n\n", 1, 0, 0 },
		{ "data: {\"progress\": 50, \"failed\": true}\n\n", 0, 1, 0 },
		/* broken mid-way: the connection closes before the end */
		{ "data: {\"progress\": 10}\n\ndata: {\"prog", 0, 0, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tstream t;
		struct measure *m;
		int st = 0;
		pid_t pid;

		if (tstream_open(&t, 2, 10000) != 0) {
			tstream_close(&t);
			return;
		}
		m = t.m;
		pid = serve_stream(t.fd, cases[i].events);
		CHECK_INT(progress_sample(t.s, "/users/u/server/progress", t.s,
		    loop_now_us() - 1000, loop_now_us()), 1);
		(void)loop_run(t.l, sampler_idle, t.s, loop_now(t.l) + 10000);
		CHECK_INT(progress_sampler_open(t.s), 0);
		CHECK_INT(m->phases.sampled, 1);
		CHECK_INT(m->phases.failed, cases[i].failed);
		CHECK_INT(m->phases.unfinished, cases[i].unfinished);
		CHECK_INT(m->phases.h[MP_TOTAL].n, cases[i].ready);
		CHECK_INT(m->phases.h[MP_READY].n, cases[i].ready);
		CHECK_INT(m->phases.h[MP_FIRST].n, 1);
		/* one attempt, never retried, its own class */
		CHECK_INT(m->cls[MC_PHASES].count, 1);
		CHECK_INT(m->cls[MC_PHASES].retries, 0);
		CHECK_INT(m->cls[MC_PHASES].s2xx, 1);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		tstream_close(&t);
	}
}
