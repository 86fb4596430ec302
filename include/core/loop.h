/* loop.h -- the one event loop: curl multi + fds + timers + signals + children */
#ifndef LOOP_H
#define LOOP_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>

/*
 * One thread, one loop. Each turn waits in one epoll_wait() on the sockets
 * libcurl asks for (its socket interface) plus every registered file
 * descriptor (child pipes, ptys, the signalfd), all kept in one epoll set
 * as they change (not rebuilt each turn), until the earliest of the
 * next timer and libcurl's own timeout, then runs: libcurl on its ready
 * sockets (and its timeout when due), finished transfers, ready
 * descriptors, due timers. Nothing runs, and nothing is polled, for a
 * transfer that has nothing to do. Callbacks may add and remove anything,
 * including themselves.
 *
 * loop_new() blocks SIGINT, SIGTERM, SIGHUP and SIGCHLD and reads them from a
 * signalfd, and ignores SIGPIPE. A child started by anyone must get an empty
 * signal mask and default dispositions (see loop_child_sigmask()).
 */
struct loop;
struct loop_timer;

typedef void loop_xfer_cb(void *arg, CURL *easy, CURLcode res);
typedef void loop_fd_cb(void *arg, int fd, short revents);
typedef void loop_timer_cb(void *arg);
typedef void loop_child_cb(void *arg, pid_t pid, int wstatus);
typedef void loop_signal_cb(void *arg, int signo);

/* libcurl's global state: once at start-up, before any loop (0 or
 * HS_EFAIL), and loop_global_cleanup() once at the end */
int	 loop_global_init(void);
void	 loop_global_cleanup(void);

/* returns 0 or HS_ENOMEM/HS_EFAIL; free with loop_free() */
int	 loop_new(struct loop **lp);
/* removes every transfer (without callbacks), closes nothing it does not
 * own, frees timers; children still running are not waited for */
void	 loop_free(struct loop *l);

CURLM	*loop_multi(struct loop *l);

/* starts a transfer; cb runs once when it completes. The loop takes no
 * ownership of easy: the callback (or the caller after loop_xfer_cancel)
 * cleans it up. CURLOPT_PRIVATE is used by the loop. */
int	 loop_xfer_add(struct loop *l, CURL *easy, loop_xfer_cb *cb, void *arg);
/* aborts a transfer without calling its callback */
void	 loop_xfer_cancel(struct loop *l, CURL *easy);
/* transfers in flight */
int	 loop_xfer_count(const struct loop *l);

/* watches fd for events (POLLIN, POLLOUT); one registration per fd; fd
 * must be pollable by epoll (a pipe, pty, socket; not a regular file:
 * HS_EFAIL). The callback gets poll(2)-style revents (POLLIN, POLLOUT,
 * POLLERR, POLLHUP). Delete before closing, or after: both are fine. */
int	 loop_fd_add(struct loop *l, int fd, short events, loop_fd_cb *cb,
	    void *arg);
int	 loop_fd_events(struct loop *l, int fd, short events);
void	 loop_fd_del(struct loop *l, int fd);

/* one-shot timer after delay_ms; returns NULL when out of memory. The
 * handle is valid until the callback runs or loop_timer_cancel(). */
struct loop_timer *loop_timer_add(struct loop *l, int64_t delay_ms,
	    loop_timer_cb *cb, void *arg);
/* the same, for periodic housekeeping (ticks, progress lines): it runs at
 * the first turn at or after delay_ms, and the loop wakes for it only
 * slack_ms after that when nothing else (a socket, a child, another timer)
 * woke it first, so ticks ride on the wake-ups the traffic makes anyway
 * (slack_ms > 0; cancelled with loop_timer_cancel()) */
struct loop_timer *loop_timer_add_lazy(struct loop *l, int64_t delay_ms,
	    int64_t slack_ms, loop_timer_cb *cb, void *arg);
void	 loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* cb runs once when pid exits (reaped with waitpid) */
int	 loop_child_add(struct loop *l, pid_t pid, loop_child_cb *cb, void *arg);
/* forget a child (it will still be reaped, without a callback) */
void	 loop_child_forget(struct loop *l, pid_t pid);

/* one handler for SIGINT, SIGTERM and SIGHUP; NULL to remove */
void	 loop_on_signal(struct loop *l, loop_signal_cb *cb, void *arg);
/* signals received so far (SIGINT/SIGTERM/SIGHUP) */
int	 loop_signal_count(const struct loop *l);

/* the signal mask a child must be started with (empty) and the signals
 * whose dispositions it must reset to default */
void	 loop_child_sigmask(sigset_t *mask, sigset_t *defaults);

/* monotonic milliseconds / microseconds, taken at the start of each turn
 * (loop_now_us() reads the clock afresh) */
int64_t	 loop_now(const struct loop *l);
int64_t	 loop_now_us(void);

/* what the loop did so far: its waits (epoll_wait(), one per turn; the
 * field keeps its old name) and the calls
 * into libcurl (a ready socket or libcurl's due timeout each); for the
 * benchmarks and -v */
struct loop_stats {
	uint64_t	 polls;
	uint64_t	 curl_actions;
};
void	 loop_get_stats(const struct loop *l, struct loop_stats *st);

/* one turn, waiting at most max_wait_ms (-1: until something happens) */
int	 loop_once(struct loop *l, int64_t max_wait_ms);
/* turns until done(arg) returns non-zero (0 returned), loop_stop() was
 * called (1), or deadline_ms (absolute, loop_now() scale; 0: none) passed
 * (2). done may be NULL. */
int	 loop_run(struct loop *l, int (*done)(void *), void *arg,
	    int64_t deadline_ms);
/* makes the innermost loop_run() return 1 after the current turn */
void	 loop_stop(struct loop *l);

#endif
