/* capture.c -- py-spy record, dump and top through a target; hub usage, logs and pod status */
/*
 * record: one py-spy per format (raw always; flamegraph and speedscope on
 * request) runs concurrently inside the container, each behind a fixed
 * `sh -c 'echo $$; exec "$0" "$@"'` so its pid in the container comes first
 * on stdout: that pid is what a SIGINT goes to when the watchdog
 * (duration + margin) fires or the user presses Ctrl-C, because SIGINT is
 * the one signal on which py-spy still writes its file. The file is then
 * fetched with `cat` on an exec without a tty (byte-exact) straight into
 * the output file, and removed from the container.
 *
 * top: the real screen, through a local pty and `kubectl exec -i -t`,
 * stopped by a Ctrl-C byte; the last complete frame is kept as text.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/file.h"
#include "capture/capture.h"
#include "core/loop.h"
#include "core/proc.h"

#define WRAP_SH		"echo $$; exec \"$0\" \"$@\""
#define TOP_OUT_MAX	(16 * 1024 * 1024)
#define FILE_MAX	(64 * 1024 * 1024)

const char *
capture_kind_name(enum capture_kind k)
{
	switch (k) {
	case CAPTURE_RECORD:
		return "record";
	case CAPTURE_TOP:
		return "top";
	case CAPTURE_DUMP:
		return "dump";
	}
	return "other";
}

void
capture_result_release(struct capture_result *res)
{
	size_t i;

	for (i = 0; i < res->nfiles; i++) {
		free(res->files[i].path);
		free(res->files[i].message);
	}
	free(res->files);
	*res = (struct capture_result)CAPTURE_RESULT_INIT;
}

static struct capture_file *
res_add(struct capture_result *res, enum capture_kind kind, const char *dir,
    const char *name)
{
	struct capture_file *nf, *f;

	nf = reallocarray(res->files, res->nfiles + 1, sizeof(*nf));
	if (nf == NULL)
		return NULL;
	res->files = nf;
	f = &nf[res->nfiles];
	memset(f, 0, sizeof(*f));
	if (asprintf(&f->path, "%s/%s", dir, name) == -1)
		return NULL;
	res->nfiles++;
	f->kind = kind;
	f->name = strrchr(f->path, '/') + 1;
	f->exit_code = -1;
	f->samples = -1;
	return f;
}

/* one line into f->message and, if eb is still clean, into eb */
static void
file_fail(struct capture_file *f, struct hs_errbuf *eb, enum target_fail cl,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
file_fail(struct capture_file *f, struct hs_errbuf *eb, enum target_fail cl,
    const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	f->failure = cl;
	free(f->message);
	f->message = strdup(line);
	if (eb && eb->code == 0)
		hs_error(eb, HS_ETARGET, "%s", line);
}

static void
fail_from(struct capture_file *f, struct hs_errbuf *eb, const char *what,
    const struct proc *p)
{
	char line[240];
	enum target_fail cl = target_classify(p->err.data,
	    proc_exit_code(p), p->timed_out);

	if (cl == TF_NONE)
		cl = TF_OTHER;
	target_error_line(p->err.len ? p->err.data : p->out.data, line,
	    sizeof(line));
	if (line[0])
		file_fail(f, eb, cl, "%s: %s (exit code %d, %s); %s", what, line,
		    proc_exit_code(p), target_fail_name(cl), target_fail_fix(cl));
	else
		file_fail(f, eb, cl, "%s: exit code %d (%s); %s", what,
		    proc_exit_code(p), target_fail_name(cl), target_fail_fix(cl));
}

static int
dir_ok(const char *dir, struct hs_errbuf *eb)
{
	struct stat st;

	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    access(dir, W_OK) == -1)
		return hs_error(eb, HS_EIO, "cannot write into '%s': %s", dir,
		    errno ? strerror(errno) : "not a directory");
	return 0;
}

/* --- remote pids and interrupts --- */

static void
active_add(struct target *t, long pid)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	if (t->interrupted) {		/* Ctrl-C came before the pid */
		target_signal(t, pid, SIGINT, &eb);
		return;
	}
	if (t->nactive < (int)(sizeof(t->active) / sizeof(t->active[0])))
		t->active[t->nactive++] = pid;
}

static void
active_del(struct target *t, long pid)
{
	int i;

	for (i = 0; i < t->nactive; i++)
		if (t->active[i] == pid) {
			t->active[i] = t->active[--t->nactive];
			return;
		}
}

/* the pid the wrapper printed first, once the line is complete */
static long
wrapper_pid(const struct buf *out)
{
	const char *nl = memchr(out->data, '\n', out->len);
	long v;

	if (nl == NULL)
		return 0;
	v = strtol(out->data, NULL, 10);
	return v > 0 ? v : -1;
}

/* --- record --- */

struct rec {
	struct proc	 p;
	const char	*format;	/* raw, flamegraph, speedscope */
	const char	*name;		/* record.raw ... */
	char		*remote;	/* the file in the container */
	long		 rpid;		/* 0: not known yet; -1: none */
	int		 registered;	/* in t->active */
	int		 watchdog;	/* stopped by the watchdog's SIGINT */
	size_t		 fi;		/* its entry in res->files (which moves) */
};

