/* t_profile.c -- unit tests for profiles: defaults, errors, --set, plan */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "core/buf.h"
#include "core/file.h"
#include "run/profile.h"
#include "unit.h"

static int
load(struct profile *p, const char *text, const char *const *sets,
    size_t nsets, struct hs_errbuf *eb)
{
	return profile_load_text(p, "t.json", text, strlen(text), sets, nsets,
	    eb);
}

UNIT_TEST(profile_empty_is_valid)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p = PROFILE_INIT;

	CHECK_INT(load(&p, "{}", NULL, 0, &eb), 0);
	CHECK_STR(p.name, "t");
	CHECK(p.hub.url == NULL);
	CHECK_STR(p.hub.prefix, "hubspy");
	CHECK_INT(p.hub.servers, 1);
	CHECK_STR(p.hub.metrics_prefix, "jupyterhub");
	CHECK_INT(p.plateaus.n, 1);
	CHECK_INT(p.plateaus.users[0], 10);
	CHECK_INT(p.plateaus.max_step, 0);
	CHECK(p.plateaus.settle == 10 && p.plateaus.hold == 60);
	CHECK_INT(p.activity.mode, PROFILE_ACTIVITY_SERVERS);
	CHECK(p.activity.interval == 300);
	CHECK(p.probe.interval == 5);
	CHECK_INT(p.captures.nrun, 3);
	CHECK_INT(p.captures.run[0], PROFILE_CAPTURE_TOP);
	CHECK_INT(p.captures.run[2], PROFILE_CAPTURE_DUMP);
	CHECK_INT(p.captures.record.rate, 100);
	CHECK_INT(p.captures.record.nonblocking, 1);
	CHECK_INT(p.captures.record.formats,
	    PROFILE_FORMAT_RAW | PROFILE_FORMAT_SPEEDSCOPE);
	CHECK_INT(p.captures.dump.count, 3);
	CHECK_INT(p.captures.dump.json, 1);
	CHECK_INT(p.target.transport, PROFILE_TRANSPORT_KUBECTL);
	CHECK_STR(p.target.selector, "component=hub");
	CHECK_STR(p.target.container, "hub");
	CHECK(p.target.namespace == NULL);
	CHECK_INT(p.load.batch_size, 100);
	CHECK_INT(p.teardown, PROFILE_TEARDOWN_PURGE);
	CHECK_STR(p.output, ".");
	CHECK(cJSON_IsObject(p.hub.server_options));
	profile_release(&p);
}

