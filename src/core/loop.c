/* loop.c -- one thread, one epoll: libcurl's sockets, fds, timers, signals */
/*
 * Timers live in a binary min-heap of heap-allocated nodes that remember
 * their index, so cancel is O(log n). Lazy timers (the periodic ticks, a
 * handful) sit in a flat array instead: each is due at `when` but wakes
 * the loop only at when + slack, so a tick runs on a turn the traffic
 * makes anyway and costs no wait of its own while requests flow.
 * Signals arrive on a signalfd registered like any other fd; SIGCHLD reaps
 * children with waitpid(WNOHANG) and runs their callbacks.
 *
 * Every watched descriptor is in one epoll set (level-triggered), kept in
 * step as it changes rather than rebuilt each turn: libcurl's socket
 * callback and loop_fd_add/events/del are epoll_ctl() ADD/MOD/DEL. Each
 * entry's data is (kind, generation, fd): a fresh generation is drawn
 * whenever a descriptor starts being watched, and an event is dispatched
 * only when its descriptor is still watched under the same generation. So
 * a callback may remove any descriptor, its own or one ready in the same
 * batch, and a number libcurl closed and reused for a new socket is never
 * mistaken for the old one. (epoll drops a descriptor by itself when its
 * last reference is closed: DEL then fails with ENOENT or EBADF, which is
 * fine; ADD of a number still in the set becomes MOD.) Registered fds are
 * a flat array (a few child pipes and the signalfd); libcurl's sockets a
 * table indexed by descriptor, since libcurl changes their interest on
 * every request.
 *
 * libcurl is driven through its socket interface: it tells the loop which
 * sockets to watch (CURLMOPT_SOCKETFUNCTION) and when its next timeout is
 * due (CURLMOPT_TIMERFUNCTION); one epoll_wait() per turn waits on those
 * sockets and the registered fds until the earliest of our timers and
 * libcurl's. Only a socket that is ready, or libcurl's timeout when due,
 * is handed to curl_multi_socket_action(). (curl_multi_perform() would
 * instead run every transfer on every turn, and each one idle-checks its
 * socket with a poll() of its own: dozens of system calls per request.)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/hs.h"
#include "core/loop.h"

struct loop_timer {
	int64_t		 when;
	int64_t		 slack;		/* > 0: lazy (in the lazy array) */
	uint64_t	 seq;
	size_t		 idx;
	loop_timer_cb	*cb;
	void		*arg;
};

struct fdreg {
	int		 fd;
	short		 events;
	loop_fd_cb	*cb;
	void		*arg;
	unsigned	 gen;
};

struct xfer {
	loop_xfer_cb	*cb;
	void		*arg;
};

/* a socket libcurl asked the loop to watch, at index fd of the table */
struct csock {
	unsigned	 gen;		/* 0: not watched */
	uint32_t	 events;	/* EPOLLIN, EPOLLOUT */
	int		 inset;		/* in the epoll set, maybe unwatched */
};

/* an epoll entry's data: libcurl's socket or a registered fd, the
 * generation it was watched under (31 bits, never 0), the descriptor */
#define EV_CURL		(UINT64_C(1) << 63)
#define EV_GENMASK	0x7fffffffU
/* events taken per epoll_wait(); more ready ones (level-triggered) are
 * taken on the next turn */
#define LOOP_NEV	256

struct child {
	pid_t		 pid;
	loop_child_cb	*cb;
	void		*arg;
};

struct loop {
	CURLM		 *multi;
	int64_t		  now;
	uint64_t	  seq;
	int		  nxfers;
	int		  stop;
	int64_t		  curl_due;	/* ms, libcurl's timeout; -1: none */

	int		  epfd;
	struct csock	 *csk;		/* indexed by descriptor */
	size_t		  capcsk;
	struct loop_stats stats;

	struct loop_timer **heap;
	size_t		  nheap, capheap;
	struct loop_timer **lazy;
	size_t		  nlazy, caplazy;

	struct fdreg	 *fds;
	size_t		  nfds, capfds;
	unsigned	  gen;

	struct child	 *kids;
	size_t		  nkids, capkids;

	int		  sigfd;
	sigset_t	  oldmask;
	struct sigaction  oldpipe;
	loop_signal_cb	 *sigcb;
	void		 *sigarg;
	int		  nsignals;
};

