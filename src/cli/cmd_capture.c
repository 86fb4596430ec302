/* cmd_capture.c -- `hubspy capture`: py-spy top, record and dump of the hub now, without load */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "cli/cli_target.h"
#include "cli/cmd.h"
#include "core/loop.h"
#include "run/profile.h"

struct capture_options {
	int		 top, record, dump;	/* seconds, seconds, count */
	const char	*output;
	int		 rate, interval;
	int		 svg, speedscope, idle, gil, native, subprocesses;
	int		 blocking, locals;
	int		 margin;
	struct cli_target_options target;
	struct cli_tools_options  tools;
};

/* with none of --top, --record and --dump: all three, as the description
 * says */
#define ALL_TOP_SECONDS		10
#define ALL_RECORD_SECONDS	10
#define ALL_DUMPS		3

#define O(kind, m) OPT_BIND(struct capture_options, kind, m)
static const struct opt capture_opts[] = {
	{ "top", 0, O(OPT_NUM, top), "SECONDS", 1, 3600, NULL,
	  "capture the py-spy top screen for SECONDS into top.txt", NULL, 0 },
	{ "record", 0, O(OPT_NUM, record), "SECONDS", 1, 3600, NULL,
	  "py-spy record for SECONDS into record.raw (collapsed stacks)",
	  NULL, 0 },
	{ "dump", 0, O(OPT_NUM, dump), "N", 1, 100, NULL,
	  "N py-spy dumps (text and JSON) and, from two on, stuck.txt", NULL,
	  0 },
	{ "output", 'o', O(OPT_STR, output), "DIR", 0, 0,
	  "hubspy-capture-TIME",
	  "output directory (created if missing)", NULL, OPT_DEF_DESCRIBED },
	{ "rate", 'r', O(OPT_NUM, rate), "HZ", 1, 1000, "100",
	  "samples per second for record and top", NULL, 0 },
	{ "interval", 0, O(OPT_NUM, interval), "SECONDS", 1, 3600, "2",
	  "seconds between two dumps", NULL, 0 },
	{ "svg", 0, O(OPT_FLAG, svg), NULL, 0, 0, NULL,
	  "also record.svg (py-spy's flamegraph, recorded alongside)", NULL,
	  0 },
	{ "speedscope", 0, O(OPT_FLAG, speedscope), NULL, 0, 0, NULL,
	  "also record.speedscope.json (recorded alongside)", NULL, 0 },
	{ "idle", 0, O(OPT_FLAG, idle), NULL, 0, 0, NULL,
	  "keep idle (waiting) threads in record and top", NULL, 0 },
	{ "gil", 0, O(OPT_FLAG, gil), NULL, 0, 0, NULL,
	  "only the thread holding the GIL", NULL, 0 },
	{ "native", 0, O(OPT_FLAG, native), NULL, 0, 0, NULL,
	  "native frames too (pauses the hub: implies --blocking)", NULL, 0 },
	{ "subprocesses", 0, O(OPT_FLAG, subprocesses), NULL, 0, 0, NULL,
	  "child processes too", NULL, 0 },
	{ "blocking", 0, O(OPT_FLAG, blocking), NULL, 0, 0, NULL,
	  "let py-spy pause the hub while sampling (default: --nonblocking)",
	  NULL, 0 },
	{ "locals", 0, O(OPT_FLAG, locals), NULL, 0, 0, NULL,
	  "dumps show local variables", NULL, 0 },
	{ "margin", 0, O(OPT_NUM, margin), "SECONDS", 1, 600, "15",
	  "watchdog: a record still running this long after its duration is "
	  "stopped with SIGINT inside the container (its file is kept)", NULL,
	  0 },
	OPT_END
};
#undef O

static const struct opt_group capture_groups[] = {
	{ capture_opts, 0 },
	CLI_TARGET_GROUP(struct capture_options, target),
	CLI_TOOLS_GROUP(struct capture_options, tools),
	OPT_GROUP_END
};

/*
 * The command line as a profile's captures, so `hubspy capture` and
 * `hubspy run` turn them into py-spy options the same way
 * (profile_capture_opts()); what only this command has is set after:
 * py-spy's own speedscope file, the watchdog margin, and --blocking for
 * the dumps too.
 */
static void
capture_opts_from(const struct capture_options *o, int all,
    struct top_opts *top, struct record_opts *rec, struct dump_opts *dump)
{
	struct profile_captures c;

	memset(&c, 0, sizeof(c));
	c.top.seconds = o->top ? o->top : ALL_TOP_SECONDS;
	c.record.duration = o->record ? o->record : ALL_RECORD_SECONDS;
	c.record.rate = o->rate;
	c.record.idle = o->idle;
	c.record.gil = o->gil;
	c.record.native = o->native;
	c.record.subprocesses = o->subprocesses;
	c.record.nonblocking = !o->blocking;
	c.record.formats = PROFILE_FORMAT_RAW |
	    (o->svg ? PROFILE_FORMAT_FLAMEGRAPH : 0);
	c.dump.count = o->dump ? o->dump : all ? ALL_DUMPS : 1;
	c.dump.interval = o->interval;
	c.dump.locals = o->locals;
	profile_capture_opts(&c, top, rec, dump);
	rec->speedscope = o->speedscope;
	rec->margin = o->margin;
	dump->nonblocking = !o->blocking;
}

