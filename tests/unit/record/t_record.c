/* t_record.c -- the run record: struct -> JSON -> struct, and every way a
 * manifest can be malformed, each with its one-line message */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "measure/measure.h"
#include "measure/metrics.h"
#include "record/record.h"
#include "unit.h"

static char *
print(const struct run_record *rec)
{
	cJSON *j = record_to_json(rec);
	char *s = j ? cJSON_Print(j) : NULL;

	cJSON_Delete(j);
	return s;
}

/* a record as the coordinator fills it */
static void
fill(struct run_record *rec)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct measure *m = calloc(1, sizeof(*m));
	struct metrics_snapshot s = METRICS_SNAPSHOT_INIT;
	struct metrics_snapshot e = METRICS_SNAPSHOT_INIT;
	struct record_capture c = RECORD_CAPTURE_INIT;
	struct record_plateau *p;
	static const char page[] =
	    "process_cpu_seconds_total 10\n"
	    "process_resident_memory_bytes 1048576\n"
	    "process_start_time_seconds 1700000000\n"
	    "jupyterhub_request_duration_seconds_count{code=\"200\","
	    "handler=\"UserListAPIHandler\",method=\"GET\"} %d\n"
	    "jupyterhub_request_duration_seconds_sum{code=\"200\","
	    "handler=\"UserListAPIHandler\",method=\"GET\"} %d.5\n"
	    "jupyterhub_server_spawn_duration_seconds_count{status=\"success\"}"
	    " %d\n"
	    "jupyterhub_server_spawn_duration_seconds_sum{status=\"success\"}"
	    " %d\n"
	    "jupyterhub_proxy_add_duration_seconds_count{status=\"success\"}"
	    " %d\n"
	    "jupyterhub_proxy_add_duration_seconds_sum{status=\"success\"}"
	    " %d.25\n";
	char text[1024];
	int n;

	record_init(rec);
	CHECK_INT(record_set_str(&rec->hubspy_version, "0.1.0"), 0);
	CHECK_INT(record_set_str(&rec->created, "2026-11-27T23:15:00Z"), 0);
	CHECK_INT(record_set_str(&rec->profile_name, "smoke"), 0);
	CHECK_INT(record_set_profile(rec, cJSON_Parse("{\"name\": \"smoke\", "
	    "\"hub\": {\"servers\": false}, \"plateaus\": {\"users\": [10, 20],"
	    " \"settle\": 5, \"hold\": 30}, \"activity\": {\"mode\": "
	    "\"simulate\"}, \"captures\": {\"run\": [\"record\", \"dump\"], "
	    "\"record\": {\"rate\": 50}}, \"teardown\": \"purge\"}"), &eb), 0);
	rec->plan = cJSON_Parse("{\"total_seconds\": 90}");
	rec->has_hub = 1;
	record_set_str(&rec->hub.url, "http://127.0.0.1:8081/hub/api");
	record_set_str(&rec->hub.version, "5.2.1");
	record_set_str(&rec->hub.token_kind, "service");
	rec->hub.scopes = calloc(2, sizeof(char *));
	rec->hub.scopes[0] = strdup("admin:users");
	rec->hub.nscopes = 1;
	rec->has_target = 1;
	record_set_str(&rec->target.transport, "local");
	rec->target.pid = 4242;
	record_set_str(&rec->target.pyspy, "0.4.0");
	CHECK_INT(record_add_phase(rec, "preflight", -1, "2026-11-27T23:15:00Z",
	    "2026-11-27T23:15:01Z", 1.25), 0);
	CHECK_INT(record_add_phase(rec, "ramp", 10, "2026-11-27T23:15:01Z",
	    "2026-11-27T23:15:04Z", 3), 0);
	CHECK_INT(record_add_plateau(rec, 10, "plateaus/0010", &p), 0);
	p->has_state = 1;
	p->state.asked = p->state.created = 10;
	p->state.ready = 9;
	p->state.failed = 1;
	p->state.timed_out = 0;
	p->ramp_seconds = 3;
	p->has_hold = 1;
	p->hold_seconds = 30.5;
	p->hold_rps = 4.25;
	measure_request(m, MC_PROBE, 200, 3000, 0);
	measure_request(m, MC_PROBE, 200, 5000, 0);
	measure_request(m, MC_CREATE, 201, 12000, 0);
	measure_request(m, MC_CREATE, 404, 2000, 0);
	measure_request(m, MC_CREATE, 429, 1000, 1);
	measure_request(m, MC_CREATE, 0, 0, 1);
	measure_429(m, 2.5);
	hist_record(&m->spawn, 1500000);
	/* three sampled spawns: one ready, one failed, one unfinished */
	m->phases.sampled = 3;
	m->phases.failed = 1;
	m->phases.unfinished = 1;
	hist_record(&m->phases.h[MP_ACCEPT], 20000);
	hist_record(&m->phases.h[MP_FIRST], 250000);
	hist_record(&m->phases.h[MP_READY], 1000000);
	hist_record(&m->phases.h[MP_TOTAL], 1270000);
	CHECK_INT(record_plateau_set_measure(p, m), 0);
	n = snprintf(text, sizeof(text), page, 3, 1, 2, 4, 2, 1);
	CHECK_INT(metrics_parse(text, (size_t)n, NULL, &s, &eb), 0);
	n = snprintf(text, sizeof(text), page, 8, 2, 3, 9, 5, 3);
	CHECK_INT(metrics_parse(text, (size_t)n, NULL, &e, &eb), 0);
	e.cpu_seconds = 25;
	record_plateau_set_metrics(p, &s, &e, 30);
	p->has_usage = 1;
	p->usage_start = (struct record_usage){ 1, 10, 1048576, NAN };
	p->usage_end = (struct record_usage){ 1, 25, 2097152, NAN };
	p->usage_cpu_percent = 50;
	p->log_stalls = 3;
	c.kind = (char *)"record";
	c.file = (char *)"plateaus/0010/record.raw";
	c.bytes = 120;
	c.sha256 = (char *)"00";
	c.exit_code = 0;
	c.seconds = 10;
	c.samples = 500;
	CHECK_INT(record_plateau_add_capture(p, &c), 0);
	c = (struct record_capture)RECORD_CAPTURE_INIT;
	c.kind = (char *)"dump";
	c.failure = (char *)"permission_denied";
	c.message = (char *)"py-spy cannot attach";
	c.exit_code = -1;
	CHECK_INT(record_plateau_add_capture(p, &c), 0);
	rec->has_after_purge = 1;
	rec->after_purge = (struct record_usage){ 1, 30, NAN, 4096 };
	/* the stall watch: one trigger captured, one skipped, two samples */
	CHECK_INT(record_set_str(&rec->watch_start,
	    "2026-11-27T23:15:01.250Z"), 0);
	{
		struct record_trigger t = RECORD_TRIGGER_INIT, *tp;
		struct record_sample sm = { 1.5, 0.004, NAN, 10, 0 };

		t.source = (char *)"probe";
		t.value = 1.2;
		t.threshold = 1;
		t.at = (char *)"2026-11-27T23:15:20.125Z";
		t.t = 18.875;
		t.plateau = 10;
		t.phase = (char *)"hold";
		t.users = 10;
		t.dir = (char *)"triggers/01";
		CHECK_INT(record_add_trigger(rec, &t, &tp), 0);
		c = (struct record_capture)RECORD_CAPTURE_INIT;
		c.kind = (char *)"dump";
		c.file = (char *)"triggers/01/dump-1.txt";
		c.exit_code = 0;
		CHECK_INT(record_trigger_add_capture(tp, &c), 0);
		t.dir = NULL;
		t.skipped = (char *)"a capture was running";
		t.plateau = -1;
		CHECK_INT(record_add_trigger(rec, &t, NULL), 0);
		CHECK_INT(record_add_sample(rec, &sm), 0);
		sm.t = 2.5;
		sm.probe_seconds = 1.3;
		sm.failed = 1;
		sm.users = RECORD_NONE;
		CHECK_INT(record_add_sample(rec, &sm), 0);
	}
	metrics_release(&s);
	metrics_release(&e);
	free(m);
}

