/* timeline.c -- the stall timeline and the triggers' part of report.html */
/*
 * Everything here reads the record (watch_start, samples, triggers,
 * timeline) and the triggers' files through the rundata, so a run being
 * written and an archive read back render the same page. Times are
 * seconds since watch_start; a phase of the run's timeline (seconds
 * resolution) is placed by its wall-clock start and end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xml.h"
#include "report/chart.h"
#include "report/diff.h"
#include "report/flame.h"
#include "report/report.h"
#include "report/stacks.h"
#include "report/timeline.h"

#define W	900
#define H	300
#define ML	60
#define MR	70
#define MT	30
#define MB	40
#define PW	(W - ML - MR)
#define PH	(H - MT - MB)
#define TEXT_MAX	(8u << 20)
#define MAX_DUMPS	20

double
timeline_iso_seconds(const char *s)
{
	struct tm tm;
	const char *rest;
	double frac = 0;

	if (s == NULL)
		return NAN;
	memset(&tm, 0, sizeof(tm));
	if ((rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return NAN;
	if (*rest == '.')
		frac = strtod(rest, NULL);
	return (double)timegm(&tm) + frac;
}

static void
esc(struct buf *o, const char *s)
{
	xml_escape(o, s ? s : "", s ? strlen(s) : 0);
}

static const char *
phase_colour(const char *ph)
{
	if (strcmp(ph, "ramp") == 0)
		return "#ff7f0e";
	if (strcmp(ph, "settle") == 0)
		return "#bcbd22";
	if (strcmp(ph, "hold") == 0)
		return "#2ca02c";
	if (strcmp(ph, "capture") == 0)
		return "#9467bd";
	return "#7f7f7f";
}

/* the threshold the profile gave triggers.probe, NAN when absent */
static double
probe_threshold(const struct run_record *rec)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec->profile,
	    "triggers");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(t, "probe");

	return cJSON_IsNumber(p) && p->valuedouble > 0 ? p->valuedouble : NAN;
}

/* a polyline of (t, v) pairs; breaks at NAN */
static void
polyline(struct buf *o, const struct run_record *rec, int which,
    double tmax, double ymax, const char *style)
{
	size_t i;
	int open = 0;

	for (i = 0; i < rec->nsamples; i++) {
		const struct record_sample *s = &rec->samples[i];
		double v = which == 0 ? s->probe_seconds : which == 1 ?
		    s->loop_seconds : s->users == RECORD_NONE ? NAN :
		    (double)s->users;

		if (isnan(v) || isnan(s->t)) {
			if (open)
				buf_addstr(o, "\"/>\n");
			open = 0;
			continue;
		}
		if (!open)
			buf_printf(o, "<polyline fill=\"none\" %s points=\"",
			    style);
		open = 1;
		buf_printf(o, "%.1f,%.1f ", ML + s->t / tmax * PW,
		    MT + PH - fmin(v, ymax) / ymax * PH);
	}
	if (open)
		buf_addstr(o, "\"/>\n");
}

