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
	OPT_FLAG,	/* --name; int field: times given (-vv: 2) */
	OPT_STR,	/* --name VALUE (or one of choices); const char * */
	OPT_NUM,	/* --name N, strtonum() within [min, max]; int */
	OPT_LIST,	/* --name VALUE, repeatable; struct opt_list */
};

/* an OPT_LIST field: the values in command-line order (borrowed from argv,
 * the array freed by args_release()) */
struct opt_list {
	const char	**v;
	size_t		  n;
};

/*
 * Typed binding (curl's struct OperationConfig): every option fills one
 * field of the command's options struct, found by offset. OPT_BIND(T,
 * kind, member) gives both the kind and the offset, and is a build error
 * when the member does not exist or its C type does not fit the kind, so
 * no option is looked up by name at run time.
 */
#define OPT_FIELD(T, m, type)	_Generic(((T *)0)->m, type: offsetof(T, m))
#define OPT_FIELD_OPT_FLAG(T, m)	OPT_FIELD(T, m, int)
#define OPT_FIELD_OPT_STR(T, m)		OPT_FIELD(T, m, const char *)
#define OPT_FIELD_OPT_NUM(T, m)		OPT_FIELD(T, m, int)
#define OPT_FIELD_OPT_LIST(T, m)	OPT_FIELD(T, m, struct opt_list)
#define OPT_BIND(T, kind, m)		kind, OPT_FIELD_##kind(T, m)

/* opt.flags */
#define OPT_DEF_DESCRIBED 0x1	/* def describes what the command does
				 * without the option ("hubspy-capture-TIME");
				 * shown, not applied: the field stays NULL */

/*
 * The default: before argv is read, args_parse() converts def into the
 * field through the same checks as a value from the command line (choices,
 * bounds), so the default shown by --help and the man page is the one
 * used. Without def the field stays 0 or NULL.
 */
struct opt {
	const char		*name;		/* long name, without "--" */
	char			 short_name;	/* 0: none */
	enum opt_kind		 kind;
	size_t			 off;		/* the field, in the group's struct */
	const char		*metavar;	/* "N", "FILE", ... */
	long long		 min, max;	/* OPT_NUM bounds (within int) */
	const char		*def;		/* default as shown, or NULL */
	const char		*help;		/* sentences, no trailing period needed */
	const char *const	*choices;	/* OPT_STR: NULL-terminated, or NULL */
	unsigned		 flags;		/* OPT_DEF_DESCRIBED */
};
#define OPT_END { NULL, 0, OPT_FLAG, 0, NULL, 0, 0, NULL, NULL, NULL, 0 }

/* one option table and where its struct sits in the command's options
 * struct: a shared group (hub, target, common options) is a member
 * struct, its table bound relative to that struct */
struct opt_group {
	const struct opt	*opts;
	size_t			 off;
};
/* the group of table opts bound to member m (of type GT) of struct T */
#define OPT_GROUP(opts, T, m, GT)	{ opts, OPT_FIELD(T, m, GT) }
#define OPT_GROUP_END			{ NULL, 0 }

struct args;

struct cmd {
	const char		*name;
	const char		*synopsis;	/* after "hubspy NAME", e.g. "[OPTIONS] PROFILE" */
	const char		*summary;	/* one line */
	const char		*description;	/* paragraphs separated by "\n\n" */
	const struct opt_group	*groups;	/* ends with OPT_GROUP_END */
	size_t			 optsize;	/* sizeof the options struct */
	int			 min_pos, max_pos;	/* positional arguments */
	int			(*exec)(struct args *a);
	int			 hidden;	/* not listed in help or man page */
};

struct args_opt {
	const struct opt	*opt;
	size_t			 off;	/* of its field in a->opts */
	int			 given;	/* on the command line */
};

struct args {
	const struct cmd	*cmd;
	void			*opts;	/* the command's options struct, filled */
	struct args_opt		*o;	/* every option, in table order */
	size_t			 nopts;
	char			**pos;
	int			 npos;
	int			 help;	/* --help was given */
};

/* parses argv (argv[0] is the command name) into a new options struct of
 * c->optsize bytes at a->opts: every default first, then argv. Returns 0,
 * HS_EUSAGE with one line in eb ("--count: too large (max 100000)"), or
 * HS_EFAIL for a default the table's own checks refuse. Release with
 * args_release() in every case. */
int		 args_parse(const struct cmd *c, int argc, char **argv,
		    struct args *a, struct hs_errbuf *eb);
void		 args_release(struct args *a);

/* 1 when the option bound to field (a member of a->opts: &o->count) was
 * given on the command line, 0 when it holds its default */
int		 opt_isset(const struct args *a, const void *field);

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
