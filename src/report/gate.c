/* gate.c -- the regression gate: bounds on two runs' figures, held or broken */
/*
 * A bound is parsed once into a struct gate_bound (the figure, the plateau,
 * the operator, the mode and the bound in the figure's own unit), then
 * evaluated at each plateau both runs have. The figures are those every
 * summary shows (record_row(): errors, 429s, hub CPU and memory...), the
 * request classes' latency quantiles and the spawn times from the record,
 * the event-loop interval from the two /hub/metrics reads of the hold, and
 * the share of samples of a function from the plateau's capture
 * (stacks_function_samples()). Nothing here prints: the command turns the
 * result into text, Markdown or JSON and the exit code.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/measure.h"
#include "record/record.h"
#include "report/gate.h"
#include "report/report.h"
#include "report/stacks.h"

/* what a figure is measured in, which decides the units a bound takes */
enum gate_kind { K_TIME, K_PCT, K_MIB, K_COUNT, K_RATE };

static const struct {
	const char	*name;
	enum gate_fig	 fig;
	enum gate_kind	 kind;
} plain_figs[] = {
	{ "hub_cpu", GATE_CPU, K_PCT },
	{ "hub_rss", GATE_RSS, K_MIB },
	{ "errors", GATE_ERRORS, K_COUNT },
	{ "throttled", GATE_429, K_COUNT },
	{ "failed", GATE_FAILED, K_COUNT },
	{ "rps", GATE_RPS, K_RATE },
	{ "ramp", GATE_RAMP, K_TIME },
};
#define NPLAIN (sizeof(plain_figs) / sizeof(plain_figs[0]))

static const struct {
	const char	*name;
	double		 q;
} quantiles[] = {
	{ "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 }, { "max", 1.0 },
};

#define FIGURES "CLASS.p50|p90|p99|max (CLASS: create, start, poll, " \
	"stop, delete, activity, probe, list), spawn.pQ, event_loop.pQ, " \
	"hub_cpu, hub_rss, errors, throttled, failed, rps, ramp, function:NAME"

static enum gate_kind
fig_kind(enum gate_fig f)
{
	size_t i;

	switch (f) {
	case GATE_LATENCY:
	case GATE_SPAWN:
	case GATE_LOOP:
		return K_TIME;
	case GATE_FUNCTION:
		return K_PCT;
	default:
		for (i = 0; i < NPLAIN; i++)
			if (plain_figs[i].fig == f)
				return plain_figs[i].kind;
	}
	return K_COUNT;
}

static const char *const kind_units[] = {
	[K_TIME] = "a time: use ms or s",
	[K_PCT] = "a percentage: use % for a bound on the new run, or pp "
	    "for a change in points",
	[K_MIB] = "a size: use KiB, MiB or GiB",
	[K_COUNT] = "a count: use a plain number",
	[K_RATE] = "a rate: use a plain number (per second)",
};

/* the figure part: "start.p99", "function:NAME", "errors" */
static int
parse_figure(struct gate_bound *b, const char *s, size_t n,
    struct hs_errbuf *eb)
{
	const char *dot;
	size_t i, cl;

	if (n >= sizeof(b->figure))
		return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': the figure "
		    "is too long", b->expr);
	memcpy(b->figure, s, n);
	b->figure[n] = '\0';
	if (n > 9 && memcmp(s, "function:", 9) == 0) {
		b->fig = GATE_FUNCTION;
		strlcpy(b->func, b->figure + 9, sizeof(b->func));
		return 0;
	}
	for (i = 0; i < NPLAIN; i++)
		if (strcmp(b->figure, plain_figs[i].name) == 0) {
			b->fig = plain_figs[i].fig;
			return 0;
		}
	if ((dot = strchr(b->figure, '.')) == NULL)
		goto unknown;
	cl = (size_t)(dot - b->figure);
	for (i = 0; i < sizeof(quantiles) / sizeof(quantiles[0]); i++)
		if (strcmp(dot + 1, quantiles[i].name) == 0)
			break;
	if (i == sizeof(quantiles) / sizeof(quantiles[0]))
		goto unknown;
	b->q = quantiles[i].q;
	if (cl == 5 && memcmp(b->figure, "spawn", 5) == 0) {
		b->fig = GATE_SPAWN;
		return 0;
	}
	if (cl == 10 && memcmp(b->figure, "event_loop", 10) == 0) {
		if (b->q >= 1.0)
			return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': the "
			    "hub's event-loop histogram has no max; use "
			    "event_loop.p50, p90 or p99", b->expr);
		b->fig = GATE_LOOP;
		return 0;
	}
	for (i = 0; i < MC_NCLASS; i++)
		if (strlen(mclass_name(i)) == cl &&
		    memcmp(b->figure, mclass_name(i), cl) == 0) {
			b->fig = GATE_LATENCY;
			memcpy(b->cls, b->figure, cl);
			b->cls[cl] = '\0';
			return 0;
		}