int
timeline_svg(const struct run_record *rec, struct buf *o)
{
	double t0 = timeline_iso_seconds(rec->watch_start), tmax = 1, ymax = 0;
	double umax = 0, th = probe_threshold(rec), x;
	size_t i;
	int k;

	if (rec->nsamples == 0 && rec->ntriggers == 0)
		return buf_error(o);
	for (i = 0; i < rec->nsamples; i++) {
		const struct record_sample *s = &rec->samples[i];

		tmax = fmax(tmax, s->t + fmax(s->probe_seconds, 0));
		if (!isnan(s->probe_seconds))
			ymax = fmax(ymax, s->probe_seconds);
		if (!isnan(s->loop_seconds))
			ymax = fmax(ymax, s->loop_seconds);
		if (s->users != RECORD_NONE)
			umax = fmax(umax, (double)s->users);
	}
	for (i = 0; i < rec->ntriggers; i++)
		if (!isnan(rec->triggers[i].t))
			tmax = fmax(tmax, rec->triggers[i].t);
	if (!isnan(th))
		ymax = fmax(ymax, th * 1.2);
	ymax = chart_nice_ceil(ymax);
	tmax = chart_nice_ceil(tmax);
	if (umax > 0)		/* no users known (a watch): no users axis */
		umax = chart_nice_ceil(umax);
	buf_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"stalltimeline\" width=\"%d\" height=\"%d\" viewBox=\"0 0 "
	    "%d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
	    "<text x=\"%d\" y=\"16\" font-size=\"13\">Health probe latency, "
	    "event-loop interval and users (seconds since the watch began)"
	    "</text>\n", W, H, W, H, ML);
	/* the phases, shaded */
	for (i = 0; i < rec->ntimeline && !isnan(t0); i++) {
		const struct record_phase *p = &rec->timeline[i];
		double a = timeline_iso_seconds(p->start) - t0;
		double b = timeline_iso_seconds(p->end) - t0;

		if (isnan(a) || isnan(b) || b < 0 || a > tmax)
			continue;
		a = fmax(a, 0);
		b = fmin(fmax(b, a + 0.5), tmax);
		buf_printf(o, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%d\" fill=\"%s\" fill-opacity=\"0.15\"><title>",
		    ML + a / tmax * PW, MT, (b - a) / tmax * PW, PH,
		    phase_colour(p->phase));
		esc(o, p->phase);
		if (p->plateau >= 0)
			buf_printf(o, " %ld users", p->plateau);
		buf_addstr(o, "</title></rect>\n");
	}
	/* axes and ticks */
	buf_printf(o, "<path d=\"M%d %d V%d H%d V%d\" fill=\"none\" "
	    "stroke=\"#333\"/>\n", ML, MT, MT + PH, ML + PW, MT);
	for (k = 0; k <= 4; k++) {
		double yv = ymax * k / 4, uv = umax * k / 4;
		double py = MT + PH - (double)PH * k / 4;

		buf_printf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
		    "%g s</text>\n", ML - 4, py + 4, yv);
		if (umax > 0)
			buf_printf(o, "<text x=\"%d\" y=\"%.1f\" fill=\"#2ca02c\">"
			    "%g</text>\n", ML + PW + 4, py + 4, uv);
		x = ML + (double)PW * k / 4;
		buf_printf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
		    "%g</text>\n", x, MT + PH + 14, tmax * k / 4);
	}
	if (umax > 0)
		buf_printf(o, "<text x=\"%d\" y=\"%d\" fill=\"#2ca02c\">users"
		    "</text>\n", ML + PW + 4, MT - 6);
	if (!isnan(th) && th <= ymax)
		buf_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#d62728\" stroke-dasharray=\"2 3\"><title>trigger "
		    "threshold %g s</title></line>\n", ML, ML + PW,
		    MT + PH - th / ymax * PH, MT + PH - th / ymax * PH, th);
	if (umax > 0)
		polyline(o, rec, 2, tmax, umax, "stroke=\"#2ca02c\" "
		    "stroke-width=\"1\" class=\"users\"");
	polyline(o, rec, 1, tmax, ymax, "stroke=\"#ff7f0e\" "
	    "stroke-dasharray=\"5 3\" class=\"loop\"");
	polyline(o, rec, 0, tmax, ymax, "stroke=\"#1f77b4\" "
	    "stroke-width=\"1.5\" class=\"probe\"");
	for (i = 0; i < rec->nsamples; i++)
		if (!isnan(rec->samples[i].probe_seconds) &&
		    rec->samples[i].probe_seconds >= ymax / 20)
			buf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
			    "fill=\"#1f77b4\"><title>probe at %.1f s: %.3f s"
			    "</title></circle>\n", ML + rec->samples[i].t / tmax * PW,
			    MT + PH - fmin(rec->samples[i].probe_seconds, ymax) /
			    ymax * PH, rec->samples[i].t,
			    rec->samples[i].probe_seconds);
	for (i = 0; i < rec->nsamples; i++)
		if (rec->samples[i].failed)
			buf_printf(o, "<text x=\"%.1f\" y=\"%d\" fill=\"#d62728\" "
			    "text-anchor=\"middle\">x<title>no answer</title>"
			    "</text>\n", ML + rec->samples[i].t / tmax * PW,
			    MT + PH - 2);
	/* the triggers: a marker each, linking to its part */
	for (i = 0; i < rec->ntriggers; i++) {
		const struct record_trigger *t = &rec->triggers[i];

		if (isnan(t->t))
			continue;
		x = ML + t->t / tmax * PW;
		if (t->dir != NULL)
			buf_printf(o, "<a href=\"#trigger-%zu\">", i + 1);
		buf_printf(o, "<g class=\"trigger\"><line x1=\"%.1f\" x2=\"%.1f\" "
		    "y1=\"%d\" y2=\"%d\" stroke=\"#d62728\" stroke-width=\"2\"%s/>"
		    "<text x=\"%.1f\" y=\"%d\" fill=\"#d62728\" "
		    "text-anchor=\"middle\">%zu</text><title>trigger %zu: ", x, x,
		    MT, MT + PH, t->dir ? "" : " stroke-dasharray=\"4 3\"", x,
		    MT - 4, i + 1, i + 1);
		esc(o, t->source);
		buf_printf(o, " %.3f s at ", t->value);
		esc(o, t->at);
		if (t->skipped) {
			buf_addstr(o, " (skipped: ");
			esc(o, t->skipped);
			buf_addch(o, ')');
		}
		buf_addstr(o, "</title></g>");
		if (t->dir != NULL)
			buf_addstr(o, "</a>");
		buf_addch(o, '\n');
	}
	buf_printf(o, "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">&#8212; probe "
	    "latency</text><text x=\"%d\" y=\"%d\" fill=\"#ff7f0e\">- - event-"
	    "loop interval</text><text x=\"%d\" y=\"%d\" fill=\"#d62728\">| "
	    "trigger</text>\n</svg>\n", ML, H - 6, ML + 140, H - 6, ML + 300,
	    H - 6);
	return buf_error(o);
}

