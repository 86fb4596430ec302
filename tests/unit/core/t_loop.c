/* t_loop.c -- unit tests for core/loop.c: timers, children, fds, signals,
 * transfers */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/loop.h"
#include "unit.h"

struct tstate {
	int	 order[8];
	int	 n;
	int	 fired;
	struct loop *l;
	struct loop_timer *cancel_me;
};

static void
t_timer(void *arg)
{
	struct tstate *s = arg;

	s->order[s->n++] = ++s->fired;
}

static void
t_timer_cancel_other(void *arg)
{
	struct tstate *s = arg;

	loop_timer_cancel(s->l, s->cancel_me);
	s->cancel_me = NULL;
	s->order[s->n++] = 100;
}

static int
t_done(void *arg)
{
	return ((struct tstate *)arg)->n >= 3;
}

UNIT_TEST(loop_timers_order_and_cancel)
{
	struct loop *l;
	struct tstate s = { .n = 0 };

	CHECK_INT(loop_new(&l), 0);
	s.l = l;
	loop_timer_add(l, 30, t_timer, &s);
	loop_timer_add(l, 10, t_timer, &s);
	loop_timer_add(l, 5, t_timer_cancel_other, &s);
	s.cancel_me = loop_timer_add(l, 20, t_timer, &s);
	CHECK_INT(loop_run(l, t_done, &s, loop_now_us() / 1000 + 5000), 0);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.order[0], 100);
	CHECK_INT(s.order[1], 1);
	CHECK_INT(s.order[2], 2);
	loop_free(l);
}

/* a lazy timer: A (due in 20 ms, lazy for 5 s) rides on B's wake-up at
 * 60 ms, in the same turn, with one poll() in all; a lazy timer alone
 * still runs, never before it is due; a cancelled one never runs; one
 * re-armed from its own callback with no delay waits for the next turn */
struct lstate {
	struct loop		*l;
	int			 a, b, again;
	int64_t			 due, ran_at;
	struct loop_timer	*t;
};

static void
t_lazy_a(void *arg)
{
	((struct lstate *)arg)->a++;
}

static void
t_lazy_b(void *arg)
{
	((struct lstate *)arg)->b++;
}

static void
t_lazy_at(void *arg)
{
	struct lstate *s = arg;

	s->ran_at = loop_now_us() / 1000;
	s->a++;
}

static void
t_lazy_rearm(void *arg)
{
	struct lstate *s = arg;

	s->again++;
	s->t = loop_timer_add_lazy(s->l, 0, 1, t_lazy_rearm, s);
}

static int
t_lazy_done(void *arg)
{
	return ((struct lstate *)arg)->a > 0;
}

UNIT_TEST(loop_lazy_timers)
{
	struct lstate s = { .a = 0 };
	struct loop_stats st0, st1;
	struct loop_timer *c;
	int turns = 0;

	CHECK_INT(loop_new(&s.l), 0);
	CHECK(loop_timer_add_lazy(s.l, 20, 5000, t_lazy_a, &s) != NULL);
	CHECK(loop_timer_add(s.l, 60, t_lazy_b, &s) != NULL);
	loop_get_stats(s.l, &st0);
	while (s.b == 0 && turns++ < 100)
		CHECK_INT(loop_once(s.l, -1), 0);
	loop_get_stats(s.l, &st1);
	CHECK_INT(s.b, 1);
	CHECK_INT(s.a, 1);
	CHECK_INT((int)(st1.polls - st0.polls), 1);

	/* alone, and one cancelled */
	s.a = 0;
	c = loop_timer_add_lazy(s.l, 5, 5, t_lazy_b, &s);
	s.due = loop_now_us() / 1000 + 10;
	CHECK(loop_timer_add_lazy(s.l, 10, 10, t_lazy_at, &s) != NULL);
	loop_timer_cancel(s.l, c);
	CHECK_INT(loop_run(s.l, t_lazy_done, &s, loop_now_us() / 1000 + 5000),
	    0);
	CHECK_INT(s.a, 1);
	CHECK_INT(s.b, 1);
	CHECK(s.ran_at >= s.due);

	/* re-armed with no delay: once per turn */
	s.t = loop_timer_add_lazy(s.l, 0, 1, t_lazy_rearm, &s);
	CHECK_INT(loop_once(s.l, -1), 0);
	CHECK_INT(s.again, 1);
	CHECK_INT(loop_once(s.l, -1), 0);
	CHECK_INT(s.again, 2);
	loop_timer_cancel(s.l, s.t);
	loop_free(s.l);
}

