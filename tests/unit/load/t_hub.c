/* t_hub.c -- the hub client (src/load/hub.c): retries, Retry-After, paging,
 * bodies; text requests and probes */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/loop.h"
#include "load/hub.h"
#include "measure/measure.h"
#include "unit.h"

UNIT_TEST(retry_after_table)
{
	static const struct {
		const char	*in;
		double		 want;
	} cases[] = {
		{ "56", 56 }, { " 3\r\n", 3 }, { "0", 0 }, { "", -1 },
		{ "abc", -1 }, { "-5", -1 }, { "99999999", -1 },
		{ "Thu, 01 Jan 1970 00:01:40 GMT", 60 },
		{ "Thu, 01 Jan 1970 00:00:10 GMT", 0 },
	};
	size_t i;

	CHECK(hub_parse_retry_after(NULL, 0) == -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double got = hub_parse_retry_after(cases[i].in, 40);

		if (!CHECK(got == cases[i].want))
			printf("  '%s': got %g\n", cases[i].in, got);
	}
}

UNIT_TEST(backoff_bounds)
{
	static const int attempts[] = { 1, 2, 3, 4, 5, 6, 10, 40 };
	static const uint32_t rnds[] = { 0, 1, 12345, 0xffffffffu };
	size_t i, k;

	for (i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		int64_t full = 250;
		int n;

		for (n = 1; n < attempts[i] && full < 8000; n++)
			full *= 2;
		if (full > 8000)
			full = 8000;
		for (k = 0; k < sizeof(rnds) / sizeof(rnds[0]); k++) {
			int64_t d = hub_backoff_ms(attempts[i], 250, 8000,
			    rnds[k]);

			CHECK(d >= full / 2 && d <= full);
		}
	}
	CHECK_INT(hub_backoff_ms(1, 250, 8000, 0), 125);
	CHECK_INT(hub_backoff_ms(30, 250, 8000, 0), 4000);
}

