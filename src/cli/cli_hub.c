/* cli_hub.c -- hub and common options, token handling, progress line, tables */
/*
 * The command-layer half of the load engine: everything here prints or
 * touches files, so it lives beside the cmd_*.c files and not in hub.c or
 * load.c. Order in cli_hub_setup() matters: options, URL, output files
 * (so an unwritable --json fails before the hub is touched), token, then
 * the hub and its preflight.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_hub.h"
#include "core/buf.h"
#include "cli/cmd.h"
#include "record/record.h"

#define H(kind, m) OPT_BIND(struct cli_hub_options, kind, m)
const struct opt cli_hub_opts[] = {
	{ "url", 0, H(OPT_STR, url), "URL", 0, 0, NULL,
	  "hub API root, e.g. http://127.0.0.1:8081/hub/api (else "
	  "JUPYTERHUB_API_URL, else JUPYTERHUB_ENDPOINT)", NULL, 0 },
	{ "token-file", 0, H(OPT_STR, token_file), "FILE", 0, 0, NULL,
	  "read the API token from FILE (else JUPYTERHUB_API_TOKEN, else a "
	  "prompt on a terminal)", NULL, 0 },
	{ "token", 0, H(OPT_STR, token), "TOKEN", 0, 0, NULL,
	  "refused: a token in argv is visible to every local user; use "
	  "JUPYTERHUB_API_TOKEN or --token-file", NULL, 0 },
	{ "concurrency", 0, H(OPT_NUM, concurrency), "N", 1, 256, "16",
	  "hub requests in flight at most", NULL, 0 },
	{ "timeout", 0, H(OPT_NUM, timeout), "SECONDS", 1, 3600, "30",
	  "per-request timeout (above the hub's 10 s slow spawn/stop "
	  "timeouts)", NULL, 0 },
	{ "prefix", 0, H(OPT_STR, prefix), "PREFIX", 0, 0, "hubspy",
	  "fake users are named PREFIX-N ([a-z0-9-])", NULL, 0 },
	OPT_END
};
#undef H

#define C(kind, m) OPT_BIND(struct cli_common_options, kind, m)
const struct opt cli_common_opts[] = {
	{ "dry-run", 0, C(OPT_FLAG, dry_run), NULL, 0, 0, NULL,
	  "print the plan and the number of hub requests it will make; send "
	  "nothing that changes the hub (GETs only)", NULL, 0 },
	{ "log-file", 0, C(OPT_STR, log_file), "FILE", 0, 0, NULL,
	  "write every request line (method, path class, status, ms, "
	  "retries) and event to FILE; never the token or bodies", NULL, 0 },
	{ "verbose", 'v', C(OPT_FLAG, verbose), NULL, 0, 0, NULL,
	  "one line per hub request on standard error", NULL, 0 },
	{ "json", 0, C(OPT_STR, json), "FILE", 0, 0, NULL,
	  "write all measurements to FILE as JSON (docs/load.md)", NULL, 0 },
	OPT_END
};
#undef C

static void
logline(struct cli_hub *ch, const char *line)
{
	if (ch->log) {
		time_t t = time(NULL);
		struct tm tm;
		char ts[32];

		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(ch->log, "%s ", ts);
		cmd_safe_fputs(ch->log, line);
		fputc('\n', ch->log);
		fflush(ch->log);
	}
}

static void
clear_progress(struct cli_hub *ch)
{
	if (ch->tty && ch->progress_drawn) {
		fputs("\r\033[K", stderr);
		ch->progress_drawn = 0;
	}
}

static void
on_request(void *arg, const struct hub_reqlog *rl)
{
	struct cli_hub *ch = arg;
	char line[400];

	if (ch->log == NULL && !ch->verbose)
		return;		/* no one reads the line: not formatted */
	if (rl->status)
		snprintf(line, sizeof(line), "%s %s (%s) %ld %.1f ms retries %d",
		    rl->method, rl->what, mclass_name(rl->cls), rl->status,
		    rl->ms, rl->attempt);
	else
		snprintf(line, sizeof(line), "%s %s (%s) network error: %.120s "
		    "retries %d", rl->method, rl->what, mclass_name(rl->cls),
		    rl->neterr ? rl->neterr : "", rl->attempt);
	logline(ch, line);
	if (ch->verbose) {
		clear_progress(ch);
		fputs("hubspy: ", stderr);
		cmd_safe_fputs(stderr, line);
		fputc('\n', stderr);
	}
}

