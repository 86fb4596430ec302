/* run.c -- the run coordinator: plateaus, phases, signals, journal, archive */
/*
 * One struct run owns everything the run holds (the load, the target, the
 * journal, the manifest being built) and run_exec() tears it all down on
 * its single exit. The phases follow docs/run.md; each one is timed into
 * the manifest's timeline. Nothing here prints: events and progress go to
 * the caller's hooks.
 *
 * Signals arrive on the loop (signalfd), so they are seen whenever a phase
 * turns the loop: a ramp, a wait, a capture, a teardown, a hub request.
 * The CPU-only archiving steps poll the loop once between steps, and the
 * archive is written again, marked partial, if a signal came while it was
 * being written.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "run/artifacts.h"
#include "core/buf.h"
#include "capture/capture.h"
#include "capture/follow.h"
#include "core/file.h"
#include "load/hub.h"
#include "run/journal.h"
#include "load/load.h"
#include "load/session.h"
#include "core/loop.h"
#include "measure/measure.h"
#include "measure/metrics.h"
#include "run/postmortem.h"
#include "run/preflight.h"
#include "run/profile.h"
#include "record/record.h"
#include "report/report.h"
#include "run/run.h"
#include "run/trigger.h"
#include "report/summary.h"

#define METRICS_MAX_BODY	(16u << 20)
#define WATCH_PACE		2	/* hub requests a second, at most */

struct run {
	const struct run_config	*cfg;
	const struct profile	*p;
	struct loop		*loop;
	struct hub		*hub;
	struct artifacts	*art;
	struct run_result	*res;
	struct load		*ld;
	struct sessions		*sess;		/* sessions.mode browse */
	char			 sess_line[300];	/* said after the hub's */
	struct target		 t;
	int			 target_init;	/* t holds something */
	int			 can_capture;	/* py-spy and the hub pid known */
	int			 has_pid;	/* capture_usage can run */
	enum target_fail	 tfail;		/* why captures cannot run */
	char			 tmsg[512];
	struct journal		 j;
	int			 jfail;
	struct hs_errbuf	 jeb;
	struct run_record	 rec;		/* the manifest, typed */
	/* the phase now */
	const char		*phase;
	int			 plateau;	/* -1: run-wide */
	char			 ph_start[32];
	int64_t			 ph_t0;		/* monotonic us */
	/* signals */
	int			 signals, signo, capturing;
	char			 reason[256];
	struct loop_timer	*tick;
	char			 stage[64];
	/* the stall watch (triggers) */
	struct trigger_watch	*tw;
	int			 ntrig;		/* triggers captured */
	int			 trig_fail;	/* HS_ENOMEM in a callback */
	int			 watch_ended;	/* hubspy watch: a signal ended it */
	/* the hub's log followed: kubectl logs -f (follow), or local */
	struct follow		*follow;
	int			 log_followed;
};

/* --- small helpers --- */

static void
iso_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static double
secs_since(int64_t t0_us)
{
	return round((double)(loop_now_us() - t0_us) / 1e4) / 100.0;
}

