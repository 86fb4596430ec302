/* t_diff.c -- unit tests for report/diff.c: shares and the headline */
#include "report/diff.h"
#include "report/stacks.h"
#include "unit.h"

UNIT_TEST(diff_shares)
{
	static const char ra[] = "m (a.py:1);hash_token (u.py:3) 1\nm (a.py:1);idle (s.py:1) 9\n";
	static const char rb[] = "m (a.py:1);hash_token (u.py:3) 50\nm (a.py:1);idle (s.py:1) 50\n";
	struct stacks a, b;
	struct diff d = DIFF_INIT;
	char line[256];

	CHECK_INT(stacks_init(&a), 0);
	CHECK_INT(stacks_init(&b), 0);
	stacks_parse_raw(&a, ra, sizeof(ra) - 1);
	stacks_parse_raw(&b, rb, sizeof(rb) - 1);
	CHECK_INT(diff_build(&d, &a, &b), 0);
	CHECK_INT(d.nmovers, 3);
	CHECK_STR(d.movers[d.headline].label, "hash_token (u.py)");
	diff_sentence(&d.movers[d.headline], "100", "3000 users", line,
	    sizeof(line));
	CHECK_STR(line, "`hash_token` from 10.0 % to 50.0 % of samples between "
	    "100 and 3000 users (own time: 10.0 % to 50.0 %)");
	diff_release(&d);
	stacks_release(&a);
	stacks_release(&b);
}
