/* t_opt.c -- unit tests for cli/opt.c: option parsing, and the typed
 * option binding: defaults, bounds, set flags, lists, groups */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opt.h"
#include "core/hs.h"
#include "unit.h"

static const char *const colours[] = { "red", "blue", NULL };
struct t_options {
	int		 count, verbose;
	const char	*colour;
	struct opt_list	 set;
};
#define B(kind, m) OPT_BIND(struct t_options, kind, m)
static const struct opt t_opts[] = {
	{ "count", 'c', B(OPT_NUM, count), "N", 1, 100, "10", "users", NULL, 0 },
	{ "verbose", 'v', B(OPT_FLAG, verbose), NULL, 0, 0, NULL, "more", NULL,
	  0 },
	{ "colour", 0, B(OPT_STR, colour), "C", 0, 0, NULL, "a colour",
	  colours, 0 },
	{ "set", 0, B(OPT_LIST, set), "K=V", 0, 0, NULL, "override", NULL, 0 },
	OPT_END
};
#undef B
static const struct opt_group t_groups[] = { { t_opts, 0 }, OPT_GROUP_END };
static const struct cmd t_cmd = { "t", "[OPTIONS] X", "test", NULL,
	t_groups, sizeof(struct t_options), 1, 1, NULL, 0 };

