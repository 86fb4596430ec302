/* proc.h -- child processes driven by the loop: pipes or a pty, bounded output, watchdog */
#ifndef PROC_H
#define PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/hs.h"

struct loop;
struct loop_timer;

/*
 * A child is started from an argv (never a shell string built from user
 * input) in its own process group (so a Ctrl-C on the terminal reaches
 * hubspy only, which decides what to forward), with an empty signal mask
 * and default dispositions (loop_child_sigmask()), and every descriptor
 * above 2 closed. Its stdout goes into a bounded buf or straight into a
 * file (byte-exact, no copy through hubspy); stderr into a bounded buf.
 * With pty set, stdin/stdout/stderr are a new pseudo-terminal that is the
 * child's controlling terminal (own session), of size rows x cols; its
 * output lands in out. The loop reads the pipes; proc_wait() runs the loop
 * until the child is reaped and its output drained, so HTTP transfers and
 * other children keep going meanwhile. The child's environment is
 * hubspy's without the variables that hold the hub token
 * (proc_env_secret()).
 */
struct proc_spec {
	const char *const *argv;	/* argv[0] searched in PATH */
	const char	*out_path;	/* stdout into this file (0600, truncated); NULL: into out */
	size_t		 out_max;	/* cap of out (0: 1 MiB); beyond it output is dropped, out_truncated set */
	size_t		 err_max;	/* cap of err (0: 64 KiB) */
	const void	*in;		/* written to stdin, then closed; NULL: /dev/null (pty: nothing) */
	size_t		 in_len;
	int		 pty;		/* run on a new pty */
	unsigned short	 rows, cols;	/* pty window size (0: 24 x 80) */
	int64_t		 timeout_ms;	/* watchdog: timeout_sig after this long (0: none) */
	int		 timeout_sig;	/* 0: SIGTERM */
	int64_t		 kill_after_ms;	/* SIGKILL this long after the watchdog signal (0: 5000) */
};
#define PROC_SPEC_INIT { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0 }

struct proc {
	pid_t		 pid;		/* 0 before start */
	int		 reaped;	/* waitpid() done */
	int		 done;		/* reaped and every output descriptor at EOF */
	int		 status;	/* wait status, valid once reaped */
	int		 timed_out;	/* the watchdog fired */
	int		 out_truncated;	/* out reached out_max */
	int64_t		 start_ms, end_ms;	/* loop clock */
	struct buf	 out;		/* stdout (or the pty's output) unless out_path */
	struct buf	 err;		/* stderr (empty with a pty) */
	/* optional: runs once when done becomes true */
	void		(*on_done)(void *arg, struct proc *p);
	void		*arg;

	/* private */
	struct loop	*loop;
	int		 outfd, errfd, infd, ptyfd, filefd;
	const unsigned char *in;
	size_t		 in_len, in_off;
	int		 timeout_sig;
	int64_t		 kill_after_ms;
	struct loop_timer *watchdog, *killer;
};
#define PROC_INIT { 0, 0, 0, 0, 0, 0, 0, 0, BUF_INIT(0), BUF_INIT(0), \
	NULL, NULL, NULL, -1, -1, -1, -1, -1, NULL, 0, 0, 0, 0, NULL, NULL }

/* 1 when the environment entry "NAME=value" holds the hub token
 * (JUPYTERHUB_API_TOKEN, JPY_API_TOKEN, JUPYTERHUB_TOKEN): never passed
 * to a child */
int	proc_env_secret(const char *entry);

/* starts the child; p must be PROC_INIT (or released). Returns 0, or
 * HS_ETARGET when argv[0] cannot be executed (eb: "cannot run 'X': ..."),
 * HS_EIO when out_path cannot be created, HS_EFAIL otherwise. Release p
 * with proc_release() in every case. spec and its strings are only read
 * during the call, except in (kept until written). */
int	proc_start(struct proc *p, struct loop *l, const struct proc_spec *spec,
	    struct hs_errbuf *eb);

/* writes bytes to the pty (or the stdin pipe when in was not given);
 * small writes only (keystrokes). Returns 0 or HS_EFAIL */
int	proc_write(struct proc *p, const void *data, size_t n);

/* sends sig to the child's process group; no-op once reaped */
void	proc_kill(struct proc *p, int sig);

/* runs the loop until p is done: 0 done, 1 a loop_stop(), 2 the absolute
 * deadline_ms (loop clock; 0: none) passed first */
int	proc_wait(struct proc *p, int64_t deadline_ms);

/* the exit code: 0..255, or 128+N when killed by signal N; -1 if not reaped */
int	proc_exit_code(const struct proc *p);

/* seconds from start to reaping (or to now while running) */
double	proc_seconds(const struct proc *p);

/* kills (SIGKILL, process group) a child still running, stops watching it,
 * closes every descriptor and frees the buffers; p can be started again */
void	proc_release(struct proc *p);

#endif
