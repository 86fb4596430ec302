/* opt.h -- the table-driven command line: parsing, --help and the man page */
#ifndef OPT_H
#define OPT_H

#include <stddef.h>
#include <stdio.h>

#include "core/hs.h"

/*
 * One table per command (plus shared groups) is the single source of truth:
 * the parser, `hubspy COMMAND --help` and docs/hubspy.1 (`hubspy manpage`)
 * are all generated from it, so usage cannot drift from the code.
 */
enum opt_kind {
	OPT_FLAG,	/* --name */
	OPT_STR,	/* --name VALUE (or one of choices) */
	OPT_NUM,	/* --name N, strtonum() within [min, max] */
	OPT_LIST,	/* --name VALUE, repeatable */
};

struct opt {
	const char		*name;		/* long name, without "--" */
	char			 short_name;	/* 0: none */
	enum opt_kind		 kind;
	const char		*metavar;	/* "N", "FILE", ... */
	long long		 min, max;	/* OPT_NUM bounds */
	const char		*def;		/* default as shown, or NULL */
	const char		*help;		/* sentences, no trailing period needed */
	const char *const	*choices;	/* OPT_STR: NULL-terminated, or NULL */
};
#define OPT_END { NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL }

struct args;

struct cmd {
	const char		*name;
	const char		*synopsis;	/* after "hubspy NAME", e.g. "[OPTIONS] PROFILE" */
	const char		*summary;	/* one line */
	const char		*description;	/* paragraphs separated by "\n\n" */
	const struct opt *const	*groups;	/* NULL-terminated option tables */
	int			 min_pos, max_pos;	/* positional arguments */
	int			(*exec)(struct args *a);
	int			 hidden;	/* not listed in help or man page */
};

struct argval {
	const struct opt	*opt;
	int			 set;
	const char		*str;	/* OPT_STR, OPT_NUM text */
	long long		 num;	/* OPT_NUM */
	const char		**list;	/* OPT_LIST */
	size_t			 nlist;
};

struct args {
	const struct cmd	*cmd;
	struct argval		*vals;
	size_t			 nvals;
	char			**pos;
	int			 npos;
	int			 help;	/* --help was given */
};

/* parses argv (argv[0] is the command name); returns 0, or HS_EUSAGE with
 * one line in eb ("--count: too large (max 100000)"). Release with
 * args_release() in every case. */
int		 args_parse(const struct cmd *c, int argc, char **argv,
		    struct args *a, struct hs_errbuf *eb);
void		 args_release(struct args *a);

int		 args_isset(const struct args *a, const char *name);
int		 args_flag(const struct args *a, const char *name);
const char	*args_str(const struct args *a, const char *name, const char *def);
long long	 args_num(const struct args *a, const char *name, long long def);
const char *const *args_list(const struct args *a, const char *name, size_t *n);

/* `hubspy COMMAND --help` */
void		 opt_help(FILE *fp, const struct cmd *c);
/* the whole man page (troff) for all commands, with the exit-code table */
void		 opt_manpage(FILE *fp, const struct cmd *const *cmds,
		    const char *version);
/* `hubspy --help` */
void		 opt_overview(FILE *fp, const struct cmd *const *cmds);

/* the documented exit codes, shared by --help and the man page */
struct exit_doc {
	int		 code;
	const char	*meaning;
};
extern const struct exit_doc opt_exit_codes[];

#endif