unknown:
	return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': unknown figure "
	    "'%.60s'; use " FIGURES, b->expr, b->figure);
}

/* "+20%", "50ms", "0.5s", "0", "-3pp" into mode and bound */
static int
parse_value(struct gate_bound *b, const char *s, struct hs_errbuf *eb)
{
	enum gate_kind k = fig_kind(b->fig);
	int sign = 0;
	const char *u;
	char *end;
	double v;

	if (*s == '+' || *s == '-')
		sign = *s++ == '+' ? 1 : -1;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': expected a "
		    "number after the operator, like %s", b->expr,
		    k == K_TIME ? "+20% or 500ms" : "+20% or 10");
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v))
		return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': '%.30s' is "
		    "not a number", b->expr, s);
	u = end;
	b->mode = sign ? GATE_CHANGE : GATE_ABSOLUTE;
	if (strcmp(u, "%") == 0 && sign) {
		b->mode = GATE_RELATIVE;
	} else if (k == K_TIME && strcmp(u, "ms") == 0) {
		v /= 1000.0;
	} else if (k == K_TIME && strcmp(u, "s") == 0) {
		;
	} else if (k == K_PCT && strcmp(u, "%") == 0) {
		;	/* unsigned: a bound on the new run's percentage */
	} else if (k == K_PCT && strcmp(u, "pp") == 0) {
		if (!sign)
			return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': pp is "
			    "a change in points; write +%gpp or -%gpp, or %g%% "
			    "for a bound on the new run", b->expr, v, v, v);
	} else if (k == K_MIB && strcmp(u, "KiB") == 0) {
		v /= 1024.0;
	} else if (k == K_MIB && strcmp(u, "MiB") == 0) {
		;
	} else if (k == K_MIB && strcmp(u, "GiB") == 0) {
		v *= 1024.0;
	} else if ((k == K_COUNT || k == K_RATE) && *u == '\0') {
		;
	} else {
		return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': %s%.20s%s "
		    "for %.60s, %s, or +N%% for a change relative to the old "
		    "run", b->expr, *u ? "bad unit '" : "no unit", u,
		    *u ? "'" : "", b->figure, kind_units[k]);
	}
	b->bound = sign < 0 ? -v : v;
	return 0;
}

int
gate_parse(struct gate_bound *b, const char *expr, struct hs_errbuf *eb)
{
	const char *op = NULL, *p, *lhs_end, *at;
	const char *errstr = NULL;
	char num[16];

	memset(b, 0, sizeof(*b));
	b->users = -1;
	if (strlen(expr) >= sizeof(b->expr))
		return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s...': too long "
		    "(at most %zu bytes)", expr, sizeof(b->expr) - 1);
	strlcpy(b->expr, expr, sizeof(b->expr));
	/* the operator is the last '<' or '>': a function name may hold
	 * either ("<module>"), a bound never does */
	for (p = expr; *p; p++)
		if (*p == '<' || *p == '>')
			op = p;
	if (op == NULL || op == expr)
		return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': expected "
		    "FIGURE>BOUND or FIGURE<BOUND, e.g. 'start.p99>+20%%'",
		    expr);
	lhs_end = op;
	b->op = *op == '>' ? GATE_GT : GATE_LT;
	if (op[1] == '=') {
		b->op = b->op == GATE_GT ? GATE_GE : GATE_LE;
		op++;
	}
	/* FIGURE@USERS: one plateau only */
	at = NULL;
	for (p = expr; p < lhs_end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		size_t n = (size_t)(lhs_end - at - 1);

		if (n == 0 || n >= sizeof(num))
			return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': "
			    "expected users after '@', e.g. 'start.p99@100>"
			    "+20%%'", expr);
		memcpy(num, at + 1, n);
		num[n] = '\0';
		b->users = (long)strtonum(num, 0, RECORD_MAX_USERS, &errstr);
		if (errstr != NULL)
			return hs_error(eb, HS_EUSAGE, "--fail-on '%.60s': "
			    "plateau '%s' is %s (0 to %d users)", expr, num,
			    errstr, RECORD_MAX_USERS);
		lhs_end = at;
	}
	if (parse_figure(b, expr, (size_t)(lhs_end - expr), eb) != 0)
		return HS_EUSAGE;
	return parse_value(b, op + 1, eb);
}