static int
parse(const char *line, struct args *a, struct hs_errbuf *eb)
{
	static char copy[256];
	char *argv[16], *tok, *save;
	int argc = 0;

	strlcpy(copy, line, sizeof(copy));
	for (tok = strtok_r(copy, " ", &save); tok && argc < 15;
	    tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return args_parse(&t_cmd, argc, argv, a, eb);
}

UNIT_TEST(opt_parse_table)
{
	static const struct {
		const char	*line;
		int		 r;
		const char	*msg;
	} cases[] = {
		{ "t x --count 5", 0, "" },
		{ "t x --count=5 -vv", 0, "" },
		{ "t x -c5", 0, "" },
		{ "t x --count 0", HS_EUSAGE, "--count: '0' is too small (min 1)" },
		{ "t x --count 101", HS_EUSAGE, "--count: '101' is too large (max 100)" },
		{ "t x --count ten", HS_EUSAGE, "--count: 'ten' is not a whole number (1 to 100)" },
		{ "t x --count", HS_EUSAGE, "--count needs a value (N)" },
		{ "t x --count 1 --count 2", HS_EUSAGE, "--count given twice" },
		{ "t x --nope", HS_EUSAGE, "unknown option '--nope' for 't'; see 'hubspy t --help'" },
		{ "t x --colour green", HS_EUSAGE, "--colour: 'green' is not one of: red, blue" },
		{ "t", HS_EUSAGE, "'t' needs an argument; usage: hubspy t [OPTIONS] X" },
		{ "t x y", HS_EUSAGE, "unexpected argument 'y'; usage: hubspy t [OPTIONS] X" },
		{ "t x -vx", HS_EUSAGE, "-v takes no value ('-vx')" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct args a;

		CHECK_INT(parse(cases[i].line, &a, &eb), cases[i].r);
		CHECK_STR(eb.msg, cases[i].msg);
		args_release(&a);
	}
}

UNIT_TEST(opt_values)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct args a;
	const struct t_options *o;

	CHECK_INT(parse("t x -vv --count=7 --set a=1 --set b=2 --colour red",
	    &a, &eb), 0);
	o = a.opts;
	CHECK_INT(o->count, 7);
	CHECK_INT(o->verbose, 2);
	CHECK_STR(o->colour, "red");
	CHECK_INT(o->set.n, 2);
	CHECK_STR(o->set.v[1], "b=2");
	CHECK_STR(a.pos[0], "x");
	args_release(&a);
	CHECK_INT(parse("t x", &a, &eb), 0);
	o = a.opts;
	CHECK_INT(o->count, 10);
	CHECK_INT(o->verbose, 0);
	args_release(&a);
}

/* a shared group, bound as a member struct at different offsets */
struct tg_options {
	const char	*where;
	int		 tries;
};
#define G(kind, m) OPT_BIND(struct tg_options, kind, m)
static const struct opt tg_opts[] = {
	{ "where", 'w', G(OPT_STR, where), "W", 0, 0, "here", "where", NULL,
	  0 },
	{ "tries", 0, G(OPT_NUM, tries), "N", 0, 9, "3", "tries", NULL, 0 },
	OPT_END
};
#undef G

static const char *const modes[] = { "fast", "slow", NULL };
struct tb_options {
	int		 count;
	const char	*mode;
	int		 verbose;
	struct opt_list	 set;
	const char	*out;
	int		 limit;		/* no default: 0 */
	struct tg_options g;
};
#define B(kind, m) OPT_BIND(struct tb_options, kind, m)
static const struct opt tb_opts[] = {
	{ "count", 'c', B(OPT_NUM, count), "N", 1, 100, "10", "count", NULL,
	  0 },
	{ "mode", 0, B(OPT_STR, mode), "M", 0, 0, "slow", "mode", modes, 0 },
	{ "verbose", 'v', B(OPT_FLAG, verbose), NULL, 0, 0, NULL, "more",
	  NULL, 0 },
	{ "set", 0, B(OPT_LIST, set), "K=V", 0, 0, NULL, "set", NULL, 0 },
	{ "out", 'o', B(OPT_STR, out), "DIR", 0, 0, "out-TIME", "dir", NULL,
	  OPT_DEF_DESCRIBED },
	{ "limit", 0, B(OPT_NUM, limit), "N", 1, 5, NULL, "limit", NULL, 0 },
	OPT_END
};
#undef B
static const struct opt_group tb_groups[] = {
	{ tb_opts, 0 },
	OPT_GROUP(tg_opts, struct tb_options, g, struct tg_options),
	OPT_GROUP_END
};
static const struct cmd tb_cmd = { "tb", "[OPTIONS]", "binding", NULL,
	tb_groups, sizeof(struct tb_options), 0, 2, NULL, 0 };

/* the same group first, in another struct */
struct tc_options {
	struct tg_options g;
	int		 n;
};
static const struct opt tc_opts[] = {
	{ "n", 0, OPT_BIND(struct tc_options, OPT_NUM, n), "N", 0, 9, "7",
	  "n", NULL, 0 },
	OPT_END
};
static const struct opt_group tc_groups[] = {
	OPT_GROUP(tg_opts, struct tc_options, g, struct tg_options),
	{ tc_opts, 0 },
	OPT_GROUP_END
};
static const struct cmd tc_cmd = { "tc", "", "group first", NULL,
	tc_groups, sizeof(struct tc_options), 0, 0, NULL, 0 };

/* parses a NULL-terminated argv: tparse(&c, ARGV("c", "-v"), ...) */
#define ARGV(...) ((const char *const []){ __VA_ARGS__, NULL })
static int
tparse(const struct cmd *c, const char *const *argv, struct args *a,
    struct hs_errbuf *eb)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	return args_parse(c, argc, (char **)argv, a, eb);
}

UNIT_TEST(opt_bind_defaults_from_table)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct args a;
	const struct tb_options *o;

	CHECK_INT(tparse(&tb_cmd, ARGV("tb"), &a, &eb), 0);
	o = a.opts;
	CHECK_INT(o->count, 10);
	CHECK_STR(o->mode, "slow");
	CHECK_INT(o->verbose, 0);
	CHECK_INT(o->set.n, 0);
	CHECK(o->set.v == NULL);
	CHECK_INT(o->limit, 0);
	/* a described default is shown, never applied */
	CHECK(o->out == NULL);
	/* a group's defaults land in its member struct */
	CHECK_STR(o->g.where, "here");
	CHECK_INT(o->g.tries, 3);
	/* nothing was given */
	CHECK_INT(opt_isset(&a, &o->count), 0);
	CHECK_INT(opt_isset(&a, &o->mode), 0);
	CHECK_INT(opt_isset(&a, &o->g.tries), 0);
	args_release(&a);
}

