/* t_named.c -- unit tests for load/named.c's pure helpers */
#include <stdio.h>
#include <string.h>

#include "core/hs.h"
#include "load/named.h"
#include "unit.h"

UNIT_TEST(named_name_ok_table)
{
	static const struct {
		const char	*name;
		int		 want;
	} cases[] = {
		{ "srv-1", 1 },
		{ "a", 1 },
		{ "abcdefghijklmnopqrstuvwxyz1234", 1 },	/* 30 */
		{ "abcdefghijklmnopqrstuvwxyz12345", 0 },	/* 31 */
		{ "", 0 },
		{ "1srv", 0 },
		{ "-srv", 0 },
		{ "srv-", 0 },
		{ "Srv", 0 },
		{ "srv_1", 0 },
		{ "srv.1", 0 },
		{ "srv/1", 0 },
		{ "a-b-c", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(named_name_ok(cases[i].name), cases[i].want);
		if (named_name_ok(cases[i].name) != cases[i].want)
			fprintf(stderr, "  name '%s'\n", cases[i].name);
	}
}

UNIT_TEST(named_server_names_valid_for_6)
{
	char b[16];
	int i;

	named_server_name(b, sizeof(b), 1);
	CHECK_STR(b, "srv-1");
	for (i = 1; i <= 64; i++) {
		named_server_name(b, sizeof(b), i);
		CHECK_INT(named_name_ok(b), 1);
	}
}

UNIT_TEST(named_new_range)
{
	struct named_config c = { 0, NULL, 4, 10, 100, "", NULL, NULL };
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct named *nm = (struct named *)1;

	CHECK_INT(named_new(&nm, NULL, &c, &eb), HS_EUSAGE);
	CHECK(nm == NULL);
	CHECK(strstr(eb.msg, "use 1 to 64") != NULL);
	c.per_user = 65;
	CHECK_INT(named_new(&nm, NULL, &c, &eb), HS_EUSAGE);
}