/* broken profiles and the one line each must give */
static const struct {
	const char	*text;
	const char	*msg;
} broken[] = {
	{ "{\n  \"plateaus\": {\"hold\": 5,}\n}",
	  "cannot parse profile 't.json': line 2 col 27: invalid JSON near "
	  "'{\"hold\": 5,}'" },
	{ "{\"a\": 1", "cannot parse profile 't.json': line 1 col 8: "
	  "unexpected end of JSON" },
	{ "", "cannot parse profile 't.json': line 1 col 1: unexpected end "
	  "of JSON" },
	{ "{} x", "cannot parse profile 't.json': line 1 col 4: invalid JSON "
	  "near '{} x'" },
	{ "{\"a\": tru}", "cannot parse profile 't.json': line 1 col 7: "
	  "invalid JSON near '{\"a\": tru}'" },
	{ "[]", "profile 't.json': expected a JSON object, got an array" },
	{ "{\"plateaus\": {\"hold_seconds\": 5}}",
	  "profile 't.json': plateaus.hold_seconds: unknown key; did you "
	  "mean 'hold'?" },
	{ "{\"captures\": {\"record\": {\"durtion\": 5}}}",
	  "profile 't.json': captures.record.durtion: unknown key; did you "
	  "mean 'duration'?" },
	{ "{\"zzz\": 1}", "profile 't.json': zzz: unknown key (see "
	  "docs/profiles.md)" },
	{ "{\"hub\": 3}", "profile 't.json': hub: expected an object, got a "
	  "number" },
	{ "{\"hub\": {\"servers\": \"yes\"}}", "profile 't.json': hub.servers: "
	  "expected true or false, got a string" },
	{ "{\"plateaus\": {\"hold\": -1}}", "profile 't.json': plateaus.hold: "
	  "-1 is out of range (0 to 86400)" },
	{ "{\"plateaus\": {\"hold\": \"60\"}}", "profile 't.json': "
	  "plateaus.hold: expected a number, got a string" },
	{ "{\"load\": {\"batch_size\": 2.5}}", "profile 't.json': "
	  "load.batch_size: expected an integer, got a number" },
	{ "{\"load\": {\"batch_size\": 5001}}", "profile 't.json': "
	  "load.batch_size: 5001 is out of range (1 to 5000)" },
	{ "{\"plateaus\": {\"users\": [10, 5]}}", "profile 't.json': "
	  "plateaus.users: 5 does not follow 10: user counts must increase" },
	{ "{\"plateaus\": {\"users\": []}}", "profile 't.json': "
	  "plateaus.users: no plateaus: give at least one user count" },
	{ "{\"plateaus\": {\"users\": [100001]}}", "profile 't.json': "
	  "plateaus.users: 100001 is out of range (0 to 100000)" },
	{ "{\"plateaus\": {\"users\": [10], \"series\": {\"max\": 100}}}",
	  "profile 't.json': plateaus.series.max: set either plateaus.users "
	  "or plateaus.series, not both" },
	{ "{\"plateaus\": {\"series\": {\"min\": 500, \"max\": 100}}}",
	  "profile 't.json': plateaus.series.min: larger than "
	  "plateaus.series.max" },
	{ "{\"plateaus\": {\"users\": [100000], \"max_step\": 10}}",
	  "profile 't.json': plateaus.max_step: too small: the ramp to 100000 "
	  "users would take more than 256 steps" },
	{ "{\"activity\": {\"mode\": \"sometimes\"}}", "profile 't.json': "
	  "activity.mode: 'sometimes' is not one of servers, simulate, none" },
	{ "{\"hub\": {\"servers\": false}}", "profile 't.json': activity.mode: "
	  "'servers' needs hub.servers true (no server would post); use "
	  "'simulate' or 'none'" },
	{ "{\"captures\": {\"run\": [\"top\", \"top\"]}}", "profile 't.json': "
	  "captures.run: 'top' is listed twice" },
	{ "{\"captures\": {\"run\": [\"flame\"]}}", "profile 't.json': "
	  "captures.run: 'flame' is not one of top, record, dump" },
	{ "{\"captures\": {\"record\": {\"native\": true}}}",
	  "profile 't.json': captures.record.native: cannot be combined with "
	  "captures.record.nonblocking (py-spy refuses); set one of them "
	  "false" },
	{ "{\"captures\": {\"record\": {\"formats\": [\"speedscope\"]}}}",
	  "profile 't.json': captures.record.formats: must include 'raw' (the "
	  "flamegraph and top table are made from it)" },
	{ "{\"target\": {\"transport\": \"ssh\"}}", "profile 't.json': "
	  "target.transport: 'ssh' is not one of kubectl, debug, local" },
	{ "{\"target\": {\"pid\": 0.5}}", "profile 't.json': target.pid: "
	  "expected an integer, got a number" },
	{ "{\"name\": \"a b\"}", "profile 't.json': name: use 1 to 64 of A-Z "
	  "a-z 0-9 . _ - (it names the archive)" },
	{ "{\"hub\": {\"prefix\": \"\"}}", "profile 't.json': hub.prefix: use "
	  "1 to 32 of A-Z a-z 0-9 . _ -" },
	{ "{\"teardown\": \"keep\", \"teardown\": \"purge\"}",
	  "profile 't.json': teardown: duplicate key" },
	{ "{\"hub\": {\"url\": \"hub:8081\"}}", "profile 't.json': hub.url: "
	  "expected an http:// or https:// URL such as "
	  "'http://127.0.0.1:8081/hub/api'" },
	{ "{\"output\": null}", "profile 't.json': output: expected a string, "
	  "got null" },
	{ "{\"hub\": {\"server_options\": []}}", "profile 't.json': "
	  "hub.server_options: expected an object, got an array" },
	/* Kubernetes names reach kubectl's argv */
	{ "{\"target\": {\"pod\": \"-oyaml\"}}", "profile 't.json': "
	  "target.pod: '-oyaml': starts with '-' (it would be read as a "
	  "kubectl option)" },
	{ "{\"target\": {\"namespace\": \"Jhub\"}}", "profile 't.json': "
	  "target.namespace: 'Jhub': not a DNS-1123 label (lower-case letters, "
	  "digits and '-')" },
	{ "{\"target\": {\"container\": \"hub.x\"}}", "profile 't.json': "
	  "target.container: 'hub.x': not a DNS-1123 label (lower-case "
	  "letters, digits and '-')" },
	{ "{\"target\": {\"pod\": \"hub-1.\"}}", "profile 't.json': "
	  "target.pod: 'hub-1.': must start and end with a letter or a digit "
	  "(DNS-1123)" },
	{ "{\"target\": {\"selector\": \"-oyaml\"}}", "profile 't.json': "
	  "target.selector: starts with '-' (it would be read as a kubectl "
	  "option)" },
	{ "{\"hub\": {\"public_url\": \"proxy:8000\"}}", "profile 't.json': "
	  "hub.public_url: expected an http:// or https:// URL such as "
	  "'http://127.0.0.1:8000'" },
	{ "{\"sessions\": {\"mode\": \"browse\", \"login\": \"none\"}}",
	  "profile 't.json': sessions.mix.page: hub pages need the login "
	  "cookie, and sessions.login is 'none'; set sessions.login to 'auto' "
	  "or 'form', or sessions.mix.page to 0" },
	{ "{\"sessions\": {\"mode\": \"browse\", \"mix\": {\"page\": 0, "
	  "\"own_api\": 0, \"proxy\": 0}}}", "profile 't.json': sessions.mix: "
	  "every weight is 0; give page, own_api or proxy a weight above 0" },
	{ "{\"hub\": {\"servers\": false}, \"activity\": {\"mode\": "
	  "\"none\"}, \"sessions\": {\"mode\": \"browse\"}}",
	  "profile 't.json': sessions.mode: 'browse' needs hub.servers true (a "
	  "session runs while its server runs); use 'none'" },
	{ "{\"sessions\": {\"think\": {\"min\": 20}}}", "profile 't.json': "
	  "sessions.think.min: larger than sessions.think.max" },
	{ "{\"sessions\": {\"login\": \"oauth\"}}", "profile 't.json': "
	  "sessions.login: 'oauth' is not one of auto, form, none" },
	{ "{\"arrivals\": {\"mode\": \"trickle\"}}", "profile 't.json': "
	  "arrivals.mode: 'trickle' is not one of burst, rate, poisson" },
	{ "{\"arrivals\": {\"rate\": 0}}", "profile 't.json': arrivals.rate: "
	  "0 is out of range (0.001 to 10000)" },
	{ "{\"hub\": {\"servers\": false}, \"activity\": {\"mode\": "
	  "\"none\"}, \"arrivals\": {\"session_length\": 60}}",
	  "profile 't.json': arrivals.session_length: departures stop "
	  "servers, and hub.servers is false; set it to 0" },
};