UNIT_TEST(record_round_trip)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct run_record a, b;
	const struct record_plateau *p;
	const struct record_class *c;
	struct record_row w;
	char *ja, *jb;

	fill(&a);
	CHECK((ja = print(&a)) != NULL);
	CHECK_INT(record_from_json(&b, ja, strlen(ja), &eb), 0);
	CHECK_STR(eb.msg, "");
	CHECK((jb = print(&b)) != NULL);
	CHECK_STR(jb, ja);
	/* the typed values came back */
	CHECK_INT(b.schema, 1);
	CHECK_STR(b.profile_name, "smoke");
	CHECK_INT(b.prof.nusers, 2);
	CHECK_INT(b.prof.users[1], 20);
	CHECK_INT(b.prof.servers, 0);
	CHECK(b.prof.record_rate == 50);
	CHECK_STR(b.prof.captures[1], "dump");
	CHECK_STR(b.hub.scopes[0], "admin:users");
	CHECK(b.target.pid == 4242);
	CHECK(b.target.pod == NULL);
	CHECK_INT(b.ntimeline, 2);
	CHECK_INT(b.timeline[0].plateau, -1);
	CHECK_INT(b.nplateaus, 1);
	p = &b.plateaus[0];
	CHECK_STR(p->dir, "plateaus/0010");
	CHECK_INT(p->state.ready, 9);
	CHECK_INT(p->nclasses, 2);
	CHECK((c = record_class_find(p, "create")) != NULL);
	CHECK_INT(c->count, 4);
	CHECK_INT(c->retries, 2);
	CHECK_INT(c->nstatus, 5);	/* 2xx, 404, 429, 5xx, network */
	CHECK_STR(c->status[1].key, "404");
	CHECK_INT(p->throttle.count_429, 1);
	CHECK_INT(p->throttle.active_server_limit, 0);
	CHECK_INT(p->spawn_count, 1);
	CHECK(fabs(p->spawn_seconds.p50 - 1.5) < 0.05);
	CHECK_INT(p->has_phases, 1);
	CHECK_INT(p->phases.sampled, 3);
	CHECK_INT(p->phases.failed, 1);
	CHECK_INT(p->phases.unfinished, 1);
	CHECK(fabs(p->phases.q[MP_ACCEPT].p50 - 0.02) < 0.001);
	CHECK(fabs(p->phases.q[MP_FIRST].max - 0.25) < 0.01);
	CHECK(fabs(p->phases.q[MP_TOTAL].p90 - 1.27) < 0.05);
	CHECK_INT(p->mend.nproxy_adds, 1);
	CHECK(p->mend.proxy_adds[0].count == 5);
	CHECK(p->mend.proxy_adds[0].sum == 3.25);
	CHECK_INT(p->mend.nrequests, 1);
	CHECK(p->mend.requests[0].count == 8);
	CHECK(p->metrics_seconds == 30);
	CHECK(record_metrics_cpu_percent(p) == 50);
	CHECK_INT(p->log_stalls, 3);
	CHECK_INT(p->ncaptures, 2);
	CHECK(isnan(p->captures[0].exit_code) == 0);
	CHECK(p->captures[1].exit_code == -1);
	CHECK_STR(p->captures[1].failure, "permission_denied");
	CHECK(record_usage_mib(&b.after_purge) == 4096 / 1048576.0);
	CHECK_STR(b.watch_start, "2026-11-27T23:15:01.250Z");
	CHECK_INT(b.ntriggers, 2);
	CHECK_STR(b.triggers[0].dir, "triggers/01");
	CHECK_INT(b.triggers[0].plateau, 10);
	CHECK_INT(b.triggers[0].ncaptures, 1);
	CHECK_STR(b.triggers[0].captures[0].file, "triggers/01/dump-1.txt");
	CHECK(b.triggers[1].dir == NULL);
	CHECK_INT(b.triggers[1].plateau, -1);
	CHECK_STR(b.triggers[1].skipped, "a capture was running");
	CHECK_INT(b.nsamples, 2);
	CHECK(isnan(b.samples[0].loop_seconds));
	CHECK_INT(b.samples[1].failed, 1);
	CHECK_INT(b.samples[1].users, RECORD_NONE);
	/* the row every summary shows */
	record_row(p, &w);
	CHECK_STR(w.cls, "probe");
	CHECK_STR(w.s[RC_READY], "9");
	CHECK_STR(w.s[RC_P50], "3.0");
	CHECK_STR(w.s[RC_429], "1");
	CHECK_STR(w.s[RC_ERRORS], "2");		/* a 404 and a network error */
	CHECK_STR(w.s[RC_CPU], "50.0");
	CHECK_STR(w.s[RC_RSS], "2");
	free(ja);
	free(jb);
	record_release(&a);
	record_release(&b);
}