int64_t
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
loop_now(const struct loop *l)
{
	return l->now;
}

static void loop_sigfd_cb(void *arg, int fd, short revents);
static int loop_curl_socket(CURL *easy, curl_socket_t fd, int what,
    void *arg, void *sockp);
static int loop_curl_timer(CURLM *multi, long timeout_ms, void *arg);

void
loop_child_sigmask(sigset_t *mask, sigset_t *defaults)
{
	sigemptyset(mask);
	sigemptyset(defaults);
	sigaddset(defaults, SIGINT);
	sigaddset(defaults, SIGTERM);
	sigaddset(defaults, SIGHUP);
	sigaddset(defaults, SIGCHLD);
	sigaddset(defaults, SIGPIPE);
}

int
loop_new(struct loop **lp)
{
	struct loop *l;
	sigset_t set;
	struct sigaction sa;
	int r;

	*lp = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return HS_ENOMEM;
	l->sigfd = -1;
	l->curl_due = -1;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return HS_EFAIL;
	}
	if ((l->multi = curl_multi_init()) == NULL) {
		close(l->epfd);
		free(l);
		return HS_ENOMEM;
	}
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, loop_curl_socket);
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, loop_curl_timer);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &l->oldmask) == -1 ||
	    (l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		curl_multi_cleanup(l->multi);
		close(l->epfd);
		free(l);
		return HS_EFAIL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &l->oldpipe);
	l->now = loop_now_us() / 1000;
	if ((r = loop_fd_add(l, l->sigfd, POLLIN, loop_sigfd_cb, l)) != 0) {
		loop_free(l);
		return r;
	}
	*lp = l;
	return 0;
}

void
loop_free(struct loop *l)
{
	size_t i;

	if (l == NULL)
		return;
	/* transfers are cancelled by their owners before this (the owner of
	 * all run state tears everything down in order) */
	if (l->multi)
		curl_multi_cleanup(l->multi);
	for (i = 0; i < l->nheap; i++)
		free(l->heap[i]);
	free(l->heap);
	for (i = 0; i < l->nlazy; i++)
		free(l->lazy[i]);
	free(l->lazy);
	free(l->fds);
	free(l->csk);
	free(l->kids);
	if (l->sigfd != -1) {
		close(l->sigfd);
		sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
		sigaction(SIGPIPE, &l->oldpipe, NULL);
	}
	close(l->epfd);
	free(l);
}

CURLM *
loop_multi(struct loop *l)
{
	return l->multi;
}

int
loop_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : HS_EFAIL;
}

void
loop_global_cleanup(void)
{
	curl_global_cleanup();
}

/* --- transfers --- */

int
loop_xfer_add(struct loop *l, CURL *easy, loop_xfer_cb *cb, void *arg)
{
	struct xfer *x;

	if ((x = malloc(sizeof(*x))) == NULL)
		return HS_ENOMEM;
	x->cb = cb;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(l->multi, easy) != CURLM_OK) {
		/* not added: a later loop_xfer_cancel() must find nothing */
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return HS_EFAIL;
	}
	l->nxfers++;
	return 0;
}

void
loop_xfer_cancel(struct loop *l, CURL *easy)
{
	struct xfer *x = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
	if (x == NULL)
		return;
	curl_multi_remove_handle(l->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	free(x);
	l->nxfers--;
}

int
loop_xfer_count(const struct loop *l)
{
	return l->nxfers;
}

static void
loop_xfers_done(struct loop *l)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(l->multi, &left)) != NULL) {
		struct xfer *x = NULL;
		CURL *easy = m->easy_handle;
		CURLcode res = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(l->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		l->nxfers--;
		if (x == NULL)
			continue;
		loop_xfer_cb *cb = x->cb;
		void *arg = x->arg;
		free(x);
		cb(arg, easy, res);
	}
}

/* --- the epoll set --- */

static unsigned
loop_next_gen(struct loop *l)
{
	do
		l->gen = (l->gen + 1) & EV_GENMASK;
	while (l->gen == 0);
	return l->gen;
}