/* the hub's event-loop interval quantile over the hold, from the two
 * cumulative histograms (linear within a bucket, as Prometheus's
 * histogram_quantile() does); NAN when a read or the histogram is missing
 * or the hub restarted in between */
static double
loop_quantile(const struct record_plateau *p, double q)
{
	const struct metrics_snapshot *a = &p->mstart, *e = &p->mend;
	double total, rank, lo = 0, clo = 0, c;
	size_t i, n;

	if (!p->has_mstart || !p->has_mend || !a->has_event_loop ||
	    !e->has_event_loop || a->nloop != e->nloop || a->nloop == 0 ||
	    a->start_time != e->start_time)
		return NAN;
	n = e->nloop;
	total = e->loop_cum[n - 1] - a->loop_cum[n - 1];
	if (!(total > 0))
		return NAN;
	rank = q * total;
	for (i = 0; i < n; i++) {
		c = e->loop_cum[i] - a->loop_cum[i];
		if (c >= rank) {
			if (isinf(e->loop_le[i]))
				return i > 0 ? lo : NAN;
			if (c <= clo)
				return e->loop_le[i];
			return lo + (e->loop_le[i] - lo) * (rank - clo) /
			    (c - clo);
		}
		lo = e->loop_le[i];
		clo = c;
	}
	return NAN;
}

static double
quantile_of(const struct record_quantiles *qs, double q)
{
	return q >= 1.0 ? qs->max : q >= 0.99 ? qs->p99 : q >= 0.9 ? qs->p90 :
	    qs->p50;
}

/* a plateau's figure (the function share from s, NULL: no capture) */
static double
figure(const struct gate_bound *b, const struct record_plateau *p,
    const struct stacks *s, struct hs_errbuf *eb, int *err)
{
	const struct record_class *c;
	struct record_row row;
	int64_t n;
	int col;

	switch (b->fig) {
	case GATE_LATENCY:
		c = record_class_find(p, b->cls);
		return c == NULL || c->count <= 0 ? NAN :
		    quantile_of(&c->latency_ms, b->q) / 1000.0;
	case GATE_SPAWN:
		return p->has_spawn && p->spawn_count > 0 ?
		    quantile_of(&p->spawn_seconds, b->q) : NAN;
	case GATE_LOOP:
		return loop_quantile(p, b->q);
	case GATE_FUNCTION:
		if (s == NULL || s->total == 0)
			return NAN;
		if ((n = stacks_function_samples(s, b->func)) < 0) {
			*err = hs_error(eb, HS_ENOMEM, "out of memory");
			return NAN;
		}
		return 100.0 * (double)n / (double)s->total;
	case GATE_CPU: col = RC_CPU; break;
	case GATE_RSS: col = RC_RSS; break;
	case GATE_ERRORS: col = RC_ERRORS; break;
	case GATE_429: col = RC_429; break;
	case GATE_FAILED: col = RC_FAILED; break;
	case GATE_RPS: col = RC_RPS; break;
	case GATE_RAMP: col = RC_RAMP; break;
	default: return NAN;
	}
	record_row(p, &row);
	return row.v[col];
}

/* one side's capture of a plateau, loaded once; NULL when it has none */
struct side {
	struct stacks	 s;
	int		 tried, ok;
};

static int
has_capture(const struct rundata *rd, const struct record_plateau *p)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%s/record.raw", p->dir);
	if (rundata_has(rd, rel))
		return 1;
	snprintf(rel, sizeof(rel), "%s/record.speedscope.json", p->dir);
	return rundata_has(rd, rel);
}

