/* t_metrics.c -- unit tests for the /hub/metrics parser (real 3.0 pages) */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "measure/metrics.h"
#include "unit.h"

static int
parse_file(const char *path, const char *prefix, struct metrics_snapshot *m,
    struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(1u << 20);
	int r;

	CHECK_INT(file_read(path, &b, eb), 0);
	r = metrics_parse(b.data, b.len, prefix, m, eb);
	buf_release(&b);
	return r;
}

static const struct metrics_sum *
req(const struct metrics_snapshot *m, const char *handler, const char *code)
{
	size_t i;

	for (i = 0; i < m->nrequests; i++)
		if (strcmp(m->requests[i].key, handler) == 0 &&
		    strcmp(m->requests[i].code, code) == 0)
			return &m->requests[i];
	return NULL;
}

#define LIST "jupyterhub.apihandlers.users.UserListAPIHandler"

/* a page fetched from Debian's JupyterHub 3.0.0 (tests/harness/hub) */
UNIT_TEST(metrics_real_30_page)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct metrics_snapshot m = METRICS_SNAPSHOT_INIT;
	const struct metrics_sum *x;
	size_t i;

	CHECK_INT(parse_file("tests/fixtures/metrics/metrics-3.0.prom", NULL, &m,
	    &eb), 0);
	CHECK(m.cpu_seconds == 1.21);
	CHECK(m.rss_bytes == 78114816);
	CHECK(m.start_time == 1.79582329159e+09);
	CHECK(m.total_users == 2);
	CHECK(m.running_servers == 1);
	CHECK_INT(m.nrequests, 5);
	CHECK((x = req(&m, LIST, "200")) != NULL && x->count == 1);
	CHECK((x = req(&m, LIST, "201")) != NULL && x->count == 1 &&
	    fabs(x->sum - 0.051627397537231445) < 1e-12);
	CHECK_INT(m.nspawns, 5);
	for (i = 0; i < m.nspawns; i++)
		if (strcmp(m.spawns[i].key, "success") == 0)
			CHECK(m.spawns[i].count == 1);
	/* 3.0 has no event loop metric */
	CHECK_INT(m.has_event_loop, 0);
	CHECK(m.lines > 400);
	metrics_release(&m);
}

UNIT_TEST(metrics_hub_json_30)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct metrics_snapshot s = METRICS_SNAPSHOT_INIT;
	struct metrics_snapshot e = METRICS_SNAPSHOT_INIT;
	cJSON *j, *d, *reqs, *it;
	int n = 0;

	CHECK_INT(parse_file("tests/fixtures/metrics/metrics-3.0.prom", NULL, &s,
	    &eb), 0);
	CHECK_INT(parse_file("tests/fixtures/metrics/metrics-3.0-end.prom",
	    "jupyterhub", &e, &eb), 0);
	CHECK((j = metrics_hub_json(&s, &e, 2.0)) != NULL);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(j, "restarted")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "start"),
	    "event_loop_interval_seconds")));
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "end"),
	    "running_servers_reliable")));
	d = cJSON_GetObjectItem(j, "delta");
	CHECK(fabs(cJSON_GetObjectItem(d, "cpu_seconds")->valuedouble - 0.02) <
	    1e-9);
	CHECK(fabs(cJSON_GetObjectItem(d, "cpu_percent")->valuedouble - 1.0) <
	    1e-6);
	CHECK(cJSON_GetObjectItem(d, "total_users")->valuedouble == 0);
	/* only what happened in between: 3 lists and the metrics read */
	reqs = cJSON_GetObjectItem(d, "request_duration_seconds");
	cJSON_ArrayForEach(it, reqs) {
		n++;
		if (strcmp(cJSON_GetObjectItem(it, "handler")->valuestring,
		    LIST) == 0)
			CHECK(cJSON_GetObjectItem(it, "count")->valuedouble ==
			    3);
		CHECK(cJSON_IsNumber(cJSON_GetObjectItem(it, "mean_ms")));
	}
	CHECK_INT(n, 2);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(d,
	    "event_loop_interval_seconds")));
	cJSON_Delete(j);
	/* a restart: the counters began again, no delta */
	e.start_time += 100;
	CHECK((j = metrics_hub_json(&s, &e, 2.0)) != NULL);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "restarted")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "delta")));
	cJSON_Delete(j);
	/* the end was not read */
	CHECK((j = metrics_hub_json(&s, NULL, 2.0)) != NULL);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "end")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "restarted")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "delta")));
	cJSON_Delete(j);
	metrics_release(&s);
	metrics_release(&e);
}