struct cstate {
	int	 exited;
	int	 status;
	char	 got[64];
	size_t	 len;
	struct loop *l;
	int	 fd;
	int	 sig;
};

static void
t_child(void *arg, pid_t pid, int st)
{
	struct cstate *c = arg;

	c->exited = 1;
	c->status = st;
}

static void
t_read(void *arg, int fd, short rev)
{
	struct cstate *c = arg;
	ssize_t n = read(fd, c->got + c->len, sizeof(c->got) - 1 - c->len);

	if (n > 0)
		c->len += (size_t)n;
	else {
		loop_fd_del(c->l, fd);
		close(fd);
		c->fd = -1;
	}
}

static int
c_done(void *arg)
{
	struct cstate *c = arg;

	return c->exited && c->fd == -1;
}

UNIT_TEST(loop_child_and_fd)
{
	struct loop *l;
	struct cstate c = { 0 };
	int p[2];
	pid_t pid;

	CHECK_INT(loop_new(&l), 0);
	c.l = l;
	CHECK_INT(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		sigset_t m, d;

		loop_child_sigmask(&m, &d);
		sigprocmask(SIG_SETMASK, &m, NULL);
		close(p[0]);
		if (write(p[1], "hello", 5) != 5)
			_exit(1);
		_exit(3);
	}
	close(p[1]);
	c.fd = p[0];
	loop_fd_add(l, p[0], POLLIN, t_read, &c);
	loop_child_add(l, pid, t_child, &c);
	CHECK_INT(loop_run(l, c_done, &c, loop_now_us() / 1000 + 5000), 0);
	CHECK(WIFEXITED(c.status));
	CHECK_INT(WEXITSTATUS(c.status), 3);
	c.got[c.len] = '\0';
	CHECK_STR(c.got, "hello");
	loop_free(l);
}

static void
t_sig(void *arg, int signo)
{
	((struct cstate *)arg)->sig = signo;
}

static int
s_done(void *arg)
{
	return ((struct cstate *)arg)->sig != 0;
}

UNIT_TEST(loop_signal)
{
	struct loop *l;
	struct cstate c = { 0 };

	CHECK_INT(loop_new(&l), 0);
	loop_on_signal(l, t_sig, &c);
	kill(getpid(), SIGTERM);
	CHECK_INT(loop_run(l, s_done, &c, loop_now_us() / 1000 + 5000), 0);
	CHECK_INT(c.sig, SIGTERM);
	CHECK_INT(loop_signal_count(l), 1);
	loop_free(l);
}

/* a one-connection HTTP server on the loop itself: it answers each request
 * 150 ms late (a loop timer), keep-alive, so the client's transfers wait
 * on an idle socket */
struct hsrv {
	struct loop	*l;
	int		 lfd, cfd;
	char		 req[4096];
	size_t		 len;
	int		 answered, done, status;
	int		 close_after;	/* Connection: close, at once */
	struct loop_stats before, after;
};

