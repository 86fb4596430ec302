/* opt.c -- table-driven option parsing, --help and man page generation */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opt.h"

const struct exit_doc opt_exit_codes[] = {
	{ 0, "success" },
	{ 1, "runtime failure not covered below (out of memory, internal error)" },
	{ 2, "usage: bad option, argument, profile or input file" },
	{ 3, "hub: unreachable, timed out, or answering errors" },
	{ 4, "auth: no token, token rejected, or a needed scope missing" },
	{ 5, "target: kubectl, the hub pod or process, or py-spy failed" },
	{ 6, "I/O: an output file or directory could not be written" },
	{ 7, "partial: interrupted; teardown done and partial results written" },
	{ 8, "leftover: teardown incomplete, users with the prefix remain" },
	{ 9, "gate: a --fail-on bound is broken" },
	{ -1, NULL },
};

static const struct opt opt_help_opt = {
	"help", 'h', OPT_FLAG, 0, NULL, 0, 0, NULL, "show this help and exit",
	NULL, 0
};

static struct args_opt *
args_find(const struct args *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nopts; i++)
		if (strcmp(a->o[i].opt->name, name) == 0)
			return &a->o[i];
	return NULL;
}

static size_t
cmd_nopts(const struct cmd *c)
{
	const struct opt_group *g;
	const struct opt *o;
	size_t n = 0;

	for (g = c->groups; g && g->opts; g++)
		for (o = g->opts; o->name; o++)
			n++;
	return n;
}

/* converts text into the option's field: the one path for defaults and
 * for the command line */
static int
set_value(struct args *a, struct args_opt *ao, const char *text,
    struct hs_errbuf *eb)
{
	const struct opt *o = ao->opt;
	void *field = (char *)a->opts + ao->off;
	struct opt_list *l = field;
	const char *errstr = NULL;
	long long n;
	const char **nl;

	switch (o->kind) {
	case OPT_FLAG:
		(*(int *)field)++;
		return 0;
	case OPT_STR:
		if (o->choices) {
			const char *const *ch;

			for (ch = o->choices; *ch; ch++)
				if (strcmp(*ch, text) == 0)
					break;
			if (*ch == NULL) {
				char list[200] = "";

				for (ch = o->choices; *ch; ch++) {
					if (ch != o->choices)
						strlcat(list, ", ", sizeof(list));
					strlcat(list, *ch, sizeof(list));
				}
				return hs_error(eb, HS_EUSAGE,
				    "--%s: '%.60s' is not one of: %s", o->name,
				    text, list);
			}
		}
		*(const char **)field = text;
		return 0;
	case OPT_NUM:
		if (o->min < INT_MIN || o->max > INT_MAX || o->min > o->max)
			return hs_error(eb, HS_EFAIL, "--%s: bounds %lld to "
			    "%lld do not fit its int field", o->name, o->min,
			    o->max);
		n = strtonum(text, o->min, o->max, &errstr);
		if (errstr != NULL) {
			if (strcmp(errstr, "too large") == 0)
				return hs_error(eb, HS_EUSAGE,
				    "--%s: '%.40s' is too large (max %lld)",
				    o->name, text, o->max);
			if (strcmp(errstr, "too small") == 0)
				return hs_error(eb, HS_EUSAGE,
				    "--%s: '%.40s' is too small (min %lld)",
				    o->name, text, o->min);
			return hs_error(eb, HS_EUSAGE,
			    "--%s: '%.40s' is not a whole number (%lld to %lld)",
			    o->name, text, o->min, o->max);
		}
		*(int *)field = (int)n;
		return 0;
	case OPT_LIST:
		nl = reallocarray(l->v, l->n + 1, sizeof(*nl));
		if (nl == NULL)
			return hs_error(eb, HS_ENOMEM, "out of memory");
		nl[l->n++] = text;
		l->v = nl;
		return 0;
	}
	return HS_EFAIL;
}

/* every default from the table, through set_value(): a default the
 * table's own bounds or choices refuse is a bug, reported as one */
static int
set_defaults(struct args *a, struct hs_errbuf *eb)
{
	size_t i;
	int r;

	for (i = 0; i < a->nopts; i++) {
		const struct opt *o = a->o[i].opt;

		if (o->def == NULL || (o->flags & OPT_DEF_DESCRIBED))
			continue;
		if (o->kind == OPT_FLAG || o->kind == OPT_LIST)
			return hs_error(eb, HS_EFAIL, "--%s: a %s has no "
			    "default", o->name, o->kind == OPT_FLAG ? "flag" :
			    "list");
		if ((r = set_value(a, &a->o[i], o->def, eb)) != 0) {
			struct hs_errbuf why = *eb;

			return hs_error(eb, HS_EFAIL, "option table: the "
			    "default of %s", why.msg);
		}
	}
	return 0;
}

