/* cmd_status.c -- hubspy status: hub version and the fake users' servers */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_hub.h"
#include "cli/cmd.h"

struct status_options {
	struct cli_hub_options	  hub;
	struct cli_common_options common;
};

static const struct opt_group status_groups[] = {
	CLI_HUB_GROUP(struct status_options, hub),
	CLI_COMMON_GROUP(struct status_options, common),
	OPT_GROUP_END
};

struct tally {
	const char	*prefix;
	size_t		 users, ready, pending, stopped, other;
	size_t		 n_ready, n_pending, n_stopped;	/* named servers */
	int		 no_servers, done, r;
	char		 msg[600];
};

static void
st_item(void *arg, const cJSON *u)
{
	struct tally *t = arg;
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(u, "name");
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(u, "servers");
	const cJSON *s0, *pend;

	if (!cJSON_IsString(nm) || load_name_index(t->prefix,
	    nm->valuestring) < 0)
		return;
	t->users++;
	if (sv == NULL) {
		t->no_servers = 1;
		return;
	}
	/* stopped named servers are spawner rows that still cost the hub
	 * memory at startup: listed with include_stopped_servers */
	cJSON_ArrayForEach(s0, sv) {
		if (s0->string[0] == '\0')
			continue;
		pend = cJSON_GetObjectItemCaseSensitive(s0, "pending");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s0, "ready")))
			t->n_ready++;
		else if (cJSON_IsString(pend))
			t->n_pending++;
		else
			t->n_stopped++;
	}
	s0 = cJSON_GetObjectItemCaseSensitive(sv, "");
	pend = cJSON_GetObjectItemCaseSensitive(s0, "pending");
	if (s0 == NULL || (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s0,
	    "stopped")) && !cJSON_IsString(pend)))
		t->stopped++;
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s0, "ready")))
		t->ready++;
	else if (cJSON_IsString(pend))
		t->pending++;
	else
		t->other++;
}

static void
st_done(void *arg, int r, const char *msg)
{
	struct tally *t = arg;

	t->done = 1;
	t->r = r;
	if (msg)
		strlcpy(t->msg, msg, sizeof(t->msg));
}

static int
st_isdone(void *arg)
{
	return ((struct tally *)arg)->done;
}

static int
status_exec(struct args *a)
{
	struct cli_hub ch = CLI_HUB_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	const struct status_options *so = a->opts;
	struct tally t;
	const struct hub_info *in;
	char q[128];
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = cli_hub_setup(&ch, &so->hub, &so->common, 1, 0, &eb)) != 0)
		goto out;
	t.prefix = ch.prefix;
	in = hub_info(ch.hub);
	snprintf(q, sizeof(q), "include_stopped_servers=1&name_filter=%s-",
	    ch.prefix);
	if ((r = hub_list_users(ch.hub, MC_LIST, q, st_item, st_done,
	    &t)) != 0) {
		hs_error(&eb, r, "out of memory");
		goto out;
	}
	while (!t.done)
		if (loop_run(ch.loop, st_isdone, &t, 0) < 0)
			break;
	if (t.r != 0) {
		r = hs_error(&eb, t.r, "%s", t.msg);
		goto out;
	}
	printf("hub: %s at %s (token: %s '", in->version, ch.url,
	    in->kind[0] ? in->kind : "?");
	cmd_safe_fputs(stdout, in->owner);
	printf("')\n");
	printf("users named %s-N: %zu\n", ch.prefix, t.users);
	if (t.no_servers)
		printf("servers: unknown (the token lacks read:servers)\n");
	else
		printf("servers: %zu ready, %zu pending, %zu stopped%s\n",
		    t.ready, t.pending, t.stopped + t.other, "");
	if (t.n_ready + t.n_pending + t.n_stopped > 0)
		printf("named servers: %zu ready, %zu pending, %zu stopped "
		    "(kept by the hub until removed)\n", t.n_ready,
		    t.n_pending, t.n_stopped);
	if (ch.json_path) {
		cJSON *root = cli_hub_result_json(&ch, "status"), *o;

		if (root && (o = cJSON_AddObjectToObject(root, "status"))) {
			cJSON_AddNumberToObject(o, "users", (double)t.users);
			cJSON_AddNumberToObject(o, "ready", (double)t.ready);
			cJSON_AddNumberToObject(o, "pending", (double)t.pending);
			cJSON_AddNumberToObject(o, "stopped",
			    (double)(t.stopped + t.other));
			if ((o = cJSON_AddObjectToObject(o, "named"))) {
				cJSON_AddNumberToObject(o, "ready",
				    (double)t.n_ready);
				cJSON_AddNumberToObject(o, "pending",
				    (double)t.n_pending);
				cJSON_AddNumberToObject(o, "stopped",
				    (double)t.n_stopped);
			}
		}
		r = cli_hub_write_json(&ch, root, &eb);
	}
 out:
	return cli_hub_finish(&ch, "status", r, &eb);
}

const struct cmd cmd_status = {
	"status", "[OPTIONS]",
	"show the hub version and the fake users with the prefix",
	"Reads GET /hub/api/ and pages GET /users?name_filter=PREFIX- "
	"(read-only): how many users named PREFIX-N exist and how many of "
	"their servers are ready, pending (spawn or stop) or stopped; their "
	"named servers likewise, stopped ones included (the hub keeps them "
	"until they are removed).",
	status_groups, sizeof(struct status_options), 0, 0, status_exec, 0,
};
