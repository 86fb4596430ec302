/* t_core.c -- unit tests for buf, opt and loop */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/hs.h"
#include "core/loop.h"
#include "cli/opt.h"
#include "unit.h"

UNIT_TEST(buf_invariants)
{
	struct buf b = BUF_INIT(8);
	char *p;
	size_t n;

	CHECK(b.data != NULL);
	CHECK_STR(b.data, "");
	CHECK_INT(buf_addstr(&b, "abcd"), 0);
	CHECK_INT(buf_printf(&b, "%d", 1234), 0);
	CHECK_STR(b.data, "abcd1234");
	/* one byte over the cap fails and changes nothing */
	CHECK_INT(buf_addch(&b, 'x'), HS_ELIMIT);
	CHECK_INT(b.len, 8);
	CHECK_STR(b.data, "abcd1234");
	buf_consume(&b, 3);
	CHECK_STR(b.data, "d1234");
	p = buf_detach(&b, &n);
	CHECK_STR(p, "d1234");
	CHECK_INT(n, 5);
	CHECK_STR(b.data, "");
	free(p);
	p = buf_detach(&b, NULL);
	CHECK_STR(p, "");
	free(p);
	buf_release(&b);
}

static const char *const colours[] = { "red", "blue", NULL };
struct t_options {
	int		 count, verbose;
	const char	*colour;
	struct opt_list	 set;
};
#define B(kind, m) OPT_BIND(struct t_options, kind, m)
static const struct opt t_opts[] = {
	{ "count", 'c', B(OPT_NUM, count), "N", 1, 100, "10", "users", NULL, 0 },
	{ "verbose", 'v', B(OPT_FLAG, verbose), NULL, 0, 0, NULL, "more", NULL,
	  0 },
	{ "colour", 0, B(OPT_STR, colour), "C", 0, 0, NULL, "a colour",
	  colours, 0 },
	{ "set", 0, B(OPT_LIST, set), "K=V", 0, 0, NULL, "override", NULL, 0 },
	OPT_END
};
#undef B
static const struct opt_group t_groups[] = { { t_opts, 0 }, OPT_GROUP_END };
static const struct cmd t_cmd = { "t", "[OPTIONS] X", "test", NULL,
	t_groups, sizeof(struct t_options), 1, 1, NULL, 0 };

static int
parse(const char *line, struct args *a, struct hs_errbuf *eb)
{
	static char copy[256];
	char *argv[16], *tok, *save;
	int argc = 0;

	strlcpy(copy, line, sizeof(copy));
	for (tok = strtok_r(copy, " ", &save); tok && argc < 15;
	    tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return args_parse(&t_cmd, argc, argv, a, eb);
}

UNIT_TEST(opt_parse_table)
{
	static const struct {
		const char	*line;
		int		 r;
		const char	*msg;
	} cases[] = {
		{ "t x --count 5", 0, "" },
		{ "t x --count=5 -vv", 0, "" },
		{ "t x -c5", 0, "" },
		{ "t x --count 0", HS_EUSAGE, "--count: '0' is too small (min 1)" },
		{ "t x --count 101", HS_EUSAGE, "--count: '101' is too large (max 100)" },
		{ "t x --count ten", HS_EUSAGE, "--count: 'ten' is not a whole number (1 to 100)" },
		{ "t x --count", HS_EUSAGE, "--count needs a value (N)" },
		{ "t x --count 1 --count 2", HS_EUSAGE, "--count given twice" },
		{ "t x --nope", HS_EUSAGE, "unknown option '--nope' for 't'; see 'hubspy t --help'" },
		{ "t x --colour green", HS_EUSAGE, "--colour: 'green' is not one of: red, blue" },
		{ "t", HS_EUSAGE, "'t' needs an argument; usage: hubspy t [OPTIONS] X" },
		{ "t x y", HS_EUSAGE, "unexpected argument 'y'; usage: hubspy t [OPTIONS] X" },
		{ "t x -vx", HS_EUSAGE, "-v takes no value ('-vx')" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct args a;

		CHECK_INT(parse(cases[i].line, &a, &eb), cases[i].r);
		CHECK_STR(eb.msg, cases[i].msg);
		args_release(&a);
	}
}

UNIT_TEST(opt_values)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct args a;
	const struct t_options *o;

	CHECK_INT(parse("t x -vv --count=7 --set a=1 --set b=2 --colour red",
	    &a, &eb), 0);
	o = a.opts;
	CHECK_INT(o->count, 7);
	CHECK_INT(o->verbose, 2);
	CHECK_STR(o->colour, "red");
	CHECK_INT(o->set.n, 2);
	CHECK_STR(o->set.v[1], "b=2");
	CHECK_STR(a.pos[0], "x");
	args_release(&a);
	CHECK_INT(parse("t x", &a, &eb), 0);
	o = a.opts;
	CHECK_INT(o->count, 10);
	CHECK_INT(o->verbose, 0);
	args_release(&a);
}

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