UNIT_TEST(opt_bind_values_and_set_flags)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct args a;
	const struct tb_options *o;

	/* the value equal to the default still counts as given */
	CHECK_INT(tparse(&tb_cmd, ARGV("tb", "--count", "10", "-vvv", "-w",
	    "there", "--tries=0", "--mode", "fast", "-o", "d", "p1"), &a, &eb),
	    0);
	o = a.opts;
	CHECK_INT(o->count, 10);
	CHECK_INT(opt_isset(&a, &o->count), 1);
	CHECK_INT(o->verbose, 3);
	CHECK_INT(opt_isset(&a, &o->verbose), 1);
	CHECK_STR(o->mode, "fast");
	CHECK_STR(o->out, "d");
	CHECK_INT(opt_isset(&a, &o->out), 1);
	CHECK_STR(o->g.where, "there");
	CHECK_INT(o->g.tries, 0);
	CHECK_INT(opt_isset(&a, &o->g.tries), 1);
	CHECK_INT(opt_isset(&a, &o->g.where), 1);
	CHECK_INT(opt_isset(&a, &o->limit), 0);
	CHECK_INT(opt_isset(&a, &o->set), 0);
	CHECK_INT(a.npos, 1);
	CHECK_STR(a.pos[0], "p1");
	/* an address that is no option's field is not set */
	CHECK_INT(opt_isset(&a, (const char *)&o->count + 1), 0);
	args_release(&a);
	CHECK(a.opts == NULL);
}

UNIT_TEST(opt_bind_lists)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct args a;
	const struct tb_options *o;

	CHECK_INT(tparse(&tb_cmd, ARGV("tb", "--set", "a=1", "--set=b=2",
	    "--set", "c=3"), &a, &eb), 0);
	o = a.opts;
	CHECK_INT(o->set.n, 3);
	CHECK_STR(o->set.v[0], "a=1");
	CHECK_STR(o->set.v[1], "b=2");
	CHECK_STR(o->set.v[2], "c=3");
	CHECK_INT(opt_isset(&a, &o->set), 1);
	args_release(&a);
}

UNIT_TEST(opt_bind_group_offsets)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct args a;
	const struct tc_options *o;

	CHECK_INT(tparse(&tc_cmd, ARGV("tc", "--tries", "5"), &a, &eb), 0);
	o = a.opts;
	CHECK_STR(o->g.where, "here");
	CHECK_INT(o->g.tries, 5);
	CHECK_INT(o->n, 7);
	CHECK_INT(opt_isset(&a, &o->g.tries), 1);
	CHECK_INT(opt_isset(&a, &o->n), 0);
	args_release(&a);
}