static int
capture_exec(struct args *a)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	const struct capture_options *co = a->opts;
	struct target_config cfg;
	struct target t = TARGET_INIT;
	struct capture_result res = CAPTURE_RESULT_INIT;
	struct top_opts top;
	struct record_opts rec;
	struct dump_opts dump;
	struct loop *l = NULL;
	char *dir = NULL;
	int want_top = opt_isset(a, &co->top);
	int want_record = opt_isset(a, &co->record);
	int want_dump = opt_isset(a, &co->dump);
	int all = !want_top && !want_record && !want_dump;
	int r, failed = 0, rc;

	if ((r = cli_target_config(&co->target, &co->tools, &cfg, &eb)) != 0)
		return cmd_fail(&eb);
	capture_opts_from(co, all, &top, &rec, &dump);
	if ((r = loop_new(&l)) != 0) {
		hs_error(&eb, r, "cannot set up the event loop");
		return cmd_fail(&eb);
	}
	if ((r = target_open(&t, l, &cfg, &eb)) != 0) {
		rc = cli_target_fail(&t, &eb);
		goto out;
	}
	cli_target_print(stdout, &t);
	if ((r = cli_output_dir(co->output, "hubspy-capture", &dir, &eb)) != 0) {
		rc = cmd_fail(&eb);
		goto out;
	}
	loop_on_signal(l, cli_target_on_signal, &t);
	printf("output: ");
	cmd_safe_fputs(stdout, dir);
	putchar('\n');
	fflush(stdout);

	if (all || want_top) {
		size_t from = res.nfiles;

		printf("top for %d s\n", top.seconds);
		fflush(stdout);
		r = capture_top(&t, dir, &top, &res, &eb);
		failed += (int)cli_capture_print(stdout, &res, from);
		if (r == HS_EIO || r == HS_ENOMEM || r == HS_EPARTIAL)
			goto done;
	}
	if ((all || want_record) && !res.interrupted) {
		size_t from = res.nfiles;

		printf("record for %d s at %d Hz\n", rec.duration, rec.rate);
		fflush(stdout);
		r = capture_record(&t, dir, &rec, &res, &eb);
		failed += (int)cli_capture_print(stdout, &res, from);
		if (r == HS_EIO || r == HS_ENOMEM || r == HS_EPARTIAL)
			goto done;
	}
	if ((all || want_dump) && !res.interrupted) {
		size_t from = res.nfiles;

		printf("%d dump%s\n", dump.count, dump.count == 1 ? "" : "s");
		fflush(stdout);
		r = capture_dump(&t, dir, &dump, &res, &eb);
		failed += (int)cli_capture_print(stdout, &res, from);
	}
done:
	if (r == HS_EIO || r == HS_ENOMEM) {
		rc = cmd_fail(&eb);
		goto out;
	}
	if (res.interrupted) {
		hs_error(&eb, HS_EPARTIAL, "interrupted; what was captured is "
		    "in '%s'", dir);
		rc = cmd_fail(&eb);
		goto out;
	}
	if (failed) {
		/* the first failure, with its fix, once more as the last line */
		size_t i;

		for (i = 0; i < res.nfiles; i++)
			if (!res.files[i].written && res.files[i].message) {
				t.failure = res.files[i].failure;
				hs_error(&eb, HS_ETARGET, "%s", res.files[i].message);
				break;
			}
		if (eb.code == 0)
			hs_error(&eb, HS_ETARGET, "%d captures failed", failed);
		rc = cli_target_fail(&t, &eb);
		goto out;
	}
	rc = 0;
out:
	capture_result_release(&res);
	target_release(&t);
	loop_free(l);
	free(dir);
	return rc;
}

const struct cmd cmd_capture = {
	"capture",
	"[--top SECONDS] [--record SECONDS] [--dump N] [-o DIR] [TARGET OPTIONS]",
	"py-spy top, record and dump of the hub now, without load",
	"Runs py-spy inside the hub (through kubectl exec, an ephemeral "
	"kubectl debug container, or locally) and writes what it saw into an "
	"output directory: top.txt (the last complete py-spy top screen), "
	"record.raw (collapsed stacks; plus record.svg and "
	"record.speedscope.json on request), dump-N.txt and dump-N.json, and "
	"stuck.txt (threads whose stack did not change across the dumps). "
	"With none of --top, --record and --dump, all three run: top 10 s, "
	"record 10 s, 3 dumps 2 s apart.\n\n"
	"py-spy runs with --nonblocking unless --blocking or --native is "
	"given, and record always has a --duration: a watchdog stops a "
	"stuck py-spy with SIGINT inside the container (duration plus 15 s) "
	"so its file is still written. Ctrl-C does the same at once; a second "
	"Ctrl-C abandons the capture.\n\n"
	"Failures are classified (kubectl_missing, not_authorised, "
	"pod_not_found, container_not_found, pyspy_missing, "
	"permission_denied, no_such_pid, not_python, unsupported_python, "
	"idle, timeout, other) and explained with their fix; see "
	"docs/capture.md.",
	capture_groups, sizeof(struct capture_options), 0, 0, capture_exec, 0
};