UNIT_TEST(profile_broken_table)
{
	struct hs_errbuf eb;
	struct profile p;
	size_t i;

	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		eb = (struct hs_errbuf)HS_ERRBUF_INIT;
		p = (struct profile)PROFILE_INIT;
		CHECK_INT(load(&p, broken[i].text, NULL, 0, &eb), HS_EUSAGE);
		CHECK_STR(eb.msg, broken[i].msg);
		CHECK(strchr(eb.msg, '\n') == NULL);
		profile_release(&p);
	}
}

UNIT_TEST(profile_nul_and_missing_file)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p = PROFILE_INIT;

	CHECK_INT(profile_load_text(&p, "t.json", "{\n \0}", 5, NULL, 0, &eb),
	    HS_EUSAGE);
	CHECK_STR(eb.msg, "cannot parse profile 't.json': line 2 col 2: NUL "
	    "byte");
	profile_release(&p);
	CHECK_INT(profile_load(&p, "/nonexistent/x.json", NULL, 0, &eb),
	    HS_EIO);
	CHECK_STR(eb.msg, "cannot read '/nonexistent/x.json': No such file or "
	    "directory");
	profile_release(&p);
}

/* --set: the value is JSON when it parses, else a string */
static const struct {
	const char	*set;
	const char	*msg;	/* NULL: accepted */
} sets[] = {
	{ "plateaus.hold=5", NULL },
	{ "plateaus.users=[1,2,3]", NULL },
	{ "target.namespace=jhub", NULL },
	{ "target.namespace=null", NULL },
	{ "hub.servers=false", NULL },
	{ "activity.mode=none", NULL },
	{ "captures.run=[]", NULL },
	{ "plateaus.hold=abc", "--set 'plateaus.hold': plateaus.hold: "
	  "expected a number, got a string" },
	{ "plateaus.hold_seconds=5", "--set 'plateaus.hold_seconds': not a "
	  "profile field; did you mean 'plateaus.hold'?" },
	{ "plateaus=5", "--set 'plateaus': a section, not a field; name one "
	  "of its fields, e.g. 'plateaus.users'" },
	{ "zzz=5", "--set 'zzz': not a profile field" },
	{ "nothing", "--set 'nothing': expected key.path=value" },
	{ "=5", "--set '=5': expected key.path=value" },
	{ "load.concurrency=0", "--set 'load.concurrency': load.concurrency: "
	  "0 is out of range (1 to 1024)" },
};