UNIT_TEST(page_next_table)
{
	static const struct {
		const char	*json;
		int		 r;
		long		 off;
	} cases[] = {
		{ "{\"items\":[],\"_pagination\":{\"offset\":0,\"limit\":200,"
		  "\"total\":252,\"next\":{\"offset\":200,\"limit\":200,"
		  "\"url\":\"http://internal/x\"}}}", 0, 200 },
		{ "{\"items\":[1],\"_pagination\":{\"next\":null}}", 1, -1 },
		{ "{\"items\":[1],\"_pagination\":{}}", 1, -1 },
		{ "{\"items\":[],\"_pagination\":{\"next\":{\"url\":\"x\"}}}",
		  HS_EHUB, -1 },
		{ "{\"items\":[],\"_pagination\":{\"next\":{\"offset\":-1}}}",
		  HS_EHUB, -1 },
		{ "[1,2]", HS_EHUB, -1 },
		{ "{\"_pagination\":{\"next\":null}}", HS_EHUB, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *j = cJSON_Parse(cases[i].json);
		long off = -1;

		CHECK_INT(hub_page_next(j, &off), cases[i].r);
		CHECK_INT(off, cases[i].off);
		cJSON_Delete(j);
	}
}

UNIT_TEST(path_class_and_version)
{
	char b[64];
	int a, c, d;

	hub_path_class("/users/alice/server", b, sizeof(b));
	CHECK_STR(b, "/users/{name}/server");
	hub_path_class("/users/alice", b, sizeof(b));
	CHECK_STR(b, "/users/{name}");
	hub_path_class("/users/alice/servers/srv-1", b, sizeof(b));
	CHECK_STR(b, "/users/{name}/servers/{server}");
	hub_path_class("/users/alice/servers/srv-1/progress", b, sizeof(b));
	CHECK_STR(b, "/users/{name}/servers/{server}/progress");
	hub_path_class("/users/alice/servers/", b, sizeof(b));
	CHECK_STR(b, "/users/{name}/servers/");
	hub_path_class("/users?state=active&limit=200", b, sizeof(b));
	CHECK_STR(b, "/users");
	hub_path_class("/", b, sizeof(b));
	CHECK_STR(b, "/");
	CHECK_INT(hub_parse_version("3.0.0", &a, &c, &d), 0);
	CHECK_INT(a * 100 + c * 10 + d, 300);
	CHECK_INT(hub_parse_version("6.0.0b2", &a, &c, &d), 0);
	CHECK_INT(a, 6);
	CHECK_INT(hub_parse_version("5.4", &a, &c, &d), 0);
	CHECK_INT(c, 4);
	CHECK_INT(hub_parse_version("x", &a, &c, &d), HS_EHUB);
}

UNIT_TEST(hub_base_url_table)
{
	static const struct {
		const char	*in, *want;
	} t[] = {
		{ "http://h:8081/hub/api", "http://h:8081" },
		{ "http://h:8081/hub/api/", "http://h:8081" },
		{ "http://h:8081/hub/api//", "http://h:8081" },
		{ "http://h/prefix/hub/api", "http://h/prefix" },
		{ "http://h:8000/", "http://h:8000" },
		{ "http://h:8000", "http://h:8000" },
		{ "http://h/hub/apis", "http://h/hub/apis" },
		{ "/hub/api", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *b = hub_base_url(t[i].in);

		CHECK_STR(b, t[i].want);
		free(b);
	}
	CHECK(hub_base_url(NULL) == NULL);
	CHECK(hub_base_url("") == NULL);
}

/*
 * A forked one-connection-at-a-time HTTP server: the API root answers
 * only with "Authorization: token t" (403 otherwise), everything else
 * only without an Authorization header (401 otherwise).
 */
static pid_t
serve(int fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	for (;;) {
		char req[4096], path[256] = "", resp[512];
		const char *body = "", *status = "200 OK";
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			_exit(1);
		unit_read_request(c, req, sizeof(req));
		sscanf(req, "GET %255s", path);
		if (strncmp(path, "/hub/api/", 9) == 0 &&
		    strcmp(path, "/hub/api/") != 0) {
			if (strstr(req, "Authorization: token t\r\n") == NULL)
				status = "403 Forbidden";
			else if (strcmp(path, "/hub/api/metrics") == 0)
				body = "# TYPE x counter\nx 1\n";
			else
				status = "404 Not Found";
		} else if (strstr(req, "Authorization") != NULL)
			status = "401 Unauthorized";
		else if (strcmp(path, "/hub/api/") == 0)
			body = "{\"version\": \"3.0.0\"}\n";
		snprintf(resp, sizeof(resp), "HTTP/1.1 %s\r\nContent-Length: "
		    "%zu\r\nConnection: close\r\n\r\n%s", status, strlen(body),
		    body);
		if (write(c, resp, strlen(resp)) < 0)
			_exit(1);
		close(c);
	}
}

static int
probe_done(void *arg)
{
	return hub_probe_done(arg);
}

UNIT_TEST(hub_probe_and_text)
{
	struct loop *l = NULL;
	struct hub *h = NULL;
	struct hub_config cfg = HUB_CONFIG_INIT;
	struct hub_probe *pr = NULL;
	struct hub_text tx = HUB_TEXT_INIT(1024);
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct measure *m = calloc(1, sizeof(*m));
	char base[64], api[80];
	int port = 0, fd = unit_listener(&port);
	pid_t pid;

	CHECK(fd >= 0 && m != NULL);
	if (fd < 0 || m == NULL)
		return;
	pid = serve(fd);
	CHECK(pid > 0);
	CHECK_INT(loop_new(&l), 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);

	/* probes: unauthenticated, the body kept */
	CHECK_INT(hub_probe_start(&pr, l, base, "/hub/api/", 5000, 4096), 0);
	snprintf(api, sizeof(api), "%s/hub/api/", base);
	CHECK_STR(hub_probe_url(pr), api);
	loop_run(l, probe_done, pr, loop_now(l) + 5000);
	CHECK(hub_probe_done(pr));
	CHECK_INT(hub_probe_text(pr)->status, 200);
	CHECK_STR(hub_probe_text(pr)->error, "");
	CHECK_STR(hub_probe_text(pr)->body.data, "{\"version\": \"3.0.0\"}\n");
	CHECK(hub_probe_text(pr)->latency_us > 0);
	hub_probe_free(pr);
	/* a chunk past the cap is left out, the probe still answers */
	CHECK_INT(hub_probe_start(&pr, l, base, "/hub/api/", 5000, 8), 0);
	loop_run(l, probe_done, pr, loop_now(l) + 5000);
	CHECK_INT(hub_probe_text(pr)->status, 200);
	CHECK_INT(hub_probe_text(pr)->body.len, 0);
	hub_probe_free(pr);

	/* text requests: with the token, relative to the API root */
	snprintf(api, sizeof(api), "%s/hub/api", base);
	cfg.url = api;
	cfg.token = "t";
	cfg.max_tries = 1;
	CHECK_INT(hub_new(&h, l, &cfg, m, &eb), 0);
	CHECK_INT(hub_get_text(h, MC_OTHER, "/metrics", &tx, &eb), 0);
	CHECK_INT(tx.status, 200);
	CHECK_STR(tx.body.data, "# TYPE x counter\nx 1\n");
	CHECK_STR(tx.error, "");
	CHECK_INT(hub_get_text(h, MC_OTHER, "/nope", &tx, &eb), 0);
	CHECK_INT(tx.status, 404);
	CHECK_INT(tx.body.len, 0);
	CHECK_INT(m->cls[MC_OTHER].count, 2);
	hub_text_release(&tx);
	/* a body larger than the caller's cap */
	tx = (struct hub_text)HUB_TEXT_INIT(4);
	CHECK_INT(hub_get_text(h, MC_OTHER, "/metrics", &tx, &eb), HS_ELIMIT);
	hub_text_release(&tx);
	hub_free(h);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);
	loop_free(l);
	free(m);
}

UNIT_TEST(hub_probe_refused_and_aborted)
{
	struct loop *l = NULL;
	struct hub_probe *pr = NULL;
	char base[64];
	int port = 0, fd = unit_listener(&port);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_INT(loop_new(&l), 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	/* listening, never accepting: no answer until freed */
	CHECK_INT(hub_probe_start(&pr, l, base, "/hub/health", 10000, 4096), 0);
	loop_run(l, probe_done, pr, loop_now(l) + 200);
	CHECK(!hub_probe_done(pr));
	hub_probe_free(pr);
	CHECK_INT(loop_xfer_count(l), 0);
	/* closed: refused at once, with curl's reason */
	close(fd);
	CHECK_INT(hub_probe_start(&pr, l, base, "/hub/health", 5000, 4096), 0);
	loop_run(l, probe_done, pr, loop_now(l) + 5000);
	CHECK(hub_probe_done(pr));
	CHECK_INT(hub_probe_text(pr)->status, 0);
	CHECK_STR(hub_probe_text(pr)->error, "Couldn't connect to server");
	hub_probe_free(pr);
	loop_free(l);
}

/* the pace's accounting: requests on the wire and answers in the window */
UNIT_TEST(hub_pace_accounting)
{
	struct loop *l = NULL;
	struct hub *h = NULL;
	struct hub_config cfg = HUB_CONFIG_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct measure *m = calloc(1, sizeof(*m));
	int64_t w;

	CHECK(m != NULL);
	CHECK_INT(loop_new(&l), 0);
	cfg.url = "http://127.0.0.1:1/hub/api";
	cfg.token = "t";
	CHECK_INT(hub_new(&h, l, &cfg, m, &eb), 0);
	/* unpaced: never a wait, whatever is on the wire */
	hub_pace_begin(h);
	hub_pace_begin(h);
	hub_pace_begin(h);
	CHECK_INT(hub_pace_wait_ms(h), 0);
	hub_pace_end(h);
	hub_pace_end(h);
	hub_pace_end(h);
	CHECK_INT(hub_pace_wait_ms(h), 0);
	CHECK(hub_scopes(h) == NULL);

	hub_pace(h, 2);
	CHECK_INT(hub_pace_wait_ms(h), 0);
	hub_pace_begin(h);		/* one on the wire: a second may go */
	CHECK_INT(hub_pace_wait_ms(h), 0);
	hub_pace_begin(h);		/* two: the next waits for an answer */
	CHECK(hub_pace_wait_ms(h) > 0);
	hub_pace_end(h);		/* one on the wire, one just answered */
	w = hub_pace_wait_ms(h);
	CHECK(w > 0 && w <= HUB_PACE_WINDOW_MS);
	hub_pace_end(h);		/* two answered just now */
	w = hub_pace_wait_ms(h);
	CHECK(w > 0 && w <= HUB_PACE_WINDOW_MS);
	/* a pace above the cap is the cap; 0 turns it off */
	hub_pace(h, 1000);
	CHECK_INT(hub_pace_wait_ms(h), 0);
	hub_pace(h, 0);
	CHECK_INT(hub_pace_wait_ms(h), 0);
	hub_free(h);
	loop_free(l);
	free(m);
}