struct rec_wait {
	struct rec	*recs;
	int		 n;
};

/* done when all are done, or when a remote pid appeared (to register it) */
static int
rec_pred(void *arg)
{
	struct rec_wait *w = arg;
	int i, all = 1;

	for (i = 0; i < w->n; i++) {
		struct rec *rc = &w->recs[i];

		if (rc->p.pid == 0)
			continue;
		if (rc->rpid == 0 && (rc->rpid = wrapper_pid(&rc->p.out)) != 0)
			return 1;
		if (!rc->p.done)
			all = 0;
	}
	return all;
}

/* the options record and top share; returns the new count, argv ended */
static int
sampling_flags(const char **cmd, int n, int nonblocking, int idle, int gil,
    int native, int subprocesses)
{
	if (nonblocking)
		cmd[n++] = "--nonblocking";
	if (idle)
		cmd[n++] = "--idle";
	if (gil)
		cmd[n++] = "--gil";
	if (native)
		cmd[n++] = "--native";
	if (subprocesses)
		cmd[n++] = "--subprocesses";
	cmd[n] = NULL;
	return n;
}

static int
rec_start(struct target *t, struct rec *rc, const struct record_opts *o,
    const char *dir, struct hs_errbuf *eb)
{
	char pid[24], dur[24], rate[24];
	const char *cmd[32];
	struct proc_spec spec = PROC_SPEC_INIT;
	int n = 0;

	snprintf(pid, sizeof(pid), "%ld", t->pid);
	snprintf(dur, sizeof(dur), "%d", o->duration);
	snprintf(rate, sizeof(rate), "%d", o->rate);
	if (t->transport == TARGET_LOCAL) {
		char *abs = realpath(dir, NULL);

		if (abs == NULL || asprintf(&rc->remote, "%s/%s", abs,
		    rc->name) == -1)
			rc->remote = NULL;
		free(abs);
	} else if (asprintf(&rc->remote, "%s/hubspy-%ld-%lld-%s", t->tmpdir,
	    (long)getpid(), (long long)loop_now_us(), rc->name) == -1)
		rc->remote = NULL;
	if (rc->remote == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	cmd[n++] = "sh";
	cmd[n++] = "-c";
	cmd[n++] = WRAP_SH;
	cmd[n++] = t->pyspy;
	cmd[n++] = "record";
	cmd[n++] = "--pid";
	cmd[n++] = pid;
	cmd[n++] = "--duration";
	cmd[n++] = dur;
	cmd[n++] = "--rate";
	cmd[n++] = rate;
	cmd[n++] = "--format";
	cmd[n++] = rc->format;
	cmd[n++] = "--output";
	cmd[n++] = rc->remote;
	n = sampling_flags(cmd, n, o->nonblocking && !o->native, o->idle,
	    o->gil, o->native, o->subprocesses);
	spec.out_max = 256 * 1024;
	return target_start(t, &rc->p, cmd, 0, &spec, eb);
}

/* cat REMOTE > path (no tty: byte-exact) */
static int
fetch(struct target *t, const char *remote, const char *path,
    struct proc *p, struct hs_errbuf *eb)
{
	const char *cmd[] = { "cat", "--", remote, NULL };
	struct proc_spec spec = PROC_SPEC_INIT;
	int r;

	spec.out_path = path;
	spec.timeout_ms = t->exec_timeout * 1000LL;
	if ((r = target_start(t, p, cmd, 0, &spec, eb)) != 0)
		return r;
	proc_wait(p, 0);
	return 0;
}

static long long
parse_samples(const char *out)
{
	const char *s = strstr(out, "Samples: ");

	return s ? strtoll(s + 9, NULL, 10) : -1;
}

long long
capture_raw_samples(const char *raw, size_t len)
{
	const char *p = raw, *end = raw + len;
	long long total = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *sp = e;

		while (sp > p && sp[-1] != ' ')
			sp--;
		if (sp > p && sp < e && isdigit((unsigned char)*sp))
			total += strtoll(sp, NULL, 10);
		p = e + 1;
	}
	return total;
}

static long long
file_samples(const char *path)
{
	struct buf b = BUF_INIT(FILE_MAX);
	long long n = -1;

	if (file_read(path, &b, NULL) == 0)
		n = capture_raw_samples(b.data, b.len);
	buf_release(&b);
	return n;
}

/* after a py-spy run: its file into place, or the failure explained */
static void
rec_finish(struct target *t, struct rec *rc, struct capture_result *res,
    struct hs_errbuf *eb)
{
	struct capture_file *f = &res->files[rc->fi];
	struct hs_errbuf feb = HS_ERRBUF_INIT;
	struct proc cat = PROC_INIT;
	int code = proc_exit_code(&rc->p);