/* the keys in the order the manifest has always had them */
UNIT_TEST(record_key_order)
{
	static const char *const top[] = { "schema", "hubspy_version",
	    "created", "partial", "partial_reason", "profile_name", "profile",
	    "plan", "timeline", "hub", "target", "plateaus", "after_purge",
	    "watch_start", "triggers", "samples", NULL };
	static const char *const pl[] = { "users", "dir", "state",
	    "ramp_seconds", "captures", "hold", "hub_metrics", "hub_usage",
	    "hub_log_stalls",
	    "requests", "throttle", "spawn_seconds", "spawn_phases", NULL };
	struct run_record a;
	const cJSON *it;
	cJSON *j;
	size_t i;

	fill(&a);
	CHECK((j = record_to_json(&a)) != NULL);
	i = 0;
	cJSON_ArrayForEach(it, j) {
		CHECK(top[i] != NULL && strcmp(it->string, top[i]) == 0);
		if (top[i] != NULL)
			i++;
	}
	CHECK(top[i] == NULL);
	i = 0;
	cJSON_ArrayForEach(it, cJSON_GetArrayItem(cJSON_GetObjectItem(j,
	    "plateaus"), 0)) {
		CHECK(pl[i] != NULL && strcmp(it->string, pl[i]) == 0);
		if (pl[i] != NULL)
			i++;
	}
	CHECK(pl[i] == NULL);
	cJSON_Delete(j);
	record_release(&a);
}

/* the fixture run: read, written, read again: the same record */
UNIT_TEST(record_fixture_stable)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf in = BUF_INIT(1u << 20);
	struct run_record a, b;
	struct record_row w;
	char *ja, *jb;
	size_t cut;

	CHECK_INT(file_read("tests/fixtures/run/manifest.json", &in, &eb), 0);
	CHECK_INT(record_from_json(&a, in.data, in.len, &eb), 0);
	CHECK_INT(a.nplateaus, 3);
	CHECK_INT(a.plateaus[2].users, 3000);
	CHECK_INT(a.prof.nusers, 3);
	record_row(&a.plateaus[1], &w);
	CHECK_STR(w.cls, "probe");
	CHECK_STR(w.s[RC_P99], "103.1");
	CHECK_STR(w.s[RC_ERRORS], "2");		/* a 5xx, a network error */
	CHECK_STR(w.s[RC_429], "13");
	CHECK_STR(w.s[RC_CPU], "43.3");
	/* the archive's files, typed, and written back last */
	CHECK_INT(a.nfiles, 10);
	CHECK_STR(a.files[0].path, "plateaus/0100/dump-1.txt");
	CHECK_INT(a.files[0].bytes, 704);
	CHECK_INT(a.files[0].redactions, RECORD_NONE);
	CHECK((ja = print(&a)) != NULL);
	CHECK(ja != NULL && strstr(ja, "\"files\":") > strstr(ja,
	    "\"after_purge\":"));
	CHECK_INT(record_from_json(&b, ja, strlen(ja), &eb), 0);
	CHECK((jb = print(&b)) != NULL);
	CHECK_STR(jb, ja);
	/* every prefix of the file is refused in one line, never a crash */
	for (cut = 0; cut < in.len - 2; cut += 7) {
		struct run_record c;

		eb.msg[0] = '\0';
		CHECK_INT(record_from_json(&c, in.data, cut, &eb), HS_EUSAGE);
		CHECK(strncmp(eb.msg, "manifest.json: not valid JSON near "
		    "byte ", 35) == 0);
		record_release(&c);
	}
	free(ja);
	free(jb);
	record_release(&a);
	record_release(&b);
	buf_release(&in);
}

#define PL(x)	"{\"schema\": 1, \"plateaus\": [{\"users\": 100, \"dir\": " \
		"\"plateaus/0100\", " x "}]}"
#define CLS(x)	PL("\"requests\": {\"create\": {" x "}}")
#define SNAP(x)	PL("\"hub_metrics\": {\"start\": {" x "}}")
#define TOP(x)	"{\"schema\": 1, \"plateaus\": [], " x "}"
#define SHA	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