UNIT_TEST(profile_set_table)
{
	struct hs_errbuf eb;
	struct profile p;
	const char *one[1];
	size_t i;
	int r;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		eb = (struct hs_errbuf)HS_ERRBUF_INIT;
		p = (struct profile)PROFILE_INIT;
		one[0] = sets[i].set;
		r = load(&p, "{\"plateaus\": {\"hold\": 60}, \"activity\": "
		    "{\"mode\": \"simulate\"}}", one, 1, &eb);
		if (sets[i].msg == NULL) {
			if (r != 0)
				printf("  --set %s: %s\n", sets[i].set, eb.msg);
			CHECK_INT(r, 0);
		} else {
			CHECK_INT(r, HS_EUSAGE);
			CHECK_STR(eb.msg, sets[i].msg);
		}
		profile_release(&p);
	}
}

UNIT_TEST(profile_set_values)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p = PROFILE_INIT;
	const char *s[] = { "plateaus.hold=5", "target.namespace=jhub",
		"plateaus.users=[1,2,3]", "hub.server_options={\"a\":1}",
		"plateaus.hold=7" };

	CHECK_INT(load(&p, "{\"target\": {\"namespace\": \"x\"}}", s, 5, &eb),
	    0);
	CHECK(p.plateaus.hold == 7);	/* the last --set wins */
	CHECK_STR(p.target.namespace, "jhub");
	CHECK_INT(p.plateaus.n, 3);
	CHECK_INT(p.plateaus.users[2], 3);
	CHECK_INT(cJSON_GetObjectItem(p.hub.server_options, "a")->valueint, 1);
	profile_release(&p);
}

UNIT_TEST(profile_series)
{
	static const struct {
		const char	*text;
		int		 want[12];
	} cases[] = {
		{ "{\"plateaus\": {\"series\": {\"max\": 100}}}",
		  { 10, 20, 50, 100, 0 } },
		{ "{\"plateaus\": {\"series\": {\"min\": 100, \"max\": 3000}}}",
		  { 100, 200, 500, 1000, 2000, 3000, 0 } },
		{ "{\"plateaus\": {\"series\": {\"min\": 1, \"max\": 7}}}",
		  { 1, 2, 5, 7, 0 } },
		{ "{\"plateaus\": {\"series\": {\"min\": 30, \"max\": 30}}}",
		  { 30, 0 } },
	};
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p;
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = (struct profile)PROFILE_INIT;
		CHECK_INT(load(&p, cases[i].text, NULL, 0, &eb), 0);
		for (k = 0; cases[i].want[k] != 0; k++)
			CHECK_INT(p.plateaus.users[k], cases[i].want[k]);
		CHECK_INT(p.plateaus.n, k);
		profile_release(&p);
	}
}

UNIT_TEST(profile_shipped_profiles_validate)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p;
	glob_t g;
	size_t i;
	int r;

	CHECK_INT(glob("profiles/*.json", 0, NULL, &g), 0);
	CHECK(g.gl_pathc >= 5);
	for (i = 0; i < g.gl_pathc; i++) {
		p = (struct profile)PROFILE_INIT;
		r = profile_load(&p, g.gl_pathv[i], NULL, 0, &eb);
		if (r != 0)
			printf("  %s: %s\n", g.gl_pathv[i], eb.msg);
		CHECK_INT(r, 0);
		profile_release(&p);
	}
	globfree(&g);
}

