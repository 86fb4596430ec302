/* cmd.h -- the command layer: the only code that prints or picks exit codes */
#ifndef CMD_H
#define CMD_H

#include "cli/opt.h"

/* all commands, NULL-terminated, sorted by name */
const struct cmd *const *cmd_all(void);

/* parses argv for c, prints --help or the usage error, runs c->exec;
 * returns the process exit code */
int	cmd_main(const struct cmd *c, int argc, char **argv);

/* prints "hubspy: MSG" (one line) to stderr and returns the exit code for
 * eb->code; text is made safe for a terminal */
int	cmd_fail(const struct hs_errbuf *eb);

/* writes s to fp with control characters escaped (bsdtar's safe_fprintf):
 * text from the hub or the pod never reaches the terminal raw */
void	cmd_safe_fputs(FILE *fp, const char *s);

#endif
