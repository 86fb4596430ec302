/* summary.c -- summary.md: what a person pastes into a bug report */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "report/summary.h"

/* the request classes shown in the table, in this order */
static const char *const classes[] = { "create", "start", "activity",
	"probe", NULL };

static const cJSON *
get(const cJSON *o, const char *path)
{
	char part[64];
	const char *dot;
	size_t n;

	while (o != NULL && *path != '\0') {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		o = cJSON_GetObjectItemCaseSensitive(o, part);
		path += n + (dot != NULL);
	}
	return o;
}

static double
num(const cJSON *o, const char *path)
{
	const cJSON *v = get(o, path);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *
str(const cJSON *o, const char *path)
{
	const cJSON *v = get(o, path);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* text from the hub or the pod inside markdown: one line, no table breaks */
static int
md(struct buf *b, const char *s)
{
	int r = 0;

	if (s == NULL)
		return buf_addch(b, '-');
	for (; *s != '\0' && r == 0; s++) {
		if (*s == '|' || *s == '`')
			r = buf_printf(b, "\\%c", *s);
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			r = buf_addch(b, ' ');
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			r = buf_addch(b, '?');
		else
			r = buf_addch(b, *s);
	}
	return r;
}

static int
fmt_num(struct buf *b, double v, const char *fmt)
{
	if (isnan(v))
		return buf_addch(b, '-');
	return buf_printf(b, fmt, v);
}

static int
header(struct buf *b, const cJSON *m)
{
	const cJSON *prof = get(m, "profile"), *users, *run, *e;
	int r = 0;

	r |= buf_addstr(b, "# hubspy run: ");
	r |= md(b, str(m, "profile_name"));
	r |= buf_addstr(b, "\n\n");
	if (cJSON_IsTrue(get(m, "partial"))) {
		r |= buf_addstr(b, "> **Partial run:** ");
		r |= md(b, str(m, "partial_reason") ? str(m, "partial_reason") :
		    "interrupted");
		r |= buf_addstr(b, ". The plateaus below are those that "
		    "finished; teardown ran.\n\n");
	}
	r |= buf_addstr(b, "- hubspy ");
	r |= md(b, str(m, "hubspy_version"));
	r |= buf_addstr(b, ", run ");
	r |= md(b, str(m, "created"));
	r |= buf_addstr(b, "\n- hub ");
	r |= md(b, str(m, "hub.version"));
	r |= buf_addstr(b, " at ");
	r |= md(b, str(m, "hub.url"));
	r |= buf_addstr(b, ", token ");
	r |= md(b, str(m, "hub.token_kind"));
	r |= buf_addstr(b, "\n- target: ");
	r |= md(b, str(m, "target.transport"));
	r |= buf_addstr(b, ", pod ");
	r |= md(b, str(m, "target.pod"));
	r |= buf_addstr(b, ", container ");
	r |= md(b, str(m, "target.container"));
	r |= buf_addstr(b, ", pid ");
	r |= fmt_num(b, num(m, "target.pid"), "%.0f");
	r |= buf_addstr(b, ", python ");
	r |= md(b, str(m, "target.python"));
	r |= buf_addstr(b, ", py-spy ");
	r |= md(b, str(m, "target.pyspy"));
	r |= buf_addstr(b, "\n- profile: plateaus ");
	users = get(prof, "plateaus.users");
	if (cJSON_IsArray(users)) {
		cJSON_ArrayForEach(e, users)
			r |= buf_printf(b, "%s%.0f", e == users->child ? "" :
			    ",", e->valuedouble);
	} else
		r |= buf_addch(b, '-');
	r |= buf_addstr(b, "; settle ");
	r |= fmt_num(b, num(prof, "plateaus.settle"), "%g");
	r |= buf_addstr(b, " s, hold ");
	r |= fmt_num(b, num(prof, "plateaus.hold"), "%g");
	r |= buf_addstr(b, " s; servers ");
	r |= buf_addstr(b, cJSON_IsFalse(get(prof, "hub.servers")) ? "no" :
	    "yes");
	r |= buf_addstr(b, "; activity ");
	r |= md(b, str(prof, "activity.mode"));
	r |= buf_addstr(b, "; captures ");
	run = get(prof, "captures.run");
	if (cJSON_IsArray(run) && cJSON_GetArraySize(run) > 0) {
		cJSON_ArrayForEach(e, run) {
			r |= buf_addstr(b, e == run->child ? "" : ",");
			r |= md(b, cJSON_GetStringValue(e));
		}
	} else
		r |= buf_addstr(b, "none");
	r |= buf_addstr(b, "; teardown ");
	r |= md(b, str(prof, "teardown"));
	r |= buf_addstr(b, "\n\n");
	return r ? HS_ELIMIT : 0;
}

/* sums a status key over every request class */
static double
status_sum(const cJSON *reqs, int (*match)(const char *))
{
	const cJSON *cls, *st;
	double n = 0;

	cJSON_ArrayForEach(cls, reqs) {
		cJSON_ArrayForEach(st, get(cls, "status"))
			if (cJSON_IsNumber(st) && match(st->string))
				n += st->valuedouble;
	}
	return n;
}

static int
is429(const char *k)
{
	return strcmp(k, "429") == 0;
}

static int
is_error(const char *k)
{
	return strcmp(k, "2xx") != 0 && strcmp(k, "429") != 0;
}

static int
plateau_row(struct buf *b, const cJSON *p)
{
	const cJSON *reqs = get(p, "requests");
	double cpu, rss, n429;
	char key[64];
	size_t i;
	int r = 0;

	r |= buf_addstr(b, "| ");
	r |= fmt_num(b, num(p, "users"), "%.0f");
	r |= buf_addstr(b, " | ");
	r |= fmt_num(b, num(p, "state.asked"), "%.0f");
	r |= buf_addstr(b, " | ");
	r |= fmt_num(b, num(p, "state.ready"), "%.0f");
	r |= buf_addstr(b, " | ");
	r |= fmt_num(b, num(p, "state.failed"), "%.0f");
	for (i = 0; classes[i] != NULL; i++) {
		r |= buf_addstr(b, " | ");
		snprintf(key, sizeof(key), "%s.latency_ms.p50", classes[i]);
		r |= fmt_num(b, num(reqs, key), "%.1f");
		r |= buf_addstr(b, " / ");
		snprintf(key, sizeof(key), "%s.latency_ms.p99", classes[i]);
		r |= fmt_num(b, num(reqs, key), "%.1f");
	}
	n429 = num(p, "throttle.count_429");
	if (isnan(n429) && reqs != NULL)
		n429 = status_sum(reqs, is429);
	r |= buf_addstr(b, " | ");
	r |= fmt_num(b, n429, "%.0f");
	r |= buf_addstr(b, " | ");
	r |= fmt_num(b, reqs ? status_sum(reqs, is_error) : NAN, "%.0f");
	cpu = num(p, "hub_usage.cpu_percent");
	if (isnan(cpu))
		cpu = num(p, "hub_metrics.delta.cpu_percent");
	rss = num(p, "hub_usage.end.rss_bytes");
	if (isnan(rss))
		rss = num(p, "hub_metrics.end.process_resident_memory_bytes");
	r |= buf_addstr(b, " | ");
	r |= fmt_num(b, cpu, "%.0f");
	r |= buf_addstr(b, " | ");
	r |= fmt_num(b, rss / 1048576.0, "%.0f");
	r |= buf_addstr(b, " |\n");
	return r;
}

static int
top_tables(struct buf *b, const cJSON *plateaus, const char *rundir)
{
	struct buf t = BUF_INIT(1u << 20);
	const cJSON *p;
	const char *dir, *s, *nl;
	char path[4096];
	int r = 0, any = 0, n;

	cJSON_ArrayForEach(p, plateaus) {
		if ((dir = str(p, "dir")) == NULL || strstr(dir, "..") != NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s/top-table.txt", rundir,
		    dir);
		buf_reset(&t);
		if (file_read(path, &t, NULL) != 0 || t.len == 0)
			continue;
		if (!any)
			r |= buf_addstr(b, "## Top functions\n");
		any = 1;
		r |= buf_addstr(b, "\n### ");
		r |= fmt_num(b, num(p, "users"), "%.0f");
		r |= buf_addstr(b, " users\n\n```\n");
		for (s = t.data, n = 0; *s != '\0' && n < SUMMARY_TOP_LINES;
		    n++, s = nl + 1) {
			if ((nl = strchr(s, '\n')) == NULL)
				nl = s + strlen(s);
			/* a fence inside the file cannot close ours */
			for (; s < nl; s++)
				r |= buf_addch(b, *s == '`' ? '\'' :
				    ((unsigned char)*s < 0x20 && *s != '\t') ?
				    '?' : *s);
			r |= buf_addch(b, '\n');
			if (*nl == '\0')
				break;
		}
		r |= buf_addstr(b, "```\n");
	}
	if (any)
		r |= buf_addch(b, '\n');
	buf_release(&t);
	return r;
}

static int
same_failure(const cJSON *a, const cJSON *b)
{
	const char *ma = str(a, "message"), *mb = str(b, "message");

	return strcmp(str(a, "failure"), str(b, "failure")) == 0 &&
	    ((ma == NULL && mb == NULL) ||
	    (ma != NULL && mb != NULL && strcmp(ma, mb) == 0));
}

/* has an equal failure been listed already (before capture c of plateau p)? */
static int
listed_before(const cJSON *plateaus, const cJSON *p, const cJSON *c)
{
	const cJSON *q, *d;

	cJSON_ArrayForEach(q, plateaus) {
		cJSON_ArrayForEach(d, get(q, "captures")) {
			if (d == c)
				return 0;
			if (str(d, "failure") != NULL && same_failure(c, d))
				return 1;
		}
		if (q == p)
			break;
	}
	return 0;
}

/* one line per distinct failure (class and message), with every capture
 * it struck: a hub without py-spy fails every capture the same way */
static int
failures(struct buf *b, const cJSON *plateaus)
{
	const cJSON *p, *c, *q, *d;
	int r = 0, any = 0;

	cJSON_ArrayForEach(p, plateaus) {
		cJSON_ArrayForEach(c, get(p, "captures")) {
			int n = 0;

			if (str(c, "failure") == NULL ||
			    listed_before(plateaus, p, c))
				continue;
			if (!any)
				r |= buf_addstr(b, "## Capture failures\n\n");
			any = 1;
			r |= buf_addstr(b, "- `");
			r |= md(b, str(c, "failure"));
			r |= buf_addstr(b, "` (");
			cJSON_ArrayForEach(q, plateaus) {
				cJSON_ArrayForEach(d, get(q, "captures")) {
					if (str(d, "failure") == NULL ||
					    !same_failure(c, d))
						continue;
					if (n++ > 0)
						r |= buf_addstr(b, ", ");
					r |= fmt_num(b, num(q, "users"), "%.0f");
					r |= buf_addstr(b, " users ");
					r |= md(b, str(d, "kind"));
				}
			}
			r |= buf_addstr(b, "): ");
			r |= md(b, str(c, "message") ? str(c, "message") :
			    "no message");
			r |= buf_addch(b, '\n');
		}
	}
	if (any)
		r |= buf_addch(b, '\n');
	return r;
}

int
summary_render(const cJSON *m, const char *rundir, struct buf *b,
    struct hs_errbuf *eb)
{
	const cJSON *plateaus, *p;
	size_t i;
	int r = 0;

	if (!cJSON_IsObject(m))
		return hs_error(eb, HS_EUSAGE, "summary: the manifest is not "
		    "a JSON object");
	r |= header(b, m);
	plateaus = get(m, "plateaus");
	r |= buf_addstr(b, "## Plateaus\n\nLatency in ms (p50 / p99); hub "
	    "CPU in % of one core; RSS in MiB.\n\n| users | asked | ready | "
	    "failed");
	for (i = 0; classes[i] != NULL; i++)
		r |= buf_printf(b, " | %s", classes[i]);
	r |= buf_addstr(b, " | 429s | errors | hub CPU % | hub RSS |\n|---:|"
	    "---:|---:|---:");
	for (i = 0; classes[i] != NULL; i++)
		r |= buf_addstr(b, "|---:");
	r |= buf_addstr(b, "|---:|---:|---:|---:|\n");
	cJSON_ArrayForEach(p, plateaus)
		r |= plateau_row(b, p);
	if (cJSON_GetArraySize(plateaus) == 0)
		r |= buf_addstr(b, "\nNo plateau finished.\n");
	r |= buf_addch(b, '\n');
	if (rundir != NULL)
		r |= top_tables(b, plateaus, rundir);
	r |= failures(b, plateaus);
	if (r != 0)
		return hs_error(eb, HS_ELIMIT, "summary: larger than %zu bytes",
		    b->max);
	return 0;
}