static void
hs_answer(void *arg)
{
	struct hsrv *s = arg;
	static const char a[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: keep-alive\r\n\r\nok";
	static const char c[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\nok";
	const char *r = s->close_after ? c : a;
	size_t n = s->close_after ? sizeof(c) - 1 : sizeof(a) - 1;

	if (write(s->cfd, r, n) != (ssize_t)n)
		s->status = -1;
	s->answered++;
	if (s->close_after) {
		loop_fd_del(s->l, s->cfd);
		close(s->cfd);
		s->cfd = -1;
	}
}

static void
hs_read(void *arg, int fd, short rev)
{
	struct hsrv *s = arg;
	ssize_t n = read(fd, s->req + s->len, sizeof(s->req) - 1 - s->len);

	if (n <= 0) {
		loop_fd_del(s->l, fd);
		return;
	}
	s->len += (size_t)n;
	s->req[s->len] = '\0';
	if (strstr(s->req, "\r\n\r\n") != NULL) {
		s->len = 0;
		loop_timer_add(s->l, s->close_after ? 0 : 150, hs_answer, s);
	}
}

static void
hs_accept(void *arg, int fd, short rev)
{
	struct hsrv *s = arg;

	if ((s->cfd = accept(fd, NULL, NULL)) >= 0)
		loop_fd_add(s->l, s->cfd, POLLIN, hs_read, s);
}

static void
hs_xfer(void *arg, CURL *easy, CURLcode res)
{
	struct hsrv *s = arg;
	long code = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	s->status = res == CURLE_OK ? (int)code : -(int)res;
	s->done = 1;
}

static int
hs_isdone(void *arg)
{
	return ((struct hsrv *)arg)->done;
}

static size_t
hs_sink(char *p, size_t sz, size_t nm, void *arg)
{
	return sz * nm;
}

/* a listening socket on loopback (flags: SOCK_NONBLOCK or 0) and the URL
 * of path on it; -1 when it cannot listen */
static int
hs_listen(int flags, const char *path, char *url, size_t urlsz)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | flags, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		close(fd);
		return -1;
	}
	snprintf(url, urlsz, "http://127.0.0.1:%d%s", ntohs(sa.sin_port),
	    path);
	return fd;
}

/* an easy handle for url that discards the body */
static CURL *
hs_easy(const char *url)
{
	CURL *e = curl_easy_init();

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, hs_sink);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	return e;
}

/* one request of e on the loop, to its end: its status (or -CURLcode) */
static int
hs_request(struct hsrv *s, CURL *e)
{
	s->done = 0;
	s->status = 0;
	if (loop_xfer_add(s->l, e, hs_xfer, s) != 0 ||
	    loop_run(s->l, hs_isdone, s, loop_now_us() / 1000 + 5000) != 0)
		return -1;
	return s->status;
}

/* the end of a test with a server: its sockets closed, the loop freed */
static void
hs_end(struct hsrv *s, CURL *e)
{
	curl_easy_cleanup(e);
	if (s->cfd != -1) {
		loop_fd_del(s->l, s->cfd);
		close(s->cfd);
	}
	loop_fd_del(s->l, s->lfd);
	close(s->lfd);
	loop_free(s->l);
}

UNIT_TEST(loop_xfer_waits_without_spinning)
{
	struct loop *l;
	struct hsrv s = { .cfd = -1 };
	char url[64];
	CURL *e;
	int i;

	CHECK_INT(loop_new(&l), 0);
	s.l = l;
	CHECK((s.lfd = hs_listen(0, "/x", url, sizeof(url))) != -1);
	loop_fd_add(l, s.lfd, POLLIN, hs_accept, &s);
	e = hs_easy(url);
	/* three requests on one connection, each answered 150 ms late */
	for (i = 0; i < 3; i++) {
		if (i == 1)
			loop_get_stats(l, &s.before);
		CHECK_INT(hs_request(&s, e), 200);
	}
	loop_get_stats(l, &s.after);
	CHECK_INT(s.answered, 3);
	/* two requests on the open connection, 300 ms of waiting: a loop
	 * that spins makes hundreds of turns, one that sleeps a handful per
	 * request (the answer, the server's own timer and read) */
	CHECK(s.after.polls - s.before.polls <= 2 * 6);
	CHECK(s.after.curl_actions - s.before.curl_actions >= 2);
	hs_end(&s, e);
}