/* 5.x: a configured prefix and the event loop histogram */
static const char page5[] =
    "# HELP hub_event_loop_interval_seconds Distribution of the event loop\n"
    "# TYPE hub_event_loop_interval_seconds histogram\n"
    "hub_event_loop_interval_seconds_bucket{le=\"0.05\"} %d\n"
    "hub_event_loop_interval_seconds_bucket{le=\"0.1\"} %d\n"
    "hub_event_loop_interval_seconds_bucket{le=\"1.0\"} %d\n"
    "hub_event_loop_interval_seconds_bucket{le=\"+Inf\"} %d\n"
    "hub_event_loop_interval_seconds_count %d\n"
    "hub_event_loop_interval_seconds_sum %d.5\n"
    "hub_total_users{} 7 1700000000000\r\n"
    "jupyterhub_total_users 99\n"
    "hub_request_duration_seconds_count{code=\"200\",handler=\"a\\\"b\","
    "method=\"GET\"} 2\n"
    "hub_request_duration_seconds_count{code=\"200\",handler=\"a\\\"b\","
    "method=\"POST\"} 3\n";

UNIT_TEST(metrics_prefix_and_event_loop)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct metrics_snapshot s = METRICS_SNAPSHOT_INIT;
	struct metrics_snapshot e = METRICS_SNAPSHOT_INIT;
	char text[2048];
	cJSON *j, *loop;
	int n;

	n = snprintf(text, sizeof(text), page5, 100, 100, 100, 100, 100, 5);
	CHECK_INT(metrics_parse(text, (size_t)n, "hub", &s, &eb), 0);
	CHECK(s.total_users == 7);	/* not jupyterhub_total_users */
	CHECK(isnan(s.cpu_seconds));
	CHECK_INT(s.has_event_loop, 1);
	CHECK_INT(s.nloop, 4);
	CHECK(isinf(s.loop_le[3]));
	CHECK_INT(s.nrequests, 1);	/* methods together */
	CHECK_STR(s.requests[0].key, "a\"b");
	CHECK(s.requests[0].count == 5);
	/* 200 more intervals, 10 of them over 0.1 s */
	n = snprintf(text, sizeof(text), page5, 290, 290, 300, 300, 300, 30);
	CHECK_INT(metrics_parse(text, (size_t)n, "hub", &e, &eb), 0);
	CHECK((j = metrics_hub_json(&s, &e, 10)) != NULL);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "restarted")));
	loop = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "delta"),
	    "event_loop_interval_seconds");
	CHECK(cJSON_GetObjectItem(loop, "count")->valuedouble == 200);
	CHECK(cJSON_GetObjectItem(loop, "sum")->valuedouble == 25);
	CHECK(cJSON_GetObjectItem(loop, "mean_ms")->valuedouble == 125);
	CHECK(cJSON_GetObjectItem(loop, "p99_le_ms")->valuedouble == 1000);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "delta"), "cpu_percent")));
	cJSON_Delete(j);
	metrics_release(&s);
	metrics_release(&e);
}

UNIT_TEST(metrics_not_a_page)
{
	static const struct {
		const char	*text;
		int		 code;
		const char	*msg;
	} cases[] = {
		{ "<!DOCTYPE html>\n<html>403</html>\n", HS_EHUB,
		  "hub metrics: line 1: expected a metric name; is the URL a "
		  "Prometheus metrics page?" },
		{ "# only comments\n\n", HS_EHUB,
		  "hub metrics: no samples in the page" },
		{ "a{b=\"c} 1\n", HS_EHUB, "hub metrics: line 1: unterminated "
		  "label value; is the URL a Prometheus metrics page?" },
		{ "a 1x\n", HS_EHUB, "hub metrics: line 1: malformed value; is "
		  "the URL a Prometheus metrics page?" },
		{ "a\n", HS_EHUB, "hub metrics: line 1: expected a value; is "
		  "the URL a Prometheus metrics page?" },
	};
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct metrics_snapshot m;
	char big[METRICS_MAX_LINE + 10];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(metrics_parse(cases[i].text, strlen(cases[i].text),
		    NULL, &m, &eb), cases[i].code);
		CHECK_STR(eb.msg, cases[i].msg);
		metrics_release(&m);
	}
	memset(big, 'a', sizeof(big));
	CHECK_INT(metrics_parse(big, sizeof(big), NULL, &m, &eb), HS_ELIMIT);
	CHECK_STR(eb.msg, "hub metrics: line 1: longer than 8192 bytes");
	metrics_release(&m);
}