UNIT_TEST(record_malformed)
{
	static const struct { const char *json, *msg; } cases[] = {
	{ "", "not valid JSON near byte 0; the run is damaged" },
	{ "[]", "expected an object, got an array" },
	{ "{\"plateaus\": []}", "schema: missing; not a hubspy run" },
	{ "{\"schema\": \"1\", \"plateaus\": []}",
	  "schema: expected a positive integer, got a string" },
	{ "{\"schema\": 1.5, \"plateaus\": []}",
	  "schema: expected a positive integer, got 1.5" },
	{ "{\"schema\": 0, \"plateaus\": []}",
	  "schema: expected a positive integer, got 0" },
	{ "{\"schema\": 2, \"plateaus\": []}",
	  "uses archive schema 2, newer than this hubspy reads (1); upgrade "
	  "hubspy" },
	{ "{\"schema\": 1}", "plateaus: missing; the run is damaged" },
	{ "{\"schema\": 1, \"plateaus\": null}",
	  "plateaus: missing; the run is damaged" },
	{ "{\"schema\": 1, \"plateaus\": {}}",
	  "plateaus: expected an array, got an object" },
	{ "{\"schema\": 1, \"plateaus\": [1]}",
	  "plateaus[0]: expected an object, got 1" },
	{ "{\"schema\": 1, \"plateaus\": [], \"triggers\": {}}",
	  "triggers: expected an array, got an object" },
	{ "{\"schema\": 1, \"plateaus\": [], \"triggers\": [{}]}",
	  "triggers[0].source: missing" },
	{ "{\"schema\": 1, \"plateaus\": [], \"triggers\": [{\"source\": "
	  "\"probe\", \"dir\": \"../etc\"}]}",
	  "triggers[0].dir: '../etc' is not of the form triggers/NN" },
	{ "{\"schema\": 1, \"plateaus\": [], \"triggers\": [{\"source\": "
	  "\"probe\", \"value\": -1}]}",
	  "triggers[0].value: expected a non-negative number, got -1" },
	{ "{\"schema\": 1, \"plateaus\": [], \"triggers\": [{\"source\": "
	  "\"probe\", \"captures\": [3]}]}",
	  "triggers[0].captures[0]: expected an object, got 3" },
	{ "{\"schema\": 1, \"plateaus\": [], \"samples\": [[]]}",
	  "samples[0]: expected an object, got an array" },
	{ "{\"schema\": 1, \"plateaus\": [], \"samples\": [{\"failed\": 1}]}",
	  "samples[0].failed: expected a boolean, got 1" },
	{ "{\"schema\": 1, \"plateaus\": [{\"dir\": \"plateaus/0100\"}]}",
	  "plateaus[0].users: missing" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": \"100\"}]}",
	  "plateaus[0].users: expected a number, got a string" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": -1}]}",
	  "plateaus[0].users: -1 is out of range (0 to 100000)" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": 1.5}]}",
	  "plateaus[0].users: expected an integer, got 1.5" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": 1e999}]}",
	  "plateaus[0].users: expected a number, got inf" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": 100}]}",
	  "plateaus[0].dir: missing" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": 100, \"dir\": 5}]}",
	  "plateaus[0].dir: expected a string, got 5" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": 100, \"dir\": \"../x\"}]}",
	  "plateaus[0].dir: '../x' is not of the form plateaus/NNNN" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": 100, \"dir\": "
	  "\"plateaus/100\"}]}",
	  "plateaus[0].dir: 'plateaus/100' is not of the form plateaus/NNNN" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": 100, \"dir\": "
	  "\"plateaus/0100/x\"}]}",
	  "plateaus[0].dir: 'plateaus/0100/x' is not of the form "
	  "plateaus/NNNN" },
	{ "{\"schema\": 1, \"plateaus\": [{\"users\": 100, \"dir\": "
	  "\"plateaus/0100\"}, {\"users\": 200, \"dir\": \"plateaus/0100\"}]}",
	  "plateaus[1].dir: 'plateaus/0100' again (also plateaus[0])" },
	{ PL("\"state\": []"),
	  "plateaus[0].state: expected an object, got an array" },
	{ PL("\"state\": {\"ready\": -3}"),
	  "plateaus[0].state.ready: expected a non-negative integer, got -3" },
	{ PL("\"state\": {\"failed\": 2.5}"),
	  "plateaus[0].state.failed: expected a non-negative integer, got "
	  "2.5" },
	{ PL("\"state\": {\"asked\": true}"),
	  "plateaus[0].state.asked: expected a non-negative integer, got a "
	  "boolean" },
	{ PL("\"hub_log_stalls\": -1"),
	  "plateaus[0].hub_log_stalls: expected a non-negative integer, got "
	  "-1" },
	{ PL("\"ramp_seconds\": \"6\""),
	  "plateaus[0].ramp_seconds: expected a number, got a string" },
	{ PL("\"ramp_seconds\": -6"),
	  "plateaus[0].ramp_seconds: expected a non-negative number, got -6" },
	{ PL("\"requests\": []"),
	  "plateaus[0].requests: expected an object of request classes, got "
	  "an array" },
	{ PL("\"requests\": {\"create\": []}"),
	  "plateaus[0].requests.create: expected an object, got an array" },
	{ PL("\"requests\": {\"a_class_name_too_long\": {}}"),
	  "plateaus[0].requests: class name 'a_class_name_too_long' is too "
	  "long (max 15 bytes)" },
	{ CLS("\"status\": [1, 2]"),
	  "plateaus[0].requests.create.status: expected an object of counts, "
	  "got an array" },
	{ CLS("\"status\": \"2xx\""),
	  "plateaus[0].requests.create.status: expected an object of counts, "
	  "got a string" },
	{ CLS("\"status\": {\"2xx\": \"7\"}"),
	  "plateaus[0].requests.create.status.2xx: expected a non-negative "
	  "integer, got a string" },
	{ CLS("\"status\": {\"2xx\": 1, \"429\": -1}"),
	  "plateaus[0].requests.create.status.429: expected a non-negative "
	  "integer, got -1" },
	{ CLS("\"status\": {\"2xx\": null}"),
	  "plateaus[0].requests.create.status.2xx: expected a non-negative "
	  "integer, got null" },
	{ CLS("\"status\": {\"a_status_too_long\": 1}"),
	  "plateaus[0].requests.create.status: status 'a_status_too_long' is "
	  "too long (max 15 bytes)" },
	{ CLS("\"count\": -10"),
	  "plateaus[0].requests.create.count: expected a non-negative "
	  "integer, got -10" },
	{ CLS("\"count\": {}"),
	  "plateaus[0].requests.create.count: expected a non-negative "
	  "integer, got an object" },
	{ CLS("\"latency_ms\": [1]"),
	  "plateaus[0].requests.create.latency_ms: expected an object, got an "
	  "array" },
	{ CLS("\"latency_ms\": {\"p50\": \"x\"}"),
	  "plateaus[0].requests.create.latency_ms.p50: expected a number, got "
	  "a string" },
	{ CLS("\"latency_ms\": {\"p99\": -1}"),
	  "plateaus[0].requests.create.latency_ms.p99: expected a "
	  "non-negative number, got -1" },
	{ PL("\"throttle\": {\"count_429\": \"3\"}"),
	  "plateaus[0].throttle.count_429: expected a non-negative integer, "
	  "got a string" },
	{ PL("\"throttle\": {\"active_server_limit\": \"no\"}"),
	  "plateaus[0].throttle.active_server_limit: expected a boolean, got "
	  "a string" },
	{ PL("\"spawn_seconds\": {\"count\": 1, \"max\": []}"),
	  "plateaus[0].spawn_seconds.max: expected a number, got an array" },
	{ PL("\"spawn_phases\": []"),
	  "plateaus[0].spawn_phases: expected an object, got an array" },
	{ PL("\"spawn_phases\": {\"sampled\": 1, \"failed\": 0}"),
	  "plateaus[0].spawn_phases: expected the counts sampled, failed and "
	  "unfinished" },
	{ PL("\"spawn_phases\": {\"sampled\": 2, \"failed\": 2, "
	  "\"unfinished\": 1}"),
	  "plateaus[0].spawn_phases: failed (2) and unfinished (1) are more "
	  "than sampled (2)" },
	{ PL("\"spawn_phases\": {\"sampled\": -1, \"failed\": 0, "
	  "\"unfinished\": 0}"),
	  "plateaus[0].spawn_phases.sampled: expected a non-negative integer, "
	  "got -1" },
	{ PL("\"spawn_phases\": {\"sampled\": 1, \"failed\": 0, "
	  "\"unfinished\": 0, \"ready_seconds\": {\"p50\": -2}}"),
	  "plateaus[0].spawn_phases.ready_seconds.p50: expected a non-negative "
	  "number, got -2" },
	{ PL("\"spawn_phases\": {\"sampled\": 1, \"failed\": 0, "
	  "\"unfinished\": 0, \"total_seconds\": 3}"),
	  "plateaus[0].spawn_phases.total_seconds: expected an object, got 3" },
	{ PL("\"hub_metrics\": {\"end\": {\"proxy_add_duration_seconds\": "
	  "{\"success\": 2}}}"),
	  "plateaus[0].hub_metrics.end.proxy_add_duration_seconds.success: "
	  "expected an object, got 2" },
	{ PL("\"hold\": 60"),
	  "plateaus[0].hold: expected an object, got 60" },
	{ PL("\"hold\": {\"requests_per_second\": \"fast\"}"),
	  "plateaus[0].hold.requests_per_second: expected a number, got a "
	  "string" },
	{ PL("\"hub_metrics\": []"),
	  "plateaus[0].hub_metrics: expected an object, got an array" },
	{ PL("\"hub_metrics\": {\"restarted\": 0}"),
	  "plateaus[0].hub_metrics.restarted: expected a boolean, got 0" },
	{ PL("\"hub_metrics\": {\"delta\": {\"seconds\": \"1\"}}"),
	  "plateaus[0].hub_metrics.delta.seconds: expected a number, got a "
	  "string" },
	{ PL("\"hub_metrics\": {\"end\": 1}"),
	  "plateaus[0].hub_metrics.end: expected an object, got 1" },
	{ SNAP("\"process_cpu_seconds_total\": \"10\""),
	  "plateaus[0].hub_metrics.start.process_cpu_seconds_total: expected "
	  "a number, got a string" },
	{ SNAP("\"request_duration_seconds\": {}"),
	  "plateaus[0].hub_metrics.start.request_duration_seconds: expected "
	  "an array, got an object" },
	{ SNAP("\"request_duration_seconds\": [{\"handler\": 1}]"),
	  "plateaus[0].hub_metrics.start.request_duration_seconds[0].handler: "
	  "expected a string, got 1" },
	{ SNAP("\"request_duration_seconds\": [{\"code\": \"123456789\"}]"),
	  "plateaus[0].hub_metrics.start.request_duration_seconds[0].code: "
	  "string too long (9 bytes, max 7)" },
	{ SNAP("\"request_duration_seconds\": [7]"),
	  "plateaus[0].hub_metrics.start.request_duration_seconds[0]: "
	  "expected an object, got 7" },
	{ SNAP("\"server_spawn_duration_seconds\": {\"success\": []}"),
	  "plateaus[0].hub_metrics.start.server_spawn_duration_seconds."
	  "success: expected an object, got an array" },
	{ SNAP("\"event_loop_interval_seconds\": {\"buckets\": [[1]]}"),
	  "plateaus[0].hub_metrics.start.event_loop_interval_seconds."
	  "buckets[0]: expected a pair [le, count], got an array" },
	{ SNAP("\"event_loop_interval_seconds\": {\"buckets\": [[\"x\", 1]]}"),
	  "plateaus[0].hub_metrics.start.event_loop_interval_seconds."
	  "buckets[0]: expected a number or \"+Inf\" first, got a string" },
	{ SNAP("\"event_loop_interval_seconds\": {\"buckets\": [[1, \"9\"]]}"),
	  "plateaus[0].hub_metrics.start.event_loop_interval_seconds."
	  "buckets[0]: expected a count second, got a string" },
	{ PL("\"hub_usage\": {\"end\": {\"rss_bytes\": -5}}"),
	  "plateaus[0].hub_usage.end.rss_bytes: expected a non-negative "
	  "number, got -5" },
	{ PL("\"hub_usage\": {\"start\": \"x\"}"),
	  "plateaus[0].hub_usage.start: expected an object, got a string" },
	{ PL("\"captures\": {}"),
	  "plateaus[0].captures: expected an array, got an object" },
	{ PL("\"captures\": [null]"),
	  "plateaus[0].captures[0]: expected an object, got null" },
	{ PL("\"captures\": [{\"kind\": 1}]"),
	  "plateaus[0].captures[0].kind: expected a string, got 1" },
	{ PL("\"captures\": [{\"kind\": \"dump\"}, {\"exit_code\": 1.5}]"),
	  "plateaus[0].captures[1].exit_code: expected an integer, got 1.5" },
	{ PL("\"captures\": [{\"bytes\": -1}]"),
	  "plateaus[0].captures[0].bytes: expected a non-negative integer, "
	  "got -1" },
	{ PL("\"captures\": [{\"failure\": [\"x\"]}]"),
	  "plateaus[0].captures[0].failure: expected a string, got an array" },
	{ TOP("\"hub\": \"x\""), "hub: expected an object, got a string" },
	{ TOP("\"hub\": {\"url\": 8081}"),
	  "hub.url: expected a string, got 8081" },
	{ TOP("\"hub\": {\"scopes\": [\"a\", 1]}"),
	  "hub.scopes[1]: expected a string, got 1" },
	{ TOP("\"hub\": {\"scopes\": \"admin\"}"),
	  "hub.scopes: expected an array, got a string" },
	{ TOP("\"hub\": {\"info\": []}"),
	  "hub.info: expected an object, got an array" },
	{ TOP("\"target\": {\"pid\": \"7\"}"),
	  "target.pid: expected an integer, got a string" },
	{ TOP("\"target\": {\"pod\": {}}"),
	  "target.pod: expected a string, got an object" },
	{ TOP("\"timeline\": {}"),
	  "timeline: expected an array, got an object" },
	{ TOP("\"files\": 7"), "files: expected an array, got 7" },
	{ TOP("\"files\": [\"a\"]"),
	  "files[0]: expected an object, got a string" },
	{ TOP("\"files\": [{\"path\": \"a\", \"bytes\": 1, \"sha256\": \"" SHA
	  "\"}, \"b\"]"),
	  "files[1]: expected an object, got a string" },
	{ TOP("\"files\": [{\"bytes\": 1, \"sha256\": \"" SHA "\"}]"),
	  "files[0].path: missing" },
	{ TOP("\"files\": [{\"path\": \"../x\", \"bytes\": 1, \"sha256\": "
	  "\"" SHA "\"}]"),
	  "files[0].path: '../x' is not a path inside the archive" },
	{ TOP("\"files\": [{\"path\": \"/etc/passwd\", \"bytes\": 1, "
	  "\"sha256\": \"" SHA "\"}]"),
	  "files[0].path: '/etc/passwd' is not a path inside the archive" },
	{ TOP("\"files\": [{\"path\": \"a//b\", \"bytes\": 1, \"sha256\": "
	  "\"" SHA "\"}]"),
	  "files[0].path: 'a//b' is not a path inside the archive" },
	{ TOP("\"files\": [{\"path\": \"a/./b\", \"bytes\": 1, \"sha256\": "
	  "\"" SHA "\"}]"),
	  "files[0].path: 'a/./b' is not a path inside the archive" },
	{ TOP("\"files\": [{\"path\": \"a\", \"sha256\": \"" SHA "\"}]"),
	  "files[0].bytes: missing" },
	{ TOP("\"files\": [{\"path\": \"a\", \"bytes\": -1, \"sha256\": "
	  "\"" SHA "\"}]"),
	  "files[0].bytes: expected a non-negative integer, got -1" },
	{ TOP("\"files\": [{\"path\": \"a\", \"bytes\": 1, \"sha256\": "
	  "\"ABC\"}]"),
	  "files[0].sha256: expected 64 lower-case hex digits" },
	{ TOP("\"files\": [{\"path\": \"a\", \"bytes\": 1, \"sha256\": "
	  "\"" SHA "\", \"redactions\": \"2\"}]"),
	  "files[0].redactions: expected a non-negative integer, got a string" },
	{ TOP("\"timeline\": [[]]"),
	  "timeline[0]: expected an object, got an array" },
	{ TOP("\"timeline\": [{\"phase\": 1}]"),
	  "timeline[0].phase: expected a string, got 1" },
	{ TOP("\"timeline\": [{\"phase\": \"hold\", \"plateau\": -5}]"),
	  "timeline[0].plateau: -5 is out of range (0 to 100000)" },
	{ TOP("\"partial\": \"yes\""),
	  "partial: expected a boolean, got a string" },
	{ TOP("\"partial_reason\": 1"),
	  "partial_reason: expected a string, got 1" },
	{ TOP("\"profile_name\": [\"x\"]"),
	  "profile_name: expected a string, got an array" },
	{ TOP("\"profile\": []"),
	  "profile: expected an object, got an array" },
	{ TOP("\"profile\": {\"plateaus\": [100, 1000]}"),
	  "profile.plateaus: expected an object, got an array" },
	{ TOP("\"profile\": {\"plateaus\": {\"users\": [100, \"x\"]}}"),
	  "profile.plateaus.users[1]: expected a number of users, got a "
	  "string" },
	{ TOP("\"profile\": {\"captures\": {\"run\": [\"record\", 2]}}"),
	  "profile.captures.run[1]: expected a string, got 2" },
	{ TOP("\"profile\": {\"captures\": {\"record\": {\"rate\": 0}}}"),
	  "profile.captures.record.rate: 0 is out of range (1 to 10000)" },
	{ TOP("\"profile\": {\"hub\": {\"servers\": \"yes\"}}"),
	  "profile.hub.servers: expected a boolean, got a string" },
	{ TOP("\"plan\": 1"), "plan: expected an object, got 1" },
	{ TOP("\"after_purge\": {\"hub_usage\": []}"),
	  "after_purge.hub_usage: expected an object, got an array" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct run_record rec;
		char want[600];
		int r;

		snprintf(want, sizeof(want), "manifest.json: %s", cases[i].msg);
		r = record_from_json(&rec, cases[i].json, strlen(cases[i].json),
		    &eb);
		if (!unit_check(r == HS_EUSAGE && strcmp(eb.msg, want) == 0,
		    __FILE__, __LINE__, "case %zu %s: got %d '%s', want '%s'",
		    i, cases[i].json, r, eb.msg, want))
			continue;
		record_release(&rec);
	}
}

/* absent and null are absent data, never an error */
UNIT_TEST(record_minimal)
{
	static const char *const ok[] = {
	    "{\"schema\": 1, \"plateaus\": []}",
	    "{\"schema\": 1, \"plateaus\": [{\"users\": 0, \"dir\": "
	    "\"plateaus/0000\"}]}",
	    PL("\"state\": null, \"requests\": null, \"throttle\": null, "
	    "\"hold\": null, \"hub_metrics\": null, \"hub_usage\": null, "
	    "\"captures\": null, \"unknown_key\": [1, {}]"),
	    TOP("\"hub\": null, \"target\": null, \"timeline\": null, "
	    "\"profile\": null, \"after_purge\": null, \"files\": null"),
	};
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct run_record rec;
	struct record_row w;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(record_from_json(&rec, ok[i], strlen(ok[i]), &eb), 0);
		if (rec.nplateaus > 0) {
			record_row(&rec.plateaus[0], &w);
			CHECK(w.cls == NULL);
			CHECK_STR(w.s[RC_READY], "-");
			CHECK_STR(w.s[RC_ERRORS], "-");
			CHECK_STR(w.s[RC_429], "-");
			CHECK_STR(w.s[RC_RSS], "-");
		}
		CHECK(record_rate(&rec) == 100);
		record_release(&rec);
	}
}

