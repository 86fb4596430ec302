/* t_opt.c -- unit tests for cli/opt.c: option parsing */
#include <string.h>

#include "core/hs.h"
#include "cli/opt.h"
#include "unit.h"

static const char *const colours[] = { "red", "blue", NULL };
static const struct opt t_opts[] = {
	{ "count", 'c', OPT_NUM, "N", 1, 100, "10", "users", NULL },
	{ "verbose", 'v', OPT_FLAG, NULL, 0, 0, NULL, "more", NULL },
	{ "colour", 0, OPT_STR, "C", 0, 0, NULL, "a colour", colours },
	{ "set", 0, OPT_LIST, "K=V", 0, 0, NULL, "override", NULL },
	OPT_END
};
static const struct opt *const t_groups[] = { t_opts, NULL };
static const struct cmd t_cmd = { "t", "[OPTIONS] X", "test", NULL,
	t_groups, 1, 1, NULL, 0 };

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
	const char *const *l;
	size_t n;

	CHECK_INT(parse("t x -vv --count=7 --set a=1 --set b=2 --colour red",
	    &a, &eb), 0);
	CHECK_INT(args_num(&a, "count", 10), 7);
	CHECK_INT(args_flag(&a, "verbose"), 2);
	CHECK_STR(args_str(&a, "colour", NULL), "red");
	l = args_list(&a, "set", &n);
	CHECK_INT(n, 2);
	CHECK_STR(l[1], "b=2");
	CHECK_STR(a.pos[0], "x");
	args_release(&a);
	CHECK_INT(parse("t x", &a, &eb), 0);
	CHECK_INT(args_num(&a, "count", 10), 10);
	CHECK_INT(args_flag(&a, "verbose"), 0);
	args_release(&a);
}