/* a trigger's dumps: the first open, each a link to its file */
static void
trigger_dumps(struct buf *o, const struct rundata *rd,
    const struct record_trigger *t)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char rel[300], *data = NULL;
	size_t len;
	int k;

	for (k = 1; k <= MAX_DUMPS && buf_error(o) == 0; k++) {
		snprintf(rel, sizeof(rel), "%s/dump-%d.txt", t->dir, k);
		if (!rundata_has(rd, rel) ||
		    rundata_read(rd, rel, &data, &len, TEXT_MAX, &eb) != 0)
			break;
		buf_printf(o, "<details%s><summary>dump %d (<a href=\"",
		    k == 1 ? " open=\"open\"" : "", k);
		esc(o, rel);
		buf_addstr(o, "\">");
		esc(o, rel);
		buf_addstr(o, "</a>)</summary><pre>");
		xml_escape(o, data, len);
		buf_addstr(o, "</pre></details>\n");
		free(data);
		data = NULL;
	}
}

/* the trigger's record against its plateau's steady one */
static int
trigger_flame(struct buf *o, const struct rundata *rd,
    const struct record_trigger *t, size_t idx, const char *profile)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct stacks ts, ps;
	const struct record_plateau *p = t->plateau >= 0 ?
	    rundata_plateau(rd, t->plateau) : NULL;
	struct diff d = DIFF_INIT;
	char rel[300], title[300], id[64], *data = NULL;
	size_t len;
	int r = 0, have_p = 0;

	snprintf(rel, sizeof(rel), "%s/record.raw", t->dir);
	if (!rundata_has(rd, rel) ||
	    rundata_read(rd, rel, &data, &len, RUNDATA_MEMBER_MAX, &eb) != 0) {
		buf_addstr(o, "<p class=\"note\">no record of this trigger</p>\n");
		return buf_error(o);
	}
	if (stacks_init(&ts) != 0 || stacks_init(&ps) != 0) {
		free(data);
		return HS_ENOMEM;
	}
	if ((r = stacks_parse_raw(&ts, data, len)) != 0)
		goto out;
	if (p != NULL && report_load_stacks(rd, p, &ps, &eb) == 0 &&
	    ps.total > 0)
		have_p = 1;
	snprintf(id, sizeof(id), "trigger-flame-%zu", idx + 1);
	if (have_p && ts.total > 0) {
		const struct diff_mover *m;
		const char *name, *file;
		size_t nl, fl;
		int line;

		if ((r = diff_build(&d, &ps, &ts)) != 0)
			goto out;
		if (d.nmovers > 0) {
			m = &d.movers[d.headline];
			stacks_split(m->label, strlen(m->label), &name, &nl,
			    &file, &fl, &line);
			buf_addstr(o, "<p class=\"stallhead\"><b>during the stall, "
			    "<code>");
			xml_escape(o, name, nl);
			buf_printf(o, "</code> took %.1f %% of samples (own time), "
			    "%.1f %% in the plateau's steady record</b></p>\n",
			    m->b_own, m->a_own);
		}
		snprintf(title, sizeof(title), "hubspy %s: trigger %zu against "
		    "the steady record of %ld users", profile, idx + 1,
		    t->plateau);
		r = diff_render(&ps, &ts, title, 1, id, o);
	} else {
		struct flame_opts fo = FLAME_OPTS_INIT;

		buf_addstr(o, "<p class=\"note\">no steady record of this "
		    "plateau to compare with: the trigger's own flamegraph</p>\n");
		snprintf(title, sizeof(title), "hubspy %s: trigger %zu", profile,
		    idx + 1);
		fo.title = title;
		fo.embed = 1;
		fo.id = id;
		r = flame_render(&ts, &fo, o);
	}