/* a manifest of n plateaus */
static void
many_plateaus(struct buf *b, size_t n)
{
	size_t i;

	buf_reset(b);
	buf_addstr(b, "{\"schema\": 1, \"plateaus\": [");
	for (i = 0; i < n; i++)
		buf_printf(b, "%s{\"users\": %zu, \"dir\": \"plateaus/%04zu\"}",
		    i ? "," : "", i % 100000, i);
	buf_addstr(b, "]}");
}

/* pre, n times ch, post */
static void
padded(struct buf *b, const char *pre, int ch, size_t n, const char *post)
{
	buf_reset(b);
	buf_addstr(b, pre);
	while (n-- > 0)
		buf_addch(b, ch);
	buf_addstr(b, post);
}

/* sizes past every cap: one line each */
UNIT_TEST(record_limits)
{
	static const struct { size_t n; int rc; const char *msg; } counts[] = {
		{ 100000, HS_EUSAGE, "manifest.json: plateaus: 100000 plateaus, "
		  "more than a profile has (max 64)" },
		{ 65, HS_EUSAGE, "manifest.json: plateaus: 65 plateaus, more "
		  "than a profile has (max 64)" },
		{ 64, 0, "" },
	};
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf b = BUF_INIT(64u << 20);
	struct run_record rec;
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		eb.msg[0] = '\0';
		many_plateaus(&b, counts[i].n);
		CHECK_INT(buf_error(&b), 0);
		CHECK_INT(record_from_json(&rec, b.data, b.len, &eb),
		    counts[i].rc);
		CHECK_STR(eb.msg, counts[i].msg);
		record_release(&rec);
	}
	/* a huge string */
	padded(&b, "{\"schema\": 1, \"plateaus\": [], \"profile_name\": \"", 'x',
	    70000, "\"}");
	CHECK_INT(record_from_json(&rec, b.data, b.len, &eb), HS_EUSAGE);
	CHECK_STR(eb.msg, "manifest.json: profile_name: string too long (70000 "
	    "bytes, max 65535)");
	record_release(&rec);
	/* a long plateau dir */
	padded(&b, "{\"schema\": 1, \"plateaus\": [{\"users\": 1, \"dir\": "
	    "\"plateaus/", '0', 100, "\"}]}");
	CHECK_INT(record_from_json(&rec, b.data, b.len, &eb), HS_EUSAGE);
	CHECK_STR(eb.msg, "manifest.json: plateaus[0].dir: string too long "
	    "(109 bytes, max 31)");
	record_release(&rec);
	/* a long key: cut in the message */
	padded(&b, "{\"schema\": 1, \"plateaus\": [{\"users\": 1, \"dir\": "
	    "\"plateaus/0001\", \"requests\": {\"create\": {\"status\": {\"", 'k',
	    100000, "\": 1}}}}]}");
	CHECK_INT(record_from_json(&rec, b.data, b.len, &eb), HS_EUSAGE);
	CHECK(strncmp(eb.msg, "manifest.json: plateaus[0].requests.create."
	    "status: status 'kkkk", 60) == 0);
	CHECK(strlen(eb.msg) < 200);
	record_release(&rec);
	buf_release(&b);
}

