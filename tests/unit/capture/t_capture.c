/* t_capture.c -- unit tests for proc, target's parsers and capture's parsers */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "core/hs.h"
#include "core/loop.h"
#include "core/proc.h"
#include "capture/target.h"
#include "unit.h"

UNIT_TEST(target_classify_table)
{
	static const struct {
		const char *err;
		int exit;
		int timed_out;
		enum target_fail want;
	} cases[] = {
		{ "hubspy: cannot run 'kubectl': No such file or directory", 1,
		  0, TF_KUBECTL_MISSING },
		{ "Error from server (Forbidden): pods \"hub\" is forbidden: User "
		  "\"x\" cannot create resource \"pods/exec\"", 1, 0,
		  TF_NOT_AUTHORISED },
		{ "Error from server (NotFound): pods \"nope\" not found", 1, 0,
		  TF_POD_NOT_FOUND },
		{ "Error from server (BadRequest): container nope is not valid "
		  "for pod hub-abc", 1, 0, TF_CONTAINER_NOT_FOUND },
		{ "error: Internal error occurred: ... exec: \"py-spy\": "
		  "executable file not found in $PATH: unknown", 1, 0,
		  TF_PYSPY_MISSING },
		{ "sh: 1: exec: py-spy: not found", 127, 0, TF_PYSPY_MISSING },
		{ "error: ... exec: \"sh\": executable file not found in $PATH",
		  1, 0, TF_OTHER },
		{ "Error: Permission denied (os error 13)", 1, 0,
		  TF_PERMISSION_DENIED },
		{ "Error: Failed to copy Py_Version symbol\n\nCaused by:\n    0: "
		  "Operation not permitted (os error 1)", 1, 0,
		  TF_PERMISSION_DENIED },
		{ "Permission Denied: Try running again with elevated "
		  "permissions by going 'sudo env \"PATH=$PATH\" !!'", 1, 0,
		  TF_PERMISSION_DENIED },
		{ "Error: Failed to get process executable name. Check that the "
		  "process is running.\nReason: No such file or directory (os "
		  "error 2)", 1, 0, TF_NO_SUCH_PID },
		{ "Error: Failed to find python version from target process", 1,
		  0, TF_NOT_PYTHON },
		{ "Error: Unsupported version of Python: 3.12.0", 1, 0,
		  TF_UNSUPPORTED_PYTHON },
		{ "[2023 ERROR inferno::flamegraph] No stack counts found\nError: "
		  "Failed to write flamegraph: I/O error: No stack counts found",
		  1, 0, TF_IDLE },
		{ "", 0, 1, TF_TIMEOUT },
		{ "something else", 3, 0, TF_OTHER },
		{ "", 0, 0, TF_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(target_classify(cases[i].err, cases[i].exit,
		    cases[i].timed_out), cases[i].want);
	CHECK_STR(target_fail_name(TF_PERMISSION_DENIED), "permission_denied");
	CHECK_STR(target_fail_name(TF_KUBECTL_MISSING), "kubectl_missing");
	CHECK(target_fail_name(TF_NONE) == NULL);
	CHECK(strstr(target_fail_fix(TF_PERMISSION_DENIED),
	    "setcap cap_sys_ptrace+ep $(which py-spy)") != NULL);
}

UNIT_TEST(target_pyspy_version)
{
	CHECK_INT(target_parse_pyspy_version("py-spy 0.4.2\n"), 402);
	CHECK_INT(target_parse_pyspy_version("py-spy 0.3.14"), 314);
	CHECK_INT(target_parse_pyspy_version("py-spy 1.0.0"), 10000);
	CHECK_INT(target_parse_pyspy_version("pyspy 0.4.2"), -1);
	CHECK_INT(target_parse_pyspy_version(""), -1);
}

/* builds the discovery output: "\0@@PID\0" + cmdline args each ending NUL */
static size_t
add_proc(char *b, size_t off, const char *pid, const char *const *argv)
{
	size_t n;

	b[off++] = '\0';
	n = (size_t)sprintf(b + off, "@@%s", pid);
	off += n + 1;		/* sprintf's NUL is the frame's */
	for (; *argv; argv++) {
		strcpy(b + off, *argv);
		off += strlen(*argv) + 1;
	}
	return off;
}

UNIT_TEST(target_pick_hub_z2jh)
{
	static const char *const tini[] = { "tini", "--", "jupyterhub",
	    "--config", "/usr/local/etc/jupyterhub/jupyterhub_config.py", NULL };
	static const char *const hub[] = { "/usr/local/bin/python3",
	    "/usr/local/bin/jupyterhub", "--config",
	    "/usr/local/etc/jupyterhub/jupyterhub_config.py", NULL };
	static const char *const chp[] = { "node",
	    "/usr/local/bin/configurable-http-proxy", "--error-target",
	    "http://hub:8081/hub/error", NULL };
	static const char *const sh[] = { "sh", "-c", "for d in /proc/*", NULL };
	static const char *const mod[] = { "/usr/bin/python3", "-u", "-m",
	    "jupyterhub", "-f", "x.py", NULL };
	char b[2048], *cmd = NULL;
	long several[8], pid;
	size_t n = 0;

	n = add_proc(b, n, "1", tini);
	n = add_proc(b, n, "7", hub);
	n = add_proc(b, n, "9", chp);
	n = add_proc(b, n, "30", sh);
	pid = target_pick_hub(b, n, several, &cmd);
	CHECK_INT(pid, 7);
	CHECK_STR(cmd, "/usr/local/bin/python3 /usr/local/bin/jupyterhub "
	    "--config /usr/local/etc/jupyterhub/jupyterhub_config.py");
	free(cmd);

	n = add_proc(b, n, "44", mod);
	pid = target_pick_hub(b, n, several, &cmd);
	CHECK_INT(pid, -2);
	CHECK_INT(several[0], 7);
	CHECK_INT(several[1], 44);
	CHECK(cmd == NULL);

	n = 0;
	n = add_proc(b, n, "1", tini);
	n = add_proc(b, n, "9", chp);
	CHECK_INT(target_pick_hub(b, n, several, NULL), 0);
}

UNIT_TEST(capture_top_frame_last_complete)
{
	static const char screen[] =
	    "\n\n\n\x1b[H\r\x1b[2KCollecting samples from 'x' (python v3.11.2)\n"
	    "\r\x1b[2KTotal Samples 10\n\r\x1b[2K\n\r\x1b[2K\n"
	    "\r\x1b[2KPress Control-C to quit, or ? for help.\n"
	    "\x1b[H\r\x1b[2KCollecting samples from 'x' (python v3.11.2)\n"
	    "\r\x1b[2KTotal Samples 100\n"
	    "\r\x1b[2K\x1b[1m  %Own \x1b[0m  Function (filename)   \n"
	    "\r\x1b[2K\n\r\x1b[2K\n\r\x1b[2K\n"
	    "\r\x1b[2KPress Control-C to quit, or ? for help.\n"
	    "\x1b[H\r\x1b[2KCollecting samples from 'x' (python v3.11.2)\n"
	    "\r\x1b[2KTotal Samples 150\n";	/* cut by Ctrl-C */
	char *f = capture_top_frame(screen, sizeof(screen) - 1);

	CHECK_STR(f, "Collecting samples from 'x' (python v3.11.2)\n"
	    "Total Samples 100\n  %Own   Function (filename)\n\n"
	    "Press Control-C to quit, or ? for help.\n");
	free(f);
	CHECK(capture_top_frame("no frame", 8) == NULL);
}

UNIT_TEST(capture_raw_samples_sum)
{
	static const char raw[] =
	    "<module> (app.py:14);main (app.py:9);busy (app.py:3) 412\n"
	    "process 1:\"python a b\";thread (8): Main;x (y.py:1) 37\n"
	    "broken line without count\n";

	CHECK_INT(capture_raw_samples(raw, sizeof(raw) - 1), 449);
	CHECK_INT(capture_raw_samples("", 0), 0);
}

UNIT_TEST(capture_stuck_threads)
{
	static const char d1[] = "[{\"thread_id\": 1, \"os_thread_id\": 7, "
	    "\"thread_name\": \"MainThread\", \"active\": true, \"frames\": "
	    "[{\"name\": \"spin\", \"short_filename\": \"jupyterhub/app.py\", "
	    "\"line\": 42}, {\"name\": \"<module>\", \"short_filename\": "
	    "\"x.py\", \"line\": 1}]}, {\"thread_id\": 2, \"os_thread_id\": 8, "
	    "\"thread_name\": \"w\", \"active\": false, \"frames\": [{\"name\": "
	    "\"select\", \"short_filename\": \"selectors.py\", \"line\": 468}]},"
	    " {\"thread_id\": 3, \"os_thread_id\": 9, \"thread_name\": null, "
	    "\"active\": true, \"frames\": [{\"name\": \"a\", "
	    "\"short_filename\": \"b.py\", \"line\": 1}]}]";
	static const char d2[] = "[{\"thread_id\": 1, \"os_thread_id\": 7, "
	    "\"thread_name\": \"MainThread\", \"active\": true, \"frames\": "
	    "[{\"name\": \"spin\", \"short_filename\": \"jupyterhub/app.py\", "
	    "\"line\": 42}, {\"name\": \"<module>\", \"short_filename\": "
	    "\"x.py\", \"line\": 1}]}, {\"thread_id\": 2, \"os_thread_id\": 8, "
	    "\"thread_name\": \"w\", \"active\": false, \"frames\": [{\"name\": "
	    "\"select\", \"short_filename\": \"selectors.py\", \"line\": 468}]},"
	    " {\"thread_id\": 3, \"os_thread_id\": 9, \"thread_name\": null, "
	    "\"active\": true, \"frames\": [{\"name\": \"a\", "
	    "\"short_filename\": \"b.py\", \"line\": 2}]}]";
	const char *js[] = { d1, d2 };
	char *rep;
	int n = -1;

	rep = capture_stuck(js, 2, 4.0, &n);
	CHECK_INT(n, 1);
	CHECK(rep && strstr(rep, "Thread 7 \"MainThread\" stuck for at least "
	    "4.0 s in spin (jupyterhub/app.py:42)\n") != NULL);
	CHECK(rep && strstr(rep, "1 threads stuck, 1 idle threads") != NULL);
	free(rep);
	rep = capture_stuck(js, 1, 0, &n);
	CHECK_INT(n, 0);
	CHECK(rep && strstr(rep, "at least 2 dumps") != NULL);
	free(rep);
}

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
