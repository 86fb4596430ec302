/* proc.c -- child processes on the loop: pipes or a pty, bounded output, watchdog */
/*
 * fork+exec rather than posix_spawn because a pty child needs setsid() and
 * TIOCSCTTY before exec; the child only calls async-signal-safe functions
 * (plus execvpe). An exec failure comes back through a close-on-exec pipe,
 * so "kubectl not found" is an error of proc_start(), not an exit code 127.
 * When the child is reaped, whatever is left in its pipes is drained and
 * they are closed: a grandchild holding them open cannot hang a capture.
 * Every child gets hubspy's environment less the variables that hold the
 * hub token (proc_env_secret()): kubectl, its credential plugins and
 * py-spy never need it.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/proc.h"

#define PROC_OUT_MAX	(1024 * 1024)
#define PROC_ERR_MAX	(64 * 1024)

extern char **environ;

int
proc_env_secret(const char *entry)
{
	static const char *const names[] = { "JUPYTERHUB_API_TOKEN",
		"JPY_API_TOKEN", "JUPYTERHUB_TOKEN", NULL };
	size_t i, n;

	for (i = 0; names[i] != NULL; i++) {
		n = strlen(names[i]);
		if (strncmp(entry, names[i], n) == 0 &&
		    (entry[n] == '=' || entry[n] == '\0'))
			return 1;
	}
	return 0;
}

/* environ without the token variables: a new array of borrowed strings */
static char **
child_env(void)
{
	char **v;
	size_t n = 0, k = 0, i;

	while (environ != NULL && environ[n] != NULL)
		n++;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!proc_env_secret(environ[i]))
			v[k++] = environ[i];
	return v;
}

static void
proc_close_fd(struct proc *p, int *fdp)
{
	if (*fdp == -1)
		return;
	if (p->loop)
		loop_fd_del(p->loop, *fdp);
	close(*fdp);
	*fdp = -1;
}

static void
proc_check_done(struct proc *p)
{
	if (p->done || !p->reaped || p->outfd != -1 || p->errfd != -1 ||
	    p->ptyfd != -1)
		return;
	p->done = 1;
	if (p->loop) {
		loop_timer_cancel(p->loop, p->watchdog);
		loop_timer_cancel(p->loop, p->killer);
	}
	p->watchdog = p->killer = NULL;
	if (p->on_done)
		p->on_done(p->arg, p);
}

/* reads what is there; closes the descriptor at EOF or on error (EIO is a
 * pty's EOF once the child is gone) */
static void
proc_drain(struct proc *p, int *fdp, struct buf *b)
{
	char chunk[65536];

	while (*fdp != -1) {
		ssize_t n = read(*fdp, chunk, sizeof(chunk));

		if (n > 0) {
			if (!p->out_truncated && buf_add(b, chunk, (size_t)n) != 0)
				p->out_truncated = 1;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    !p->reaped)
			return;
		proc_close_fd(p, fdp);
	}
}

static void
proc_read_cb(void *arg, int fd, short revents)
{
	struct proc *p = arg;

	(void)revents;
	if (fd == p->outfd)
		proc_drain(p, &p->outfd, &p->out);
	else if (fd == p->errfd)
		proc_drain(p, &p->errfd, &p->err);
	else if (fd == p->ptyfd)
		proc_drain(p, &p->ptyfd, &p->out);
	proc_check_done(p);
}