out:
	diff_release(&d);
	stacks_release(&ts);
	stacks_release(&ps);
	free(data);
	return r;
}

int
timeline_html(struct buf *o, const struct rundata *rd, const char *profile)
{
	const struct run_record *rec = rd->rec;
	size_t i, nc = 0;
	int r;

	buf_addstr(o, "<h2 id=\"stalls\">Stalls caught</h2>\n");
	if (rec->watch_start == NULL && rec->ntriggers == 0) {
		buf_addstr(o, "<p class=\"note\">no stall watch in this run "
		    "(triggers.enabled false)</p>\n");
		return buf_error(o);
	}
	for (i = 0; i < rec->ntriggers; i++)
		nc += rec->triggers[i].dir != NULL;
	buf_printf(o, "<p>%zu trigger%s captured, %zu skipped; the watch "
	    "probed the hub %zu times.</p>\n", nc, nc == 1 ? "" : "s",
	    rec->ntriggers - nc, rec->nsamples);
	if ((r = timeline_svg(rec, o)) != 0)
		return r;
	if (rec->ntriggers > 0) {
		buf_addstr(o, "<table class=\"triggers\"><thead><tr><th>#</th>"
		    "<th>at (UTC)</th><th>source</th><th>seconds</th>"
		    "<th>plateau</th><th>phase</th><th>users</th><th>captured"
		    "</th></tr></thead><tbody>\n");
		for (i = 0; i < rec->ntriggers; i++) {
			const struct record_trigger *t = &rec->triggers[i];

			buf_printf(o, "<tr><td>%zu</td><td>", i + 1);
			esc(o, t->at);
			buf_addstr(o, "</td><td>");
			esc(o, t->source);
			buf_printf(o, "</td><td>%.3f (over %.3f)</td><td>",
			    t->value, t->threshold);
			if (t->plateau >= 0)
				buf_printf(o, "%ld", t->plateau);
			buf_addstr(o, "</td><td>");
			esc(o, t->phase);
			buf_addstr(o, "</td><td>");
			if (t->users != RECORD_NONE)
				buf_printf(o, "%lld", t->users);
			buf_addstr(o, "</td><td>");
			if (t->dir != NULL) {
				buf_printf(o, "<a href=\"#trigger-%zu\">", i + 1);
				esc(o, t->dir);
				buf_addstr(o, "</a>");
			} else {
				buf_addstr(o, "skipped: ");
				esc(o, t->skipped);
			}
			buf_addstr(o, "</td></tr>\n");
		}
		buf_addstr(o, "</tbody></table>\n");
	}
	for (i = 0; i < rec->ntriggers; i++) {
		const struct record_trigger *t = &rec->triggers[i];

		if (t->dir == NULL)
			continue;
		buf_printf(o, "<h3 id=\"trigger-%zu\">Trigger %zu: ", i + 1,
		    i + 1);
		esc(o, t->source);
		buf_printf(o, " %.3f s at ", t->value);
		esc(o, t->at);
		buf_addstr(o, "</h3>\n");
		trigger_dumps(o, rd, t);
		if ((r = trigger_flame(o, rd, t, i, profile)) != 0)
			return r;
	}
	return buf_error(o);
}