/* text quoted from the file cannot break the one line */
UNIT_TEST(record_message_one_line)
{
	static const char j[] = "{\"schema\": 1, \"plateaus\": [{\"users\": 1, "
	    "\"dir\": \"plat\\nx\"}]}";
	static const char k[] = "{\"schema\": 1, \"plateaus\": [{\"users\": 1, "
	    "\"dir\": \"plateaus/0001\", \"requests\": {\"a\\rb\": 5}}]}";
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct run_record rec;

	CHECK_INT(record_from_json(&rec, j, strlen(j), &eb), HS_EUSAGE);
	CHECK_STR(eb.msg, "manifest.json: plateaus[0].dir: 'plat?x' is not of "
	    "the form plateaus/NNNN");
	record_release(&rec);
	CHECK_INT(record_from_json(&rec, k, strlen(k), &eb), HS_EUSAGE);
	CHECK_STR(eb.msg, "manifest.json: plateaus[0].requests.a?b: expected "
	    "an object, got 5");
	record_release(&rec);
}

/* the tallies of src/measure as the record writes them (stress and
 * activity --json, and each plateau of the manifest) */
UNIT_TEST(record_measure_json_shape)
{
	struct measure *m = calloc(1, sizeof(*m));
	cJSON *j, *c, *st;
	char *s;

	measure_request(m, MC_CREATE, 201, 1500, 0);
	measure_request(m, MC_CREATE, 503, 2500, 0);
	measure_request(m, MC_CREATE, 201, 1000, 1);
	measure_request(m, MC_START, 429, 800, 0);
	measure_429(m, 30);
	measure_request(m, MC_START, 429, 800, 0);
	measure_429(m, -1);
	measure_request(m, MC_STOP, 400, 100, 0);
	measure_request(m, MC_STOP, 0, 0, 0);
	hist_record(&m->spawn, 2500000);
	j = record_measure_json(m);
	CHECK(j != NULL);
	c = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requests"), "create");
	CHECK_INT(cJSON_GetObjectItem(c, "count")->valueint, 3);
	CHECK_INT(cJSON_GetObjectItem(c, "retries")->valueint, 1);
	st = cJSON_GetObjectItem(c, "status");
	CHECK_INT(cJSON_GetObjectItem(st, "2xx")->valueint, 2);
	CHECK_INT(cJSON_GetObjectItem(st, "5xx")->valueint, 1);
	CHECK_INT(cJSON_GetObjectItem(st, "network")->valueint, 0);
	CHECK(cJSON_GetObjectItem(st, "400") == NULL);
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "latency_ms"),
	    "max")->valuedouble == 2.5);
	st = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "requests"), "stop"), "status");
	CHECK_INT(cJSON_GetObjectItem(st, "400")->valueint, 1);
	CHECK_INT(cJSON_GetObjectItem(st, "network")->valueint, 1);
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requests"),
	    "probe") == NULL);
	c = cJSON_GetObjectItem(j, "throttle");
	CHECK_INT(cJSON_GetObjectItem(c, "count_429")->valueint, 2);
	CHECK(cJSON_GetObjectItem(c, "retry_after_seconds")->valuedouble == 30);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(c, "active_server_limit")));
	c = cJSON_GetObjectItem(j, "spawn_seconds");
	CHECK_INT(cJSON_GetObjectItem(c, "count")->valueint, 1);
	CHECK(cJSON_GetObjectItem(c, "p50")->valuedouble == 2.5);
	CHECK_INT(measure_lifecycle_requests(m), 7);
	cJSON_Delete(j);
	/* empty: quantiles are null, no request classes */
	measure_reset(m);
	j = record_measure_json(m);
	s = cJSON_PrintUnformatted(j);
	CHECK_STR(s, "{\"requests\":{},\"throttle\":{\"count_429\":0,"
	    "\"retry_after_seconds\":0,\"throttled_seconds\":0,"
	    "\"active_server_limit\":false},\"spawn_seconds\":{\"count\":0,"
	    "\"p50\":null,\"p90\":null,\"p99\":null,\"max\":null},"
	    "\"spawn_phases\":null}");
	cJSON_free(s);
	cJSON_Delete(j);
	free(m);
}