	f->exit_code = code;
	f->seconds = proc_seconds(&rc->p);
	if (code != 0 || rc->p.timed_out) {
		char what[200];

		snprintf(what, sizeof(what), "py-spy record (%s) of pid %ld "
		    "failed", rc->format, t->pid);
		fail_from(f, eb, what, &rc->p);
		if (f->failure == TF_IDLE && f->kind == CAPTURE_RECORD)
			/* the error SVG is no flamegraph */
			unlink(f->path);
		return;
	}
	if (t->transport != TARGET_LOCAL) {
		if (fetch(t, rc->remote, f->path, &cat, &feb) != 0 ||
		    proc_exit_code(&cat) != 0) {
			file_fail(f, eb, TF_OTHER, "cannot fetch '%s' from the "
			    "container: %s", rc->remote, feb.msg[0] ? feb.msg :
			    cat.err.data);
			unlink(f->path);
			proc_release(&cat);
			return;
		}
		proc_release(&cat);
	}
	f->written = 1;
	f->samples = parse_samples(rc->p.out.data);
	if (strcmp(rc->format, "raw") == 0) {
		long long s = file_samples(f->path);

		if (f->samples < 0)
			f->samples = s;
		if (s == 0)
			file_fail(f, NULL, TF_IDLE, "no samples in %s: %s",
			    f->name, target_fail_fix(TF_IDLE));
	}
}

int
capture_record(struct target *t, const char *dir, const struct record_opts *o,
    struct capture_result *res, struct hs_errbuf *eb)
{
	struct rec recs[3];
	struct rec_wait w = { recs, 0 };
	int64_t start, soft;
	int i, r, lr, stage;