/* watch fd for events under (kind, gen): op is EPOLL_CTL_ADD or MOD; an
 * ADD of a descriptor already in the set, or a MOD of one no longer in
 * it, is done the other way round */
static int
loop_ep_set(struct loop *l, int op, int fd, uint32_t events, uint64_t kind,
    unsigned gen)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = kind | (uint64_t)gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, op, fd, &ev) == 0)
		return 0;
	if (op == EPOLL_CTL_ADD && errno == EEXIST)
		op = EPOLL_CTL_MOD;
	else if (op == EPOLL_CTL_MOD && errno == ENOENT)
		op = EPOLL_CTL_ADD;
	else
		return -1;
	return epoll_ctl(l->epfd, op, fd, &ev) == 0 ? 0 : -1;
}

/* stop watching fd: when it was closed already, epoll dropped it */
static void
loop_ep_del(struct loop *l, int fd)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, &ev);
}

static uint32_t
poll_to_ep(short events)
{
	return ((events & POLLIN) ? EPOLLIN : 0) |
	    ((events & POLLOUT) ? EPOLLOUT : 0) |
	    ((events & POLLPRI) ? EPOLLPRI : 0);
}

static short
ep_to_poll(uint32_t ev)
{
	return (short)(((ev & EPOLLIN) ? POLLIN : 0) |
	    ((ev & EPOLLOUT) ? POLLOUT : 0) |
	    ((ev & EPOLLPRI) ? POLLPRI : 0) |
	    ((ev & EPOLLERR) ? POLLERR : 0) |
	    ((ev & EPOLLHUP) ? POLLHUP : 0));
}

/* --- fds --- */

static struct fdreg *
loop_fd_find(struct loop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd)
			return &l->fds[i];
	return NULL;
}

/* arr with room for one more element (n used of *cap, each size bytes):
 * arr itself, or a larger copy (doubling from first, *cap updated), or
 * NULL when out of memory (arr and *cap unchanged) */