/* --- what the epoll set changes: numbers reused, batches, both kinds --- */

struct fstate {
	struct loop	*l;
	int		 ran[4];
	short		 rev[4];
	int		 fd[4];
};

static void
f_mark(struct fstate *s, int k, short rev)
{
	char b[16];

	s->ran[k]++;
	s->rev[k] = rev;
	if ((rev & POLLIN) && read(s->fd[k], b, sizeof(b)) < 0)
		s->rev[k] = -1;
}

static void f_three(void *arg, int fd, short rev);

static void
f_zero(void *arg, int fd, short rev)
{
	f_mark(arg, 0, rev);
}

static void
f_one(void *arg, int fd, short rev)
{
	f_mark(arg, 1, rev);
}

/* reads its own fd and takes the other one of fd[0], fd[1] off the loop,
 * then registers it again with f_three (a new registration of the same
 * number, ready already) */
static void
f_remove_other(void *arg, int fd, short rev)
{
	struct fstate *s = arg;
	int k = fd == s->fd[0] ? 0 : 1, o = 1 - k;

	f_mark(s, k, rev);
	loop_fd_del(s->l, s->fd[o]);
	s->fd[3] = s->fd[o];
	CHECK_INT(loop_fd_add(s->l, s->fd[o], POLLIN, f_three, s), 0);
}

static void
f_three(void *arg, int fd, short rev)
{
	f_mark(arg, 3, rev);
}

/* a descriptor closed (epoll drops it by itself), then taken off the loop,
 * and its number reused by a new socket: only the new one's callback
 * runs, and it does run */
UNIT_TEST(loop_fd_number_reused)
{
	struct fstate s = { .l = NULL };
	int a[2], b[2];

	CHECK_INT(loop_new(&s.l), 0);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	s.fd[0] = a[0];
	CHECK_INT(loop_fd_add(s.l, a[0], POLLIN, f_zero, &s), 0);
	CHECK_INT(write(a[1], "x", 1), 1);
	close(a[0]);			/* before loop_fd_del, as libcurl may */
	loop_fd_del(s.l, a[0]);
	CHECK_INT(dup2(b[0], a[0]), a[0]);
	close(b[0]);
	s.fd[1] = a[0];
	CHECK_INT(loop_fd_add(s.l, a[0], POLLIN, f_one, &s), 0);
	CHECK_INT(write(b[1], "y", 1), 1);
	CHECK_INT(loop_once(s.l, 1000), 0);
	CHECK_INT(s.ran[0], 0);
	CHECK_INT(s.ran[1], 1);
	CHECK_INT(s.rev[1], POLLIN);
	/* changed interest: writable now, no longer readable */
	CHECK_INT(loop_fd_events(s.l, a[0], POLLOUT), 0);
	CHECK_INT(loop_once(s.l, 1000), 0);
	CHECK_INT(s.ran[1], 2);
	CHECK_INT(s.rev[1] & (POLLOUT | POLLIN), POLLOUT);
	/* the peer gone: hang-up reported even with no interest asked */
	CHECK_INT(loop_fd_events(s.l, a[0], 0), 0);
	close(b[1]);
	CHECK_INT(loop_once(s.l, 1000), 0);
	CHECK_INT(s.ran[1], 3);
	CHECK(s.rev[1] & POLLHUP);
	loop_fd_del(s.l, a[0]);
	close(a[0]);
	close(a[1]);
	loop_free(s.l);
}

/* two descriptors ready in one wait: the first callback takes the other
 * off the loop and registers its number again; neither the old callback
 * nor the new one runs for that batch's event, the new one runs on the
 * next turn */