	memset(recs, 0, sizeof(recs));
	for (i = 0; i < 3; i++)
		recs[i].p = (struct proc)PROC_INIT;
	if ((r = dir_ok(dir, eb)) != 0)
		return r;
	recs[w.n].format = "raw";
	recs[w.n++].name = "record.raw";
	if (o->svg) {
		recs[w.n].format = "flamegraph";
		recs[w.n++].name = "record.svg";
	}
	if (o->speedscope) {
		recs[w.n].format = "speedscope";
		recs[w.n++].name = "record.speedscope.json";
	}
	for (i = 0; i < w.n; i++) {
		if (res_add(res, CAPTURE_RECORD, dir, recs[i].name) == NULL) {
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
		recs[i].fi = res->nfiles - 1;
		if ((r = rec_start(t, &recs[i], o, dir, eb)) != 0) {
			file_fail(&res->files[recs[i].fi], NULL, t->failure ? t->failure :
			    TF_OTHER, "%s", eb->msg);
			goto out;
		}
	}
	start = loop_now(t->loop);
	soft = start + (o->duration + o->margin) * 1000LL;
	for (stage = 0;;) {
		int64_t now;

		lr = loop_run(t->loop, rec_pred, &w, soft);
		for (i = 0; i < w.n; i++) {
			struct rec *rc = &recs[i];

			if (rc->rpid > 0 && !rc->registered && !rc->p.done) {
				active_add(t, rc->rpid);
				rc->registered = 1;
			}
			if (rc->registered && rc->p.done) {
				active_del(t, rc->rpid);
				rc->registered = 0;
			}
		}
		if (lr == 1) {		/* loop_stop(): abandon */
			for (i = 0; i < w.n; i++)
				proc_kill(&recs[i].p, SIGKILL);
			res->interrupted = 1;
			r = hs_error(eb, HS_EPARTIAL, "record interrupted");
			goto out;
		}
		for (i = 0; i < w.n && recs[i].p.done; i++)
			;
		if (i == w.n)
			break;
		now = loop_now_us() / 1000;
		if (now < soft)
			continue;
		/* the watchdog: first SIGINT inside the container (the file is
		 * still written), then SIGTERM and SIGKILL to kubectl */
		for (i = 0; i < w.n; i++) {
			struct rec *rc = &recs[i];
			struct hs_errbuf seb = HS_ERRBUF_INIT;

			if (rc->p.done)
				continue;
			rc->watchdog = 1;
			if (stage == 0 && rc->rpid > 0)
				target_signal(t, rc->rpid, SIGINT, &seb);
			else if (stage == 1)
				proc_kill(&rc->p, SIGTERM);
			else if (stage >= 2)
				proc_kill(&rc->p, SIGKILL);
		}
		stage++;
		soft = loop_now_us() / 1000 + (stage == 1 ? o->margin * 1000LL :
		    5000);
	}
	if (t->interrupted)
		res->interrupted = 1;
	for (i = 0; i < w.n; i++) {
		struct capture_file *f = &res->files[recs[i].fi];

		rec_finish(t, &recs[i], res, eb);
		if (recs[i].watchdog && f->failure == TF_NONE)
			file_fail(f, NULL, TF_TIMEOUT, "py-spy record "
			    "ran past --duration plus %d s and was stopped "
			    "with SIGINT; the file was kept", o->margin);
		else if (recs[i].watchdog && f->failure == TF_OTHER)
			file_fail(f, eb, TF_TIMEOUT, "py-spy record did "
			    "not end within --duration plus %d s and was killed "
			    "(timeout); %s", o->margin,
			    target_fail_fix(TF_TIMEOUT));
	}
	r = res->files[recs[0].fi].written ? 0 : HS_ETARGET;
	if (r == 0)
		memset(eb, 0, sizeof(*eb));
out:
	if (t->transport != TARGET_LOCAL) {
		const char *rm[8];
		struct proc p = PROC_INIT;
		struct hs_errbuf reb = HS_ERRBUF_INIT;
		int n = 0;

		rm[n++] = "rm";
		rm[n++] = "-f";
		rm[n++] = "--";
		for (i = 0; i < w.n; i++)
			if (recs[i].remote)
				rm[n++] = recs[i].remote;
		rm[n] = NULL;
		if (n > 3)
			target_run(t, &p, rm, 0, &reb);
		proc_release(&p);
	}
	for (i = 0; i < 3; i++) {
		if (recs[i].registered)
			active_del(t, recs[i].rpid);
		proc_release(&recs[i].p);
		free(recs[i].remote);
	}
	return r;
}

/* --- dump --- */

static int
dump_one(struct target *t, const char *dir, const struct dump_opts *o,
    int idx, int json, struct capture_result *res, struct hs_errbuf *eb)
{
	char name[32], pid[24];
	const char *cmd[16];
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc p = PROC_INIT;
	struct capture_file *f;
	int n = 0, r;

	snprintf(name, sizeof(name), "dump-%d.%s", idx, json ? "json" : "txt");
	snprintf(pid, sizeof(pid), "%ld", t->pid);
	if ((f = res_add(res, CAPTURE_DUMP, dir, name)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	cmd[n++] = t->pyspy;
	cmd[n++] = "dump";
	cmd[n++] = "--pid";
	cmd[n++] = pid;
	if (o->nonblocking)
		cmd[n++] = "--nonblocking";
	if (json)
		cmd[n++] = "--json";
	if (o->locals)
		cmd[n++] = "--locals";
	if (o->subprocesses && !json)
		cmd[n++] = "--subprocesses";
	cmd[n] = NULL;
	spec.out_path = f->path;
	spec.timeout_ms = t->exec_timeout * 1000LL;
	if ((r = target_start(t, &p, cmd, 0, &spec, eb)) != 0) {
		file_fail(f, NULL, t->failure ? t->failure : TF_OTHER, "%s",
		    eb->msg);
		goto out;
	}
	proc_wait(&p, 0);
	f->exit_code = proc_exit_code(&p);
	f->seconds = proc_seconds(&p);
	if (f->exit_code != 0 || p.timed_out) {
		char what[100];

		snprintf(what, sizeof(what), "py-spy dump of pid %ld failed",
		    t->pid);
		fail_from(f, eb, what, &p);
		unlink(f->path);
		r = HS_ETARGET;
		goto out;
	}
	f->written = 1;
	r = 0;
out:
	proc_release(&p);
	return r;
}

/* a dump's JSON, or NULL when it cannot be read whole */
static char *
slurp(const char *path)
{
	char *s;

	return file_read_alloc(path, FILE_MAX, &s, NULL, NULL) == 0 ? s : NULL;
}

static int
write_file(const char *path, const char *s, struct hs_errbuf *eb)
{
	return file_write_atomic(path, s, strlen(s), FILE_MODE, eb);
}

static int
interrupted(void *arg)
{
	return ((struct target *)arg)->interrupted;
}

int
capture_dump(struct target *t, const char *dir, const struct dump_opts *o,
    struct capture_result *res, struct hs_errbuf *eb)
{
	char **jsons = NULL;
	int64_t first = 0, last = 0;
	int i, r, ok = 0;

	if ((r = dir_ok(dir, eb)) != 0)
		return r;
	if ((jsons = calloc((size_t)o->count + 1, sizeof(*jsons))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	for (i = 1; i <= o->count; i++) {
		int64_t at = loop_now_us() / 1000;

		if (i == 1)
			first = at;
		last = at;
		if (dump_one(t, dir, o, i, 0, res, eb) == 0)
			ok++;
		if (dump_one(t, dir, o, i, 1, res, eb) == 0)
			jsons[i - 1] = slurp(res->files[res->nfiles - 1].path);
		if (t->interrupted) {
			res->interrupted = 1;
			break;
		}
		if (i < o->count && (loop_run(t->loop, interrupted, t,
		    at + o->interval_ms) == 1 || t->interrupted)) {
			res->interrupted = 1;
			break;
		}
	}
	if (o->count > 1 && ok > 0) {
		struct capture_file *f = res_add(res, CAPTURE_DUMP, dir,
		    "stuck.txt");
		const char **js = calloc((size_t)o->count, sizeof(*js));
		size_t nj = 0;
		char *rep;
		int nstuck = 0;

		if (f == NULL || js == NULL) {
			free(js);
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < o->count; i++)
			if (jsons[i])
				js[nj++] = jsons[i];
		rep = capture_stuck(js, nj, (double)(last - first) / 1000.0,
		    &nstuck);
		free(js);
		if (rep == NULL) {
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
		f->exit_code = 0;
		f->samples = nstuck;
		r = write_file(f->path, rep, eb);
		free(rep);
		if (r != 0)
			goto out;
		f->written = 1;
	}
	r = ok > 0 ? 0 : HS_ETARGET;
	if (r == 0)
		memset(eb, 0, sizeof(*eb));
out:
	for (i = 0; i < o->count; i++)
		free(jsons[i]);
	free(jsons);
	return r;
}

/* --- stuck threads --- */

struct thr {
	long long	 id;
	char		*name;
	char		*sig;		/* frames, one per line */
	char		*where;		/* innermost frame */
	int		 seen, same, active;
};

static char *
trace_sig(const cJSON *frames, char **wherep)
{
	struct buf b = BUF_INIT(1024 * 1024);
	const cJSON *fr;
	int first = 1;

	*wherep = NULL;
	cJSON_ArrayForEach(fr, frames) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(fr, "name");
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(fr,
		    "short_filename");
		const cJSON *ln = cJSON_GetObjectItemCaseSensitive(fr, "line");
		char one[600];

		if (!cJSON_IsString(fn))
			fn = cJSON_GetObjectItemCaseSensitive(fr, "filename");
		snprintf(one, sizeof(one), "%s (%s:%d)",
		    cJSON_IsString(n) ? n->valuestring : "?",
		    cJSON_IsString(fn) ? fn->valuestring : "?",
		    cJSON_IsNumber(ln) ? ln->valueint : 0);
		if (first && (*wherep = strdup(one)) == NULL)
			break;
		first = 0;
		buf_addstr(&b, one);
		buf_addch(&b, '\n');
	}
	return buf_detach(&b, NULL);
}

char *
capture_stuck(const char *const *json, size_t n, double span_s, int *nstuck)
{
	struct thr *th = NULL;
	size_t nth = 0, i, k;
	struct buf out = BUF_INIT(4 * 1024 * 1024);
	int stuck = 0, waiting = 0;

	*nstuck = 0;
	for (i = 0; i < n; i++) {
		cJSON *arr = cJSON_Parse(json[i]), *tr;

		cJSON_ArrayForEach(tr, arr) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(tr,
			    "os_thread_id");
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(tr,
			    "thread_name");
			const cJSON *ac = cJSON_GetObjectItemCaseSensitive(tr,
			    "active");
			char *where, *sig;
			long long tid;
			struct thr *t = NULL;

			if (!cJSON_IsNumber(id))
				id = cJSON_GetObjectItemCaseSensitive(tr,
				    "thread_id");
			tid = cJSON_IsNumber(id) ? (long long)id->valuedouble : -1;
			sig = trace_sig(cJSON_GetObjectItemCaseSensitive(tr,
			    "frames"), &where);
			for (k = 0; k < nth; k++)
				if (th[k].id == tid)
					t = &th[k];
			if (t == NULL) {
				struct thr *nt = reallocarray(th, nth + 1,
				    sizeof(*nt));

				if (nt == NULL) {
					free(sig);
					free(where);
					continue;
				}
				th = nt;
				t = &th[nth++];
				memset(t, 0, sizeof(*t));
				t->id = tid;
				t->name = cJSON_IsString(nm) ?
				    strdup(nm->valuestring) : NULL;
				t->sig = sig;
				t->where = where;
				t->same = 1;
			} else {
				if (t->sig == NULL || sig == NULL ||
				    strcmp(t->sig, sig) != 0)
					t->same = 0;
				free(sig);
				free(where);
			}
			t->seen++;
			if (cJSON_IsTrue(ac))
				t->active = 1;
		}
		cJSON_Delete(arr);
	}
	for (k = 0; k < nth; k++) {
		if (th[k].seen != (int)n || !th[k].same || n < 2)
			continue;
		if (!th[k].active) {
			waiting++;
			continue;
		}
		stuck++;
		buf_printf(&out, "Thread %lld%s%s%s stuck for at least %.1f s in "
		    "%s\n", th[k].id, th[k].name ? " \"" : "",
		    th[k].name ? th[k].name : "", th[k].name ? "\"" : "", span_s,
		    th[k].where ? th[k].where : "(no frames)");
	}
	if (n < 2)
		buf_printf(&out, "stuck threads need at least 2 dumps (got %zu)\n",
		    n);
	else if (stuck == 0)
		buf_printf(&out, "no thread stuck: every active thread's stack "
		    "changed across %zu dumps over %.1f s\n", n, span_s);
	buf_printf(&out, "%zu dumps over %.1f s: %d threads stuck, %d idle "
	    "threads waiting in the same place\n", n, span_s, stuck, waiting);
	for (k = 0; k < nth; k++) {
		free(th[k].name);
		free(th[k].sig);
		free(th[k].where);
	}
	free(th);
	*nstuck = stuck;
	return buf_detach(&out, NULL);
}

/* --- top --- */

/* removes escape sequences and \r; trims trailing blanks of each line */
static char *
plain_text(const char *s, size_t len)
{
	struct buf b = BUF_INIT(TOP_OUT_MAX);
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x1b) {
			i++;
			if (i < len && s[i] == '[') {
				i++;
				while (i < len && !((unsigned char)s[i] >= 0x40 &&
				    (unsigned char)s[i] <= 0x7e))
					i++;
				i++;
			} else if (i < len)
				i++;
			continue;
		}
		if (c == '\n') {
			while (b.len > 0 && b.data[b.len - 1] == ' ')
				b.len--;
			/* the screen's blank padding: one empty line is enough */
			if (!(b.len >= 2 && b.data[b.len - 1] == '\n' &&
			    b.data[b.len - 2] == '\n'))
				buf_addch(&b, '\n');
		} else if (c == '\t' || (c >= 0x20 && c != 0x7f) || c >= 0x80)
			buf_addch(&b, c);
		i++;
	}
	while (b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == ' '))
		b.len--;
	if (b.len > 0)
		buf_addch(&b, '\n');
	else
		b.data[0] = '\0';
	{
		/* and leading blank lines */
		size_t lead = 0;

		while (lead < b.len && b.data[lead] == '\n')
			lead++;
		buf_consume(&b, lead);
	}
	return buf_detach(&b, NULL);
}

char *
capture_top_frame(const char *screen, size_t len)
{
	static const char home[] = "\x1b[H";
	static const char endmark[] = "Press Control-C to quit";
	const char *p = screen, *end = screen + len, *best = NULL, *bestend = NULL;

	while (p < end) {
		const char *s = memmem(p, (size_t)(end - p), home, 3), *next, *m;

		if (s == NULL)
			break;
		s += 3;
		next = memmem(s, (size_t)(end - s), home, 3);
		if (next == NULL)
			next = end;
		if ((m = memmem(s, (size_t)(next - s), endmark,
		    sizeof(endmark) - 1)) != NULL) {
			const char *nl = memchr(m, '\n', (size_t)(next - m));

			best = s;
			bestend = nl ? nl + 1 : next;
		}
		p = next;
	}
	if (best == NULL)
		return NULL;
	return plain_text(best, (size_t)(bestend - best));
}

struct top_wait {
	struct target	*t;
	struct proc	*p;
	int		 seen_int;
};

static int
top_pred(void *arg)
{
	struct top_wait *w = arg;

	return w->p->done || (w->t->interrupted && !w->seen_int);
}

int
capture_top(struct target *t, const char *dir, const struct top_opts *o,
    struct capture_result *res, struct hs_errbuf *eb)
{
	char pid[24], rate[24];
	const char *cmd[20];
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc p = PROC_INIT;
	struct capture_file *f;
	struct top_wait w = { t, &p, 0 };
	int64_t until;
	char *frame = NULL;
	int n = 0, r, lr;