int
args_parse(const struct cmd *c, int argc, char **argv, struct args *a,
    struct hs_errbuf *eb)
{
	const struct opt_group *g;
	const struct opt *o;
	size_t i = 0;
	int k, r, dashdash = 0;

	memset(a, 0, sizeof(*a));
	a->cmd = c;
	a->nopts = cmd_nopts(c);
	if ((a->o = calloc(a->nopts + 1, sizeof(*a->o))) == NULL ||
	    (a->opts = calloc(1, c->optsize ? c->optsize : 1)) == NULL ||
	    (a->pos = calloc((size_t)argc + 1, sizeof(*a->pos))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	for (g = c->groups; g && g->opts; g++)
		for (o = g->opts; o->name; o++) {
			a->o[i].opt = o;
			a->o[i++].off = g->off + o->off;
		}
	if ((r = set_defaults(a, eb)) != 0)
		return r;

	for (k = 1; k < argc; k++) {
		char *arg = argv[k];
		struct args_opt *v = NULL;
		const char *val = NULL;
		char name[64];

		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);

			if (len >= sizeof(name))
				len = sizeof(name) - 1;
			memcpy(name, arg + 2, len);
			name[len] = '\0';
			if (eq)
				val = eq + 1;
			if (strcmp(name, "help") == 0) {
				a->help = 1;
				continue;
			}
			v = args_find(a, name);
			if (v == NULL)
				return hs_error(eb, HS_EUSAGE,
				    "unknown option '--%s' for '%s'; see "
				    "'hubspy %s --help'", name, c->name,
				    c->name);
		} else {
			const char *p;

			if (arg[1] == 'h' && arg[2] == '\0') {
				a->help = 1;
				continue;
			}
			for (i = 0; i < a->nopts; i++)
				if (a->o[i].opt->short_name == arg[1])
					v = &a->o[i];
			if (v == NULL)
				return hs_error(eb, HS_EUSAGE,
				    "unknown option '-%c' for '%s'; see "
				    "'hubspy %s --help'", arg[1], c->name,
				    c->name);
			if (v->opt->kind == OPT_FLAG) {
				/* -vv: a repeated flag counts */
				for (p = arg + 1; *p; p++)
					if (*p != arg[1])
						return hs_error(eb, HS_EUSAGE,
						    "-%c takes no value ('%.40s')",
						    arg[1], arg);
				for (p = arg + 1; *p; p++)
					set_value(a, v, NULL, eb);
				v->given = 1;
				continue;
			}
			if (arg[2] != '\0')
				val = arg + 2;
		}
		if (v->opt->kind == OPT_FLAG) {
			if (val != NULL)
				return hs_error(eb, HS_EUSAGE,
				    "--%s takes no value", v->opt->name);
			set_value(a, v, NULL, eb);
			v->given = 1;
			continue;
		}
		if (val == NULL) {
			if (k + 1 >= argc)
				return hs_error(eb, HS_EUSAGE,
				    "--%s needs a value (%s)", v->opt->name,
				    v->opt->metavar ? v->opt->metavar : "VALUE");
			val = argv[++k];
		}
		if (v->given && v->opt->kind != OPT_LIST)
			return hs_error(eb, HS_EUSAGE,
			    "--%s given twice", v->opt->name);
		if ((r = set_value(a, v, val, eb)) != 0)
			return r;
		v->given = 1;
	}
	if (a->help)
		return 0;
	if (a->npos < c->min_pos)
		return hs_error(eb, HS_EUSAGE,
		    "'%s' needs %s; usage: hubspy %s %s", c->name,
		    c->min_pos == 1 ? "an argument" : "more arguments",
		    c->name, c->synopsis);
	if (a->npos > c->max_pos)
		return hs_error(eb, HS_EUSAGE,
		    "unexpected argument '%.60s'; usage: hubspy %s %s",
		    a->pos[c->max_pos], c->name, c->synopsis);
	return 0;
}

void
args_release(struct args *a)
{
	size_t i;

	for (i = 0; a->o && a->opts && i < a->nopts; i++)
		if (a->o[i].opt->kind == OPT_LIST)
			free(((struct opt_list *)((char *)a->opts +
			    a->o[i].off))->v);
	free(a->o);
	free(a->opts);
	free(a->pos);
	memset(a, 0, sizeof(*a));
}