UNIT_TEST(loop_fd_removed_in_same_batch)
{
	struct fstate s = { .l = NULL };
	int a[2], b[2];
	struct loop_stats st0, st1;

	CHECK_INT(loop_new(&s.l), 0);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	s.fd[0] = a[0];
	s.fd[1] = b[0];
	CHECK_INT(loop_fd_add(s.l, a[0], POLLIN, f_remove_other, &s), 0);
	CHECK_INT(loop_fd_add(s.l, b[0], POLLIN, f_remove_other, &s), 0);
	CHECK_INT(write(a[1], "x", 1), 1);
	CHECK_INT(write(b[1], "y", 1), 1);
	loop_get_stats(s.l, &st0);
	CHECK_INT(loop_once(s.l, 1000), 0);
	loop_get_stats(s.l, &st1);
	CHECK_INT((int)(st1.polls - st0.polls), 1);
	CHECK_INT(s.ran[0] + s.ran[1], 1);
	CHECK_INT(s.ran[3], 0);
	CHECK_INT(loop_once(s.l, 1000), 0);
	CHECK_INT(s.ran[0] + s.ran[1], 1);
	CHECK_INT(s.ran[3], 1);
	CHECK_INT(s.rev[3], POLLIN);
	loop_fd_del(s.l, a[0]);
	loop_fd_del(s.l, b[0]);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	loop_free(s.l);
}

/* what epoll cannot watch (a regular file) is refused, and nothing of it
 * is left registered */
UNIT_TEST(loop_fd_not_pollable)
{
	struct loop *l;
	int fd;

	CHECK_INT(loop_new(&l), 0);
	CHECK((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) >= 0);
	CHECK(loop_fd_add(l, fd, POLLIN, f_zero, NULL) != 0);
	CHECK(loop_fd_events(l, fd, POLLOUT) != 0);
	loop_fd_del(l, fd);
	close(fd);
	loop_free(l);
}

/* a registered fd and a libcurl socket ready in the same wait: one
 * epoll_wait, the transfer completes and the fd's callback runs. The
 * server is not on the loop: the test accepts and answers by hand. */
