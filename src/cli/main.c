/* main.c -- hubspy: dispatch to one command, turn its result into an exit code */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/opt.h"
#include "core/loop.h"

#define CMD(n) extern const struct cmd cmd_##n;
#include "cmds.inc"
#undef CMD


/* every command, sorted by name (generated from src/cmd_*.c) */
static const struct cmd *const commands[] = {
#define CMD(n) &cmd_##n,
#include "cmds.inc"
#undef CMD
	NULL
};

const struct cmd *const *
cmd_all(void)
{
	return commands;
}

static int
finish(int code)
{
	/* a full disk or a closed pipe is an error, not silent success */
	if (ferror(stdout) || fclose(stdout) != 0) {
		if (code == 0) {
			fprintf(stderr, "hubspy: error writing to standard "
			    "output\n");
			code = 6;
		}
	}
	return code;
}

int
main(int argc, char **argv)
{
	const struct cmd *const *cp;
	const char *name;
	int r;

	if (argc < 2) {
		opt_overview(stderr, commands);
		return 2;
	}
	name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("hubspy %s\n", HUBSPY_VERSION);
		return finish(0);
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		opt_overview(stdout, commands);
		return finish(0);
	}
	if (strcmp(name, "help") == 0 && argc >= 3)
		name = argv[2];
	else if (strcmp(name, "help") == 0) {
		opt_overview(stdout, commands);
		return finish(0);
	}
	if (strcmp(name, "manpage") == 0) {
		opt_manpage(stdout, commands, HUBSPY_VERSION);
		return finish(0);
	}
	for (cp = commands; *cp; cp++)
		if (strcmp((*cp)->name, name) == 0)
			break;
	if (*cp == NULL) {
		fprintf(stderr, "hubspy: unknown command '%.60s'; see "
		    "'hubspy --help'\n", name);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0) {
		opt_help(stdout, *cp);
		return finish(0);
	}
	if (loop_global_init() != 0) {
		fprintf(stderr, "hubspy: cannot initialise libcurl\n");
		return 1;
	}
	r = cmd_main(*cp, argc - 1, argv + 1);
	loop_global_cleanup();
	return finish(r);
}
