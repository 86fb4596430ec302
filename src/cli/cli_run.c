/* cli_run.c -- what `run` and `watch` share: the hub, the run directory, run_exec(), the last lines */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_run.h"
#include "cli/cmd.h"
#include "run/artifacts.h"
#include "run/profile.h"
#include "run/run.h"

static void
hook_event(void *arg, const char *line)
{
	cli_hub_event(arg, line);
}

static void
hook_progress(void *arg, struct load *ld, const char *stage, int force)
{
	struct cli_hub *ch = arg;

	strlcpy(ch->stage, stage, sizeof(ch->stage));
	cli_hub_progress(ch, ld, force);
}

static int
open_run_log(struct cli_hub *ch, const struct artifacts *art,
    struct hs_errbuf *eb)
{
	char path[2200];
	FILE *fp;

	int fd = -1;

	if (artifacts_path(art, "run.log", path, sizeof(path)) != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		return hs_error(eb, HS_EIO, "cannot write '%s/run.log': %s",
		    art->dir, strerror(errno));
	}
	ch->log = fp;
	return 0;
}

int
cli_run_exec(const struct cli_run_spec *sp)
{
	const struct profile *p = sp->prof;
	struct cli_hub ch = CLI_HUB_INIT;
	struct artifacts art = ARTIFACTS_INIT;
	struct run_config rc;
	struct run_result res;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	int r, code;

	if ((r = cli_hub_setup(&ch, sp->hub, sp->common, 0, 0, &eb)) != 0 ||
	    (r = artifacts_init(&art, sp->outdir, p->name, time(NULL), &eb)) != 0 ||
	    (r = redact_add_secret(&art.redact, ch.token)) != 0 ||
	    (ch.log == NULL && (r = open_run_log(&ch, &art, &eb)) != 0)) {
		if (r == HS_ENOMEM && eb.msg[0] == '\0')
			hs_error(&eb, r, "out of memory");
		code = cmd_fail(&eb);
		goto out;
	}
	art.no_redact = sp->no_redact;
	printf("run directory: ");
	cmd_safe_fputs(stdout, art.dir);
	putchar('\n');
	fflush(stdout);

	memset(&rc, 0, sizeof(rc));
	{
		struct load_config lc = LOAD_CONFIG_INIT;

		/* the same "hub gone" bound as the other load commands */
		cli_hub_load_config(&ch, &lc);
		rc.hub_gone_s = lc.hub_gone_s;
	}
	rc.prof = p;
	rc.loop = ch.loop;
	rc.hub = ch.hub;
	rc.art = &art;
	rc.url = ch.url;
	rc.tc = (struct target_config)TARGET_CONFIG_INIT;
	cli_tools_config(sp->tools, &rc.tc);
	rc.tc.log_file = sp->hub_log;
	rc.log_tail = sp->tail;
	rc.watch = sp->watch;
	rc.watch_seconds = sp->watch_seconds;
	rc.log_path = sp->common[0].log_file;
	rc.on_event = hook_event;
	rc.on_progress = hook_progress;
	rc.arg = &ch;
	r = run_exec(&rc, &res, &eb);
	if (ch.tty && ch.progress_drawn) {	/* the line is done */
		fputs("\r\033[K", stderr);
		ch.progress_drawn = 0;
	}
	fflush(stdout);
	if (res.pyspy_missing && p->captures.nrun > 0)
		cli_hub_event(&ch, p->target.transport ==
		    PROFILE_TRANSPORT_LOCAL ? "no captures: py-spy is missing; "
		    "install it with 'pip install py-spy' or the release binary "
		    "from https://github.com/benfred/py-spy/releases, then run "
		    "again" : "no captures: py-spy is missing in the hub "
		    "container; use target.transport debug with target.image, "
		    "or the z2jh hub image");
	else if (res.capture_failures)
		cli_hub_event(&ch, "some captures failed: see the summary");
	code = r == 0 ? 0 : cmd_fail(&eb);
	if (sp->after != NULL && art.tarball != NULL)
		code = sp->after(sp->after_arg, &ch, &art, &res, code);
	if (art.tarball != NULL) {
		if (res.summary[0]) {
			printf("summary: ");
			cmd_safe_fputs(stdout, res.summary);
			putchar('\n');
		}
		cmd_safe_fputs(stdout, art.tarball);
		putchar('\n');
	}
out:
	cli_hub_release(&ch);
	artifacts_release(&art);
	return code;
}