void
cli_hub_event(struct cli_hub *ch, const char *line)
{
	logline(ch, line);
	clear_progress(ch);
	fputs("hubspy: ", stderr);
	cmd_safe_fputs(stderr, line);
	fputc('\n', stderr);
}

static void
hook_event(void *arg, const char *line)
{
	cli_hub_event(arg, line);
}

/* the first line of path; a pipe is fine (--token-file <(pass hub)); a
 * regular file that others can read is used with a warning, as ssh does
 * for a key */
static int
read_token_file(struct cli_hub *ch, const char *path, struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(64u << 10);
	struct hs_errbuf feb = HS_ERRBUF_INIT;
	struct stat st;
	char line[400];
	int fd, r;
	size_t len;

	if ((fd = file_open_read(path, FILE_FIFO, &feb)) >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 077) != 0) {
			snprintf(line, sizeof(line), "warning: token file "
			    "'%.200s' is readable by others (mode %04o); "
			    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
			cli_hub_event(ch, line);
		}
		r = file_read_fd(fd, path, &b, &feb);
		close(fd);
	} else
		r = fd;
	if (r == 0) {
		len = strcspn(b.data, "\r\n");
		if (len >= sizeof(ch->token))
			r = hs_error(&feb, HS_EAUTH, "the token in '%.200s' is "
			    "longer than %zu bytes", path, sizeof(ch->token) - 1);
		else {
			memcpy(ch->token, b.data, len);
			ch->token[len] = '\0';
		}
	}
	explicit_bzero(b.data, b.len);
	buf_release(&b);
	if (r != 0)
		return hs_error(eb, HS_EAUTH, "token file: %s", feb.msg);
	while (len > 0 && (ch->token[len - 1] == ' ' ||
	    ch->token[len - 1] == '\t'))
		ch->token[--len] = '\0';
	if (len == 0)
		return hs_error(eb, HS_EAUTH, "token file '%.200s' is empty; "
		    "put the hub API token on its first line", path);
	return 0;
}

/* while the token is in memory: no core dump, no ptrace or /proc/PID/mem
 * by other processes of the same user (children get their own state back
 * at exec) */
static void
protect_process(void)
{
	struct rlimit rl = { 0, 0 };

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &rl);
}

static int
get_token(struct cli_hub *ch, const char *f, struct hs_errbuf *eb)
{
	const char *env = getenv("JUPYTERHUB_API_TOKEN");

	protect_process();
	if (f != NULL)
		return read_token_file(ch, f, eb);
	if (env != NULL && env[0] != '\0') {
		if (strlcpy(ch->token, env, sizeof(ch->token)) >=
		    sizeof(ch->token))
			return hs_error(eb, HS_EAUTH, "JUPYTERHUB_API_TOKEN is "
			    "too long");
		return 0;
	}
	if (isatty(STDIN_FILENO)) {
		if (readpassphrase("hub API token: ", ch->token,
		    sizeof(ch->token), RPP_REQUIRE_TTY) == NULL ||
		    ch->token[0] == '\0')
			return hs_error(eb, HS_EAUTH, "no API token entered");
		return 0;
	}
	return hs_error(eb, HS_EAUTH, "no API token; set JUPYTERHUB_API_TOKEN "
	    "or give --token-file FILE");
}

static int
open_outputs(struct cli_hub *ch, const struct cli_common_options *co,
    struct hs_errbuf *eb)
{
	const char *lf = co->log_file;
	int fd;

	if (lf != NULL) {
		fd = open(lf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd == -1 || (ch->log = fdopen(fd, "w")) == NULL) {
			if (fd != -1)
				close(fd);
			return hs_error(eb, HS_EIO, "cannot write log file "
			    "'%.200s': %s", lf, strerror(errno));
		}
	}
	if ((ch->json_path = co->json) != NULL &&
	    file_atomic_open(&ch->json_out, ch->json_path, 0644, NULL) != 0)
		return hs_error(eb, HS_EIO, "cannot write --json file "
		    "'%.200s': %s", ch->json_path, strerror(errno));
	return 0;
}