	if ((r = dir_ok(dir, eb)) != 0)
		return r;
	if ((f = res_add(res, CAPTURE_TOP, dir, "top.txt")) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	snprintf(pid, sizeof(pid), "%ld", t->pid);
	snprintf(rate, sizeof(rate), "%d", o->rate);
	cmd[n++] = t->pyspy;
	cmd[n++] = "top";
	cmd[n++] = "--pid";
	cmd[n++] = pid;
	cmd[n++] = "--rate";
	cmd[n++] = rate;
	n = sampling_flags(cmd, n, o->nonblocking, o->idle, o->gil, 0,
	    o->subprocesses);
	if (t->pyspy_ver >= 400) {
		cmd[n++] = "--delay";
		cmd[n++] = "1";
	}
	cmd[n] = NULL;
	spec.pty = 1;
	spec.rows = o->rows ? o->rows : 50;
	spec.cols = o->cols ? o->cols : 160;
	spec.out_max = TOP_OUT_MAX;
	spec.timeout_ms = (o->seconds + 30) * 1000LL;	/* last resort */
	spec.timeout_sig = SIGKILL;
	if ((r = target_start(t, &p, cmd, TARGET_TTY, &spec, eb)) != 0) {
		file_fail(f, NULL, t->failure ? t->failure : TF_OTHER, "%s",
		    eb->msg);
		goto out;
	}
	until = loop_now(t->loop) + o->seconds * 1000LL;
	lr = loop_run(t->loop, top_pred, &w, until);
	if (t->interrupted)
		res->interrupted = 1;
	if (!p.done) {
		/* Ctrl-C through the tty: py-spy top dies of SIGINT */
		proc_write(&p, "\x03", 1);
		if (lr != 1)
			lr = proc_wait(&p, loop_now_us() / 1000 + 10000);
		if (!p.done) {
			proc_kill(&p, SIGTERM);
			proc_wait(&p, loop_now_us() / 1000 + 3000);
		}
	}
	f->exit_code = proc_exit_code(&p);
	f->seconds = proc_seconds(&p);
	frame = capture_top_frame(p.out.data, p.out.len);
	if (frame == NULL || frame[0] == '\0') {
		char what[100];
		/* with a tty, py-spy's errors are on the screen */
		struct proc fake = p;

		fake.err = p.out;
		snprintf(what, sizeof(what), "py-spy top of pid %ld showed no "
		    "screen", t->pid);
		fail_from(f, eb, what, &fake);
		r = HS_ETARGET;
		goto out;
	}
	if ((r = write_file(f->path, frame, eb)) != 0)
		goto out;
	f->written = 1;
	memset(eb, 0, sizeof(*eb));
	r = 0;
out:
	free(frame);
	proc_release(&p);
	return r;
}

/* --- usage --- */

static const char usage_sh[] =
    "read -r s < \"/proc/$1/stat\" && echo \"stat $s\"; "
    "while read -r k v u; do [ \"$k\" = VmRSS: ] && echo \"rss $v\"; done "
    "< \"/proc/$1/status\"; "
    "for f in /sys/fs/cgroup/memory.current "
    "/sys/fs/cgroup/memory/memory.usage_in_bytes; do "
    "[ -r \"$f\" ] && { read -r m < \"$f\"; echo \"cgroup $m\"; break; }; "
    "done; :";

int
capture_usage(struct target *t, struct capture_usage *u, struct hs_errbuf *eb)
{
	char pid[24];
	const char *cmd[] = { "sh", "-c", usage_sh, "sh", pid, NULL };
	struct proc p = PROC_INIT;
	char *line, *save = NULL;
	int r;

	u->cpu_seconds = -1;
	u->rss_bytes = u->cgroup_memory_bytes = -1;
	snprintf(pid, sizeof(pid), "%ld", t->pid);
	if ((r = target_run(t, &p, cmd, 0, eb)) != 0)
		goto out;
	for (line = strtok_r(p.out.data, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "stat ", 5) == 0) {
			/* fields after "(comm)": state is 3, utime 14, stime 15 */
			char *rp = strrchr(line, ')'), *tok, *s2 = NULL;
			unsigned long long ut = 0, st = 0;
			int field = 3;

			if (rp == NULL)
				continue;
			for (tok = strtok_r(rp + 1, " ", &s2); tok;
			    tok = strtok_r(NULL, " ", &s2), field++) {
				if (field == 14)
					ut = strtoull(tok, NULL, 10);
				else if (field == 15) {
					st = strtoull(tok, NULL, 10);
					u->cpu_seconds = (double)(ut + st) / 100.0;
					break;
				}
			}
		} else if (strncmp(line, "rss ", 4) == 0)
			u->rss_bytes = strtoll(line + 4, NULL, 10) * 1024;
		else if (strncmp(line, "cgroup ", 7) == 0 &&
		    isdigit((unsigned char)line[7]))
			u->cgroup_memory_bytes = strtoll(line + 7, NULL, 10);
	}
	if (u->cpu_seconds < 0) {
		t->failure = TF_NO_SUCH_PID;
		r = hs_error(eb, HS_ETARGET, "cannot read /proc/%ld/stat of the "
		    "hub (no_such_pid); %s", t->pid,
		    target_fail_fix(TF_NO_SUCH_PID));
	}
out:
	proc_release(&p);
	return r;
}

/* --- logs --- */

static int
local_tail(const char *from, const char *to, int tail, struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(FILE_MAX);
	const char *p, *all;
	int n = 0, r;

	/* the end of the log, however long; a FIFO is read to its end (a log
	 * handed over through a pipe) */
	if ((r = file_read_tail(from, FILE_FIFO, &b, eb)) != 0) {
		buf_release(&b);
		return r;
	}
	all = b.data;
	p = all + strlen(all);
	if (p > all && p[-1] == '\n')
		p--;
	while (p > all) {
		if (p[-1] == '\n' && ++n == tail)
			break;
		p--;
	}
	r = write_file(to, p, eb);
	buf_release(&b);
	return r;
}

static int
logs(struct target *t, const char *path, int tail, int previous,
    struct hs_errbuf *eb)
{
	char n[24];
	const char *args[] = { "logs", t->pod, "-c", t->container, "--tail", n,
	    previous ? "--previous" : NULL, NULL };
	struct proc p = PROC_INIT;
	int r;