static int
side_load(struct side *sd, const struct rundata *rd,
    const struct record_plateau *p, struct hs_errbuf *eb)
{
	int r;

	if (sd->tried)
		return 0;
	sd->tried = 1;
	if (!has_capture(rd, p))
		return 0;
	if ((r = stacks_init(&sd->s)) != 0)
		return hs_error(eb, r, "out of memory");
	if ((r = report_load_stacks(rd, p, &sd->s, eb)) != 0)
		return r;
	sd->ok = 1;
	return 0;
}

static int
broken(enum gate_op op, double v, double bound)
{
	switch (op) {
	case GATE_GT: return v > bound;
	case GATE_GE: return v >= bound;
	case GATE_LT: return v < bound;
	case GATE_LE: return v <= bound;
	}
	return 0;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int
gate_eval(const struct gate_bound *b, size_t nb, const struct rundata *old,
    const struct rundata *new, long users, struct gate_result *res,
    struct hs_errbuf *eb)
{
	struct side *so = NULL, *sn = NULL;
	long *common = NULL;
	size_t ncommon = 0, i, j, k, first;
	int r = 0;

	memset(res, 0, sizeof(*res));
	res->old_where = old->where;
	res->new_where = new->where;
	if ((common = calloc(old->nplateaus + 1, sizeof(*common))) == NULL ||
	    (so = calloc(old->nplateaus + 1, sizeof(*so))) == NULL ||
	    (sn = calloc(old->nplateaus + 1, sizeof(*sn))) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < old->nplateaus; i++)
		if (rundata_plateau(new, old->plateaus[i].users) != NULL)
			common[ncommon++] = old->plateaus[i].users;
	qsort(common, ncommon, sizeof(*common), cmp_long);
	if (ncommon == 0) {
		r = hs_error(eb, HS_EUSAGE, "gate: '%s' and '%s' have no "
		    "plateau with the same users; nothing to compare",
		    old->where, new->where);
		goto out;
	}
	for (k = 0; k < nb; k++) {
		long want = b[k].users >= 0 ? b[k].users : users;

		if (want >= 0 && (rundata_plateau(old, want) == NULL ||
		    rundata_plateau(new, want) == NULL)) {
			char have[200] = "";

			for (i = 0; i < ncommon; i++) {
				char one[24];

				snprintf(one, sizeof(one), "%s%ld", i ? ", " :
				    "", common[i]);
				strlcat(have, one, sizeof(have));
			}
			r = hs_error(eb, HS_EUSAGE, "gate: no plateau with %ld "
			    "users in '%s'%s%s%s; both runs have %s", want,
			    rundata_plateau(old, want) == NULL ? old->where :
			    new->where, b[k].users >= 0 ? " (the bound '" : "",
			    b[k].users >= 0 ? b[k].expr : "",
			    b[k].users >= 0 ? "')" : "", have);
			goto out;
		}
	}
	if ((res->checks = calloc(nb * ncommon + 1,
	    sizeof(*res->checks))) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < nb; k++) {
		const struct gate_bound *bk = &b[k];
		long want = bk->users >= 0 ? bk->users : users;

		first = res->nchecks;
		for (i = 0; i < ncommon; i++) {
			const struct record_plateau *po, *pn;
			struct gate_check *c;
			double v;

			if (want >= 0 && common[i] != want)
				continue;
			po = rundata_plateau(old, common[i]);
			pn = rundata_plateau(new, common[i]);
			if (bk->fig == GATE_FUNCTION &&
			    ((r = side_load(&so[i], old, po, eb)) != 0 ||
			    (r = side_load(&sn[i], new, pn, eb)) != 0))
				goto out;
			c = &res->checks[res->nchecks++];
			c->b = bk;
			c->users = common[i];
			c->old = figure(bk, po, so[i].ok ? &so[i].s : NULL, eb,
			    &r);
			c->new = figure(bk, pn, sn[i].ok ? &sn[i].s : NULL, eb,
			    &r);
			if (r != 0)
				goto out;
			switch (bk->mode) {
			case GATE_ABSOLUTE:
				v = c->new;
				break;
			case GATE_CHANGE:
				v = c->new - c->old;
				break;
			default:
				v = c->old != 0 ? (c->new - c->old) /
				    fabs(c->old) * 100.0 : c->new == c->old ?
				    0.0 : c->new > c->old ? INFINITY : -INFINITY;
			}
			c->value = v;
			if (isnan(v)) {
				c->state = GATE_MISSING;
				res->missing++;
			} else if (broken(bk->op, v, bk->bound)) {
				c->state = GATE_BROKEN;
				res->broken++;
			} else
				c->state = GATE_HELD;
		}
		for (j = first; j < res->nchecks; j++)
			if (res->checks[j].state != GATE_MISSING)
				break;
		if (j == res->nchecks) {
			r = hs_error(eb, HS_EUSAGE, "gate: '%s' has no value at "
			    "any plateau both runs have%s; nothing to gate",
			    bk->figure, bk->fig == GATE_LOOP ? " (the hub "
			    "reports its event loop from JupyterHub 5.0)" :
			    bk->fig == GATE_FUNCTION ? " (no capture, or the "
			    "function in neither)" : "");
			goto out;
		}
	}
	r = 0;
out:
	for (i = 0; so != NULL && sn != NULL && i < old->nplateaus; i++) {
		if (so[i].tried)
			stacks_release(&so[i].s);
		if (sn[i].tried)
			stacks_release(&sn[i].s);
	}
	free(so);
	free(sn);
	free(common);
	return r;
}

void
gate_result_release(struct gate_result *res)
{
	free(res->checks);
	memset(res, 0, sizeof(*res));
}

/* a figure's value in its unit; change: signed, and pp for percentages */
static void
fmt_value(char *dst, size_t n, const struct gate_bound *b, double v,
    int change)
{
	const char *sg = change && v >= 0 ? "+" : "";

	if (isnan(v)) {
		strlcpy(dst, "-", n);
		return;
	}
	switch (fig_kind(b->fig)) {
	case K_TIME:
		if (fabs(v) < 1.0)
			snprintf(dst, n, "%s%.1f ms", sg, v * 1000.0);
		else
			snprintf(dst, n, "%s%.2f s", sg, v);
		break;
	case K_PCT:
		snprintf(dst, n, "%s%.1f %s", sg, v, change ? "pp" : "%");
		break;
	case K_MIB:
		snprintf(dst, n, "%s%.1f MiB", sg, v);
		break;
	case K_RATE:
		snprintf(dst, n, "%s%.1f", sg, v);
		break;
	default:
		snprintf(dst, n, "%s%.0f", sg, v);
	}
}

/* the change column: relative, in the figure's unit, or none */
static void
fmt_change(char *dst, size_t n, const struct gate_check *c)
{
	if (isnan(c->old) || isnan(c->new)) {
		strlcpy(dst, "-", n);
		return;
	}
	if (c->b->mode == GATE_RELATIVE) {
		if (isinf(c->value))
			snprintf(dst, n, "%s from 0", c->value > 0 ? "up" :
			    "down");
		else
			snprintf(dst, n, "%s%.1f %%", c->value >= 0 ? "+" : "",
			    c->value);
	} else
		fmt_value(dst, n, c->b, c->new - c->old, 1);
}

static const char *const state_names[] = {
	[GATE_HELD] = "held", [GATE_BROKEN] = "broken",
	[GATE_MISSING] = "missing",
};

void
gate_fmt(const struct gate_check *c, char *dst, size_t n)
{
	char vo[64], vn[64], ch[64];

	fmt_value(vo, sizeof(vo), c->b, c->old, 0);
	fmt_value(vn, sizeof(vn), c->b, c->new, 0);
	fmt_change(ch, sizeof(ch), c);
	snprintf(dst, n, "%s at %ld users: %s -> %s (%s)", c->b->expr,
	    c->users, vo, vn, ch);
}

int
gate_write_text(const struct gate_result *res, struct buf *out)
{
	char line[600];
	size_t i;

	buf_printf(out, "gate: %s against %s: %zu check%s, %zu broken, %zu "
	    "missing\n", res->new_where, res->old_where, res->nchecks,
	    res->nchecks == 1 ? "" : "s", res->broken, res->missing);
	for (i = 0; i < res->nchecks; i++) {
		gate_fmt(&res->checks[i], line, sizeof(line));
		buf_printf(out, "%-7s %s\n",
		    state_names[res->checks[i].state], line);
	}
	buf_printf(out, "gate: %s\n", res->broken ? "failed" : "passed");
	return buf_error(out);
}

/* a table cell: backticks around s, '|' escaped, backticks dropped */
static void
md_code(struct buf *out, const char *s)
{
	buf_addch(out, '`');
	for (; *s; s++) {
		if (*s == '|')
			buf_addstr(out, "\\|");
		else if (*s != '`' && *s != '\n' && *s != '\r')
			buf_addch(out, *s);
	}
	buf_addch(out, '`');
}

int
gate_write_markdown(const struct gate_result *res, struct buf *out)
{
	char vo[64], vn[64], ch[64];
	size_t i;

	buf_printf(out, "### hubspy gate: %s (%zu broken, %zu missing of %zu "
	    "checks)\n\n", res->broken ? "failed" : "passed", res->broken,
	    res->missing, res->nchecks);
	buf_addstr(out, "New ");
	md_code(out, res->new_where);
	buf_addstr(out, " against old ");
	md_code(out, res->old_where);
	buf_addstr(out, ".\n\n| bound | users | old | new | change | result "
	    "|\n|---|---:|---:|---:|---:|---|\n");
	for (i = 0; i < res->nchecks; i++) {
		const struct gate_check *c = &res->checks[i];

		fmt_value(vo, sizeof(vo), c->b, c->old, 0);
		fmt_value(vn, sizeof(vn), c->b, c->new, 0);
		fmt_change(ch, sizeof(ch), c);
		buf_addstr(out, "| ");
		md_code(out, c->b->expr);
		buf_printf(out, " | %ld | %s | %s | %s | %s |\n", c->users, vo,
		    vn, ch, c->state == GATE_BROKEN ? "**broken**" :
		    state_names[c->state]);
	}
	return buf_error(out);
}

static cJSON *
num_or_null(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static const char *const unit_names[] = {
	[K_TIME] = "s", [K_PCT] = "%", [K_MIB] = "MiB", [K_COUNT] = "count",
	[K_RATE] = "per second",
};
static const char *const mode_names[] = {
	[GATE_ABSOLUTE] = "absolute", [GATE_CHANGE] = "change",
	[GATE_RELATIVE] = "relative",
};

cJSON *
gate_to_json(const struct gate_result *res)
{
	cJSON *root = cJSON_CreateObject(), *arr, *c;
	int ok = root != NULL;
	size_t i;

	ok = ok && cJSON_AddBoolToObject(root, "passed", res->broken == 0);
	ok = ok && cJSON_AddStringToObject(root, "old", res->old_where);
	ok = ok && cJSON_AddStringToObject(root, "new", res->new_where);
	ok = ok && cJSON_AddNumberToObject(root, "broken", (double)res->broken);
	ok = ok && cJSON_AddNumberToObject(root, "missing",
	    (double)res->missing);
	ok = ok && (arr = cJSON_AddArrayToObject(root, "checks")) != NULL;
	for (i = 0; ok && i < res->nchecks; i++) {
		const struct gate_check *ck = &res->checks[i];
		const struct gate_bound *b = ck->b;

		ok = (c = cJSON_CreateObject()) != NULL &&
		    cJSON_AddItemToArray(arr, c);
		ok = ok && cJSON_AddStringToObject(c, "bound", b->expr);
		ok = ok && cJSON_AddStringToObject(c, "figure", b->figure);
		ok = ok && cJSON_AddNumberToObject(c, "users",
		    (double)ck->users);
		ok = ok && cJSON_AddStringToObject(c, "unit",
		    unit_names[fig_kind(b->fig)]);
		ok = ok && cJSON_AddItemToObject(c, "old", num_or_null(ck->old));
		ok = ok && cJSON_AddItemToObject(c, "new", num_or_null(ck->new));
		ok = ok && cJSON_AddStringToObject(c, "mode",
		    mode_names[b->mode]);
		ok = ok && cJSON_AddItemToObject(c, "value",
		    isinf(ck->value) ? cJSON_CreateString(ck->value > 0 ?
		    "+inf" : "-inf") : num_or_null(ck->value));
		ok = ok && cJSON_AddNumberToObject(c, "limit", b->bound);
		ok = ok && cJSON_AddStringToObject(c, "result",
		    state_names[ck->state]);
	}
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
