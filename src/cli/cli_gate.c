/* cli_gate.c -- the gate options `hubspy report` and `hubspy run` share:
 * parse the bounds, evaluate them, print the result */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "cli/cli_gate.h"
#include "cli/cmd.h"

#define G(kind, m) OPT_BIND(struct cli_gate_options, kind, m)
const struct opt cli_gate_opts[] = {
	{ "fail-on", 0, G(OPT_LIST, fail_on), "EXPR", 0, 0, NULL,
	  "a regression gate of the new run against the old one (report "
	  "--diff OLD NEW, or run against its --baseline): a bound that fails "
	  "it, checked at every plateau both runs have (or FIGURE@USERS): "
	  "'start.p99>+20%', "
	  "'probe.p99>+50ms', 'hub_cpu>+10%', 'event_loop.p99>0.5s', "
	  "'errors>0', 'function:hash_token>+5pp' (docs/report.md). "
	  "Repeatable; exit 9 when one is broken", NULL, 0 },
	{ "markdown", 0, G(OPT_FLAG, markdown), NULL, 0, 0, NULL,
	  "with --fail-on: print the gate as a Markdown table (a CI job "
	  "summary)", NULL, 0 },
	OPT_END
};
#undef G

int
cli_gate_parse(const struct cli_gate_options *o, struct gate_bound **bp,
    struct hs_errbuf *eb)
{
	struct gate_bound *b;
	size_t i;
	int r;

	*bp = NULL;
	if (o->fail_on.n == 0)
		return 0;
	if ((b = calloc(o->fail_on.n, sizeof(*b))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	for (i = 0; i < o->fail_on.n; i++)
		if ((r = gate_parse(&b[i], o->fail_on.v[i], eb)) != 0) {
			free(b);
			return r;
		}
	*bp = b;
	return 0;
}

int
cli_gate_run(const struct cli_gate_options *o, const struct gate_bound *b,
    int json, const struct rundata *old, const struct rundata *new,
    long users, struct hs_errbuf *eb)
{
	struct gate_result res = GATE_RESULT_INIT;
	struct buf out = BUF_INIT(64u << 20);
	const struct gate_check *c;
	cJSON *j = NULL;
	char *text = NULL, line[400];
	int r;

	if ((r = gate_eval(b, o->fail_on.n, old, new, users, &res, eb)) != 0)
		goto out;
	if (json) {
		if ((j = gate_to_json(&res)) == NULL ||
		    (text = cJSON_Print(j)) == NULL) {
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
		cmd_safe_fputs(stdout, text);
		fputc('\n', stdout);
	} else {
		r = o->markdown ? gate_write_markdown(&res, &out) :
		    gate_write_text(&res, &out);
		if (r != 0) {
			r = hs_error(eb, r, "out of memory writing the gate");
			goto out;
		}
		cmd_safe_fputs(stdout, out.data);
	}
	r = 0;
	if (res.broken > 0) {
		for (c = res.checks; c->state != GATE_BROKEN; c++)
			;
		gate_fmt(c, line, sizeof(line));
		r = hs_error(eb, HS_EGATE, "gate failed: %zu of %zu checks "
		    "broken, the first %s", res.broken, res.nchecks, line);
	}
out:
	cJSON_free(text);
	cJSON_Delete(j);
	buf_release(&out);
	gate_result_release(&res);
	return r;
}
