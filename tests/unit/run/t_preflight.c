/* t_preflight.c -- unit tests for the preflight checks' pure parts */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "run/preflight.h"
#include "unit.h"

UNIT_TEST(preflight_pyspy_needed_table)
{
	static const struct {
		const char	*python;
		int		 need;
	} t[] = {
		{ NULL, -1 }, { "", -1 }, { "unknown", -1 }, { "3", -1 },
		{ "2.7.18", 0 }, { "3.8.10", 0 }, { "3.11.2", 0 },
		{ "3.12.0", 400 }, { "3.13.1", 400 }, { "3.14.0", 402 },
		{ "3.14", 402 }, { "3.15.0a1", 99999 }, { "4.0", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(preflight_pyspy_needed(t[i].python), t[i].need);
}

UNIT_TEST(preflight_dump_threads_count)
{
	CHECK_INT(preflight_dump_threads(""), 0);
	CHECK_INT(preflight_dump_threads("Process 19: python3\n"
	    "Python v3.11.2\n\nThread 19 (idle): \"MainThread\"\n"
	    "    select (selectors.py:469)\n"
	    "Thread 22 (active): \"worker\"\n"), 2);
	/* only at the start of a line */
	CHECK_INT(preflight_dump_threads("x Thread 1\nnot Thread 2\n"), 0);
}

static cJSON *
parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);

	CHECK(j != NULL);
	return j;
}

UNIT_TEST(preflight_capacity_nodes_and_system_pods)
{
	/* a: ready, 110 pods, 2 system pods (kube-system and a DaemonSet)
	 * and one user pod; b: ready, allocatable absent (110), nothing;
	 * c: not ready; d: ready but nameless */
	cJSON *nodes = parse("{\"items\": ["
	    "{\"metadata\": {\"name\": \"a\"}, \"status\": {\"allocatable\": "
	    "{\"pods\": \"110\"}, \"conditions\": [{\"type\": \"MemoryPressure\","
	    " \"status\": \"False\"}, {\"type\": \"Ready\", \"status\": "
	    "\"True\"}]}},"
	    "{\"metadata\": {\"name\": \"b\"}, \"status\": {\"conditions\": "
	    "[{\"type\": \"Ready\", \"status\": \"True\"}]}},"
	    "{\"metadata\": {\"name\": \"c\"}, \"status\": {\"allocatable\": "
	    "{\"pods\": \"50\"}, \"conditions\": [{\"type\": \"Ready\", "
	    "\"status\": \"False\"}]}},"
	    "{\"metadata\": {}, \"status\": {\"conditions\": [{\"type\": "
	    "\"Ready\", \"status\": \"True\"}]}}]}");
	cJSON *pods = parse("{\"items\": ["
	    "{\"metadata\": {\"namespace\": \"kube-system\"}, \"spec\": "
	    "{\"nodeName\": \"a\"}},"
	    "{\"metadata\": {\"namespace\": \"x\", \"ownerReferences\": "
	    "[{\"kind\": \"DaemonSet\"}]}, \"spec\": {\"nodeName\": \"a\"}},"
	    "{\"metadata\": {\"namespace\": \"jhub\"}, \"spec\": "
	    "{\"nodeName\": \"a\"}},"
	    "{\"metadata\": {\"namespace\": \"kube-system\"}, \"spec\": "
	    "{\"nodeName\": \"c\"}}]}");
	long long total = -1, ready = -1, cap = -1;

	preflight_capacity(nodes, pods, &total, &ready, &cap);
	CHECK_INT(total, 4);
	CHECK_INT(ready, 2);
	CHECK_INT(cap, 108 + 110);
	preflight_capacity(NULL, NULL, &total, &ready, &cap);
	CHECK_INT(total, 0);
	CHECK_INT(ready, 0);
	CHECK_INT(cap, 0);
	cJSON_Delete(nodes);
	cJSON_Delete(pods);
}

struct seen {
	int	n;
	char	last[1100];
};

static void
on_check(void *arg, const struct preflight_check *c)
{
	struct seen *s = arg;
	char line[1024];

	preflight_line(c, line, sizeof(line));
	s->n++;
	snprintf(s->last, sizeof(s->last), "%s|%s|%s",
	    preflight_name(c->id), preflight_status_name(c->status), line);
}

UNIT_TEST(preflight_list_counts_and_lines)
{
	struct preflight pf;
	struct seen s = { 0, "" };
	const struct preflight_check *c;
	int i;

	preflight_init(&pf, on_check, &s);
	preflight_add(&pf, PREFLIGHT_HUB, PREFLIGHT_SKIP, NULL, "no hub");
	CHECK_STR(s.last, "hub|skip|no hub");
	preflight_add(&pf, PREFLIGHT_RBAC, PREFLIGHT_FAIL, "get a Role",
	    "not allowed: %s", "create pods/exec");
	CHECK_STR(s.last, "rbac|fail|not allowed: create pods/exec; get a Role");
	preflight_add(&pf, PREFLIGHT_PLAN_STEP, PREFLIGHT_WARN, NULL,
	    "steps of %d", 1000);
	CHECK_STR(s.last, "plan: step|warn|steps of 1000");
	/* past the first allocation: every check is kept, in order */
	for (i = 0; i < 40; i++)
		preflight_add(&pf, PREFLIGHT_PYSPY, PREFLIGHT_PASS, NULL, "%d", i);
	CHECK_INT(s.n, 43);
	CHECK_INT(pf.n, 43);
	CHECK_INT(pf.nfail, 1);
	CHECK_INT(pf.nwarn, 1);
	CHECK_INT(pf.nomem, 0);
	CHECK_INT(pf.checks[1].id, PREFLIGHT_RBAC);
	CHECK_STR(pf.checks[1].fix, "get a Role");
	CHECK((c = preflight_get(&pf, PREFLIGHT_PYSPY)) != NULL);
	CHECK_STR(c ? c->detail : NULL, "39");
	CHECK(preflight_get(&pf, PREFLIGHT_ATTACH) == NULL);
	preflight_release(&pf);
	CHECK_INT(pf.n, 0);
	CHECK(pf.checks == NULL);
}

UNIT_TEST(preflight_names)
{
	CHECK_STR(preflight_name(PREFLIGHT_HUB_TOKEN), "hub token");
	CHECK_STR(preflight_name(PREFLIGHT_KUBECTL_CONTEXT), "kubectl context");
	CHECK_STR(preflight_name(PREFLIGHT_PLAN_COUNT), "plan: count");
	CHECK_STR(preflight_status_name(PREFLIGHT_PASS), "pass");
	CHECK_STR(preflight_status_name(PREFLIGHT_SKIP), "skip");
}