int
opt_isset(const struct args *a, const void *field)
{
	size_t i, off;

	if (a->opts == NULL || (const char *)field < (const char *)a->opts)
		return 0;
	off = (size_t)((const char *)field - (const char *)a->opts);
	for (i = 0; i < a->nopts; i++)
		if (a->o[i].off == off)
			return a->o[i].given;
	return 0;
}

/* --- help --- */

static void
opt_label(char *dst, size_t n, const struct opt *o)
{
	char sh[8] = "    ";

	if (o->short_name)
		snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
	if (o->kind == OPT_FLAG)
		snprintf(dst, n, "%s--%s", sh, o->name);
	else
		snprintf(dst, n, "%s--%s %s%s", sh, o->name,
		    o->metavar ? o->metavar : "VALUE",
		    o->kind == OPT_LIST ? "..." : "");
}

static void
opt_extra(char *dst, size_t n, const struct opt *o)
{
	dst[0] = '\0';
	if (o->choices) {
		const char *const *ch;

		strlcat(dst, " (", n);
		for (ch = o->choices; *ch; ch++) {
			if (ch != o->choices)
				strlcat(dst, "|", n);
			strlcat(dst, *ch, n);
		}
		strlcat(dst, ")", n);
	}
	if (o->def) {
		strlcat(dst, " [default: ", n);
		strlcat(dst, o->def, n);
		strlcat(dst, "]", n);
	}
}

/* prints text wrapped at 78 columns with indent */
static void
wrap(FILE *fp, const char *text, int indent, int first)
{
	int col = first;
	const char *p = text;

	while (*p) {
		const char *w = p;
		int len;

		while (*w == ' ')
			w++;
		if (*w == '\n') {
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
			p = w + 1;
			continue;
		}
		len = (int)strcspn(w, " \n");
		if (len == 0)
			break;
		if (col + len + 1 > 78 && col > indent) {
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', fp);
			col++;
		}
		fwrite(w, 1, (size_t)len, fp);
		col += len;
		p = w + len;
	}
	fputc('\n', fp);
}

void
opt_help(FILE *fp, const struct cmd *c)
{
	const struct opt_group *g;
	const struct opt *o;
	const char *d;

	fprintf(fp, "usage: hubspy %s %s\n\n", c->name, c->synopsis);
	wrap(fp, c->summary, 0, 0);
	for (d = c->description; d && *d;) {
		const char *e = strstr(d, "\n\n");
		size_t len = e ? (size_t)(e - d) : strlen(d);
		char *para = strndup(d, len);

		fputc('\n', fp);
		if (para)
			wrap(fp, para, 0, 0);
		free(para);
		d = e ? e + 2 : d + len;
	}
	fprintf(fp, "\noptions:\n");
	for (g = c->groups; g && g->opts; g++)
		for (o = g->opts; o->name; o++) {
			char label[80], extra[400], text[1200];
			int len;

			opt_label(label, sizeof(label), o);
			opt_extra(extra, sizeof(extra), o);
			snprintf(text, sizeof(text), "%s%s", o->help, extra);
			len = fprintf(fp, "  %s", label);
			if (len >= 30) {
				fprintf(fp, "\n%30s", "");
				len = 30;
			} else {
				fprintf(fp, "%*s", 30 - len, "");
				len = 30;
			}
			wrap(fp, text, 30, len);
		}
	{
		char label[80];

		opt_label(label, sizeof(label), &opt_help_opt);
		fprintf(fp, "  %-28s%s\n", label, opt_help_opt.help);
	}
	fprintf(fp, "\nexit codes: see 'hubspy --help' or man hubspy\n");
}

void
opt_overview(FILE *fp, const struct cmd *const *cmds)
{
	const struct exit_doc *e;

	fprintf(fp, "usage: hubspy COMMAND [OPTIONS]\n"
	    "       hubspy --version | --help | help COMMAND\n\n"
	    "Profile a JupyterHub under load: ramp fake users to plateaus, "
	    "run py-spy\ninside the hub while the load is held, and archive "
	    "the evidence.\n\ncommands:\n");
	for (; *cmds; cmds++)
		if (!(*cmds)->hidden)
			fprintf(fp, "  %-12s%s\n", (*cmds)->name,
			    (*cmds)->summary);
	fprintf(fp, "\nexit codes:\n");
	for (e = opt_exit_codes; e->meaning; e++)
		fprintf(fp, "  %d  %s\n", e->code, e->meaning);
	fprintf(fp, "\n'hubspy COMMAND --help' shows a command's options.\n");
}

/* troff-escapes text: backslashes, leading dots and quotes, hyphens in
 * option names */