	snprintf(n, sizeof(n), "%d", tail);
	if ((r = target_kubectl(t, &p, args, path, 0, eb)) != 0)
		goto out;
	if (proc_exit_code(&p) != 0) {
		unlink(path);
		if (previous && strstr(p.err.data, "previous terminated "
		    "container") != NULL && strstr(p.err.data, "not found")) {
			t->failure = TF_OTHER;
			r = hs_error(eb, HS_ETARGET, "no previous container: the "
			    "hub container has not restarted");
		} else
			r = target_failed(t, previous ? "kubectl logs --previous "
			    "failed" : "kubectl logs failed", &p, eb);
	}
out:
	proc_release(&p);
	return r;
}

int
capture_logs(struct target *t, const char *path, int tail,
    struct hs_errbuf *eb)
{
	if (t->transport == TARGET_LOCAL) {
		if (t->log_file == NULL)
			return hs_error(eb, HS_EUSAGE, "no hub log with "
			    "--transport local; pass --log-file PATH");
		return local_tail(t->log_file, path, tail, eb);
	}
	return logs(t, path, tail, 0, eb);
}

int
capture_previous_logs(struct target *t, const char *path, int tail,
    struct hs_errbuf *eb)
{
	if (t->transport == TARGET_LOCAL)
		return hs_error(eb, HS_EUSAGE, "no previous container with "
		    "--transport local");
	return logs(t, path, tail, 1, eb);
}

int
capture_events(struct target *t, const char *path, int *nevents,
    struct hs_errbuf *eb)
{
	char sel[600];
	const char *args[] = { "get", "events", "--field-selector", sel, "-o",
	    "json", NULL };
	struct buf b = BUF_INIT(4u << 20);
	const cJSON *items, *e, *o;
	cJSON *j = NULL;
	int r;