UNIT_TEST(loop_fd_and_xfer_in_one_wait)
{
	struct fstate s = { .l = NULL };
	struct hsrv h = { .cfd = -1 };
	struct loop_stats st0, st1;
	static const char a[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	char url[64];
	int p[2], lfd, cfd = -1, turns;
	size_t len = 0;
	CURL *e;

	CHECK_INT(loop_new(&s.l), 0);
	h.l = s.l;
	CHECK((lfd = hs_listen(SOCK_NONBLOCK, "/x", url, sizeof(url))) !=
	    -1);
	CHECK_INT(pipe2(p, O_NONBLOCK), 0);
	s.fd[0] = p[0];
	CHECK_INT(loop_fd_add(s.l, p[0], POLLIN, f_zero, &s), 0);
	e = hs_easy(url);
	CHECK_INT(loop_xfer_add(s.l, e, hs_xfer, &h), 0);
	/* turns until the whole request is in (bounded) */
	for (turns = 0; turns < 200; turns++) {
		ssize_t n;

		CHECK_INT(loop_once(s.l, 10), 0);
		if (cfd == -1)
			cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (cfd != -1 && (n = read(cfd, h.req + len,
		    sizeof(h.req) - 1 - len)) > 0) {
			len += (size_t)n;
			h.req[len] = '\0';
			if (strstr(h.req, "\r\n\r\n") != NULL)
				break;
		}
	}
	CHECK(cfd != -1 && strstr(h.req, "\r\n\r\n") != NULL);
	CHECK_INT(h.done, 0);
	CHECK_INT(write(cfd, a, sizeof(a) - 1), (int)sizeof(a) - 1);
	CHECK_INT(write(p[1], "z", 1), 1);
	loop_get_stats(s.l, &st0);
	CHECK_INT(loop_once(s.l, 1000), 0);
	loop_get_stats(s.l, &st1);
	CHECK_INT((int)(st1.polls - st0.polls), 1);
	CHECK(st1.curl_actions - st0.curl_actions >= 1);
	CHECK_INT(h.done, 1);
	CHECK_INT(h.status, 200);
	CHECK_INT(s.ran[0], 1);
	CHECK_INT(s.rev[0], POLLIN);
	curl_easy_cleanup(e);
	loop_fd_del(s.l, p[0]);
	close(p[0]);
	close(p[1]);
	if (cfd != -1)
		close(cfd);
	close(lfd);
	loop_free(s.l);
}

/* libcurl's sockets closed after each request (Connection: close) and
 * their numbers reused, by libcurl's next socket or by the server's next
 * accepted one (registered fds): every request completes */
struct rstate {
	struct hsrv	 h;
	int		 seen[64];
	int		 nseen, reused;
};

static void
rs_seen(struct rstate *r, int fd)
{
	int i;

	for (i = 0; i < r->nseen; i++)
		if (r->seen[i] == fd) {
			r->reused++;
			return;
		}
	if (r->nseen < 64)
		r->seen[r->nseen++] = fd;
}

static void
rs_accept(void *arg, int fd, short rev)
{
	struct rstate *r = arg;

	if ((r->h.cfd = accept(fd, NULL, NULL)) >= 0) {
		rs_seen(r, r->h.cfd);
		loop_fd_add(r->h.l, r->h.cfd, POLLIN, hs_read, &r->h);
	}
}

static int
rs_sockopt(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	rs_seen(arg, fd);
	return CURL_SOCKOPT_OK;
}

UNIT_TEST(loop_xfer_socket_number_reused)
{
	struct rstate r = { .h = { .cfd = -1, .close_after = 1 } };
	char url[64];
	CURL *e;
	int i;

	CHECK_INT(loop_new(&r.h.l), 0);
	CHECK((r.h.lfd = hs_listen(0, "/x", url, sizeof(url))) !=
	    -1);
	CHECK_INT(loop_fd_add(r.h.l, r.h.lfd, POLLIN, rs_accept, &r), 0);
	e = hs_easy(url);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, rs_sockopt);
	curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, &r);
	for (i = 0; i < 4; i++)
		CHECK_INT(hs_request(&r.h, e), 200);
	CHECK_INT(r.h.answered, 4);
	/* 8 sockets opened, and the lowest free number is always taken */
	CHECK(r.reused >= 3);
	hs_end(&r.h, e);
}

/* a keep-alive connection left idle (libcurl no longer watches it) and
 * then closed by the server: the loop does not spin on it, and the next
 * request still completes on a new connection */
UNIT_TEST(loop_xfer_idle_socket_closed_by_peer)
{
	struct loop *l;
	struct hsrv s = { .cfd = -1 };
	struct loop_stats st0, st1;
	char url[64];
	CURL *e;
	int i;

	CHECK_INT(loop_new(&l), 0);
	s.l = l;
	CHECK((s.lfd = hs_listen(0, "/y", url, sizeof(url))) != -1);
	CHECK_INT(loop_fd_add(l, s.lfd, POLLIN, hs_accept, &s), 0);
	e = hs_easy(url);
	for (i = 0; i < 2; i++) {
		CHECK_INT(hs_request(&s, e), 200);
		if (i > 0)
			break;
		/* the server drops the idle connection; 300 ms of nothing */
		loop_fd_del(l, s.cfd);
		close(s.cfd);
		s.cfd = -1;
		loop_get_stats(l, &st0);
		CHECK_INT(loop_run(l, NULL, NULL, loop_now_us() / 1000 + 300),
		    2);
		loop_get_stats(l, &st1);
		CHECK(st1.polls - st0.polls <= 4);
	}
	CHECK_INT(s.answered, 2);
	hs_end(&s, e);
}
