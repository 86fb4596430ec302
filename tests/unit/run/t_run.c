/* t_run.c -- unit tests for the run coordinator's pure helpers */
#include <signal.h>
#include <stdio.h>

#include "run/run.h"
#include "unit.h"

UNIT_TEST(run_reason_lines)
{
	static const struct {
		int		 signo;
		const char	*phase;
		int		 plateau;
		const char	*want;
	} cases[] = {
		{ SIGINT, "ramp", 100,
		  "interrupted by SIGINT during the ramp of 100 users" },
		{ SIGTERM, "hold", 1000,
		  "interrupted by SIGTERM during the hold of 1000 users" },
		{ SIGHUP, "capture", 0,
		  "interrupted by SIGHUP during the capture of 0 users" },
		{ SIGINT, "teardown", -1,
		  "interrupted by SIGINT during the teardown" },
		{ SIGINT, "preflight", -1,
		  "interrupted by SIGINT during the preflight" },
		{ SIGTERM, "archive", -1,
		  "interrupted by SIGTERM while archiving" },
	};
	char buf[200], small[16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_reason(buf, sizeof(buf), cases[i].signo, cases[i].phase,
		    cases[i].plateau);
		CHECK_STR(buf, cases[i].want);
	}
	/* truncated, still a string */
	run_reason(small, sizeof(small), SIGINT, "ramp", 5);
	CHECK_STR(small, "interrupted by ");
}
