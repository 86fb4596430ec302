/* t_proc.c -- unit tests for core/proc.c: pipes, exit codes, watchdog, pty */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hs.h"
#include "core/loop.h"
#include "core/proc.h"
#include "unit.h"

UNIT_TEST(proc_pipes_and_exit)
{
	static const char *const argv[] = { "sh", "-c",
	    "printf out; printf err >&2; exit 3", NULL };
	static const char *const none[] = { "/nonexistent/prog", NULL };
	struct loop *l = NULL;
	struct proc p = PROC_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	CHECK_INT(loop_new(&l), 0);
	spec.argv = argv;
	CHECK_INT(proc_start(&p, l, &spec, &eb), 0);
	CHECK_INT(proc_wait(&p, 0), 0);
	CHECK_INT(proc_exit_code(&p), 3);
	CHECK_STR(p.out.data, "out");
	CHECK_STR(p.err.data, "err");
	proc_release(&p);

	spec.argv = none;
	CHECK_INT(proc_start(&p, l, &spec, &eb), HS_ETARGET);
	CHECK(strstr(eb.msg, "cannot run '/nonexistent/prog'") != NULL);
	proc_release(&p);
	loop_free(l);
}

UNIT_TEST(proc_watchdog_file_stdin)
{
	static const char *const sleeper[] = { "sleep", "30", NULL };
	static const char *const cat[] = { "cat", NULL };
	char path[512];
	struct loop *l = NULL;
	struct proc p = PROC_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	FILE *fp;
	char got[16] = "";

	CHECK_INT(loop_new(&l), 0);
	spec.argv = sleeper;
	spec.timeout_ms = 100;
	spec.timeout_sig = SIGINT;
	CHECK_INT(proc_start(&p, l, &spec, &eb), 0);
	CHECK_INT(proc_wait(&p, 0), 0);
	CHECK(p.timed_out);
	CHECK_INT(proc_exit_code(&p), 128 + SIGINT);
	proc_release(&p);

	snprintf(path, sizeof(path), "%s/out", unit_tmpdir());
	spec = (struct proc_spec)PROC_SPEC_INIT;
	spec.argv = cat;
	spec.in = "a\0b\r\n";
	spec.in_len = 5;
	spec.out_path = path;
	CHECK_INT(proc_start(&p, l, &spec, &eb), 0);
	CHECK_INT(proc_wait(&p, 0), 0);
	CHECK_INT(proc_exit_code(&p), 0);
	proc_release(&p);
	fp = fopen(path, "r");
	CHECK(fp != NULL);
	if (fp) {
		CHECK_INT(fread(got, 1, sizeof(got), fp), 5);
		CHECK(memcmp(got, "a\0b\r\n", 5) == 0);	/* byte-exact */
		fclose(fp);
	}
	loop_free(l);
}

static int
saw_size(void *arg)
{
	struct proc *p = arg;

	return strstr(p->out.data, "132\r\n") != NULL || p->done;
}

UNIT_TEST(proc_pty_ctrl_c)
{
	static const char *const argv[] = { "sh", "-c",
	    "[ -t 0 ] && echo tty; stty size; exec sleep 30", NULL };
	/* even if the Ctrl-C came before the exec, sh dies of SIGINT too */
	struct loop *l = NULL;
	struct proc p = PROC_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	CHECK_INT(loop_new(&l), 0);
	spec.argv = argv;
	spec.pty = 1;
	spec.rows = 40;
	spec.cols = 132;
	spec.timeout_ms = 10000;
	CHECK_INT(proc_start(&p, l, &spec, &eb), 0);
	/* Ctrl-C once the shell has printed the size (then it execs) */
	loop_run(l, saw_size, &p, loop_now_us() / 1000 + 5000);
	loop_run(l, NULL, NULL, loop_now_us() / 1000 + 100);
	CHECK_INT(proc_write(&p, "\x03", 1), 0);
	CHECK_INT(proc_wait(&p, 0), 0);
	CHECK(!p.timed_out);
	CHECK_INT(proc_exit_code(&p), 128 + SIGINT);
	CHECK(strstr(p.out.data, "tty\r\n40 132\r\n") != NULL);
	proc_release(&p);
	loop_free(l);
}

/* the token variables never reach a child; everything else does */
UNIT_TEST(proc_env_scrubbed)
{
	static const char *const argv[] = { "sh", "-c",
	    "env | grep -c -e TOKEN -e HS_T_KEEP", NULL };
	struct loop *l = NULL;
	struct proc p = PROC_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	CHECK(proc_env_secret("JUPYTERHUB_API_TOKEN=x"));
	CHECK(proc_env_secret("JPY_API_TOKEN="));
	CHECK(!proc_env_secret("JUPYTERHUB_API_TOKENS=x"));
	CHECK(!proc_env_secret("JUPYTERHUB_API_URL=http://h"));
	setenv("JUPYTERHUB_API_TOKEN", "t0ken-in-env-0123", 1);
	setenv("JPY_API_TOKEN", "t0ken-in-env-0123", 1);
	setenv("HS_T_KEEP", "1", 1);
	CHECK_INT(loop_new(&l), 0);
	spec.argv = argv;
	CHECK_INT(proc_start(&p, l, &spec, &eb), 0);
	CHECK_INT(proc_wait(&p, 0), 0);
	CHECK_STR(p.out.data, "1\n");	/* HS_T_KEEP alone */
	proc_release(&p);
	loop_free(l);
	unsetenv("JUPYTERHUB_API_TOKEN");
	unsetenv("JPY_API_TOKEN");
	unsetenv("HS_T_KEEP");
}