	*nevents = 0;
	if (t->transport == TARGET_LOCAL)
		return hs_error(eb, HS_EUSAGE, "no pod events with --transport "
		    "local");
	snprintf(sel, sizeof(sel), "involvedObject.name=%s", t->pod);
	if ((r = target_kubectl_json(t, args, &j, eb)) != 0)
		return r;
	items = cJSON_GetObjectItemCaseSensitive(j, "items");
	if (!cJSON_IsArray(items))
		items = NULL;
	cJSON_ArrayForEach(e, items) {
		const char *f[4] = { "type", "reason", "lastTimestamp",
		    "message" };
		int k;

		for (k = 0; k < 4; k++) {
			o = cJSON_GetObjectItemCaseSensitive(e, f[k]);
			buf_printf(&b, "%s%s", k ? (k == 3 ? ": " : " ") : "",
			    cJSON_IsString(o) ? o->valuestring : "-");
			if (k == 2 && cJSON_IsNumber(o = cJSON_GetObjectItem(e,
			    "count")) && o->valuedouble > 1)
				buf_printf(&b, " (x%.0f)", o->valuedouble);
		}
		buf_addch(&b, '\n');
		(*nevents)++;
	}
	cJSON_Delete(j);
	if ((r = buf_error(&b)) != 0)
		r = hs_error(eb, r, "pod events: more than %zu bytes", b.max);
	else
		r = file_write_atomic(path, b.data ? b.data : "", b.len,
		    FILE_MODE, eb);
	buf_release(&b);
	return r;
}

int
capture_packages(struct target *t, const char *path, int64_t timeout_ms,
    struct hs_errbuf *eb)
{
	/* the hub's own interpreter when known (its command line starts with
	 * it, e.g. /usr/bin/python3 -m jupyterhub), else python3 */
	const char *cmd[] = { "sh", "-c", "\"$1\" -m pip list --format=freeze "
	    "2>/dev/null || python3 -m pip list --format=freeze", "sh",
	    "python3", NULL };
	struct proc p = PROC_INIT;
	char py[256] = "python3";
	int r;

