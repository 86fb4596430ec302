/* metrics.c -- the hub's Prometheus /hub/metrics page, the families we keep */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/metrics.h"

struct label {
	char	 name[32];
	char	 value[200];
};

#define MAX_LABELS 8

struct sample {
	char		 name[160];
	struct label	 l[MAX_LABELS];
	size_t		 nl;
	double		 value;
};

static const char *
label(const struct sample *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nl; i++)
		if (strcmp(s->l[i].name, name) == 0)
			return s->l[i].value;
	return "";
}

/* one sample line into s; returns NULL or what is wrong */
static const char *
parse_line(const char *p, const char *end, struct sample *s)
{
	size_t n;
	char num[64], *e;
	struct label *l;

	memset(s, 0, sizeof(*s));
	for (n = 0; p < end && (isalnum((unsigned char)*p) || *p == '_' ||
	    *p == ':'); p++) {
		if (n + 1 >= sizeof(s->name))
			return "metric name too long";
		s->name[n++] = *p;
	}
	if (n == 0 || isdigit((unsigned char)s->name[0]))
		return "expected a metric name";
	if (p < end && *p == '{') {
		p++;
		for (;;) {
			while (p < end && (*p == ' ' || *p == ','))
				p++;
			if (p < end && *p == '}') {
				p++;
				break;
			}
			if (s->nl == MAX_LABELS)
				return "too many labels";
			l = &s->l[s->nl++];
			for (n = 0; p < end && (isalnum((unsigned char)*p) ||
			    *p == '_'); p++)
				if (n + 1 < sizeof(l->name))
					l->name[n++] = *p;
			if (n == 0 || p + 1 >= end || p[0] != '=' || p[1] != '"')
				return "malformed label";
			for (p += 2, n = 0; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (n + 1 < sizeof(l->value))
					l->value[n++] = *p == 'n' && p[-1] ==
					    '\\' ? '\n' : *p;
			}
			if (p >= end)
				return "unterminated label value";
			p++;
		}
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (n = 0; p < end && *p != ' ' && *p != '\t'; p++)
		if (n + 1 < sizeof(num))
			num[n++] = *p;
	num[n] = '\0';
	if (n == 0)
		return "expected a value";
	s->value = strtod(num, &e);
	if (*e != '\0')
		return "malformed value";
	/* an optional timestamp follows; ignored */
	return NULL;
}

static struct metrics_sum *
find_sum(struct metrics_sum *v, size_t *n, size_t max, const char *key,
    const char *code)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(v[i].key, key) == 0 && strcmp(v[i].code, code) == 0)
			return &v[i];
	if (*n == max)
		return NULL;
	memset(&v[*n], 0, sizeof(v[*n]));
	strlcpy(v[*n].key, key, sizeof(v[*n].key));
	strlcpy(v[*n].code, code, sizeof(v[*n].code));
	return &v[(*n)++];
}

/* name == prefix "_" family suffix */
static int
is(const char *name, const char *prefix, const char *family)
{
	size_t pl = strlen(prefix);

	return strncmp(name, prefix, pl) == 0 && name[pl] == '_' &&
	    strcmp(name + pl + 1, family) == 0;
}

static int
keep(struct metrics_snapshot *m, const char *pfx, const struct sample *s)
{
	struct metrics_sum *x;
	int count;

	if (strcmp(s->name, "process_cpu_seconds_total") == 0)
		m->cpu_seconds = s->value;
	else if (strcmp(s->name, "process_resident_memory_bytes") == 0)
		m->rss_bytes = s->value;
	else if (strcmp(s->name, "process_start_time_seconds") == 0)
		m->start_time = s->value;
	else if (is(s->name, pfx, "total_users"))
		m->total_users = s->value;
	else if (is(s->name, pfx, "running_servers"))
		m->running_servers = s->value;
	else if ((count = is(s->name, pfx, "request_duration_seconds_count")) ||
	    is(s->name, pfx, "request_duration_seconds_sum")) {
		/* all methods of a (handler, code) together */
		x = find_sum(m->requests, &m->nrequests, METRICS_MAX_SERIES,
		    label(s, "handler"), label(s, "code"));
		if (x == NULL)
			return HS_ELIMIT;
		*(count ? &x->count : &x->sum) += s->value;
	} else if ((count = is(s->name, pfx,
	    "server_spawn_duration_seconds_count")) ||
	    is(s->name, pfx, "server_spawn_duration_seconds_sum")) {
		x = find_sum(m->spawns, &m->nspawns, METRICS_MAX_STATUS,
		    label(s, "status"), "");
		if (x == NULL)
			return HS_ELIMIT;
		*(count ? &x->count : &x->sum) += s->value;
	} else if (is(s->name, pfx, "event_loop_interval_seconds_count")) {
		m->has_event_loop = 1;
		m->loop_count = s->value;
	} else if (is(s->name, pfx, "event_loop_interval_seconds_sum")) {
		m->has_event_loop = 1;
		m->loop_sum = s->value;
	} else if (is(s->name, pfx, "event_loop_interval_seconds_bucket")) {
		m->has_event_loop = 1;
		if (m->nloop == METRICS_MAX_BUCKETS)
			return HS_ELIMIT;
		m->loop_le[m->nloop] = strtod(label(s, "le"), NULL);
		m->loop_cum[m->nloop++] = s->value;
	}
	return 0;
}