UNIT_TEST(profile_z2jh_plan)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p = PROFILE_INIT;
	struct profile_plan plan;
	static const int want[][3] = { { 100 }, { 500 }, { 1000 },
		{ 1500, 2000 }, { 2500, 3000 } };
	size_t i, k;
	cJSON *j;

	CHECK_INT(profile_load(&p, "profiles/z2jh-3000.json", NULL, 0, &eb),
	    0);
	CHECK_STR(p.name, "z2jh-3000");
	profile_plan(&p, &plan);
	CHECK_INT(plan.n, 5);
	for (i = 0; i < 5; i++) {
		for (k = 0; k < 3 && want[i][k] != 0; k++)
			CHECK_INT(plan.p[i].steps[k], want[i][k]);
		CHECK_INT(plan.p[i].nsteps, k);
		CHECK(plan.p[i].hold_seconds == 120);
		/* dump 3x5 + 2, record 60 + 2, top 10 + 2 */
		CHECK(plan.p[i].capture_seconds == 91);
	}
	CHECK_INT(plan.p[3].from, 1000);
	/* 100 new users: 1 create batch, 100 starts, 200 polls; activity
	 * 100 users x (30 + 120 + 91) s / 300 s = 80.33 -> 81; probe
	 * (241 + ramp 100*0.006 + 1 step + 3 waves) / 5 = 49.12 -> 50; 2 metrics */
	CHECK_INT(plan.p[0].requests, 1 + 100 + 200 + 81 + 50 + 2);
	/* purge 3000: deletes (each stops its ready server) + 15 list
	 * pages; preflight 3 */
	CHECK_INT(plan.teardown_requests, 3000 + 15);
	CHECK(plan.total_seconds > 5 * (30 + 120 + 91));
	j = profile_plan_to_json(&plan);
	CHECK(j != NULL);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "plateaus")), 5);
	CHECK((long long)cJSON_GetObjectItem(j, "total_requests")->valuedouble
	    == plan.total_requests);
	cJSON_Delete(j);
	profile_release(&p);
}

UNIT_TEST(profile_plan_no_servers_keep)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p = PROFILE_INIT;
	struct profile_plan plan;

	CHECK_INT(load(&p, "{\"hub\": {\"servers\": false}, \"activity\": "
	    "{\"mode\": \"none\"}, \"probe\": {\"interval\": 0}, \"captures\": "
	    "{\"run\": []}, \"plateaus\": {\"users\": [10], \"settle\": 1, "
	    "\"hold\": 2}, \"teardown\": \"keep\", \"load\": {\"batch_size\": "
	    "4}}", NULL, 0, &eb), 0);
	profile_plan(&p, &plan);
	CHECK_INT(plan.p[0].requests, 3 + 2);	/* 3 batches, 2 metrics */
	CHECK_INT(plan.teardown_requests, 0);
	CHECK_INT(plan.total_requests, 5 + 3);
	CHECK(plan.p[0].capture_seconds == 0);
	profile_release(&p);
}

UNIT_TEST(profile_to_json_resolved)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p = PROFILE_INIT, q = PROFILE_INIT;
	const char *s[] = { "captures.record.formats=[\"raw\",\"chrometrace\"]" };
	const char *const *f;
	cJSON *j, *v;
	char *text;
	size_t n = 0;

	CHECK_INT(load(&p, "{\"plateaus\": {\"users\": [1, 5]}}", s, 1, &eb),
	    0);
	CHECK((j = profile_to_json(&p)) != NULL);
	for (f = profile_fields(); *f != NULL; f++, n++) {
		char path[128], *dot, *part;
		v = j;
		strlcpy(path, *f, sizeof(path));
		for (part = path; (dot = strchr(part, '.')) != NULL;
		    part = dot + 1) {
			*dot = '\0';
			v = cJSON_GetObjectItem(v, part);
		}
		CHECK(cJSON_GetObjectItem(v, part) != NULL);
	}
	CHECK(n > 40);
	v = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "captures"), "record");
	text = cJSON_PrintUnformatted(cJSON_GetObjectItem(v, "formats"));
	CHECK_STR(text, "[\"raw\",\"chrometrace\"]");
	cJSON_free(text);
	/* the resolved profile loads back to the same profile */
	text = cJSON_Print(j);
	CHECK_INT(profile_load_text(&q, "r.json", text, strlen(text), NULL, 0,
	    &eb), 0);
	CHECK_INT(q.plateaus.n, 2);
	CHECK_INT(q.captures.record.formats,
	    PROFILE_FORMAT_RAW | PROFILE_FORMAT_CHROMETRACE);
	CHECK_STR(q.name, "t");
	cJSON_free(text);
	cJSON_Delete(j);
	profile_release(&p);
	profile_release(&q);
}

