/* measure.c -- request counters, status tallies and log-linear histograms */
/*
 * Bucket layout: values below 64 have a bucket each; above, the bucket of v
 * is 32*s + (v >> s) with s = msb(v) - 5, so every power of two holds 32
 * linear sub-buckets and the index is continuous at 64. A reported quantile
 * is the midpoint of its bucket, within 1/64 of the true value.
 */
#include <math.h>
#include <string.h>

#include "measure/measure.h"

static const char *const class_names[MC_NCLASS] = {
	"create", "start", "poll", "stop", "delete", "activity", "probe",
	"list", "other", "mint", "login", "page", "own_api", "proxy",
	"progress", "oauth", "phases",
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
	/* the bucket ends just below where the next one starts */
	return hist_lowest(idx + 1) - 1;
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
		if (c != MC_ACTIVITY && c != MC_PROBE && c != MC_LOGIN &&
		    c != MC_PAGE && c != MC_OWNAPI && c != MC_PROXY &&
		    c != MC_PROGRESS && c != MC_OAUTH && c != MC_PHASES)
			n += m->cls[c].count;
	return n;
}

void
measure_all_latency(const struct measure *m, struct hist *dst)
{
	int c;

	hist_reset(dst);
	for (c = 0; c < MC_NCLASS; c++)
		if (c != MC_PHASES)
			hist_merge(dst, &m->cls[c].lat);
}

const char *
mphase_name(enum mphase ph)
{
	static const char *const names[MP_NPHASE] = {
		"accept", "first_event", "ready", "total"
	};

	return (unsigned)ph < MP_NPHASE ? names[ph] : "?";
}
