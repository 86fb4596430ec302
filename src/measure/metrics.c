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
	} else if ((count = is(s->name, pfx,
	    "proxy_add_duration_seconds_count")) ||
	    is(s->name, pfx, "proxy_add_duration_seconds_sum")) {
		x = find_sum(m->proxy_adds, &m->nproxy_adds,
		    METRICS_MAX_STATUS, label(s, "status"), "");
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
