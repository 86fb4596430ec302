/* measure.c -- request counters, status tallies and log-linear histograms */
/*
 * Bucket layout: values below 64 have a bucket each; above, the bucket of v
 * is 32*s + (v >> s) with s = msb(v) - 5, so every power of two holds 32
 * linear sub-buckets and the index is continuous at 64. A reported quantile
 * is the midpoint of its bucket, within 1/64 of the true value.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "measure/measure.h"

static const char *const class_names[MC_NCLASS] = {
	"create", "start", "poll", "stop", "delete", "activity", "probe",
	"list", "other",
};

const char *
mclass_name(enum mclass c)
{
	return (unsigned)c < MC_NCLASS ? class_names[c] : "other";
}

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

int
hist_index(int64_t v)
{
	int msb, s;

	if (v < 0)
		v = 0;
	if (v >= ((int64_t)1 << HIST_MAXBITS))
		v = ((int64_t)1 << HIST_MAXBITS) - 1;
	if (v < 2 * HIST_SUB)
		return (int)v;
	msb = 63 - __builtin_clzll((unsigned long long)v);
	s = msb - 5;
	return HIST_SUB * s + (int)(v >> s);
}

int64_t
hist_lowest(int idx)
{
	int s;

	if (idx < 2 * HIST_SUB)
		return idx;
	s = idx / HIST_SUB - 1;
	return (int64_t)(idx - HIST_SUB * s) << s;
}

int64_t
hist_highest(int idx)
{
	int s;

	if (idx < 2 * HIST_SUB)
		return idx;
	s = idx / HIST_SUB - 1;
	return (((int64_t)(idx - HIST_SUB * s) + 1) << s) - 1;
}

void
hist_record(struct hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (h->n == 0 || v > h->max)
		h->max = v;
	h->b[hist_index(v)]++;
	h->n++;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	int i;

	if (src->n == 0)
		return;
	if (dst->n == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->n == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->n += src->n;
	for (i = 0; i < HIST_NBUCKETS; i++)
		dst->b[i] += src->b[i];
}

int64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	int i;

	if (h->n == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)ceil(q * (double)h->n);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			int64_t v = hist_lowest(i) +
			    (hist_highest(i) - hist_lowest(i)) / 2;

			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}

void
measure_reset(struct measure *m)
{
	memset(m, 0, sizeof(*m));
}

void
measure_request(struct measure *m, enum mclass c, long status,
    int64_t latency_us, int is_retry)
{
	struct mstats *s;

	if ((unsigned)c >= MC_NCLASS)
		c = MC_OTHER;
	s = &m->cls[c];
	s->count++;
	if (is_retry)
		s->retries++;
	if (status <= 0) {
		s->network++;
		return;
	}
	hist_record(&s->lat, latency_us);
	if (status >= 200 && status < 300)
		s->s2xx++;
	else if (status == 429)
		s->s429++;
	else if (status >= 400 && status < 500)
		s->s4xx[status - 400]++;
	else if (status >= 500)
		s->s5xx++;
	else
		s->s3xx++;
}

void
measure_429(struct measure *m, double retry_after)
{
	m->count_429++;
	if (retry_after >= 0)
		m->retry_after_s += retry_after;
	else
		m->active_server_limit = 1;
}

uint64_t
measure_lifecycle_requests(const struct measure *m)
{
	uint64_t n = 0;
	int c;

	for (c = 0; c < MC_NCLASS; c++)
		if (c != MC_ACTIVITY && c != MC_PROBE)
			n += m->cls[c].count;
	return n;
}

void
measure_all_latency(const struct measure *m, struct hist *dst)
{
	int c;

	hist_reset(dst);
	for (c = 0; c < MC_NCLASS; c++)
		hist_merge(dst, &m->cls[c].lat);
}

/* milliseconds with microsecond resolution, or null when empty */
static cJSON *
q_ms(const struct hist *h, double q, double scale)
{
	if (h->n == 0)
		return cJSON_CreateNull();
	return cJSON_CreateNumber(round((double)hist_quantile(h, q) / scale *
	    1000.0) / 1000.0);
}

static int
add_quantiles(cJSON *o, const struct hist *h, double scale)
{
	return cJSON_AddItemToObject(o, "p50", q_ms(h, 0.50, scale)) &&
	    cJSON_AddItemToObject(o, "p90", q_ms(h, 0.90, scale)) &&
	    cJSON_AddItemToObject(o, "p99", q_ms(h, 0.99, scale)) &&
	    cJSON_AddItemToObject(o, "max", q_ms(h, 1.0, scale));
}

static cJSON *
class_json(const struct mstats *s)
{
	cJSON *o, *lat, *st;
	int i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddNumberToObject(o, "count", (double)s->count) == NULL ||
	    cJSON_AddNumberToObject(o, "retries", (double)s->retries) == NULL ||
	    (lat = cJSON_AddObjectToObject(o, "latency_ms")) == NULL ||
	    !add_quantiles(lat, &s->lat, 1000.0) ||
	    (st = cJSON_AddObjectToObject(o, "status")) == NULL ||
	    cJSON_AddNumberToObject(st, "2xx", (double)s->s2xx) == NULL)
		goto fail;
	for (i = 0; i < 100; i++) {
		char key[8];

		if (s->s4xx[i] == 0)
			continue;
		snprintf(key, sizeof(key), "%d", 400 + i);
		if (cJSON_AddNumberToObject(st, key, (double)s->s4xx[i]) == NULL)
			goto fail;
	}
	if (cJSON_AddNumberToObject(st, "429", (double)s->s429) == NULL ||
	    cJSON_AddNumberToObject(st, "5xx", (double)s->s5xx) == NULL ||
	    cJSON_AddNumberToObject(st, "network", (double)s->network) == NULL)
		goto fail;
	return o;
 fail:
	cJSON_Delete(o);
	return NULL;
}

cJSON *
measure_json(const struct measure *m)
{
	cJSON *root = NULL, *req, *thr, *sp, *c;
	int i;

	if ((root = cJSON_CreateObject()) == NULL ||
	    (req = cJSON_AddObjectToObject(root, "requests")) == NULL)
		goto fail;
	for (i = 0; i < MC_NCLASS; i++) {
		if (m->cls[i].count == 0)
			continue;
		if ((c = class_json(&m->cls[i])) == NULL)
			goto fail;
		cJSON_AddItemToObject(req, class_names[i], c);
	}
	if ((thr = cJSON_AddObjectToObject(root, "throttle")) == NULL ||
	    cJSON_AddNumberToObject(thr, "count_429", (double)m->count_429) ==
	    NULL ||
	    cJSON_AddNumberToObject(thr, "retry_after_seconds",
	    m->retry_after_s) == NULL ||
	    cJSON_AddNumberToObject(thr, "throttled_seconds",
	    round(m->throttled_s * 1000.0) / 1000.0) == NULL ||
	    cJSON_AddBoolToObject(thr, "active_server_limit",
	    m->active_server_limit) == NULL ||
	    (sp = cJSON_AddObjectToObject(root, "spawn_seconds")) == NULL ||
	    cJSON_AddNumberToObject(sp, "count", (double)m->spawn.n) == NULL ||
	    !add_quantiles(sp, &m->spawn, 1e6))
		goto fail;
	return root;
 fail:
	cJSON_Delete(root);
	return NULL;
}
