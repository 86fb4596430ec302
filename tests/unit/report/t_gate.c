/* t_gate.c -- unit tests for report/gate.c: every form of bound, every
 * malformed one and its message, evaluation on the fixture run */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "record/rundata.h"
#include "report/gate.h"
#include "unit.h"

UNIT_TEST(gate_parse_bounds)
{
	static const struct {
		const char	*expr;
		int		 fig, mode, op;
		long		 users;
		double		 bound;
		const char	*figure;
	} cases[] = {
		{ "start.p99>+20%", GATE_LATENCY, GATE_RELATIVE, GATE_GT, -1, 20,
		  "start.p99" },
		{ "probe.p99>+50ms", GATE_LATENCY, GATE_CHANGE, GATE_GT, -1, 0.05,
		  "probe.p99" },
		{ "hub_cpu>+10%", GATE_CPU, GATE_RELATIVE, GATE_GT, -1, 10,
		  "hub_cpu" },
		{ "hub_cpu>80%", GATE_CPU, GATE_ABSOLUTE, GATE_GT, -1, 80,
		  "hub_cpu" },
		{ "event_loop.p99>0.5s", GATE_LOOP, GATE_ABSOLUTE, GATE_GT, -1,
		  0.5, "event_loop.p99" },
		{ "errors>0", GATE_ERRORS, GATE_ABSOLUTE, GATE_GT, -1, 0,
		  "errors" },
		{ "function:hash_token>+5pp", GATE_FUNCTION, GATE_CHANGE, GATE_GT,
		  -1, 5, "function:hash_token" },
		{ "function:<module>>=+1.5pp", GATE_FUNCTION, GATE_CHANGE,
		  GATE_GE, -1, 1.5, "function:<module>" },
		{ "rps<-10%", GATE_RPS, GATE_RELATIVE, GATE_LT, -1, -10, "rps" },
		{ "rps<=20", GATE_RPS, GATE_ABSOLUTE, GATE_LE, -1, 20, "rps" },
		{ "spawn.max@100>2s", GATE_SPAWN, GATE_ABSOLUTE, GATE_GT, 100, 2,
		  "spawn.max" },
		{ "hub_rss>+1GiB", GATE_RSS, GATE_CHANGE, GATE_GT, -1, 1024,
		  "hub_rss" },
		{ "throttled>+5", GATE_429, GATE_CHANGE, GATE_GT, -1, 5,
		  "throttled" },
		{ "ramp>+500ms", GATE_RAMP, GATE_CHANGE, GATE_GT, -1, 0.5,
		  "ramp" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct gate_bound b;

		if (!CHECK(gate_parse(&b, cases[i].expr, &eb) == 0)) {
			fprintf(stderr, "  %s: %s\n", cases[i].expr, eb.msg);
			continue;
		}
		CHECK_INT(b.fig, cases[i].fig);
		CHECK_INT(b.mode, cases[i].mode);
		CHECK_INT(b.op, cases[i].op);
		CHECK_INT(b.users, cases[i].users);
		CHECK(fabs(b.bound - cases[i].bound) < 1e-9);
		CHECK_STR(b.figure, cases[i].figure);
	}
}

UNIT_TEST(gate_parse_errors)
{
	static const struct {
		const char	*expr, *msg;
	} cases[] = {
		{ "nope.p99>+1%", "unknown figure 'nope.p99'" },
		{ "start.p42>+1%", "unknown figure 'start.p42'" },
		{ "cpu>+1%", "unknown figure 'cpu'" },
		{ "start.p99>+20x", "bad unit 'x' for start.p99, a time" },
		{ "start.p99>50", "no unit for start.p99, a time" },
		{ "errors>+5pp", "bad unit 'pp' for errors, a count" },
		{ "errors>5%", "bad unit '%' for errors" },
		{ "hub_rss>+100MB", "bad unit 'MB' for hub_rss, a size" },
		{ "function:f>5pp", "pp is a change in points" },
		{ "start.p99", "expected FIGURE>BOUND" },
		{ ">5", "expected FIGURE>BOUND" },
		{ "start.p99>", "expected a number" },
		{ "start.p99>abc", "expected a number" },
		{ "start.p99@>+1%", "expected users after '@'" },
		{ "start.p99@x>+1%", "plateau 'x' is invalid" },
		{ "event_loop.max>1s", "has no max" },
		{ "function:>+1pp", "unknown figure 'function:'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct gate_bound b;

		CHECK_INT(gate_parse(&b, cases[i].expr, &eb), HS_EUSAGE);
		if (!CHECK(strstr(eb.msg, cases[i].msg) != NULL))
			fprintf(stderr, "  %s: got '%s'\n", cases[i].expr,
			    eb.msg);
		CHECK(strchr(eb.msg, '\n') == NULL);
	}
}

/* the fixture run against itself: every change bound holds, absolute
 * bounds see the run's own figures, the function share is the diff's */
UNIT_TEST(gate_eval_fixture)
{
	static const char *const exprs[] = { "probe.p99>+1%",
		"function:hash_token>+0.1pp", "hub_cpu>+1%", "errors>+0",
		"function:hash_token@3000>50%", "errors>0" };
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct rundata rd = RUNDATA_INIT;
	struct gate_result res = GATE_RESULT_INIT;
	struct gate_bound b[6];
	struct buf out = BUF_INIT(1u << 20);
	char line[400];
	size_t i;

	if (!CHECK(rundata_open(&rd, "tests/fixtures/run", &eb) == 0))
		return;
	for (i = 0; i < 6; i++)
		CHECK(gate_parse(&b[i], exprs[i], &eb) == 0);
	if (!CHECK(gate_eval(b, 4, &rd, &rd, -1, &res, &eb) == 0))
		goto out;
	CHECK_INT(res.nchecks, 12);
	CHECK_INT(res.broken, 0);
	CHECK_INT(res.missing, 0);
	CHECK_INT(res.checks[0].users, 100);
	CHECK_INT(res.checks[2].users, 3000);
	/* the function share at 3000 users is the diff's 59.3 % */
	CHECK(fabs(res.checks[5].new - 59.28) < 0.01);
	gate_result_release(&res);

	/* absolute bounds: the share above 50 % and the run's own errors */
	if (!CHECK(gate_eval(b + 4, 2, &rd, &rd, -1, &res, &eb) == 0))
		goto out;
	CHECK_INT(res.nchecks, 4);
	CHECK_INT(res.broken, 3);
	CHECK_INT(res.checks[0].state, GATE_BROKEN);
	CHECK_INT(res.checks[1].state, GATE_HELD);	/* errors at 100: 0 */
	gate_fmt(&res.checks[0], line, sizeof(line));
	CHECK_STR(line, "function:hash_token@3000>50% at 3000 users: 59.3 % "
	    "-> 59.3 % (+0.0 pp)");
	CHECK(gate_write_markdown(&res, &out) == 0);
	CHECK(strstr(out.data, "| `errors>0` | 1000 | 2 | 2 | +0 | "
	    "**broken** |") != NULL);
	gate_result_release(&res);

	/* --users picks one plateau; a missing one is an error */
	CHECK(gate_eval(b, 1, &rd, &rd, 1000, &res, &eb) == 0);
	CHECK_INT(res.nchecks, 1);
	gate_result_release(&res);
	CHECK_INT(gate_eval(b, 1, &rd, &rd, 777, &res, &eb), HS_EUSAGE);
	CHECK(strstr(eb.msg, "no plateau with 777 users") != NULL);
	CHECK(strstr(eb.msg, "both runs have 100, 1000, 3000") != NULL);
out:
	buf_release(&out);
	gate_result_release(&res);
	rundata_release(&rd);
}

/* a plateau whose two /hub/metrics reads hold the event-loop histogram
 * (JupyterHub 5.0+): cumulative counts at the start and the end */
static void
loop_plateau(struct run_record *rec, long users, const double *end,
    double end_start_time)
{
	static const double le[] = { 0.05, 0.1, 0.5, 1, INFINITY };
	struct record_plateau *p;
	char dir[32];
	size_t i;

	snprintf(dir, sizeof(dir), "plateaus/%04ld", users);
	if (!CHECK(record_add_plateau(rec, users, dir, &p) == 0))
		return;
	p->has_metrics = p->has_mstart = p->has_mend = 1;
	p->mstart.has_event_loop = p->mend.has_event_loop = 1;
	p->mstart.nloop = p->mend.nloop = 5;
	p->mstart.start_time = 1000;
	p->mend.start_time = end_start_time;
	for (i = 0; i < 5; i++) {
		p->mstart.loop_le[i] = p->mend.loop_le[i] = le[i];
		p->mstart.loop_cum[i] = 10;
		p->mend.loop_cum[i] = end[i];
	}
}

/* the event-loop quantiles over the hold, linear within a bucket as
 * Prometheus's histogram_quantile(); a hub restarted in between has none */
UNIT_TEST(gate_event_loop)
{
	static const double end[] = { 60, 80, 98, 100, 100 };	/* +50 +20 +18 +2 */
	static const struct {
		const char	*expr;
		double		 want;
	} cases[] = {
		{ "event_loop.p50>1s", 0.045 },
		{ "event_loop.p90>1s", 0.1 + 0.4 * 11.0 / 18.0 },
		{ "event_loop.p99>1s", 0.5 + 0.5 * 1.1 / 2.0 },
	};
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct run_record rec, restarted;
	struct rundata rd = RUNDATA_INIT, rr = RUNDATA_INIT;
	struct gate_result res = GATE_RESULT_INIT;
	struct gate_bound b;
	size_t i;

	record_init(&rec);
	record_init(&restarted);
	loop_plateau(&rec, 4, end, 1000);
	loop_plateau(&restarted, 4, end, 2000);
	CHECK(rundata_use_dir(&rd, "old", &rec, &eb) == 0);
	CHECK(rundata_use_dir(&rr, "new", &restarted, &eb) == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(gate_parse(&b, cases[i].expr, &eb) == 0);
		if (!CHECK(gate_eval(&b, 1, &rd, &rd, -1, &res, &eb) == 0))
			continue;
		CHECK_INT(res.nchecks, 1);
		if (!CHECK(fabs(res.checks[0].new - cases[i].want) < 1e-9))
			fprintf(stderr, "  %s: got %g, want %g\n", cases[i].expr,
			    res.checks[0].new, cases[i].want);
		CHECK_INT(res.checks[0].state, GATE_HELD);
		gate_result_release(&res);
	}
	/* an absolute bound above the p99 breaks */
	CHECK(gate_parse(&b, "event_loop.p99>500ms", &eb) == 0);
	CHECK(gate_eval(&b, 1, &rd, &rd, -1, &res, &eb) == 0);
	CHECK_INT(res.broken, 1);
	gate_result_release(&res);
	/* a restarted hub: no value in either run, nothing to gate */
	CHECK_INT(gate_eval(&b, 1, &rr, &rr, -1, &res, &eb), HS_EUSAGE);
	CHECK(strstr(eb.msg, "'event_loop.p99' has no value at any plateau "
	    "both runs have") != NULL);
	gate_result_release(&res);
	/* restarted at one plateau of two: that check is missing, neither
	 * held nor broken, and the other one counts */
	loop_plateau(&rec, 8, end, 1000);
	loop_plateau(&restarted, 2, end, 1000);	/* not in rec: not compared */
	loop_plateau(&restarted, 8, end, 1000);
	rundata_release(&rd);
	rundata_release(&rr);
	CHECK(rundata_use_dir(&rd, "old", &rec, &eb) == 0);
	CHECK(rundata_use_dir(&rr, "new", &restarted, &eb) == 0);
	CHECK(gate_parse(&b, "event_loop.p99>+10%", &eb) == 0);
	if (CHECK(gate_eval(&b, 1, &rd, &rr, -1, &res, &eb) == 0)) {
		CHECK_INT(res.nchecks, 2);
		CHECK_INT(res.checks[0].users, 4);
		CHECK_INT(res.checks[0].state, GATE_MISSING);
		CHECK_INT(res.checks[1].users, 8);
		CHECK_INT(res.checks[1].state, GATE_HELD);
		CHECK_INT(res.missing, 1);
	}
	gate_result_release(&res);
	CHECK(gate_eval(&b, 1, &rd, &rd, -1, &res, &eb) == 0);
	CHECK_INT(res.missing, 0);
	gate_result_release(&res);
	rundata_release(&rd);
	rundata_release(&rr);
	record_release(&rec);
	record_release(&restarted);
}