int
metrics_parse(const char *text, size_t len, const char *prefix,
    struct metrics_snapshot *m, struct hs_errbuf *eb)
{
	const char *p = text, *end = text + len, *nl, *why;
	struct sample *s = NULL;
	size_t lineno = 0, kept = 0;
	int r = 0;

	memset(m, 0, sizeof(*m));
	m->cpu_seconds = m->rss_bytes = m->start_time = NAN;
	m->total_users = m->running_servers = NAN;
	if (prefix == NULL || prefix[0] == '\0')
		prefix = "jupyterhub";
	if ((s = malloc(sizeof(*s))) == NULL ||
	    (m->requests = calloc(METRICS_MAX_SERIES,
	    sizeof(*m->requests))) == NULL) {
		free(s);
		return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	for (; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p > METRICS_MAX_LINE) {
			r = hs_error(eb, HS_ELIMIT, "hub metrics: line %zu: "
			    "longer than %d bytes", lineno, METRICS_MAX_LINE);
			goto out;
		}
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if (p == nl || *p == '#' || (nl - p == 1 && *p == '\r'))
			continue;
		if ((why = parse_line(p, nl > p && nl[-1] == '\r' ? nl - 1 : nl,
		    s)) != NULL) {
			r = hs_error(eb, HS_EHUB, "hub metrics: line %zu: %s; "
			    "is the URL a Prometheus metrics page?", lineno,
			    why);
			goto out;
		}
		kept++;
		if ((r = keep(m, prefix, s)) != 0) {
			hs_error(eb, r, "hub metrics: line %zu: more series "
			    "than hubspy keeps", lineno);
			goto out;
		}
	}
	if (kept == 0)
		r = hs_error(eb, HS_EHUB, "hub metrics: no samples in the "
		    "page");
out:
	m->lines = lineno;
	free(s);
	return r;
}

void
metrics_release(struct metrics_snapshot *m)
{
	free(m->requests);
	memset(m, 0, sizeof(*m));
}

