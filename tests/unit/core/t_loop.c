/* t_loop.c -- unit tests for core/loop.c: timers, children, fds, signals */
#include <poll.h>
#include <signal.h>
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