static void
event(struct run *rn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
event(struct run *rn, const char *fmt, ...)
{
	char line[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (rn->cfg->on_event)
		rn->cfg->on_event(rn->cfg->arg, line);
}

static void
progress(struct run *rn, int force)
{
	if (rn->cfg->on_progress)
		rn->cfg->on_progress(rn->cfg->arg, rn->ld, rn->stage, force);
}

static void
on_tick(void *arg)
{
	struct run *rn = arg;

	rn->tick = loop_timer_add_lazy(rn->loop, 250, 125, on_tick, rn);
	progress(rn, 0);
}

void
run_reason(char *dst, size_t n, int signo, const char *phase, int plateau)
{
	const char *sig = signo == SIGTERM ? "SIGTERM" : signo == SIGHUP ?
	    "SIGHUP" : "SIGINT";

	if (strcmp(phase, "archive") == 0)
		snprintf(dst, n, "interrupted by %s while archiving", sig);
	else if (plateau >= 0)
		snprintf(dst, n, "interrupted by %s during the %s of %d users",
		    sig, phase, plateau);
	else
		snprintf(dst, n, "interrupted by %s during the %s", sig, phase);
}

/* --- phases and the timeline --- */

static void
phase_begin(struct run *rn, const char *phase, int plateau)
{
	rn->phase = phase;
	rn->plateau = plateau;
	iso_now(rn->ph_start);
	rn->ph_t0 = loop_now_us();
	if (plateau >= 0)
		snprintf(rn->stage, sizeof(rn->stage), "plateau %d %s",
		    plateau, phase);
	else
		snprintf(rn->stage, sizeof(rn->stage), "%s", phase);
	/* not forced: the counts of a phase that has just begun are the last
	 * phase's (a ramp would show "of 0"); the event line announces it and
	 * the next tick draws the new stage */
	progress(rn, 0);
}

static int
phase_end(struct run *rn)
{
	char end[32];

	iso_now(end);
	return record_add_phase(&rn->rec, rn->phase, rn->plateau, rn->ph_start,
	    end, secs_since(rn->ph_t0));
}

/* --- signals --- */

static void
on_signal(void *arg, int signo)
{
	struct run *rn = arg;

	if (rn->cfg->watch && strcmp(rn->phase, "watch") == 0 &&
	    rn->signals == 0 && !rn->capturing) {
		/* the way a watch ends: not an interruption */
		rn->watch_ended = 1;
		event(rn, "%s: ending the watch, then archiving",
		    signo == SIGTERM ? "SIGTERM" : signo == SIGHUP ? "SIGHUP" :
		    "SIGINT");
		loop_stop(rn->loop);
		return;
	}
	if (rn->signals++ == 0) {
		rn->signo = signo;
		run_reason(rn->reason, sizeof(rn->reason), signo, rn->phase,
		    rn->plateau);
		event(rn, "%s: %s, then tearing down and archiving (signal "
		    "again to tear down now)", rn->reason, rn->capturing ?
		    "ending the capture (py-spy writes its file)" :
		    "no new users or servers");
		if (rn->capturing) {
			target_interrupt(&rn->t);
			return;		/* loop_stop would abandon the file */
		}
	} else
		event(rn, "interrupted again: tearing down now");
	if (rn->ld)
		load_interrupt(rn->ld);
	loop_stop(rn->loop);
}

static int
interrupted(void *arg)
{
	struct run *rn = arg;

	return rn->signals > 0 || rn->watch_ended;
}

/* turns the loop for seconds, or until a signal */
static void
wait_for(struct run *rn, double seconds)
{
	int64_t dl = loop_now(rn->loop) + (int64_t)(seconds * 1000.0);

	while (!interrupted(rn) && loop_now(rn->loop) < dl)
		if (loop_run(rn->loop, interrupted, rn, dl) < 0)
			break;
}

/* handles signals that arrived while the loop was not turning */
static void
poll_signals(struct run *rn)
{
	loop_once(rn->loop, 0);
}

/* --- journal --- */

static void
on_batch(void *arg, const char *const *names, size_t n)
{
	struct run *rn = arg;

	if (rn->jfail)
		return;
	if (journal_append(&rn->j, rn->p->hub.prefix, names, n,
	    &rn->jeb) != 0) {
		rn->jfail = rn->jeb.code ? rn->jeb.code : HS_EIO;
		event(rn, "%s; stopping the ramp", rn->jeb.msg);
		load_interrupt(rn->ld);
	}
}

static void
on_load_event(void *arg, const char *line)
{
	struct run *rn = arg;

	event(rn, "%s", line);
}

/* --- the hub: /hub/api/metrics as text --- */

/*
 * Reads the hub's metrics into *sp (and rel, the .prom file). Returns 1
 * when read, 0 when not (no read:metrics, an error: an event says why).
 */
static int
read_metrics(struct run *rn, const char *rel, struct metrics_snapshot *sp)
{
	struct hub_text tx = HUB_TEXT_INIT(METRICS_MAX_BODY);
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	int ok = 0;

	if (!hub_info(rn->hub)->has_read_metrics)
		return 0;
	if (hub_get_text(rn->hub, MC_OTHER, "/metrics", &tx, &eb) != 0)
		goto out;
	if (tx.status != 200) {
		event(rn, "hub metrics: GET /metrics answered %ld; hub_metrics "
		    "is null", tx.status);
		goto out;
	}
	if (metrics_parse(tx.body.data, tx.body.len,
	    rn->p->hub.metrics_prefix, sp, &eb) != 0) {
		event(rn, "%s", eb.msg);
		metrics_release(sp);
		*sp = (struct metrics_snapshot)METRICS_SNAPSHOT_INIT;
		goto out;
	}
	if (artifacts_write(rn->art, rel, tx.body.data, tx.body.len,
	    &eb) != 0)
		event(rn, "%s", eb.msg);
	ok = 1;
out:
	hub_text_release(&tx);
	return ok;
}

/* a reading (or none) as the record has it */
static struct record_usage
usage_of(const struct capture_usage *u, int have)
{
	struct record_usage ru = { 0, NAN, NAN, NAN };

	if (!have)
		return ru;
	ru.present = 1;
	if (u->cpu_seconds >= 0)
		ru.cpu_seconds = u->cpu_seconds;
	if (u->rss_bytes >= 0)
		ru.rss_bytes = (double)u->rss_bytes;
	if (u->cgroup_memory_bytes >= 0)
		ru.cgroup_memory_bytes = (double)u->cgroup_memory_bytes;
	return ru;
}

static int
read_usage(struct run *rn, struct capture_usage *u)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	u->cpu_seconds = -1;
	u->rss_bytes = u->cgroup_memory_bytes = -1;
	if (!rn->has_pid)
		return 0;
	if (capture_usage(&rn->t, u, &eb) != 0) {
		event(rn, "hub usage: %s", eb.msg);
		return 0;
	}
	return 1;
}

/* --- preflight --- */

static int
hub_section(struct run *rn, int metrics_warn, struct hs_errbuf *eb)
{
	const struct hub_info *in = hub_info(rn->hub);
	struct run_record *rec = &rn->rec;
	cJSON *info = NULL;
	const cJSON *sc, *e;
	long st = 0;
	int r = 0;

	rec->has_hub = 1;
	if (record_set_str(&rec->hub.url, rn->cfg->url) != 0 ||
	    record_set_str(&rec->hub.version, in->version[0] ? in->version :
	    NULL) != 0 ||
	    record_set_str(&rec->hub.token_kind, in->kind[0] ? in->kind :
	    NULL) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if (in->has_read_hub &&
	    hub_get_json(rn->hub, MC_OTHER, "/info", &info, &st, eb) != 0)
		event(rn, "hub info: %s", eb->msg);
	/* GET /info answers an object; anything else is not recorded */
	if (!cJSON_IsObject(info)) {
		cJSON_Delete(info);
		info = NULL;
	}
	cJSON_Delete(rec->hub.info);
	rec->hub.info = info;
	/* the expanded scopes (never the token), as the preflight read
	 * them: GET /user once */
	sc = hub_scopes(rn->hub);
	if (cJSON_IsArray(sc) && (rec->hub.scopes = calloc(
	    (size_t)cJSON_GetArraySize(sc) + 1, sizeof(char *))) == NULL)
		r = HS_ENOMEM;
	if (!cJSON_IsArray(sc))
		sc = NULL;
	cJSON_ArrayForEach(e, sc) {
		if (r != 0 || !cJSON_IsString(e))
			continue;
		if ((r = record_set_str(&rec->hub.scopes[rec->hub.nscopes],
		    e->valuestring)) == 0)
			rec->hub.nscopes++;
	}
	if (r != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if (metrics_warn)
		event(rn, "the token has no read:metrics scope: hub_metrics "
		    "will be null (add read:metrics to the service's role)");
	return 0;
}

static int
target_section(struct run *rn)
{
	struct target *t = &rn->t;
	struct run_record *rec = &rn->rec;

	rec->has_target = 1;
	rec->target.pid = t->pid > 0 && rn->has_pid ? (double)t->pid : NAN;
	if (record_set_str(&rec->target.transport,
	    profile_transport_name(rn->p->target.transport)) != 0 ||
	    record_set_str(&rec->target.context, t->context) != 0 ||
	    record_set_str(&rec->target.namespace, t->namespace) != 0 ||
	    record_set_str(&rec->target.pod, t->pod) != 0 ||
	    record_set_str(&rec->target.container,
	    t->transport == TARGET_LOCAL ? NULL : t->container) != 0 ||
	    record_set_str(&rec->target.python, t->python) != 0 ||
	    record_set_str(&rec->target.pyspy, t->pyspy_version) != 0)
		return HS_ENOMEM;
	return 0;
}

static int
open_target(struct run *rn, struct hs_errbuf *eb)
{
	const struct profile *p = rn->p;
	struct target_config tc = rn->cfg->tc;
	struct hs_errbuf teb = HS_ERRBUF_INIT;
	int r;

	tc.transport = p->target.transport == PROFILE_TRANSPORT_LOCAL ?
	    TARGET_LOCAL : p->target.transport == PROFILE_TRANSPORT_DEBUG ?
	    TARGET_DEBUG : TARGET_KUBECTL;
	tc.context = p->target.context;
	tc.kubeconfig = p->target.kubeconfig;
	tc.namespace = p->target.namespace;
	tc.pod = p->target.pod;
	tc.selector = p->target.selector;
	tc.container = p->target.container;
	tc.image = p->target.image;
	tc.pid = p->target.pid;
	if (tc.transport != TARGET_LOCAL)	/* kubectl reads the pod's log */
		tc.log_file = NULL;
	if ((r = target_init(&rn->t, rn->loop, &tc, eb)) != 0)
		return r;
	rn->target_init = 1;
	if ((r = target_find_pod(&rn->t, eb)) != 0)
		return r;
	if ((r = target_probe(&rn->t, &teb)) != 0) {
		if (r != HS_ETARGET)
			return *eb = teb, r;
		rn->tfail = rn->t.failure;
		if (rn->tfail == TF_PYSPY_MISSING) {
			rn->res->pyspy_missing = 1;
			if (rn->t.transport == TARGET_LOCAL)
				snprintf(rn->tmsg, sizeof(rn->tmsg), "py-spy is "
				    "not installed on this machine: install it "
				    "with 'pip install py-spy' or the release "
				    "binary from https://github.com/benfred/"
				    "py-spy/releases (the run goes on without "
				    "captures)");
			else
				snprintf(rn->tmsg, sizeof(rn->tmsg), "%s (the run "
				    "goes on without captures)", teb.msg);
		} else
			snprintf(rn->tmsg, sizeof(rn->tmsg), "%s (the run goes "
			    "on without captures)", teb.msg);
		event(rn, "%s", rn->tmsg);
		rn->t.failure = TF_NONE;
	}
	if ((r = target_find_hub(&rn->t, &teb)) != 0) {
		if (r != HS_ETARGET || rn->tfail == TF_NONE)
			return *eb = teb, r;
		/* py-spy is missing anyway: no hub usage either */
		event(rn, "hub process: %s (no hub usage readings)", teb.msg);
		return 0;
	}
	rn->has_pid = 1;
	rn->can_capture = rn->tfail == TF_NONE;
	return 0;
}

static int start_sessions(struct run *rn, struct hs_errbuf *eb);

static int
preflight(struct run *rn, struct hs_errbuf *eb)
{
	const struct profile *p = rn->p;
	const struct preflight_check *c;
	struct preflight pf;
	int need_write = 0, metrics_warn, r;
	size_t i;

	for (i = 0; i < p->plateaus.n; i++)
		if (p->plateaus.users[i] > 0)
			need_write = 1;
	phase_begin(rn, "preflight", -1);
	/* the same hub checks as `hubspy preflight`; the first failure ends
	 * the run */
	preflight_init(&pf, NULL, NULL);
	r = preflight_hub(&pf, rn->hub, rn->cfg->url, need_write, eb);
	c = preflight_get(&pf, PREFLIGHT_HUB_METRICS);
	metrics_warn = c != NULL && c->status == PREFLIGHT_WARN;
	preflight_release(&pf);
	/* the sessions' checks are the hub's too: before any other line */
	if (r != 0 || (r = start_sessions(rn, eb)) != 0)
		return r;
	event(rn, "hub %s at %s, %s token", hub_info(rn->hub)->version,
	    rn->cfg->url,
	    hub_info(rn->hub)->kind[0] ? hub_info(rn->hub)->kind : "a");
	if (rn->sess_line[0] != '\0')
		event(rn, "%s", rn->sess_line);
	if ((r = hub_section(rn, metrics_warn, eb)) != 0)
		return r;
	if ((r = open_target(rn, eb)) != 0)
		return r;
	if (rn->has_pid)
		event(rn, "target: %s%s%s pid %ld python %s py-spy %s",
		    profile_transport_name(p->target.transport),
		    rn->t.pod ? " pod " : "", rn->t.pod ? rn->t.pod : "",
		    rn->t.pid, rn->t.python ? rn->t.python : "unknown",
		    rn->t.pyspy_version ? rn->t.pyspy_version : "missing");
	if (target_section(rn) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	return phase_end(rn);
}

/* --- captures --- */

static int
is_main_file(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "record.raw") == 0 || strcmp(name, "top.txt") == 0 ||
	    (strncmp(name, "dump-", 5) == 0 && n > 9 &&
	    strcmp(name + n - 4, ".txt") == 0);
}

/* one capture into a plateau's list (pl) or a trigger's (tr) */
static int
capture_entry(struct record_plateau *pl, struct record_trigger *tr,
    const char *kind, const char *file, const char *path, int exit_code,
    enum target_fail f, const char *msg, double seconds, long long samples)
{
	struct buf data = BUF_INIT(ARTIFACTS_MAX_FILE);
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct record_capture c = RECORD_CAPTURE_INIT;
	char hex[65];
	int have = file != NULL && file_read(path, &data, &eb) == 0;
	int r;

	c.kind = (char *)kind;
	if (have) {
		artifacts_sha256_hex(data.data, data.len, hex);
		c.file = (char *)file;
		c.bytes = (long long)data.len;
		c.sha256 = hex;
	}
	if (exit_code >= 0)
		c.exit_code = exit_code;
	c.failure = (char *)target_fail_name(f);
	c.message = (char *)msg;
	if (seconds > 0)
		c.seconds = round(seconds * 100) / 100;
	if (samples >= 0)
		c.samples = samples;
	r = pl ? record_plateau_add_capture(pl, &c) :
	    record_trigger_add_capture(tr, &c);
	buf_release(&data);
	return r;
}

static int
run_one_capture(struct run *rn, enum profile_capture which,
    const char *absdir, const char *rel, struct record_plateau *caps,
    struct hs_errbuf *feb)
{
	const struct profile *p = rn->p;
	struct capture_result res = CAPTURE_RESULT_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	const char *kind = profile_capture_name(which);
	struct top_opts top;
	struct record_opts rec;
	struct dump_opts dump;
	char path[2200], file[300];
	size_t i, before;
	int r, rc = 0;

	if (!rn->can_capture) {
		rn->res->capture_failures++;
		return capture_entry(caps, NULL, kind, NULL, NULL, -1,
		    rn->tfail ? rn->tfail : TF_OTHER, rn->tmsg, 0, -1);
	}
	phase_begin(rn, "capture", rn->plateau);
	rn->capturing = 1;
	if (rn->tw)
		trigger_watch_busy(rn->tw, 1);
	profile_capture_opts(&p->captures, &top, &rec, &dump);
	switch (which) {
	case PROFILE_CAPTURE_TOP:
		event(rn, "plateau %d users: py-spy top for %d s", rn->plateau,
		    top.seconds);
		r = capture_top(&rn->t, absdir, &top, &res, &eb);
		break;
	case PROFILE_CAPTURE_RECORD:
		/* hubspy renders record.svg and the speedscope file from
		 * record.raw; py-spy's own SVG is kept as record.pyspy.svg */
		event(rn, "plateau %d users: py-spy record for %d s at %d Hz",
		    rn->plateau, rec.duration, rec.rate);
		r = capture_record(&rn->t, absdir, &rec, &res, &eb);
		if (rec.svg) {
			char to[2200];

			snprintf(path, sizeof(path), "%s/record.svg", absdir);
			snprintf(to, sizeof(to), "%s/record.pyspy.svg", absdir);
			if (rename(path, to) == -1 && errno != ENOENT)
				event(rn, "plateau %d users: cannot keep py-spy's "
				    "flamegraph as record.pyspy.svg: %s",
				    rn->plateau, strerror(errno));
		}
		break;
	default:
		event(rn, "plateau %d users: %d py-spy dump%s", rn->plateau,
		    dump.count, dump.count == 1 ? "" : "s");
		r = capture_dump(&rn->t, absdir, &dump, &res, &eb);
		break;
	}
	rn->capturing = 0;
	if (rn->tw)
		trigger_watch_busy(rn->tw, 0);
	if ((rc = phase_end(rn)) != 0)
		goto out;
	before = rn->res->capture_failures;
	for (i = 0; i < res.nfiles; i++) {
		const struct capture_file *f = &res.files[i];

		if (which == PROFILE_CAPTURE_DUMP && !p->captures.dump.json &&
		    strstr(f->name, ".json") != NULL)
			unlink(f->path);
		if (!is_main_file(f->name))
			continue;
		if (!f->written)
			rn->res->capture_failures++;
		snprintf(file, sizeof(file), "%s/%s", rel, f->name);
		if ((rc = capture_entry(caps, NULL, kind, f->written ? file :
		    NULL,
		    f->path, f->exit_code, f->failure, f->message, f->seconds,
		    which == PROFILE_CAPTURE_RECORD ? f->samples : -1)) != 0)
			goto out;
	}
	if (r == HS_EIO || r == HS_ENOMEM) {
		*feb = eb;
		rc = r;
		goto out;
	}
	if (r != 0 && rn->res->capture_failures == before) {
		/* nothing came back at all */
		rn->res->capture_failures++;
		rc = capture_entry(caps, NULL, kind, NULL, NULL, -1,
		    rn->t.failure ?
		    rn->t.failure : TF_OTHER, eb.msg, 0, -1);
	}
	if (r != 0)
		event(rn, "plateau %d users: %s failed: %s", rn->plateau, kind,
		    eb.msg);
out:
	capture_result_release(&res);
	return rc;
}

/* --- triggers: captures while the hub stalls --- */

/* the trigger's dumps and short record into dir; every file is one of
 * the trigger's captures (a failed py-spy is data, like a plateau's) */
static int
trigger_captures(struct run *rn, struct record_trigger *tr,
    const char *absdir, const char *rel)
{
	const struct profile *p = rn->p;
	struct capture_result res = CAPTURE_RESULT_INIT;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct dump_opts dump = DUMP_OPTS_INIT;
	struct record_opts rec = RECORD_OPTS_INIT;
	char file[300];
	size_t i;
	int r = 0, rd, rr = 0;

	dump.count = p->triggers.dumps;
	dump.interval_ms = (int)(p->triggers.dump_interval * 1000.0);
	rd = capture_dump(&rn->t, absdir, &dump, &res, &eb);
	if (rd != 0)
		event(rn, "trigger %d: py-spy dump failed: %s", rn->ntrig,
		    eb.msg);
	if (p->triggers.record > 0 && !rn->signals && rd != HS_EIO &&
	    rd != HS_ENOMEM) {
		/* a stall is often off the CPU (a lock, a socket): --idle */
		rec.duration = (int)ceil(p->triggers.record);
		rec.rate = p->captures.record.rate;
		rec.idle = 1;
		rec.margin = 10;
		if ((rr = capture_record(&rn->t, absdir, &rec, &res, &eb)) != 0)
			event(rn, "trigger %d: py-spy record failed: %s",
			    rn->ntrig, eb.msg);
	}
	for (i = 0; i < res.nfiles && r == 0; i++) {
		const struct capture_file *f = &res.files[i];

		if (!is_main_file(f->name))
			continue;
		snprintf(file, sizeof(file), "%s/%s", rel, f->name);
		r = capture_entry(NULL, tr, capture_kind_name(f->kind),
		    f->written ? file : NULL, f->path, f->exit_code,
		    f->failure, f->message, f->seconds, f->kind ==
		    CAPTURE_RECORD ? f->samples : -1);
	}
	capture_result_release(&res);
	if (r == 0 && (rd == HS_ENOMEM || rr == HS_ENOMEM))
		r = HS_ENOMEM;
	return r;
}

static void
on_trigger(void *arg, const struct trigger_event *ev)
{
	struct run *rn = arg;
	struct record_trigger t = RECORD_TRIGGER_INIT, *rt = NULL;
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct load_progress lp;
	const char *skip = trigger_skip_reason(ev->verdict);
	char rel[32], absdir[2048], where[64];
	int r;

	if (rn->trig_fail)
		return;
	t.source = (char *)trigger_source_name(ev->source);
	t.value = ev->value;
	t.threshold = ev->threshold;
	t.at = (char *)ev->at;
	t.t = ev->t;
	t.plateau = rn->plateau;
	t.phase = (char *)rn->phase;
	if (rn->ld) {
		load_progress(rn->ld, &lp);
		t.users = (long long)lp.created;
	}
	if (skip == NULL && !rn->can_capture)
		skip = "py-spy cannot run in the hub (see the target's "
		    "failure)";
	if (skip == NULL && rn->signals)
		skip = "the run was interrupted";
	if (skip == NULL) {
		snprintf(rel, sizeof(rel), "triggers/%02d", rn->ntrig + 1);
		if ((r = artifacts_mkdir(rn->art, "triggers", &eb)) != 0 ||
		    (r = artifacts_mkdir(rn->art, rel, &eb)) != 0 ||
		    (r = artifacts_path(rn->art, rel, absdir,
		    sizeof(absdir))) != 0) {
			event(rn, "trigger: %s", eb.msg);
			skip = "its directory could not be made";
		} else
			t.dir = rel;
	}
	t.skipped = (char *)skip;
	if (rn->plateau >= 0)
		snprintf(where, sizeof(where), "plateau %d users %s",
		    rn->plateau, rn->phase);
	else
		snprintf(where, sizeof(where), "%s", rn->phase);
	if ((r = record_add_trigger(&rn->rec, &t, &rt)) != 0) {
		if (r == HS_ENOMEM)
			rn->trig_fail = r;
		return;
	}
	if (skip != NULL) {
		event(rn, "%s: %s %.3f s over %.3f s; trigger skipped: %s",
		    where, t.source, t.value, t.threshold, skip);
		return;
	}
	rn->ntrig++;
	event(rn, "%s: %s %.3f s over %.3f s: trigger %d, %d py-spy dumps "
	    "now [%s]", where, t.source, t.value, t.threshold, rn->ntrig,
	    rn->p->triggers.dumps, rel);
	rn->capturing = 1;
	if (trigger_captures(rn, rt, absdir, rel) == HS_ENOMEM)
		rn->trig_fail = HS_ENOMEM;
	rn->capturing = 0;
	if (rn->signals) {	/* as on_signal does outside a capture */
		if (rn->ld)
			load_interrupt(rn->ld);
		loop_stop(rn->loop);
	}
}

static long
trigger_users(void *arg)
{
	struct run *rn = arg;
	struct load_progress lp;

	if (rn->ld == NULL)
		return -1;
	load_progress(rn->ld, &lp);
	return (long)lp.created;
}

/* a line of the hub's log from kubectl logs -f */
static void
on_log_line(void *arg, const char *line, size_t len)
{
	struct run *rn = arg;

	if (rn->tw != NULL)
		trigger_watch_log_line(rn->tw, line, len);
}

/* says what the watch watches, from what this hub and target allow */
static void
watch_says(struct run *rn, const struct trigger_config *tc)
{
	const struct hub_info *in = hub_info(rn->hub);
	char what[512] = "", *w = what;
	size_t n = sizeof(what);
	int k;

	if (tc->probe_s > 0) {
		k = snprintf(w, n, "a health probe every %g s waiting %g s",
		    tc->interval_s, tc->probe_s);
		w += k, n -= (size_t)k;
	}
	if (tc->loop_s > 0 && in->has_read_metrics && in->major >= 5) {
		k = snprintf(w, n, "%sthe hub's event-loop interval over %g s "
		    "(/hub/metrics every %g s)", w != what ? ", " : "",
		    tc->loop_s, tc->metrics_interval_s);
		w += k, n -= (size_t)k;
	}
	if (tc->loop_s > 0 && rn->log_followed) {
		k = snprintf(w, n, "%s'Event loop was unresponsive' lines over "
		    "%g s in the hub's log (%s)", w != what ? ", " : "",
		    tc->loop_s, rn->follow ? "kubectl logs -f" : "local");
		w += k, n -= (size_t)k;
	}
	if (w == what)
		snprintf(w, n, "nothing this hub allows");
	event(rn, "triggers: py-spy dumps on %s", what);
	if (tc->loop_s > 0 && (!in->has_read_metrics || in->major < 5))
		event(rn, "triggers: no event-loop interval from /hub/metrics "
		    "(%s)", !in->has_read_metrics ? "no read:metrics scope" :
		    "JupyterHub before 5.0 has no event_loop_interval_seconds");
}

/* starts the stall watch (profile triggers.enabled) */
static int
watch_start(struct run *rn, struct hs_errbuf *eb)
{
	struct trigger_config tc;
	struct trigger_hooks hooks = { on_trigger, trigger_users, NULL };
	struct hs_errbuf feb = HS_ERRBUF_INIT;
	char now[32], *base;
	int r;

	if (!rn->p->triggers.enabled)
		return 0;
	if ((base = hub_base_url(rn->cfg->url)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	profile_trigger_config(rn->p, &tc);
	/* the local transport reads the hub's log on this machine */
	if (rn->target_init && rn->t.transport == TARGET_LOCAL)
		tc.log_file = rn->t.log_file;
	hooks.arg = rn;
	r = trigger_watch_new(&rn->tw, rn->loop, rn->hub, base, &tc, &hooks,
	    eb);
	free(base);
	if (r != 0)
		return r;
	trigger_now_iso(now);
	if (record_set_str(&rn->rec.watch_start, now) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	rn->log_followed = tc.log_file != NULL;
	/* kubectl: the hub container's log, followed on the loop */
	if (rn->target_init && rn->t.transport != TARGET_LOCAL &&
	    rn->t.pod != NULL) {
		if ((r = follow_start(&rn->follow, &rn->t, on_log_line, rn,
		    &feb)) == HS_ENOMEM)
			return *eb = feb, r;
		if (r != 0)
			event(rn, "hub log: not followed: %s", feb.msg);
		else
			rn->log_followed = 1;
	}
	watch_says(rn, &tc);
	return 0;
}

/* stops the watch: its samples go into the record, its cost is said */
static int
watch_stop(struct run *rn)
{
	const struct trigger_sample *s;
	struct trigger_cost cost;
	size_t i, n;
	int r = 0;

	if (rn->tw == NULL)
		return 0;
	s = trigger_watch_samples(rn->tw, &n);
	for (i = 0; i < n && r == 0; i++) {
		struct record_sample rs;

		rs.t = s[i].t;
		rs.probe_seconds = s[i].probe_s;
		rs.loop_seconds = s[i].loop_s;
		rs.users = s[i].users >= 0 ? s[i].users : RECORD_NONE;
		rs.failed = s[i].failed;
		if ((r = record_add_sample(&rn->rec, &rs)) == HS_ELIMIT)
			r = 0;
	}
	if (rn->follow != NULL) {
		struct follow_stats fs;

		follow_stats(rn->follow, &fs);
		event(rn, "hub log: followed with kubectl logs -f (%d start%s), "
		    "%lld lines, %lld 'Event loop was unresponsive'%s%s",
		    fs.starts, fs.starts == 1 ? "" : "s", fs.lines,
		    trigger_watch_log_stalls(rn->tw), fs.last_error[0] ?
		    "; kubectl said: " : "", fs.last_error);
		follow_free(rn->follow);
		rn->follow = NULL;
	}
	trigger_watch_cost(rn->tw, &cost);
	event(rn, "triggers: %d captured, %zu skipped; the watch sent %lld "
	    "health probes and %lld /metrics reads in %.0f s (%.2f requests "
	    "per second)", rn->ntrig, rn->rec.ntriggers - (size_t)rn->ntrig,
	    cost.probes, cost.metrics_reads, cost.seconds, cost.seconds > 0 ?
	    (double)(cost.probes + cost.metrics_reads) / cost.seconds : 0);
	trigger_watch_free(rn->tw);
	rn->tw = NULL;
	return r;
}

/* hubspy watch: the stall watch alone, for watch_seconds or until a
 * signal */
static int
watch_phase(struct run *rn, struct hs_errbuf *eb)
{
	double s = rn->cfg->watch_seconds;

	phase_begin(rn, "watch", -1);
	if (s > 0)
		event(rn, "watching for %g s (Ctrl-C ends the watch sooner)", s);
	else
		event(rn, "watching until Ctrl-C");
	wait_for(rn, s > 0 ? s : 1e9);
	if (phase_end(rn) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	return 0;
}

/* --- one plateau --- */

static uint64_t
total_requests(const struct measure *m)
{
	uint64_t n = 0;
	int c;

	for (c = 0; c < MC_NCLASS; c++)
		n += m->cls[c].count;
	return n;
}

/*
 * Ramp, settle, hold and captures of plateau k. Returns 0 (also when a
 * signal ended it: rn->signals), HS_EHUB/HS_EAUTH (the hub failed: eb),
 * HS_EIO (the run directory or the journal), HS_ENOMEM.
 */
static int
plateau(struct run *rn, size_t k, const struct profile_plan_plateau *pp,
    struct hs_errbuf *eb)
{
	const struct profile *p = rn->p;
	struct measure *m = load_measure(rn->ld);
	struct metrics_snapshot ms0 = METRICS_SNAPSHOT_INIT;
	struct metrics_snapshot ms1 = METRICS_SNAPSHOT_INIT;
	struct capture_usage u0, u1;
	struct load_progress lp;
	int users = p->plateaus.users[k], have0, have1, hu0, hu1;
	char rel[64], mrel[96], absdir[2048];
	struct record_plateau *pl = NULL;
	int64_t t_ramp, t_hold;
	uint64_t req0;
	long long stalls0;
	double ramp_s, hold_s;
	size_t i;
	int r = 0;

	measure_reset(m);
	if (rn->tw)
		trigger_watch_window(rn->tw);
	stalls0 = rn->tw ? trigger_watch_log_stalls(rn->tw) : 0;
	phase_begin(rn, "ramp", users);
	event(rn, "plateau %d users: ramp from %d%s", users, pp->from,
	    p->hub.servers ? ", servers started" : " (users only)");
	t_ramp = loop_now_us();
	for (i = 0; i < pp->nsteps && r == 0; i++)
		r = load_ramp(rn->ld, (size_t)pp->steps[i], eb);
	ramp_s = secs_since(t_ramp);
	if (phase_end(rn) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if (rn->jfail) {
		*eb = rn->jeb;
		return rn->jfail;
	}
	if (r == HS_EPARTIAL || rn->signals)
		return 0;
	if (r != 0)
		return r;
	load_progress(rn->ld, &lp);
	event(rn, "plateau %d users: %zu created, %zu ready, %zu failed, %zu "
	    "timed out in %.1f s", users, lp.created, lp.ready, lp.failed,
	    lp.timed_out, ramp_s);
	if (m->phases.sampled > 0)
		event(rn, "plateau %d users: spawn phases p50 (%llu sampled): "
		    "accepted %.2f s, first event %.2f s, ready %.2f s, total "
		    "%.2f s", users, (unsigned long long)m->phases.sampled,
		    (double)hist_quantile(&m->phases.h[MP_ACCEPT], 0.5) / 1e6,
		    (double)hist_quantile(&m->phases.h[MP_FIRST], 0.5) / 1e6,
		    (double)hist_quantile(&m->phases.h[MP_READY], 0.5) / 1e6,
		    (double)hist_quantile(&m->phases.h[MP_TOTAL], 0.5) / 1e6);

	/* the load flows from here to the end of the captures */
	load_hold_begin(rn->ld);
	phase_begin(rn, "settle", users);
	event(rn, "plateau %d users: settle %g s", users, p->plateaus.settle);
	wait_for(rn, p->plateaus.settle);
	if (phase_end(rn) != 0) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	if (rn->signals)
		goto out;

	artifacts_plateau_dir(users, rel, sizeof(rel));
	if ((r = artifacts_mkdir(rn->art, rel, eb)) != 0 ||
	    (r = artifacts_path(rn->art, rel, absdir, sizeof(absdir))) != 0) {
		if (r == HS_ELIMIT)
			r = hs_error(eb, HS_EIO, "run directory path too long");
		goto out;
	}
	/* the plateau reached its hold: it is in the manifest */
	if (record_add_plateau(&rn->rec, users, rel, &pl) != 0)
		goto nomem;
	rn->res->plateaus++;
	pl->has_state = 1;
	pl->state.asked = users;
	pl->state.created = (long long)lp.created;
	pl->state.ready = (long long)lp.ready;
	pl->state.failed = (long long)lp.failed;
	pl->state.timed_out = (long long)lp.timed_out;
	pl->ramp_seconds = ramp_s;

	phase_begin(rn, "hold", users);
	event(rn, "plateau %d users: hold %g s", users, p->plateaus.hold);
	t_hold = loop_now_us();
	req0 = total_requests(m);
	snprintf(mrel, sizeof(mrel), "%s/metrics-start.prom", rel);
	have0 = read_metrics(rn, mrel, &ms0);
	hu0 = read_usage(rn, &u0);
	wait_for(rn, p->plateaus.hold);
	if (phase_end(rn) != 0)
		goto nomem;
	for (i = 0; i < p->captures.nrun && !rn->signals; i++)
		if ((r = run_one_capture(rn, p->captures.run[i], absdir, rel,
		    pl, eb)) != 0) {
			if (eb->msg[0] == '\0')
				hs_error(eb, r, "out of memory");
			goto out;
		}
	/* the end of the hold: after the captures, the load still held */
	have1 = 0;
	hu1 = 0;
	if (rn->signals < 2) {
		snprintf(mrel, sizeof(mrel), "%s/metrics-end.prom", rel);
		have1 = read_metrics(rn, mrel, &ms1);
		hu1 = read_usage(rn, &u1);
	}
	hold_s = secs_since(t_hold);
	load_hold_end(rn->ld);
	if (p->arrivals.session_length > 0) {
		struct load_progress dp;

		load_progress(rn->ld, &dp);
		event(rn, "plateau %d users: %zu departures so far, %zu servers "
		    "ready at the end of the hold", users, dp.departed,
		    dp.ready);
	}
	if (rn->sess != NULL) {
		struct session_stats ss;

		sessions_stats(rn->sess, &ss);
		event(rn, "plateau %d users: %zu sessions browsing, %zu tokens "
		    "minted (%zu failed), %zu logged in (%zu failed), %zu "
		    "servers opened through OAuth", users, ss.browsing,
		    ss.minted, ss.mint_failed, ss.logged_in, ss.login_failed,
		    ss.opened);
	}
	pl->has_hold = 1;
	pl->hold_seconds = hold_s;
	pl->hold_rps = hold_s > 0 ? round((double)(total_requests(m) - req0) /
	    hold_s * 100) / 100 : 0;
	record_plateau_set_metrics(pl, have0 ? &ms0 : NULL, have1 ? &ms1 :
	    NULL, hold_s);
	if (hu0 || hu1) {
		pl->has_usage = 1;
		pl->usage_start = usage_of(&u0, hu0);
		pl->usage_end = usage_of(&u1, hu1);
		/* a hub restarted in between used no negative CPU: null */
		if (hu0 && hu1 && u0.cpu_seconds >= 0 && u1.cpu_seconds >= 0 &&
		    hold_s > 0 && u1.cpu_seconds >= u0.cpu_seconds)
			pl->usage_cpu_percent = round((u1.cpu_seconds -
			    u0.cpu_seconds) / hold_s * 1e4) / 100;
	}
	r = 0;
	goto out;
nomem:
	r = hs_error(eb, HS_ENOMEM, "out of memory");
out:
	if (pl != NULL && rn->tw != NULL && rn->log_followed)
		pl->log_stalls = trigger_watch_log_stalls(rn->tw) - stalls0;
	if (pl != NULL && record_plateau_set_measure(pl, m) != 0 && r == 0)
		r = hs_error(eb, HS_ENOMEM, "out of memory");
	if (rn->ld)
		load_hold_end(rn->ld);
	metrics_release(&ms0);
	metrics_release(&ms1);
	return r;
}

/* --- the end: teardown, logs, report, summary, archive --- */

static int
teardown(struct run *rn, struct hs_errbuf *eb)
{
	struct hs_errbuf teb = HS_ERRBUF_INIT;
	struct capture_usage u;
	struct load_progress lp;
	int r = 0, have;

	if (rn->ld == NULL)		/* hubspy watch: nothing was made */
		return 0;
	if (rn->p->teardown == PROFILE_TEARDOWN_KEEP) {
		load_progress(rn->ld, &lp);
		event(rn, "teardown keep: %zu users left on the hub; remove them "
		    "with 'hubspy purge --run %s'", lp.created, rn->art->dir);
		rn->rec.has_after_purge = 0;
		return 0;
	}
	phase_begin(rn, "teardown", -1);
	event(rn, "teardown: stopping and deleting the users of this run");
	if ((r = load_teardown(rn->ld, LOAD_TD_OURS, NULL, 0, &teb)) != 0) {
		char *semi = strstr(teb.msg, "; run");

		if (semi)
			*semi = '\0';
		snprintf(rn->res->teardown_msg, sizeof(rn->res->teardown_msg),
		    "%s; run 'hubspy purge --run %s' when the hub answers "
		    "again", teb.msg, rn->art->dir);
		hs_error(eb, HS_ELEFT, "%s", rn->res->teardown_msg);
		event(rn, "%s", rn->res->teardown_msg);
	} else {
		load_progress(rn->ld, &lp);
		event(rn, "teardown: %zu users removed", lp.deleted);
	}
	if (phase_end(rn) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	/* IBM saw the hub keep its memory after a purge: one more reading */
	have = read_usage(rn, &u);
	rn->rec.has_after_purge = 1;
	rn->rec.after_purge = usage_of(&u, have);
	return r;
}

static int
write_manifest_file(struct run *rn, struct hs_errbuf *eb)
{
	cJSON *m = record_to_json(&rn->rec);
	char *text = m ? cJSON_Print(m) : NULL;
	int r;

	cJSON_Delete(m);
	if (text == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	r = artifacts_write(rn->art, ARTIFACTS_MANIFEST, text, strlen(text),
	    eb);
	cJSON_free(text);
	return r;
}

static int
write_summary(struct run *rn, struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(4u << 20);
	int r;

	if ((r = summary_render(&rn->rec, rn->art->dir, &b, eb)) == 0 &&
	    (r = artifacts_write(rn->art, "summary.md", b.data, b.len,
	    eb)) == 0)
		snprintf(rn->res->summary, sizeof(rn->res->summary),
		    "%s/summary.md", rn->art->dir);
	buf_release(&b);
	return r;
}

static int
set_partial(struct run *rn)
{
	rn->res->partial = 1;
	rn->rec.partial = 1;
	return record_set_str(&rn->rec.partial_reason, rn->reason[0] ?
	    rn->reason : "the run did not finish its plan");
}

/* the caller's --log-file, copied into run.log */
static int
copy_log(struct run *rn, struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(ARTIFACTS_MAX_FILE);
	int r;

	if ((r = file_read(rn->cfg->log_path, &b, eb)) == 0)
		r = artifacts_write(rn->art, "run.log", b.data, b.len, eb);
	buf_release(&b);
	return r;
}

/* what the postmortem bundle has and a run gets cheaply (two kubectl
 * calls): the hub container's log before a restart (hub-previous.log)
 * and the pod's events (events.txt), each only when there is one */
static void
pod_postmortem(struct run *rn)
{
	struct hs_errbuf peb = HS_ERRBUF_INIT;
	char path[2200];
	int n = 0;

	if (postmortem_previous(&rn->t, rn->art->dir, rn->cfg->log_tail > 0 ?
	    rn->cfg->log_tail : 1000, &peb) == 0)
		event(rn, "the hub container restarted: its log before the "
		    "restart is hub-previous.log");
	else if (strstr(peb.msg, "no previous container") == NULL)
		event(rn, "previous hub log: %s", peb.msg);
	if (postmortem_events(&rn->t, rn->art->dir, &n, &peb) != 0)
		event(rn, "pod events: %s", peb.msg);
	else if (n == 0 && artifacts_path(rn->art, "events.txt", path,
	    sizeof(path)) == 0)
		unlink(path);		/* no events: no empty file */
}

static int
archive(struct run *rn, struct hs_errbuf *eb)
{
	struct hs_errbuf web = HS_ERRBUF_INIT;
	struct rundata_filter filter;
	char path[2200];
	int r, seen;

	phase_begin(rn, "archive", -1);
	event(rn, "archiving");
	if (rn->target_init && (rn->t.transport == TARGET_LOCAL ?
	    rn->t.log_file != NULL : rn->t.pod != NULL)) {
		if (artifacts_path(rn->art, "hub.log", path, sizeof(path)) ==
		    0 && capture_logs(&rn->t, path, rn->cfg->log_tail > 0 ?
		    rn->cfg->log_tail : 1000, &web) != 0)
			event(rn, "hub logs: %s", web.msg);
		else
			chmod(path, 0600);
	}
	if (rn->target_init && rn->t.transport != TARGET_LOCAL &&
	    rn->t.pod != NULL && rn->signals < 2)
		pod_postmortem(rn);
	if (rn->cfg->log_path && copy_log(rn, &web) != 0)
		event(rn, "run log: %s", web.msg);
	poll_signals(rn);
	if (rn->signals && !rn->res->partial && set_partial(rn) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if (phase_end(rn) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if ((r = write_manifest_file(rn, eb)) != 0)
		return r;
	/* report.html and the per-plateau files before summary.md, which
	 * shows the top functions of each top-table.txt; from the record in
	 * memory. manifest.json, written just before, keeps the run
	 * directory readable (`hubspy report DIR`) should rendering or
	 * archiving fail; artifacts_finish() rewrites it with the files.
	 * report.html embeds the dumps: it is rendered from their redacted
	 * form, after the structural pass has learned every secret of the
	 * run (artifacts_learn()) */
	if ((r = artifacts_learn(rn->art, &rn->rec, eb)) != 0)
		return r;
	artifacts_filter(rn->art, &filter);
	if ((r = report_write_dir_filtered(rn->art->dir, &rn->rec, &filter,
	    &web)) != 0) {
		if (r == HS_EIO || r == HS_ENOMEM)
			return *eb = web, r;
		event(rn, "report: %s", web.msg);
	}
	if ((r = write_summary(rn, eb)) != 0)
		return r;
	for (;;) {
		poll_signals(rn);
		seen = rn->signals;
		if (seen && !rn->res->partial) {
			if (set_partial(rn) != 0)
				return hs_error(eb, HS_ENOMEM, "out of memory");
			if ((r = write_summary(rn, eb)) != 0)
				return r;
		}
		if ((r = artifacts_finish(rn->art, &rn->rec, eb)) != 0)
			return r;
		poll_signals(rn);
		/* a signal while the archive was written: again, partial */
		if (rn->signals == seen || rn->res->partial)
			break;
	}
	return 0;
}

/* --- the run --- */

static void
run_release(struct run *rn)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	if (rn->tick)
		loop_timer_cancel(rn->loop, rn->tick);
	rn->tick = NULL;
	loop_on_signal(rn->loop, NULL, NULL);
	follow_free(rn->follow);
	rn->follow = NULL;
	trigger_watch_free(rn->tw);
	rn->tw = NULL;
	load_free(rn->ld);
	rn->ld = NULL;
	/* after the load: its hub requests (the mints) are gone with it */
	sessions_free(rn->sess);
	rn->sess = NULL;
	if (rn->target_init)
		target_release(&rn->t);
	journal_close(&rn->j, &eb);
	record_release(&rn->rec);
}

/* sessions.mode browse: the sessions, checked against the hub before
 * anything is created (the token may mint, the public URL reaches the hub,
 * the login asked for is offered) */
static int
start_sessions(struct run *rn, struct hs_errbuf *eb)
{
	const struct profile *p = rn->p;
	struct session_config sc = SESSION_CONFIG_INIT;
	char *derived = NULL;
	int r;

	if (p->sessions.mode != PROFILE_SESSIONS_BROWSE)
		return 0;
	if (p->hub.public_url != NULL)
		sc.public_url = p->hub.public_url;
	else if ((sc.public_url = derived = hub_base_url(rn->cfg->url)) ==
	    NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	sc.login = (enum session_login)p->sessions.login;
	sc.mix.page = p->sessions.mix.page;
	sc.mix.own_api = p->sessions.mix.own_api;
	sc.mix.proxy = p->sessions.mix.proxy;
	sc.think_min_ms = (int)(p->sessions.think.min * 1000.0);
	sc.think_max_ms = (int)(p->sessions.think.max * 1000.0);
	sc.concurrency = p->sessions.concurrency;
	sc.progress = p->sessions.progress;
	sc.progress_timeout_s = (int)ceil(p->load.ready_timeout);
	sc.on_event = on_load_event;
	sc.arg = rn;
	if ((r = sessions_new(&rn->sess, rn->hub, &sc, eb)) == 0)
		r = sessions_preflight(rn->sess, eb);
	if (r == 0)
		snprintf(rn->sess_line, sizeof(rn->sess_line), "sessions: "
		    "browse through %.200s, login %s", sc.public_url,
		    sessions_login_form(rn->sess) ? "form and cookie" :
		    "none (token only)");
	free(derived);
	return r;
}

static int
start_load(struct run *rn, struct hs_errbuf *eb)
{
	const struct profile *p = rn->p;
	struct load_config lc = LOAD_CONFIG_INIT;
	char *opts = NULL;
	size_t existing = 0;
	long highest = 0;
	int r;

	lc.prefix = p->hub.prefix;
	lc.batch_size = p->load.batch_size;
	lc.spawn_concurrency = p->load.spawn_concurrency;
	if (p->hub.server_options && p->hub.server_options->child &&
	    (opts = cJSON_PrintUnformatted(p->hub.server_options)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	lc.server_options = opts;
	lc.ready_timeout_s = (int)ceil(p->load.ready_timeout);
	lc.phase_streams = p->hub.servers ? p->spawn_phases.streams : 0;
	lc.start_servers = p->hub.servers;
	lc.named_servers = p->hub.servers ? p->hub.named_servers : 0;
	lc.activity_interval_s = p->activity.mode ==
	    PROFILE_ACTIVITY_SIMULATE ? (int)ceil(p->activity.interval) : 0;
	lc.probe_interval_ms = (int)(p->probe.interval * 1000.0);
	if (rn->cfg->hub_gone_s > 0)
		lc.hub_gone_s = rn->cfg->hub_gone_s;
	lc.on_batch = on_batch;
	lc.batch_arg = rn;
	lc.on_event = on_load_event;
	lc.hook_arg = rn;
	lc.sessions = rn->sess;
	lc.arrivals = (enum arrival_mode)p->arrivals.mode;
	lc.arrival_rate = p->arrivals.rate;
	lc.session_length_s = (int)ceil(p->arrivals.session_length);
	r = load_new(&rn->ld, rn->hub, &lc, eb);
	cJSON_free(opts);
	if (r != 0)
		return r;
	/* names continue after the highest PREFIX-N already on the hub */
	if ((r = load_discover(rn->ld, &existing, &highest, eb)) != 0)
		return r;
	if (existing > 0)
		event(rn, "%zu users named %s-N already on the hub (highest "
		    "%ld): they are left alone", existing, p->hub.prefix,
		    highest);
	return 0;
}

int
run_exec(const struct run_config *cfg, struct run_result *res,
    struct hs_errbuf *eb)
{
	struct run rn;
	struct profile_plan *plan = NULL;
	struct hs_errbuf feb = HS_ERRBUF_INIT, aeb = HS_ERRBUF_INIT;
	char jpath[2200];
	cJSON *o;
	size_t k;
	int r, fatal = 0, ar, tr = 0;

	memset(res, 0, sizeof(*res));
	memset(&rn, 0, sizeof(rn));
	rn.cfg = cfg;
	rn.p = cfg->prof;
	rn.loop = cfg->loop;
	rn.hub = cfg->hub;
	rn.art = cfg->art;
	rn.res = res;
	rn.t = (struct target)TARGET_INIT;
	rn.j = (struct journal)JOURNAL_INIT;
	rn.plateau = -1;
	rn.phase = "preflight";
	record_init(&rn.rec);

	loop_on_signal(rn.loop, on_signal, &rn);
	rn.tick = loop_timer_add_lazy(rn.loop, 250, 125, on_tick, &rn);
	if ((plan = calloc(1, sizeof(*plan))) == NULL ||
	    record_set_str(&rn.rec.hubspy_version, HUBSPY_VERSION) != 0 ||
	    record_set_str(&rn.rec.created, rn.art->created) != 0 ||
	    record_set_str(&rn.rec.profile_name, rn.p->name) != 0 ||
	    (o = profile_to_json(rn.p)) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = record_set_profile(&rn.rec, o, eb)) != 0)
		goto out;
	profile_plan(rn.p, plan);
	if ((rn.rec.plan = profile_plan_to_json(plan)) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	if (!cfg->watch && ((r = artifacts_path(rn.art, JOURNAL_FILE, jpath,
	    sizeof(jpath))) != 0 || (r = journal_open(&rn.j, jpath,
	    eb)) != 0)) {
		if (r == HS_ELIMIT)
			r = hs_error(eb, HS_EIO, "run directory path too long");
		goto out;
	}

	/* a watch is for production hubs: at most 2 requests in any second,
	 * the preflight's included */
	if (cfg->watch)
		hub_pace(rn.hub, WATCH_PACE);
	if ((r = preflight(&rn, eb)) != 0 ||
	    (!cfg->watch && (r = start_load(&rn, eb)) != 0) ||
	    (r = watch_start(&rn, eb)) != 0 || rn.signals) {
		struct hs_errbuf reb = HS_ERRBUF_INIT;

		/* nothing was done on the hub: no archive, no run directory */
		if (r == 0)
			r = hs_error(eb, HS_EPARTIAL, "%s before the load "
			    "started; nothing was done on the hub", rn.reason);
		artifacts_remove_dir(rn.art, &reb);
		goto out;
	}
	if (cfg->watch && (r = watch_phase(&rn, eb)) != 0)
		goto out;
	for (k = 0; !cfg->watch && k < rn.p->plateaus.n && !rn.signals; k++) {
		if ((r = plateau(&rn, k, &plan->p[k], &feb)) != 0) {
			fatal = r;
			if (r == HS_ENOMEM) {
				*eb = feb;
				goto out;
			}
			snprintf(rn.reason, sizeof(rn.reason), "%s", feb.msg);
			event(&rn, "%s; tearing down", feb.msg);
			break;
		}
	}
	if (watch_stop(&rn) != 0 || rn.trig_fail) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	if (rn.signals || fatal) {
		if (set_partial(&rn) != 0) {
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
	}
	tr = teardown(&rn, &aeb);
	if (tr == HS_ENOMEM) {
		r = tr;
		*eb = aeb;
		goto out;
	}
	if ((ar = archive(&rn, eb)) != 0) {
		/* the tarball could not be written; the users are gone (or
		 * said to be left, which matters more) */
		r = tr == HS_ELEFT ? (*eb = aeb, tr) : ar;
		goto out;
	}
	if (tr == HS_ELEFT) {
		*eb = aeb;
		r = tr;
	} else if (fatal) {
		hs_error(eb, fatal, "%s; the archive is marked partial", feb.msg);
		r = fatal;
	} else if (rn.signals) {
		hs_error(eb, HS_EPARTIAL, "%s; the archive is marked partial",
		    rn.reason);
		r = HS_EPARTIAL;
	} else
		r = 0;
out:
	res->signals = rn.signals;
	run_release(&rn);
	free(plan);
	return r;
}