/* docs/profiles.md documents every field of the schema */
UNIT_TEST(profile_fields_documented)
{
	struct buf doc = BUF_INIT(1u << 20);
	const char *const *f;
	char needle[128];

	CHECK_INT(file_read("docs/profiles.md", &doc, NULL), 0);
	for (f = profile_fields(); *f != NULL; f++) {
		snprintf(needle, sizeof(needle), "`%s`", *f);
		if (strstr(doc.data, needle) == NULL)
			printf("  docs/profiles.md lacks %s\n", needle);
		CHECK(strstr(doc.data, needle) != NULL);
	}
	CHECK(profile_has_field("plateaus.hold"));
	CHECK(!profile_has_field("plateaus"));
	buf_release(&doc);
}

UNIT_TEST(profile_plan_text)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p = PROFILE_INIT;
	struct profile_plan plan;
	struct buf out = BUF_INIT(1u << 16);

	CHECK_INT(profile_load(&p, "profiles/z2jh-3000.json", NULL, 0, &eb),
	    0);
	profile_plan(&p, &plan);
	CHECK_INT(profile_plan_format(&p, &plan, &out), 0);
	CHECK(strncmp(out.data, "profile z2jh-3000: 5 plateaus, servers yes, "
	    "activity simulate every 300s per user, captures dump,record,top\n"
	    "plateau    100 users: ramp from 0 ~", 139) == 0);
	CHECK(strstr(out.data, "plateau   3000 users: ramp from 2000 via 2500 "
	    "~") != NULL);
	CHECK(strstr(out.data, "settle 30s, hold 2m00s, captures ~1m31s") !=
	    NULL);
	CHECK(strstr(out.data, "teardown purge: ~") != NULL);
	CHECK(strstr(out.data, "total: ~") != NULL);
	CHECK(strstr(out.data, "spawn phases") == NULL);	/* the default */
	buf_release(&out);
	profile_release(&p);
	/* spawn phases are said when not the default 32 */
	{
		static const struct {
			const char	*set, *want;
		} cases[] = {
			{ "spawn_phases.streams=0", ", no spawn phases\n" },
			{ "spawn_phases.streams=4", ", spawn phases from 4 "
			    "streams\n" },
		};
		size_t k;

		for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			const char *sets[] = { cases[k].set };

			CHECK_INT(profile_load(&p, "profiles/z2jh-3000.json",
			    sets, 1, &eb), 0);
			profile_plan(&p, &plan);
			buf_reset(&out);
			CHECK_INT(profile_plan_format(&p, &plan, &out), 0);
			CHECK(strstr(out.data, cases[k].want) != NULL);
			buf_release(&out);
			profile_release(&p);
		}
	}
}

UNIT_TEST(profile_capture_opts_mapping)
{
	struct profile p = PROFILE_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct top_opts top;
	struct record_opts rec;
	struct dump_opts dump;

	CHECK_INT(load(&p, "{\"captures\": {\"top\": {\"seconds\": 2.5}, "
	    "\"record\": {\"duration\": 7, \"rate\": 50, \"native\": true, "
	    "\"nonblocking\": false, \"gil\": true, \"subprocesses\": true, "
	    "\"formats\": [\"raw\", \"flamegraph\"]}, \"dump\": {\"count\": 4, "
	    "\"interval\": 1.5, \"locals\": 2}}}", NULL, 0, &eb), 0);
	profile_capture_opts(&p.captures, &top, &rec, &dump);
	CHECK_INT(top.seconds, 3);		/* rounded up */
	CHECK_INT(top.rate, 50);
	CHECK_INT(top.nonblocking, 0);
	CHECK_INT(top.gil, 1);
	CHECK_INT(top.subprocesses, 1);
	CHECK_INT(rec.duration, 7);
	CHECK_INT(rec.native, 1);
	CHECK_INT(rec.nonblocking, 0);
	CHECK_INT(rec.svg, 1);
	CHECK_INT(rec.speedscope, 0);		/* hubspy renders its own */
	CHECK_INT(rec.margin, 15);
	CHECK_INT(dump.count, 4);
	CHECK_INT(dump.interval_ms, 1500);
	CHECK_INT(dump.locals, 2);
	CHECK_INT(dump.subprocesses, 1);
	CHECK_INT(dump.nonblocking, 1);		/* dumps never pause the hub */
	profile_release(&p);
}