static void
man_text(FILE *fp, const char *s)
{
	int bol = 1;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", fp);
		bol = 0;
		switch (*s) {
		case '\\':
			fputs("\\e", fp);
			break;
		case '-':
			fputs("\\-", fp);
			break;
		case '\n':
			fputc('\n', fp);
			bol = 1;
			break;
		default:
			fputc(*s, fp);
		}
	}
}

void
opt_manpage(FILE *fp, const struct cmd *const *cmds, const char *version)
{
	const struct cmd *const *cp;
	const struct exit_doc *e;

	fprintf(fp, ".\\\" generated by 'hubspy manpage' from the option "
	    "tables; do not edit\n");
	fprintf(fp, ".TH HUBSPY 1 \"\" \"hubspy %s\" \"User Commands\"\n",
	    version);
	fprintf(fp, ".SH NAME\nhubspy \\- profile a JupyterHub under load "
	    "with py\\-spy\n");
	fprintf(fp, ".SH SYNOPSIS\n");
	for (cp = cmds; *cp; cp++) {
		if ((*cp)->hidden)
			continue;
		fprintf(fp, ".B hubspy %s\n", (*cp)->name);
		man_text(fp, (*cp)->synopsis);
		fprintf(fp, "\n.br\n");
	}
	fprintf(fp, ".SH DESCRIPTION\n");
	man_text(fp, "hubspy ramps fake users and notebook servers through the "
	    "JupyterHub REST API to plateaus of user counts, runs py-spy top, "
	    "record and dump inside the hub (through kubectl exec, an "
	    "ephemeral debug container, or locally) while the load is held, "
	    "measures the hub, and archives flamegraphs, dumps and run "
	    "metadata into one tarball with a readable summary.");
	fprintf(fp, "\n.PP\nOptions follow the command name. The hub URL "
	    "comes from \\fB\\-\\-url\\fR, else \\fBJUPYTERHUB_API_URL\\fR, "
	    "else \\fBJUPYTERHUB_ENDPOINT\\fR; the token from "
	    "\\fBJUPYTERHUB_API_TOKEN\\fR, \\fB\\-\\-token\\-file\\fR, or a "
	    "prompt on a terminal. The token is never accepted as an "
	    "argument, printed or logged.\n");
	fprintf(fp, ".SH COMMANDS\n");
	for (cp = cmds; *cp; cp++) {
		const struct cmd *c = *cp;
		const struct opt_group *g;
		const struct opt *o;
		const char *d;

		if (c->hidden)
			continue;
		fprintf(fp, ".SS \"hubspy %s\"\n", c->name);
		man_text(fp, c->summary);
		fputc('\n', fp);
		for (d = c->description; d && *d;) {
			const char *end = strstr(d, "\n\n");
			size_t len = end ? (size_t)(end - d) : strlen(d);
			char *para = strndup(d, len);

			fprintf(fp, ".PP\n");
			if (para)
				man_text(fp, para);
			fputc('\n', fp);
			free(para);
			d = end ? end + 2 : d + len;
		}
		for (g = c->groups; g && g->opts; g++)
			for (o = g->opts; o->name; o++) {
				char extra[400];

				fprintf(fp, ".TP\n");
				if (o->short_name)
					fprintf(fp, "\\fB\\-%c\\fR, ",
					    o->short_name);
				fprintf(fp, "\\fB\\-\\-");
				man_text(fp, o->name);
				fprintf(fp, "\\fR");
				if (o->kind != OPT_FLAG) {
					fprintf(fp, " \\fI");
					man_text(fp, o->metavar ?
					    o->metavar : "VALUE");
					fprintf(fp, "\\fR");
				}
				fputc('\n', fp);
				opt_extra(extra, sizeof(extra), o);
				man_text(fp, o->help);
				man_text(fp, extra);
				fputc('\n', fp);
			}
	}
	fprintf(fp, ".SH EXIT STATUS\n");
	for (e = opt_exit_codes; e->meaning; e++) {
		fprintf(fp, ".TP\n.B %d\n", e->code);
		man_text(fp, e->meaning);
		fputc('\n', fp);
	}
	fprintf(fp, ".SH ENVIRONMENT\n.TP\n.B JUPYTERHUB_API_URL\n"
	    "The hub API root, e.g. http://127.0.0.1:8081/hub/api\n"
	    ".TP\n.B JUPYTERHUB_ENDPOINT\nThe same, as IBM's "
	    "hub\\-stress\\-test.py names it\n"
	    ".TP\n.B JUPYTERHUB_API_TOKEN\nThe API token\n"
	    ".TP\n.B NO_COLOR\nNo colour in terminal output\n");
	fprintf(fp, ".SH SEE ALSO\n.BR kubectl (1),\n.BR py\\-spy (1)\n");
}