static void *
grow(void *arr, size_t *cap, size_t n, size_t first, size_t size)
{
	size_t ncap;
	void *p;

	if (arr != NULL && n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : first;
	if ((p = reallocarray(arr, ncap, size)) != NULL)
		*cap = ncap;
	return p;
}

int
loop_fd_add(struct loop *l, int fd, short events, loop_fd_cb *cb, void *arg)
{
	struct fdreg *r;
	void *grown;

	if (loop_fd_find(l, fd) != NULL)
		return HS_EFAIL;
	if ((grown = grow(l->fds, &l->capfds, l->nfds, 8,
	    sizeof(*l->fds))) == NULL)
		return HS_ENOMEM;
	l->fds = grown;
	r = &l->fds[l->nfds];
	r->fd = fd;
	r->events = events;
	r->cb = cb;
	r->arg = arg;
	r->gen = loop_next_gen(l);
	if (loop_ep_set(l, EPOLL_CTL_ADD, fd, poll_to_ep(events), 0,
	    r->gen) != 0)
		return HS_EFAIL;	/* not pollable (a regular file) */
	l->nfds++;
	return 0;
}

int
loop_fd_events(struct loop *l, int fd, short events)
{
	struct fdreg *r = loop_fd_find(l, fd);

	if (r == NULL)
		return HS_EFAIL;
	if (r->events == events)
		return 0;
	if (loop_ep_set(l, EPOLL_CTL_MOD, fd, poll_to_ep(events), 0,
	    r->gen) != 0)
		return HS_EFAIL;
	r->events = events;
	return 0;
}

void
loop_fd_del(struct loop *l, int fd)
{
	struct fdreg *r = loop_fd_find(l, fd);

	if (r == NULL)
		return;
	loop_ep_del(l, fd);
	*r = l->fds[--l->nfds];
}

/* --- libcurl's sockets and timeout --- */

/* CURLMOPT_SOCKETFUNCTION: watch fd for what libcurl waits on */
static int
loop_curl_socket(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct loop *l = arg;
	struct csock *c;
	uint32_t events;
	int op;

	(void)easy;
	(void)sockp;
	if (fd < 0)
		return 0;
	if (what == CURL_POLL_REMOVE) {
		/* a socket left waiting for input stays in the set: libcurl
		 * mostly watches it again for the next request on the
		 * connection (one MOD instead of DEL + ADD), or closes it
		 * (epoll drops it); should it turn readable meanwhile, its
		 * event (stale generation) takes it out then */
		if ((size_t)fd < l->capcsk && l->csk[fd].gen != 0) {
			l->csk[fd].gen = 0;
			if (l->csk[fd].events & EPOLLOUT) {
				loop_ep_del(l, fd);
				l->csk[fd].inset = 0;
			}
		}
		return 0;
	}
	if ((size_t)fd >= l->capcsk) {
		size_t ncap = l->capcsk ? l->capcsk : 64;
		void *grown;

		while (ncap <= (size_t)fd)
			ncap *= 2;
		if ((grown = reallocarray(l->csk, ncap, sizeof(*l->csk))) ==
		    NULL)
			return -1;	/* libcurl fails the transfer */
		l->csk = grown;
		memset(&l->csk[l->capcsk], 0,
		    (ncap - l->capcsk) * sizeof(*l->csk));
		l->capcsk = ncap;
	}
	c = &l->csk[fd];
	events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) |
	    ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
	if (c->gen == 0) {
		c->gen = loop_next_gen(l);
		op = c->inset ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	} else if (c->events == events)
		return 0;
	else
		op = EPOLL_CTL_MOD;
	c->events = events;
	c->inset = 1;
	if (loop_ep_set(l, op, fd, events, EV_CURL, c->gen) != 0) {
		c->gen = 0;
		c->inset = 0;
		loop_ep_del(l, fd);
		return -1;
	}
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: libcurl's one timeout, -1 to cancel it */
static int
loop_curl_timer(CURLM *multi, long timeout_ms, void *arg)
{
	struct loop *l = arg;

	(void)multi;
	l->curl_due = timeout_ms < 0 ? -1 : loop_now_us() / 1000 + timeout_ms;
	return 0;
}

static void
loop_curl_action(struct loop *l, curl_socket_t fd, int ev)
{
	int running;

	l->stats.curl_actions++;
	curl_multi_socket_action(l->multi, fd, ev, &running);
}

void
loop_get_stats(const struct loop *l, struct loop_stats *st)
{
	*st = l->stats;
}

/* --- timers (min-heap on (when, seq)) --- */

static int
timer_less(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void
heap_swap(struct loop *l, size_t i, size_t j)
{
	struct loop_timer *t = l->heap[i];

	l->heap[i] = l->heap[j];
	l->heap[j] = t;
	l->heap[i]->idx = i;
	l->heap[j]->idx = j;
}

static void
heap_up(struct loop *l, size_t i)
{
	while (i > 0 && timer_less(l->heap[i], l->heap[(i - 1) / 2])) {
		heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;

		if (c < l->nheap && timer_less(l->heap[c], l->heap[m]))
			m = c;
		if (c + 1 < l->nheap && timer_less(l->heap[c + 1], l->heap[m]))
			m = c + 1;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

/* a timer due delay_ms from now (slack: see loop_timer_add_lazy()), put
 * in *arr (n used of *cap) at its end; NULL when out of memory */
static struct loop_timer *
timer_new(struct loop *l, struct loop_timer ***arr, size_t *n, size_t *cap,
    int64_t delay_ms, int64_t slack, loop_timer_cb *cb, void *arg)
{
	struct loop_timer *t;
	void *grown;

	if ((grown = grow(*arr, cap, *n, 16, sizeof(**arr))) == NULL)
		return NULL;
	*arr = grown;
	if ((t = malloc(sizeof(*t))) == NULL)
		return NULL;
	t->when = loop_now_us() / 1000 + (delay_ms < 0 ? 0 : delay_ms);
	t->slack = slack;
	t->seq = ++l->seq;
	t->cb = cb;
	t->arg = arg;
	t->idx = *n;
	(*arr)[(*n)++] = t;
	return t;
}

struct loop_timer *
loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_cb *cb, void *arg)
{
	struct loop_timer *t;

	if ((t = timer_new(l, &l->heap, &l->nheap, &l->capheap, delay_ms, 0,
	    cb, arg)) != NULL)
		heap_up(l, t->idx);
	return t;
}

static void
heap_remove(struct loop *l, size_t i)
{
	l->nheap--;
	if (i != l->nheap) {
		l->heap[i] = l->heap[l->nheap];
		l->heap[i]->idx = i;
		heap_down(l, i);
		heap_up(l, i);
	}
}

struct loop_timer *
loop_timer_add_lazy(struct loop *l, int64_t delay_ms, int64_t slack_ms,
    loop_timer_cb *cb, void *arg)
{
	return timer_new(l, &l->lazy, &l->nlazy, &l->caplazy, delay_ms,
	    slack_ms > 0 ? slack_ms : 1, cb, arg);
}

static void
lazy_remove(struct loop *l, size_t i)
{
	l->lazy[i] = l->lazy[--l->nlazy];
	l->lazy[i]->idx = i;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (t == NULL)
		return;
	if (t->slack > 0)
		lazy_remove(l, t->idx);
	else
		heap_remove(l, t->idx);
	free(t);
}

static void
loop_timers_due(struct loop *l)
{
	/* only timers due at the start of this pass run, so a callback that
	 * re-arms itself with delay 0 runs again on the next turn */
	int64_t now = l->now;
	uint64_t seq = l->seq;
	size_t i;

	while (l->nheap > 0 && l->heap[0]->when <= now) {
		struct loop_timer *t = l->heap[0];
		loop_timer_cb *cb = t->cb;
		void *arg = t->arg;

		heap_remove(l, 0);
		free(t);
		cb(arg);
	}
	/* lazy timers due by now, those added during this pass excepted */
	for (i = 0; i < l->nlazy;) {
		struct loop_timer *t = l->lazy[i];
		loop_timer_cb *cb = t->cb;
		void *arg = t->arg;

		if (t->when > now || t->seq > seq) {
			i++;
			continue;
		}
		lazy_remove(l, i);
		free(t);
		cb(arg);
		i = 0;		/* the callback may have changed the array */
	}
}

/* ms until the loop must wake for a timer, at most wait */
static int64_t
loop_timer_wait(const struct loop *l, int64_t wait)
{
	size_t i;

	if (l->nheap > 0 && l->heap[0]->when - l->now < wait)
		wait = l->heap[0]->when - l->now;
	for (i = 0; i < l->nlazy; i++)
		if (l->lazy[i]->when + l->lazy[i]->slack - l->now < wait)
			wait = l->lazy[i]->when + l->lazy[i]->slack - l->now;
	return wait;
}

/* --- children and signals --- */

int
loop_child_add(struct loop *l, pid_t pid, loop_child_cb *cb, void *arg)
{
	void *grown;

	if ((grown = grow(l->kids, &l->capkids, l->nkids, 8,
	    sizeof(*l->kids))) == NULL)
		return HS_ENOMEM;
	l->kids = grown;
	l->kids[l->nkids].pid = pid;
	l->kids[l->nkids].cb = cb;
	l->kids[l->nkids].arg = arg;
	l->nkids++;
	return 0;
}

void
loop_child_forget(struct loop *l, pid_t pid)
{
	size_t i;

	for (i = 0; i < l->nkids; i++)
		if (l->kids[i].pid == pid) {
			l->kids[i].cb = NULL;
			return;
		}
}

static void
loop_reap(struct loop *l)
{
	size_t i = 0;

	while (i < l->nkids) {
		int st;
		pid_t pid = l->kids[i].pid;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid || (r == -1 && errno == ECHILD)) {
			struct child c = l->kids[i];

			l->kids[i] = l->kids[--l->nkids];
			if (r == -1)
				st = 0xff00;	/* unknown: report exit 255 */
			if (c.cb)
				c.cb(c.arg, pid, st);
			i = 0;		/* the callback may have changed kids */
			continue;
		}
		i++;
	}
}

void
loop_on_signal(struct loop *l, loop_signal_cb *cb, void *arg)
{
	l->sigcb = cb;
	l->sigarg = arg;
}

int
loop_signal_count(const struct loop *l)
{
	return l->nsignals;
}

static void
loop_sigfd_cb(void *arg, int fd, short revents)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;
	int chld = 0;

	(void)revents;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			chld = 1;
			continue;
		}
		l->nsignals++;
		if (l->sigcb)
			l->sigcb(l->sigarg, (int)si.ssi_signo);
	}
	if (chld)
		loop_reap(l);
}

