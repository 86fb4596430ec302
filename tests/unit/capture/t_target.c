/* t_target.c -- unit tests for capture/target.c's parsers: failure
 * classes, py-spy versions, hub discovery */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

UNIT_TEST(target_check_name_table)
{
	static const struct {
		enum target_name kind;
		const char	*s;
		int		 ok;
	} cases[] = {
		{ TARGET_NAME_POD, "hub-7d9f8c-abcde", 1 },
		{ TARGET_NAME_POD, "hub.example-1", 1 },
		{ TARGET_NAME_POD, "-oyaml", 0 },
		{ TARGET_NAME_POD, "--all-namespaces", 0 },
		{ TARGET_NAME_POD, "Hub", 0 },
		{ TARGET_NAME_POD, "hub_1", 0 },
		{ TARGET_NAME_POD, "hub-", 0 },
		{ TARGET_NAME_POD, "", 0 },
		{ TARGET_NAME_POD, "a b", 0 },
		{ TARGET_NAME_LABEL, "jhub", 1 },
		{ TARGET_NAME_LABEL, "0ns", 1 },
		{ TARGET_NAME_LABEL, "j.hub", 0 },
		{ TARGET_NAME_LABEL, "-n", 0 },
		{ TARGET_NAME_LABEL,
		  "a123456789012345678901234567890123456789012345678901234567890123",
		  0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(target_check_name(cases[i].kind, cases[i].s) == NULL,
		    cases[i].ok);
	CHECK(strstr(target_check_name(TARGET_NAME_POD, "-oyaml"),
	    "kubectl option") != NULL);
}