static void
proc_write_cb(void *arg, int fd, short revents)
{
	struct proc *p = arg;

	(void)revents;
	while (p->in_off < p->in_len) {
		ssize_t n = write(fd, p->in + p->in_off, p->in_len - p->in_off);

		if (n > 0) {
			p->in_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;
	}
	proc_close_fd(p, &p->infd);
}

static void
proc_child_cb(void *arg, pid_t pid, int wstatus)
{
	struct proc *p = arg;

	(void)pid;
	p->reaped = 1;
	p->status = wstatus;
	p->end_ms = loop_now_us() / 1000;
	proc_close_fd(p, &p->infd);
	proc_drain(p, &p->outfd, &p->out);
	proc_drain(p, &p->errfd, &p->err);
	proc_drain(p, &p->ptyfd, &p->out);
	proc_check_done(p);
}

static void
proc_killer_cb(void *arg)
{
	struct proc *p = arg;

	p->killer = NULL;
	proc_kill(p, SIGKILL);
}

static void
proc_watchdog_cb(void *arg)
{
	struct proc *p = arg;

	p->watchdog = NULL;
	if (p->reaped)
		return;
	p->timed_out = 1;
	proc_kill(p, p->timeout_sig);
	p->killer = loop_timer_add(p->loop, p->kill_after_ms, proc_killer_cb, p);
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* in the child: never returns */
static void
proc_exec_child(char *const *argv, char *const *envp, const int fds[3],
    int pty, int errw)
{
	sigset_t mask, defs;
	int i, e;

	if (pty) {
		setsid();
		ioctl(fds[0], TIOCSCTTY, 0);
	} else
		setpgid(0, 0);
	for (i = 0; i < 3; i++)
		if (fds[i] != i && dup2(fds[i], i) == -1)
			goto fail;
	loop_child_sigmask(&mask, &defs);
	for (i = 1; i < NSIG; i++)
		if (sigismember(&defs, i) == 1)
			signal(i, SIG_DFL);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (errw > 3)
		close_range(3, (unsigned)errw - 1, 0);
	close_range((unsigned)errw + 1, ~0U, 0);
	execvpe(argv[0], argv, envp);
fail:
	e = errno;
	(void)!write(errw, &e, sizeof(e));
	_exit(127);
}

int
proc_start(struct proc *p, struct loop *l, const struct proc_spec *spec,
    struct hs_errbuf *eb)
{
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int ep[2] = { -1, -1 }, master = -1, slave = -1, nullfd = -1;
	int fds[3], e = 0, r = HS_EFAIL;
	struct winsize ws;
	char **envp = NULL;
	pid_t pid;
	ssize_t n;

	buf_init(&p->out, spec->out_max ? spec->out_max : PROC_OUT_MAX);
	buf_init(&p->err, spec->err_max ? spec->err_max : PROC_ERR_MAX);
	p->loop = l;
	p->timeout_sig = spec->timeout_sig ? spec->timeout_sig : SIGTERM;
	p->kill_after_ms = spec->kill_after_ms ? spec->kill_after_ms : 5000;
	if (spec->argv == NULL || spec->argv[0] == NULL)
		return hs_error(eb, HS_EFAIL, "internal error: empty argv");

	if (spec->out_path && (p->filefd = open(spec->out_path,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
		return hs_error(eb, HS_EIO, "cannot create '%s': %s",
		    spec->out_path, strerror(errno));
	if (pipe2(ep, O_CLOEXEC) == -1)
		goto syserr;
	if (spec->pty) {
		memset(&ws, 0, sizeof(ws));
		ws.ws_row = spec->rows ? spec->rows : 24;
		ws.ws_col = spec->cols ? spec->cols : 80;
		if (openpty(&master, &slave, NULL, NULL, &ws) == -1)
			goto syserr;
		fcntl(master, F_SETFD, FD_CLOEXEC);
		fcntl(slave, F_SETFD, FD_CLOEXEC);
		set_nonblock(master);
		fds[0] = fds[1] = fds[2] = slave;
	} else {
		if (spec->in) {
			if (pipe2(inp, O_CLOEXEC) == -1)
				goto syserr;
			set_nonblock(inp[1]);
			fds[0] = inp[0];
		} else {
			if ((nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
				goto syserr;
			fds[0] = nullfd;
		}
		if (p->filefd != -1)
			fds[1] = p->filefd;
		else {
			if (pipe2(outp, O_CLOEXEC) == -1)
				goto syserr;
			set_nonblock(outp[0]);
			fds[1] = outp[1];
		}
		if (pipe2(errp, O_CLOEXEC) == -1)
			goto syserr;
		set_nonblock(errp[0]);
		fds[2] = errp[1];
	}

	if ((envp = child_env()) == NULL)
		goto syserr;
	if ((pid = fork()) == -1)
		goto syserr;
	if (pid == 0)
		proc_exec_child((char *const *)spec->argv, envp, fds, spec->pty,
		    ep[1]);
	if (!spec->pty)
		setpgid(pid, pid);	/* also done in the child: no race */
	p->pid = pid;
	p->start_ms = loop_now_us() / 1000;
	close(ep[1]);
	ep[1] = -1;
	do
		n = read(ep[0], &e, sizeof(e));
	while (n == -1 && errno == EINTR);
	/* register before anything can fail, so the child is always reaped */
	if (loop_child_add(l, pid, proc_child_cb, p) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		p->pid = 0;
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	if (n == (ssize_t)sizeof(e)) {
		r = hs_error(eb, HS_ETARGET, "cannot run '%s': %s",
		    spec->argv[0], strerror(e));
		goto out;
	}
	if (spec->pty) {
		p->ptyfd = master;
		master = -1;
		if (loop_fd_add(l, p->ptyfd, POLLIN, proc_read_cb, p) != 0)
			goto nomem;
	} else {
		if (outp[0] != -1) {
			p->outfd = outp[0];
			outp[0] = -1;
			if (loop_fd_add(l, p->outfd, POLLIN, proc_read_cb, p) != 0)
				goto nomem;
		}
		p->errfd = errp[0];
		errp[0] = -1;
		if (loop_fd_add(l, p->errfd, POLLIN, proc_read_cb, p) != 0)
			goto nomem;
		if (spec->in) {
			p->infd = inp[1];
			inp[1] = -1;
			p->in = spec->in;
			p->in_len = spec->in_len;
			if (loop_fd_add(l, p->infd, POLLOUT, proc_write_cb, p) != 0)
				goto nomem;
		}
	}
	if (spec->timeout_ms > 0 && (p->watchdog = loop_timer_add(l,
	    spec->timeout_ms, proc_watchdog_cb, p)) == NULL)
		goto nomem;
	r = 0;
	goto out;
nomem:
	r = hs_error(eb, HS_ENOMEM, "out of memory");
	goto out;
syserr:
	r = hs_error(eb, HS_EFAIL, "cannot start '%s': %s", spec->argv[0],
	    strerror(errno));
out:
	free(envp);
	if (p->filefd != -1) {		/* the child has its own copy */
		close(p->filefd);
		p->filefd = -1;
	}
	{
		int *all[] = { &inp[0], &inp[1], &outp[0], &outp[1], &errp[0],
		    &errp[1], &ep[0], &ep[1], &master, &slave, &nullfd };
		size_t i;

		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (*all[i] != -1)
				close(*all[i]);
	}
	return r;
}

int
proc_write(struct proc *p, const void *data, size_t n)
{
	int fd = p->ptyfd != -1 ? p->ptyfd : p->infd;
	const char *s = data;

	if (fd == -1)
		return HS_EFAIL;
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return HS_EFAIL;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void
proc_kill(struct proc *p, int sig)
{
	if (p->pid > 0 && !p->reaped)
		kill(-p->pid, sig);
}

static int
proc_done_pred(void *arg)
{
	return ((struct proc *)arg)->done;
}

int
proc_wait(struct proc *p, int64_t deadline_ms)
{
	if (p->pid == 0)
		return 0;
	return loop_run(p->loop, proc_done_pred, p, deadline_ms);
}

int
proc_exit_code(const struct proc *p)
{
	if (!p->reaped)
		return -1;
	if (WIFEXITED(p->status))
		return WEXITSTATUS(p->status);
	if (WIFSIGNALED(p->status))
		return 128 + WTERMSIG(p->status);
	return 255;
}

double
proc_seconds(const struct proc *p)
{
	int64_t end = p->reaped ? p->end_ms : loop_now_us() / 1000;

	if (p->pid == 0)
		return 0;
	return (double)(end - p->start_ms) / 1000.0;
}

void
proc_release(struct proc *p)
{
	if (p->pid > 0 && !p->reaped) {
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		if (p->loop)
			loop_child_forget(p->loop, p->pid);
	}
	if (p->loop) {
		loop_timer_cancel(p->loop, p->watchdog);
		loop_timer_cancel(p->loop, p->killer);
	}
	proc_close_fd(p, &p->outfd);
	proc_close_fd(p, &p->errfd);
	proc_close_fd(p, &p->ptyfd);
	proc_close_fd(p, &p->infd);
	if (p->filefd != -1)
		close(p->filefd);
	buf_release(&p->out);
	buf_release(&p->err);
	*p = (struct proc)PROC_INIT;
}