/* --- the turn --- */

/* the descriptor and generation in an epoll entry's data */
static int
ev_fd(const struct epoll_event *ev)
{
	return (int)(uint32_t)ev->data.u64;
}

static unsigned
ev_gen(const struct epoll_event *ev)
{
	return (unsigned)(ev->data.u64 >> 32) & EV_GENMASK;
}

int
loop_once(struct loop *l, int64_t max_wait_ms)
{
	struct epoll_event ev[LOOP_NEV];
	int64_t wait;
	int ready, i;

	l->now = loop_now_us() / 1000;
	/* libcurl's timeout when already due (transfers added since the last
	 * turn): run it before waiting, so starting them costs no wait */
	if (l->curl_due >= 0 && l->now >= l->curl_due) {
		l->curl_due = -1;	/* the action may set a new one */
		loop_curl_action(l, CURL_SOCKET_TIMEOUT, 0);
		loop_xfers_done(l);
		l->now = loop_now_us() / 1000;
	}
	wait = loop_timer_wait(l, max_wait_ms < 0 ? 60000 : max_wait_ms);
	if (l->curl_due >= 0 && l->curl_due - l->now < wait)
		wait = l->curl_due - l->now;
	if (wait < 0)
		wait = 0;

	l->stats.polls++;
	ready = epoll_wait(l->epfd, ev, LOOP_NEV, (int)wait);
	if (ready == -1) {
		if (errno != EINTR)
			return HS_EFAIL;
		ready = 0;
	}
	l->now = loop_now_us() / 1000;

	/* libcurl: its ready sockets, then its timeout when due; a socket an
	 * earlier action removed (or closed, and reused) is not passed on */
	for (i = 0; i < ready; i++) {
		int fd = ev_fd(&ev[i]), cs = 0;

		if (!(ev[i].data.u64 & EV_CURL) || (size_t)fd >= l->capcsk)
			continue;
		if (l->csk[fd].gen != ev_gen(&ev[i])) {
			/* left in the set by CURL_POLL_REMOVE: out now
			 * (unless libcurl closed it in this batch and the
			 * number is a registered fd's already) */
			if (l->csk[fd].gen == 0 && l->csk[fd].inset) {
				if (loop_fd_find(l, fd) == NULL)
					loop_ep_del(l, fd);
				l->csk[fd].inset = 0;
			}
			continue;
		}
		if (ev[i].events & (EPOLLIN | EPOLLHUP))
			cs |= CURL_CSELECT_IN;
		if (ev[i].events & EPOLLOUT)
			cs |= CURL_CSELECT_OUT;
		if (ev[i].events & EPOLLERR)
			cs |= CURL_CSELECT_ERR;
		loop_curl_action(l, fd, cs);
	}
	if (l->curl_due >= 0 && loop_now_us() / 1000 >= l->curl_due) {
		l->curl_due = -1;	/* the action may set a new one */
		loop_curl_action(l, CURL_SOCKET_TIMEOUT, 0);
	}
	l->now = loop_now_us() / 1000;
	loop_xfers_done(l);

	/* our fds: still registered, and the same registration? */
	for (i = 0; i < ready; i++) {
		struct fdreg *cur;

		if (ev[i].data.u64 & EV_CURL)
			continue;
		cur = loop_fd_find(l, ev_fd(&ev[i]));
		if (cur == NULL || cur->gen != ev_gen(&ev[i]))
			continue;
		cur->cb(cur->arg, cur->fd, ep_to_poll(ev[i].events));
	}

	l->now = loop_now_us() / 1000;
	loop_timers_due(l);
	return 0;
}

int
loop_run(struct loop *l, int (*done)(void *), void *arg, int64_t deadline_ms)
{
	int r;

	l->stop = 0;
	for (;;) {
		int64_t wait = -1;

		if (done && done(arg))
			return 0;
		if (l->stop) {
			l->stop = 0;
			return 1;
		}
		if (deadline_ms > 0) {
			int64_t now = loop_now_us() / 1000;

			if (now >= deadline_ms)
				return 2;
			wait = deadline_ms - now;
		}
		if ((r = loop_once(l, wait)) != 0)
			return r;
	}
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}