UNIT_TEST(opt_bind_user_errors)
{
	static const struct {
		const char	*argv[6];
		const char	*msg;
	} cases[] = {
		{ { "tb", "--tries", "10" }, "--tries: '10' is too large (max 9)" },
		{ { "tb", "--limit", "0" }, "--limit: '0' is too small (min 1)" },
		{ { "tb", "--mode", "medium" },
		    "--mode: 'medium' is not one of: fast, slow" },
		{ { "tb", "-w", "a", "-w", "b" }, "--where given twice" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct args a;

		CHECK_INT(tparse(&tb_cmd, cases[i].argv, &a, &eb), HS_EUSAGE);
		CHECK_STR(eb.msg, cases[i].msg);
		args_release(&a);
	}
}

/* defaults go through the same checks as the command line: a table whose
 * default its own bounds or choices refuse fails every parse */
struct tbad_options {
	int		 n;
	const char	*s;
	int		 f;
	struct opt_list	 l;
};
#define TB(kind, m) OPT_BIND(struct tbad_options, kind, m)
static const struct opt tbad_small[] = {
	{ "n", 0, TB(OPT_NUM, n), "N", 1, 10, "0", "n", NULL, 0 }, OPT_END
};
static const struct opt tbad_large[] = {
	{ "n", 0, TB(OPT_NUM, n), "N", 1, 10, "11", "n", NULL, 0 }, OPT_END
};
static const struct opt tbad_word[] = {
	{ "n", 0, TB(OPT_NUM, n), "N", 1, 10, "ten", "n", NULL, 0 }, OPT_END
};
static const struct opt tbad_choice[] = {
	{ "s", 0, TB(OPT_STR, s), "S", 0, 0, "medium", "s", modes, 0 },
	OPT_END
};
static const struct opt tbad_flag[] = {
	{ "f", 0, TB(OPT_FLAG, f), NULL, 0, 0, "1", "f", NULL, 0 }, OPT_END
};
static const struct opt tbad_list[] = {
	{ "l", 0, TB(OPT_LIST, l), "L", 0, 0, "x", "l", NULL, 0 }, OPT_END
};
static const struct opt tbad_bounds[] = {
	{ "n", 0, TB(OPT_NUM, n), "N", 0, 1LL << 40, "1", "n", NULL, 0 },
	OPT_END
};
#undef TB

UNIT_TEST(opt_bind_bad_defaults)
{
	static const struct {
		const struct opt	*opts;
		const char		*msg;
	} cases[] = {
		{ tbad_small, "option table: the default of --n: '0' is too "
		    "small (min 1)" },
		{ tbad_large, "option table: the default of --n: '11' is too "
		    "large (max 10)" },
		{ tbad_word, "option table: the default of --n: 'ten' is not a "
		    "whole number (1 to 10)" },
		{ tbad_choice, "option table: the default of --s: 'medium' is "
		    "not one of: fast, slow" },
		{ tbad_flag, "--f: a flag has no default" },
		{ tbad_list, "--l: a list has no default" },
		{ tbad_bounds, "option table: the default of --n: bounds 0 to "
		    "1099511627776 do not fit its int field" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct opt_group g[] = { { cases[i].opts, 0 }, OPT_GROUP_END };
		struct cmd c = { "bad", "", "bad", NULL, g,
			sizeof(struct tbad_options), 0, 0, NULL, 0 };
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct args a;

		CHECK_INT(tparse(&c, ARGV("bad"), &a, &eb), HS_EFAIL);
		CHECK_STR(eb.msg, cases[i].msg);
		args_release(&a);
	}
}

/* every real command: its defaults pass its own checks, each lands in
 * its field as shown by --help, and no two options share a field */
#define CMD(n) extern const struct cmd cmd_##n;
#include "cmds.inc"
#undef CMD
static const struct cmd *const t_commands[] = {
#define CMD(n) &cmd_##n,
#include "cmds.inc"
#undef CMD
	NULL
};

UNIT_TEST(opt_bind_every_command_table)
{
	const struct cmd *const *cp;

	for (cp = t_commands; *cp; cp++) {
		const struct cmd *c = *cp;
		const char *argv[4] = { c->name, "p1", "p2", NULL };
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct args a;
		size_t i, j;
		int r;

		argv[1 + c->min_pos] = NULL;
		r = tparse(c, argv, &a, &eb);
		if (!unit_check(r == 0, __FILE__, __LINE__, "hubspy %s: %s",
		    c->name, eb.msg)) {
			args_release(&a);
			continue;
		}
		for (i = 0; i < a.nopts; i++) {
			const struct opt *o = a.o[i].opt;
			const char *field = (const char *)a.opts + a.o[i].off;

			unit_check(a.o[i].off < c->optsize, __FILE__, __LINE__,
			    "hubspy %s --%s: field outside the struct",
			    c->name, o->name);
			for (j = 0; j < i; j++)
				unit_check(a.o[j].off != a.o[i].off, __FILE__,
				    __LINE__, "hubspy %s: --%s and --%s share "
				    "a field", c->name, a.o[j].opt->name,
				    o->name);
			if (o->def == NULL || (o->flags & OPT_DEF_DESCRIBED))
				continue;
			if (o->kind == OPT_NUM)
				unit_check(*(const int *)field ==
				    atoi(o->def), __FILE__, __LINE__,
				    "hubspy %s --%s: %d, shown %s", c->name,
				    o->name, *(const int *)field, o->def);
			else
				unit_check(strcmp(*(const char *const *)field,
				    o->def) == 0, __FILE__, __LINE__,
				    "hubspy %s --%s: '%s', shown '%s'", c->name,
				    o->name, *(const char *const *)field,
				    o->def);
		}
		args_release(&a);
	}
}