static cJSON *
num_or_null(double v)
{
	return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static int
add(cJSON *o, const char *k, cJSON *v)
{
	if (v == NULL)
		return HS_ENOMEM;
	return cJSON_AddItemToObject(o, k, v) ? 0 : HS_ENOMEM;
}

static cJSON *
count_sum(double count, double sum, int with_mean, double scale)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || add(o, "count", cJSON_CreateNumber(count)) != 0 ||
	    add(o, "sum", cJSON_CreateNumber(sum)) != 0 ||
	    (with_mean && add(o, scale == 1 ? "mean_seconds" : "mean_ms",
	    count > 0 ? cJSON_CreateNumber(sum / count * scale) :
	    cJSON_CreateNull()) != 0)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
requests_json(const struct metrics_snapshot *e,
    const struct metrics_snapshot *s)
{
	const struct metrics_sum *x, *y;
	double c, sum;
	cJSON *a, *o;
	size_t i, j;

	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = 0; i < e->nrequests; i++) {
		x = &e->requests[i];
		c = x->count;
		sum = x->sum;
		if (s != NULL) {
			for (j = 0, y = NULL; j < s->nrequests; j++)
				if (strcmp(s->requests[j].key, x->key) == 0 &&
				    strcmp(s->requests[j].code, x->code) == 0)
					y = &s->requests[j];
			if (y != NULL) {
				c -= y->count;
				sum -= y->sum;
			}
			if (c <= 0)
				continue;
		}
		if ((o = count_sum(c, sum, s != NULL, 1000)) == NULL ||
		    !cJSON_AddItemToArray(a, o) ||
		    add(o, "handler", cJSON_CreateString(x->key)) != 0 ||
		    add(o, "code", cJSON_CreateString(x->code)) != 0) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

static cJSON *
spawns_json(const struct metrics_snapshot *e,
    const struct metrics_snapshot *s)
{
	double c, sum;
	cJSON *o, *v;
	size_t i, j;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	for (i = 0; i < e->nspawns; i++) {
		c = e->spawns[i].count;
		sum = e->spawns[i].sum;
		for (j = 0; s != NULL && j < s->nspawns; j++)
			if (strcmp(s->spawns[j].key, e->spawns[i].key) == 0) {
				c -= s->spawns[j].count;
				sum -= s->spawns[j].sum;
			}
		if ((v = count_sum(c, sum, s != NULL, 1)) == NULL ||
		    add(o, e->spawns[i].key, v) != 0) {
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

static cJSON *
loop_json(const struct metrics_snapshot *e, const struct metrics_snapshot *s)
{
	double c, sum, cum, p99 = NAN;
	cJSON *o, *b, *pair;
	size_t i;

	if (!e->has_event_loop || (s != NULL && !s->has_event_loop))
		return cJSON_CreateNull();
	if (s != NULL && s->nloop != e->nloop)
		return cJSON_CreateNull();
	c = e->loop_count - (s ? s->loop_count : 0);
	sum = e->loop_sum - (s ? s->loop_sum : 0);
	if ((o = count_sum(c, sum, s != NULL, 1000)) == NULL)
		return NULL;
	if (s == NULL) {
		if ((b = cJSON_AddArrayToObject(o, "buckets")) == NULL)
			goto fail;
		for (i = 0; i < e->nloop; i++) {
			if ((pair = cJSON_CreateArray()) == NULL ||
			    !cJSON_AddItemToArray(b, pair) ||
			    !cJSON_AddItemToArray(pair, isinf(e->loop_le[i]) ?
			    cJSON_CreateString("+Inf") :
			    cJSON_CreateNumber(e->loop_le[i])) ||
			    !cJSON_AddItemToArray(pair,
			    cJSON_CreateNumber(e->loop_cum[i])))
				goto fail;
		}
		return o;
	}
	/* the upper bound of the bucket holding the 99th percentile */
	for (i = 0; i < e->nloop && c > 0; i++) {
		cum = e->loop_cum[i] - s->loop_cum[i];
		if (cum >= 0.99 * c) {
			p99 = isinf(e->loop_le[i]) ? NAN : e->loop_le[i] * 1000;
			break;
		}
	}
	if (add(o, "p99_le_ms", num_or_null(p99)) != 0)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

cJSON *
metrics_snapshot_to_json(const struct metrics_snapshot *m)
{
	cJSON *o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (add(o, "process_cpu_seconds_total", num_or_null(m->cpu_seconds)) ||
	    add(o, "process_resident_memory_bytes",
	    num_or_null(m->rss_bytes)) ||
	    add(o, "process_start_time_seconds", num_or_null(m->start_time)) ||
	    add(o, "total_users", num_or_null(m->total_users)) ||
	    add(o, "running_servers", num_or_null(m->running_servers)) ||
	    add(o, "running_servers_reliable", cJSON_CreateFalse()) ||
	    add(o, "request_duration_seconds", requests_json(m, NULL)) ||
	    add(o, "server_spawn_duration_seconds", spawns_json(m, NULL)) ||
	    add(o, "event_loop_interval_seconds", loop_json(m, NULL))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
diff_or_null(double a, double b)
{
	return isnan(a) || isnan(b) ? cJSON_CreateNull() :
	    cJSON_CreateNumber(b - a);
}

static cJSON *
delta_json(const struct metrics_snapshot *s, const struct metrics_snapshot *e,
    double seconds)
{
	double cpu = e->cpu_seconds - s->cpu_seconds;
	cJSON *o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (add(o, "seconds", cJSON_CreateNumber(seconds)) ||
	    add(o, "cpu_seconds", diff_or_null(s->cpu_seconds,
	    e->cpu_seconds)) ||
	    add(o, "cpu_percent", isnan(cpu) || seconds <= 0 ?
	    cJSON_CreateNull() : cJSON_CreateNumber(cpu / seconds * 100)) ||
	    add(o, "rss_bytes", diff_or_null(s->rss_bytes, e->rss_bytes)) ||
	    add(o, "total_users", diff_or_null(s->total_users,
	    e->total_users)) ||
	    add(o, "request_duration_seconds", requests_json(e, s)) ||
	    add(o, "server_spawn_duration_seconds", spawns_json(e, s)) ||
	    add(o, "event_loop_interval_seconds", loop_json(e, s))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *
metrics_hub_json(const struct metrics_snapshot *start,
    const struct metrics_snapshot *end, double seconds)
{
	cJSON *o, *restarted, *delta;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (start == NULL || end == NULL || isnan(start->start_time) ||
	    isnan(end->start_time)) {
		restarted = cJSON_CreateNull();
		delta = start && end ? delta_json(start, end, seconds) :
		    cJSON_CreateNull();
	} else if (fabs(end->start_time - start->start_time) > 0.5) {
		/* counters started again: a difference means nothing */
		restarted = cJSON_CreateTrue();
		delta = cJSON_CreateNull();
	} else {
		restarted = cJSON_CreateFalse();
		delta = delta_json(start, end, seconds);
	}
	if (add(o, "restarted", restarted) != 0) {
		cJSON_Delete(delta);
		cJSON_Delete(o);
		return NULL;
	}
	if (add(o, "delta", delta) ||
	    add(o, "start", start ? metrics_snapshot_to_json(start) :
	    cJSON_CreateNull()) ||
	    add(o, "end", end ? metrics_snapshot_to_json(end) :
	    cJSON_CreateNull())) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
