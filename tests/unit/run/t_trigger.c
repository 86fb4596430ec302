/* t_trigger.c -- unit tests for the stall triggers: the gate, the loop histogram */
#include <math.h>
#include <string.h>

#include "measure/metrics.h"
#include "run/trigger.h"
#include "unit.h"

/* one stall is one trigger; the gap, the maximum and a running capture
 * skip, each consuming the stall; a reading below the threshold re-arms */
UNIT_TEST(trigger_gate_table)
{
	static const struct {
		enum trigger_source	 s;
		double			 value;
		int64_t			 now_ms;
		int			 busy;
		enum trigger_verdict	 want;
	} steps[] = {
		{ TRIGGER_PROBE, 0.2, 0, 0, TRIGGER_QUIET },
		{ TRIGGER_PROBE, 1.0, 1000, 0, TRIGGER_FIRE },	/* at the threshold */
		{ TRIGGER_PROBE, 1.5, 1100, 0, TRIGGER_QUIET },	/* the same stall */
		{ TRIGGER_PROBE, 9.0, 5000, 0, TRIGGER_QUIET },
		{ TRIGGER_PROBE, 0.1, 6000, 0, TRIGGER_QUIET },	/* re-armed */
		{ TRIGGER_PROBE, 2.0, 7000, 0, TRIGGER_SKIP_GAP },	/* 6 s < 10 s */
		{ TRIGGER_PROBE, 2.0, 7100, 0, TRIGGER_QUIET },	/* consumed */
		{ TRIGGER_LOOP, 0.5, 20000, 0, TRIGGER_FIRE },	/* other source */
		{ TRIGGER_PROBE, 0.1, 30000, 0, TRIGGER_QUIET },
		{ TRIGGER_PROBE, 3.0, 31000, 1, TRIGGER_SKIP_BUSY },
		{ TRIGGER_PROBE, 0.1, 40000, 0, TRIGGER_QUIET },
		{ TRIGGER_PROBE, 3.0, 41000, 0, TRIGGER_SKIP_MAX },	/* 2 fired */
		{ TRIGGER_LOOP, NAN, 50000, 0, TRIGGER_QUIET },	/* unknown */
	};
	struct trigger_config c = TRIGGER_CONFIG_INIT;
	struct trigger_gate g;
	size_t i;

	c.min_gap_s = 10;
	c.max_per_window = 2;
	trigger_gate_init(&g);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		CHECK_INT(trigger_gate_eval(&g, &c, steps[i].s, steps[i].value,
		    steps[i].now_ms, steps[i].busy), steps[i].want);
	/* a new window: the maximum starts again, the gap still holds */
	trigger_gate_window(&g);
	CHECK_INT(trigger_gate_eval(&g, &c, TRIGGER_PROBE, 0.1, 60000, 0),
	    TRIGGER_QUIET);
	CHECK_INT(trigger_gate_eval(&g, &c, TRIGGER_PROBE, 4.0, 61000, 0),
	    TRIGGER_FIRE);
	/* a threshold of 0 turns the source off */
	c.loop_s = 0;
	CHECK_INT(trigger_gate_eval(&g, &c, TRIGGER_LOOP, 100, 99000, 0),
	    TRIGGER_QUIET);
	CHECK_STR(trigger_skip_reason(TRIGGER_SKIP_BUSY),
	    "a capture was running");
	CHECK(trigger_skip_reason(TRIGGER_FIRE) == NULL);
	CHECK_STR(trigger_source_name(TRIGGER_LOOP), "loop_interval");
}

static void
hist(struct metrics_snapshot *m, const double *le, const double *cum,
    size_t n)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->has_event_loop = 1;
	m->nloop = n;
	for (i = 0; i < n; i++) {
		m->loop_le[i] = le[i];
		m->loop_cum[i] = cum[i];
	}
	m->loop_count = cum[n - 1];
}

UNIT_TEST(trigger_loop_interval_buckets)
{
	static const double le[] = { 0.05, 0.1, 0.5, 1, 5, INFINITY };
	static const double c0[] = { 100, 110, 112, 112, 112, 112 };
	static const double fast[] = { 140, 160, 162, 162, 162, 162 };
	static const double slow[] = { 150, 160, 162, 162, 163, 163 };
	static const double huge[] = { 150, 160, 162, 162, 162, 163 };
	static const double reset[] = { 1, 1, 1, 1, 1, 1 };
	struct metrics_snapshot a, b;

	hist(&a, le, c0, 6);
	hist(&b, le, fast, 6);
	CHECK(trigger_loop_interval(&a, &b) == 0.05);	/* none over 0.1 */
	hist(&b, le, slow, 6);
	CHECK(trigger_loop_interval(&a, &b) == 1);	/* one in (1, 5] */
	hist(&b, le, huge, 6);
	CHECK(trigger_loop_interval(&a, &b) == 5);	/* one over 5 s */
	hist(&b, le, c0, 6);
	CHECK(trigger_loop_interval(&a, &b) == 0);	/* no new count */
	hist(&b, le, reset, 6);
	CHECK(isnan(trigger_loop_interval(&a, &b)));	/* restarted */
	b.has_event_loop = 0;
	CHECK(isnan(trigger_loop_interval(&a, &b)));	/* before 5.0 */
	CHECK(isnan(trigger_loop_interval(NULL, &a)));
}

UNIT_TEST(trigger_config_ranges)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct trigger_config c = TRIGGER_CONFIG_INIT;

	CHECK_INT(trigger_config_check(&c, &eb), 0);
	c.probe_s = 0;		/* off */
	CHECK_INT(trigger_config_check(&c, &eb), 0);
	c.probe_s = 0.05;
	CHECK_INT(trigger_config_check(&c, &eb), HS_EUSAGE);
	CHECK_STR(eb.msg, "triggers.probe: 0.05 is out of range (0 to turn it "
	    "off, or 0.1 to 600 seconds)");
	c.probe_s = 1;
	c.loop_s = 700;
	CHECK_INT(trigger_config_check(&c, &eb), HS_EUSAGE);
	c.loop_s = 0.5;
	c.interval_s = 0;
	CHECK_INT(trigger_config_check(&c, &eb), HS_EUSAGE);
}

UNIT_TEST(trigger_log_lines)
{
	static const struct { const char *line; double want; } cases[] = {
		{ "[W 2026-01-01 00:00:00.000 JupyterHub app:3210] Event loop "
		  "was unresponsive for at least 2.31s!", 2.31 },
		{ "Event loop was unresponsive for at least 7 s", 7 },
		{ "Event loop was unresponsive for at least s", NAN },
		{ "Event loop was unresponsive for at least", NAN },
		{ "[I ...] 200 GET /hub/health", NAN },
		{ "", NAN },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = trigger_log_line(cases[i].line,
		    strlen(cases[i].line));

		CHECK(isnan(cases[i].want) ? isnan(v) : v == cases[i].want);
	}
	CHECK_STR(trigger_source_name(TRIGGER_LOG), "log");
}
