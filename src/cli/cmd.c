/* cmd.c -- shared command-layer glue: parse, help, error lines, safe output */
#include <ctype.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "core/hs.h"

void
cmd_safe_fputs(FILE *fp, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\t' || (*p >= 0x20 && *p != 0x7f))
			fputc(*p, fp);
		else
			fprintf(fp, "\\x%02x", *p);
	}
}

int
cmd_fail(const struct hs_errbuf *eb)
{
	int code = eb->code ? eb->code : HS_EFAIL;

	fputs("hubspy: ", stderr);
	cmd_safe_fputs(stderr, eb->msg[0] ? eb->msg : "failed");
	fputc('\n', stderr);
	return hs_exit_code(code);
}

int
cmd_main(const struct cmd *c, int argc, char **argv)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct args a;
	int r;

	r = args_parse(c, argc, argv, &a, &eb);
	if (r != 0) {
		args_release(&a);
		return cmd_fail(&eb);
	}
	if (a.help) {
		opt_help(stdout, c);
		args_release(&a);
		return 0;
	}
	r = c->exec(&a);
	args_release(&a);
	return r;
}