UNIT_TEST(record_loop_headline)
{
	static const double le[] = { 0.05, 0.1, 10, INFINITY };
	static const double c0[] = { 10, 10, 10, 10 }, c1[] = { 60, 100, 109,
	    110 };
	struct record_plateau p;
	struct record_loop l;
	char line[400];
	size_t i;

	memset(&p, 0, sizeof(p));
	record_loop_line(&p, line, sizeof(line));
	CHECK_STR(line, "event loop not measured by this hub (the metric is "
	    "5.0+), and no probe latency");
	p.has_mstart = p.has_mend = 1;
	p.mstart.has_event_loop = p.mend.has_event_loop = 1;
	p.mstart.nloop = p.mend.nloop = 4;
	p.mstart.loop_count = 10;
	p.mend.loop_count = 110;
	for (i = 0; i < 4; i++) {
		p.mstart.loop_le[i] = p.mend.loop_le[i] = le[i];
		p.mstart.loop_cum[i] = c0[i];
		p.mend.loop_cum[i] = c1[i];
	}
	record_loop(&p, &l);
	CHECK_INT(l.has_metric, 1);
	CHECK(l.p50_ms == 50 && l.p99_ms == 10000 && isinf(l.max_ms));
	record_loop_line(&p, line, sizeof(line));
	CHECK_STR(line, "event loop interval p50 <= 50 ms, p99 <= 10000 ms, "
	    "max > 10000 ms (100 intervals of the hold, "
	    "jupyterhub_event_loop_interval_seconds)");
	/* no interval during the hold: not a measurement */
	p.mend.loop_count = 10;
	record_loop(&p, &l);
	CHECK_INT(l.has_metric, 0);
}

/* the spawn-phase streams are neither hub errors nor the quoted class:
 * a stream hubspy closed itself at the teardown has no answer */
UNIT_TEST(record_row_leaves_phases_out)
{
	struct measure *m = calloc(1, sizeof(*m));
	struct run_record rec;
	struct record_plateau *p;
	struct record_row w;
	int i;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	record_init(&rec);
	CHECK_INT(record_add_plateau(&rec, 10, "plateaus/0010", &p), 0);
	measure_request(m, MC_CREATE, 201, 1000, 0);
	measure_request(m, MC_START, 503, 1000, 0);
	for (i = 0; i < 5; i++)
		measure_request(m, MC_PHASES, 0, 1000, 0);
	CHECK_INT(record_plateau_set_measure(p, m), 0);
	record_row(p, &w);
	CHECK_STR(w.cls, "create");
	CHECK(w.v[RC_ERRORS] == 1);
	CHECK(record_class_find(p, "phases") != NULL);
	record_release(&rec);
	free(m);
}