	if (t->hub_cmdline != NULL && strstr(t->hub_cmdline, "python") &&
	    strcspn(t->hub_cmdline, " ") < sizeof(py) &&
	    t->hub_cmdline[0] == '/') {
		snprintf(py, sizeof(py), "%.*s",
		    (int)strcspn(t->hub_cmdline, " "), t->hub_cmdline);
		cmd[4] = py;
	}
	if ((r = target_run(t, &p, cmd, timeout_ms, eb)) != 0)
		goto out;
	if (proc_exit_code(&p) != 0 || p.out.len == 0) {
		r = target_failed(t, "pip list in the hub container failed", &p,
		    eb);
		goto out;
	}
	r = file_write_atomic(path, p.out.data, p.out.len, FILE_MODE, eb);
out:
	proc_release(&p);
	return r;
}

/* --- the pod's status --- */

void
capture_pod_release(struct capture_pod *pod)
{
	size_t i;

	for (i = 0; i < pod->ncontainers; i++) {
		free(pod->containers[i].name);
		free(pod->containers[i].last_reason);
	}
	free(pod->containers);
	free(pod->phase);
	*pod = (struct capture_pod)CAPTURE_POD_INIT;
}

static int
dup_str(char **dst, const cJSON *s)
{
	if (!cJSON_IsString(s))
		return 0;
	return (*dst = strdup(s->valuestring)) == NULL ? HS_ENOMEM : 0;
}

int
capture_pod_parse(const struct cJSON *pod, struct capture_pod *out)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(st,
	    "containerStatuses"), *cs;
	size_t n = 0;
	int r;

	*out = (struct capture_pod)CAPTURE_POD_INIT;
	if ((r = dup_str(&out->phase, cJSON_GetObjectItemCaseSensitive(st,
	    "phase"))) != 0)
		goto out;
	cJSON_ArrayForEach(cs, list)
		n++;
	if (n > 0 && (out->containers = calloc(n, sizeof(*out->containers))) ==
	    NULL) {
		r = HS_ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(cs, list) {
		struct capture_container *c =
		    &out->containers[out->ncontainers++];
		const cJSON *rc = cJSON_GetObjectItemCaseSensitive(cs,
		    "restartCount");

		c->restarts = cJSON_IsNumber(rc) ? rc->valueint : 0;
		if ((r = dup_str(&c->name, cJSON_GetObjectItemCaseSensitive(cs,
		    "name"))) != 0 ||
		    (r = dup_str(&c->last_reason,
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(cs, "lastState"),
		    "terminated"), "reason"))) != 0)
			goto out;
	}
	r = 0;
out:
	if (r != 0)
		capture_pod_release(out);
	return r;
}

int
capture_pod(struct target *t, const char *path, struct capture_pod *out,
    struct hs_errbuf *eb)
{
	const char *args[] = { "get", "pod", t->pod, "-o", "json", NULL };
	struct hs_errbuf web = HS_ERRBUF_INIT;
	cJSON *pod = NULL;
	char *text = NULL;
	struct buf b = BUF_INIT(FILE_MAX);
	int r;

	*out = (struct capture_pod)CAPTURE_POD_INIT;
	if ((r = target_kubectl_json(t, args, &pod, eb)) != 0)
		goto out;
	/* pod.json is a best effort: the status below is what matters */
	if ((text = cJSON_Print(pod)) != NULL && buf_addstr(&b, text) == 0 &&
	    buf_addch(&b, '\n') == 0)
		(void)write_file(path, b.data, &web);
	if ((r = capture_pod_parse(pod, out)) != 0)
		hs_error(eb, r, "out of memory");
out:
	buf_release(&b);
	cJSON_free(text);
	cJSON_Delete(pod);
	return r;
}