/* 1 when url is plain http:// to a host other than this machine */
int
cli_hub_cleartext(const char *url)
{
	const char *h, *e, *at;
	size_t n;

	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	e = h + strcspn(h, "/?#");
	if ((at = memchr(h, '@', (size_t)(e - h))) != NULL)
		h = at + 1;
	if (*h == '[')			/* [v6]:port */
		n = strcspn(h, "]") + 1;
	else
		n = strcspn(h, ":/?#");
	if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(h, "[::1]", 5) == 0) ||
	    (n >= 4 && strncmp(h, "127.", 4) == 0 &&
	    strspn(h, "0123456789.") >= n))
		return 0;
	return 1;
}

int
cli_hub_setup(struct cli_hub *ch, const struct cli_hub_options *h,
    const struct cli_common_options *co, int preflight, int need_write,
    struct hs_errbuf *eb)
{
	static const struct cli_common_options none;
	struct hub_config hc = HUB_CONFIG_INIT;
	const char *url;
	int r;

	if (co == NULL)
		co = &none;
	ch->t0_ms = loop_now_us() / 1000;
	ch->verbose = co->verbose;
	ch->dry_run = co->dry_run;
	ch->prefix = h->prefix;
	ch->tty = isatty(STDERR_FILENO);
	ch->color = ch->tty && getenv("NO_COLOR") == NULL;
	if (h->token != NULL)
		return hs_error(eb, HS_EUSAGE, "--token: refused, a token on "
		    "the command line is visible to every local user and "
		    "kept in shell history; use JUPYTERHUB_API_TOKEN or "
		    "--token-file FILE");
	url = h->url;
	if (url == NULL)
		url = getenv("JUPYTERHUB_API_URL");
	if (url == NULL || url[0] == '\0')
		url = getenv("JUPYTERHUB_ENDPOINT");
	if (url == NULL || url[0] == '\0')
		return hs_error(eb, HS_EUSAGE, "no hub URL; give --url or set "
		    "JUPYTERHUB_API_URL (e.g. http://127.0.0.1:8081/hub/api)");
	if (strlcpy(ch->url, url, sizeof(ch->url)) >= sizeof(ch->url))
		return hs_error(eb, HS_EUSAGE, "hub URL is too long");
	if (cli_hub_cleartext(ch->url))
		cli_hub_event(ch, "warning: the API token goes to this hub "
		    "over plain http, readable on the network; use https:// "
		    "or a tunnel (kubectl port-forward)");
	if ((ch->m = calloc(1, sizeof(*ch->m))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if ((r = open_outputs(ch, co, eb)) != 0)
		return r;
	if ((r = get_token(ch, h->token_file, eb)) != 0)
		return r;
	if ((r = loop_new(&ch->loop)) != 0)
		return hs_error(eb, r, "cannot set up the event loop");
	/* from here on a signal is counted: one that arrives during the
	 * preflight or discovery (a slow hub) stops the ramp before it
	 * starts instead of being read off the loop and dropped */
	cli_hub_catch_signals(ch);
	hc.url = ch->url;
	hc.token = ch->token;
	hc.concurrency = h->concurrency;
	hc.timeout_s = h->timeout;
	ch->timeout_s = hc.timeout_s;
	hc.on_request = on_request;
	hc.log_arg = ch;
	if ((r = hub_new(&ch->hub, ch->loop, &hc, ch->m, eb)) != 0)
		return r;
	if (preflight && (r = hub_preflight(ch->hub, need_write, eb)) != 0)
		return r;
	return 0;
}

void
cli_hub_release(struct cli_hub *ch)
{
	clear_progress(ch);
	hub_free(ch->hub);
	ch->hub = NULL;
	loop_free(ch->loop);
	ch->loop = NULL;
	free(ch->m);
	ch->m = NULL;
	if (ch->log)
		fclose(ch->log);
	ch->log = NULL;
	file_atomic_abort(&ch->json_out);
	explicit_bzero(ch->token, sizeof(ch->token));
}

static void
hook_tick(void *arg)
{
	struct cli_hub *ch = arg;

	cli_hub_progress(ch, ch->ld, 0);
}

static void
on_signal(void *arg, int signo)
{
	struct cli_hub *ch = arg;

	ch->signals++;
	cli_hub_event(ch, ch->signals == 1 ?
	    "interrupted: no new users or servers; waiting for requests in "
	    "flight, then tearing down (signal again to skip the wait)" :
	    "interrupted again: tearing down now");
	if (ch->ld)
		load_interrupt(ch->ld);
	else
		loop_stop(ch->loop);
}

void
cli_hub_catch_signals(struct cli_hub *ch)
{
	loop_on_signal(ch->loop, on_signal, ch);
}

int
cli_hub_start_load(struct cli_hub *ch, const struct load_config *lc,
    size_t *existing, long *highest, struct hs_errbuf *eb)
{
	int r;

	if ((r = load_new(&ch->ld, ch->hub, lc, eb)) != 0)
		return r;
	/* signals before the engine existed: it starts interrupted */
	for (int i = 0; i < ch->signals; i++)
		load_interrupt(ch->ld);
	return load_discover(ch->ld, existing, highest, eb);
}

int
cli_hub_ramp(struct cli_hub *ch, size_t count, struct hs_errbuf *eb)
{
	int64_t t = loop_now_us();
	int r;

	cli_hub_catch_signals(ch);
	r = load_ramp(ch->ld, count, eb);
	ch->ramp_s = (double)(loop_now_us() - t) / 1e6;
	return r;
}

void
cli_hub_plan(FILE *fp, const char *what, long long requests)
{
	fprintf(fp, "dry run: %s\n", what);
	fprintf(fp, "dry run: about %lld hub requests; nothing was changed "
	    "on the hub\n", requests);
}

cJSON *
cli_hub_result_json(struct cli_hub *ch, const char *command)
{
	cJSON *root = NULL, *m = NULL, *o, *it;
	const struct hub_info *in = ch->hub ? hub_info(ch->hub) : NULL;
	struct load_progress p;
	uint64_t req;

	memset(&p, 0, sizeof(p));
	if (ch->ld)
		load_progress(ch->ld, &p);
	if ((root = cJSON_CreateObject()) == NULL ||
	    (m = record_measure_json(ch->m)) == NULL ||
	    cJSON_AddStringToObject(root, "command", command) == NULL ||
	    (o = cJSON_AddObjectToObject(root, "hub")) == NULL ||
	    cJSON_AddStringToObject(o, "url", ch->url) == NULL ||
	    (in && in->version[0] ? cJSON_AddStringToObject(o, "version",
	    in->version) : cJSON_AddNullToObject(o, "version")) == NULL ||
	    cJSON_AddStringToObject(root, "prefix", ch->prefix) == NULL ||
	    (o = cJSON_AddObjectToObject(root, "users")) == NULL ||
	    cJSON_AddNumberToObject(o, "target", (double)p.target) == NULL ||
	    cJSON_AddNumberToObject(o, "created", (double)p.created) == NULL ||
	    cJSON_AddNumberToObject(o, "started", (double)p.started) == NULL ||
	    cJSON_AddNumberToObject(o, "ready", (double)p.ready) == NULL ||
	    cJSON_AddNumberToObject(o, "failed", (double)p.failed) == NULL ||
	    cJSON_AddNumberToObject(o, "timed_out", (double)p.timed_out) ==
	    NULL ||
	    cJSON_AddNumberToObject(o, "stopped", (double)p.stopped) == NULL ||
	    cJSON_AddNumberToObject(o, "deleted", (double)p.deleted) == NULL ||
	    cJSON_AddBoolToObject(o, "active_server_limit", p.ceiling) == NULL ||
	    (o = cJSON_AddObjectToObject(root, "seconds")) == NULL ||
	    cJSON_AddNumberToObject(o, "ramp", round(ch->ramp_s * 1000) /
	    1000) == NULL ||
	    cJSON_AddNumberToObject(o, "hold", round(ch->hold_s * 1000) /
	    1000) == NULL ||
	    cJSON_AddNumberToObject(o, "teardown", round(ch->teardown_s *
	    1000) / 1000) == NULL)
		goto fail;
	while ((it = m->child) != NULL) {
		cJSON_DetachItemViaPointer(m, it);
		cJSON_AddItemToObject(root, it->string, it);
	}
	req = measure_lifecycle_requests(ch->m);
	if ((ch->m->lifecycles ? cJSON_AddNumberToObject(root,
	    "requests_per_lifecycle", round((double)req /
	    (double)ch->m->lifecycles * 100.0) / 100.0) :
	    cJSON_AddNullToObject(root, "requests_per_lifecycle")) == NULL)
		goto fail;
	cJSON_Delete(m);
	return root;
 fail:
	cJSON_Delete(m);
	cJSON_Delete(root);
	return NULL;
}

void
cli_hub_load_config(struct cli_hub *ch, struct load_config *lc)
{
	lc->prefix = ch->prefix;
	/* nothing answered for 3 request timeouts (at least 10 s): gone */
	lc->hub_gone_s = ch->timeout_s * 3 > 10 ? ch->timeout_s * 3 : 10;
	lc->on_event = hook_event;
	lc->on_tick = hook_tick;
	lc->hook_arg = ch;
	/* a terminal's progress line is redrawn 4 times a second; a plain
	 * line every 5 s needs no faster tick than a second */
	lc->tick_ms = ch->tty ? 250 : 1000;
}

void
cli_hub_progress(struct cli_hub *ch, struct load *ld, int force)
{
	struct load_progress p;
	int64_t now = loop_now_us() / 1000;
	char line[300], of[32];

	if (ld == NULL)
		return;
	if (!force && now - ch->last_draw_ms < (ch->tty ? 250 : 5000))
		return;
	ch->last_draw_ms = now;
	load_progress(ld, &p);
	/* before the first ramp there is no target yet: no "of 0" */
	if (p.target > 0)
		snprintf(of, sizeof(of), " of %zu", p.target);
	else
		of[0] = '\0';
	snprintf(line, sizeof(line), "created %zu started %zu ready %zu "
	    "failed %zu stopped %zu deleted %zu%s  429s %llu  p50 %.1f "
	    "ms p99 %.1f ms  %.1f s", p.created, p.started, p.ready,
	    p.failed + p.timed_out, p.stopped, p.deleted, of,
	    (unsigned long long)p.n429, p.p50_ms, p.p99_ms,
	    (double)(now - ch->t0_ms) / 1000.0);
	if (ch->tty) {
		fprintf(stderr, "\r\033[K%s%-6s%s %s", ch->color ? "\033[1m" :
		    "", ch->stage[0] ? ch->stage : load_phase_name(p.phase),
		    ch->color ? "\033[0m" : "", line);
		ch->progress_drawn = 1;
	} else
		fprintf(stderr, "hubspy: %s: %s\n", ch->stage[0] ? ch->stage :
		    load_phase_name(p.phase), line);
	fflush(stderr);
}

static void
ms_col(FILE *fp, const struct hist *h, double q)
{
	if (h->n == 0)
		fprintf(fp, " %8s", "-");
	else
		fprintf(fp, " %8.1f", (double)hist_quantile(h, q) / 1000.0);
}

void
cli_hub_table(FILE *fp, const struct measure *m)
{
	int c, i;

	fprintf(fp, "%-9s %7s %7s %8s %8s %8s %8s %7s %6s %5s %5s %5s\n",
	    "class", "count", "retries", "p50 ms", "p90 ms", "p99 ms",
	    "max ms", "2xx", "4xx", "429", "5xx", "net");
	for (c = 0; c < MC_NCLASS; c++) {
		const struct mstats *s = &m->cls[c];
		uint64_t n4 = 0;

		if (s->count == 0)
			continue;
		for (i = 0; i < 100; i++)
			n4 += s->s4xx[i];
		fprintf(fp, "%-9s %7llu %7llu", mclass_name(c),
		    (unsigned long long)s->count,
		    (unsigned long long)s->retries);
		ms_col(fp, &s->lat, 0.5);
		ms_col(fp, &s->lat, 0.9);
		ms_col(fp, &s->lat, 0.99);
		ms_col(fp, &s->lat, 1.0);
		fprintf(fp, " %7llu %6llu %5llu %5llu %5llu\n",
		    (unsigned long long)s->s2xx, (unsigned long long)n4,
		    (unsigned long long)s->s429, (unsigned long long)s->s5xx,
		    (unsigned long long)s->network);
	}
	fprintf(fp, "throttle: %llu 429s, Retry-After total %.0f s, throttled "
	    "%.1f s, active_server_limit %s\n",
	    (unsigned long long)m->count_429, m->retry_after_s, m->throttled_s,
	    m->active_server_limit ? "reached" : "not reached");
	if (m->spawn.n > 0)
		fprintf(fp, "spawn (request to ready): %llu, p50 %.2f s, p90 "
		    "%.2f s, p99 %.2f s, max %.2f s\n",
		    (unsigned long long)m->spawn.n,
		    (double)hist_quantile(&m->spawn, 0.5) / 1e6,
		    (double)hist_quantile(&m->spawn, 0.9) / 1e6,
		    (double)hist_quantile(&m->spawn, 0.99) / 1e6,
		    (double)hist_quantile(&m->spawn, 1.0) / 1e6);
}

int
cli_hub_write_json(struct cli_hub *ch, cJSON *root, struct hs_errbuf *eb)
{
	char *text = NULL;
	int r = 0;

	if (ch->json_path == NULL || ch->json_out.tmp == NULL) {
		cJSON_Delete(root);
		return 0;
	}
	if (root == NULL || (text = cJSON_Print(root)) == NULL) {
		cJSON_Delete(root);
		return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	cJSON_Delete(root);
	/* temporary file, fsync, rename, directory fsync (core/file.h) */
	if (file_atomic_write(&ch->json_out, text, strlen(text), NULL) != 0 ||
	    file_atomic_write(&ch->json_out, "\n", 1, NULL) != 0 ||
	    file_atomic_commit(&ch->json_out, NULL) != 0)
		r = hs_error(eb, HS_EIO, "cannot write --json file '%.200s': %s",
		    ch->json_path, strerror(errno));
	file_atomic_abort(&ch->json_out);
	cJSON_free(text);
	return r;
}

int
cli_hub_teardown(struct cli_hub *ch, int keep, int r, struct hs_errbuf *eb)
{
	struct hs_errbuf teb = HS_ERRBUF_INIT;
	int64_t t;
	int tr;

	if (r != 0 && r != HS_EPARTIAL && r != HS_EHUB && r != HS_EAUTH)
		return r;
	if (r != 0) {
		/* what comes next; the last line repeats only the error */
		char line[sizeof(eb->msg) + 40];

		snprintf(line, sizeof(line), "%s; %s", eb->msg, keep ?
		    "keeping what was created (--keep)" : "tearing down");
		cli_hub_event(ch, line);
	}
	if (keep)
		return r;
	t = loop_now_us();
	tr = load_teardown(ch->ld, LOAD_TD_OURS, NULL, 0, &teb);
	ch->teardown_s = (double)(loop_now_us() - t) / 1e6;
	cli_hub_progress(ch, ch->ld, 1);
	if (tr != 0) {
		*eb = teb;
		return tr;
	}
	return r;
}

int
cli_hub_finish(struct cli_hub *ch, const char *command, int r,
    struct hs_errbuf *eb)
{
	struct hs_errbuf jeb = HS_ERRBUF_INIT;
	int jr, code;

	clear_progress(ch);
	if (ch->ld != NULL && !ch->dry_run) {
		cli_hub_table(stdout, ch->m);
		if (ch->m->lifecycles)
			printf("hub requests per user lifecycle: %.2f\n",
			    (double)measure_lifecycle_requests(ch->m) /
			    (double)ch->m->lifecycles);
	}
	if (ch->m != NULL && ch->json_out.tmp != NULL && !ch->dry_run) {
		jr = cli_hub_write_json(ch, cli_hub_result_json(ch, command),
		    &jeb);
		if (jr != 0 && r == 0) {
			r = jr;
			*eb = jeb;
		}
	}
	load_free(ch->ld);
	ch->ld = NULL;
	code = r == 0 ? 0 : cmd_fail(eb);
	cli_hub_release(ch);
	return code;
}
