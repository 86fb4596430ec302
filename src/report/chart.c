/* chart.c -- small hand-made SVG charts (lines, grouped bars, a timeline) */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/hs.h"
#include "core/xml.h"
#include "report/chart.h"

#define CW	560
#define CH	300
#define ML	64
#define MR	130	/* legend */
#define MT	34
#define MB	46

static const char *const palette[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
#define NPAL (sizeof(palette) / sizeof(palette[0]))

double
chart_nice_ceil(double v)
{
	double e, f;

	if (!(v > 0))
		return 1;
	e = pow(10, floor(log10(v)));
	f = v / e;
	f = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
	return f * e;
}

static void
fmt_num(char *dst, size_t n, double v)
{
	if (fabs(v) >= 1e6)
		snprintf(dst, n, "%.3gM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(dst, n, "%.0fk", v / 1e3);
	else
		snprintf(dst, n, "%g", v);
}

static void
text(struct buf *o, double x, double y, const char *anchor, const char *extra,
    const char *s)
{
	buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y,
	    anchor, extra ? extra : "");
	xml_escape(o, s, strlen(s));
	buf_addstr(o, "</text>\n");
}

int
chart_render(const struct chart *c, struct buf *o)
{
	double xmin = INFINITY, xmax = -INFINITY, ymax = 0, v, px, py;
	double pw = CW - ML - MR, ph = CH - MT - MB;
	size_t i, j, nodata = 1;
	char lab[64];
	int pen, cat;

	for (i = 0; i < c->n; i++) {
		v = c->logx ? log10(c->x[i] > 0 ? c->x[i] : 1) : c->x[i];
		if (v < xmin)
			xmin = v;
		if (v > xmax)
			xmax = v;
		for (j = 0; j < c->nseries; j++) {
			v = c->series[j].y[i];
			if (!isnan(v)) {
				nodata = 0;
				if (v > ymax)
					ymax = v;
			}
		}
	}
	ymax = chart_nice_ceil(ymax * 1.05);
	cat = c->bars || c->n < 2 || xmax <= xmin;
	if (cat) {
		xmin = -0.5;
		xmax = (double)c->n - 0.5;
	} else {
		double pad = (xmax - xmin) * 0.05;

		xmin -= pad;
		xmax += pad;
	}
#define XP(k) (ML + ((cat ? (double)(k) : c->logx ? \
	log10(c->x[k] > 0 ? c->x[k] : 1) : c->x[k]) - xmin) / (xmax - xmin) * pw)
#define YP(val) (MT + ph - (val) / ymax * ph)
	buf_printf(o, "<svg class=\"hschart\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "font-family=\"sans-serif\" font-size=\"11\">\n"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
	    CW, CH, CW, CH, CW, CH);
	text(o, CW / 2.0, 18, "middle", " font-size=\"14\" font-weight=\"bold\"",
	    c->title);
	/* axes and grid */
	for (i = 0; i <= 5; i++) {
		v = ymax * (double)i / 5;
		fmt_num(lab, sizeof(lab), v);
		buf_printf(o, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#ddd\"/>\n", ML, ML + pw, YP(v), YP(v));
		text(o, ML - 6, YP(v) + 4, "end", NULL, lab);
	}
	for (i = 0; i < c->n; i++) {
		if (c->xnames && c->xnames[i])
			strlcpy(lab, c->xnames[i], sizeof(lab));
		else
			fmt_num(lab, sizeof(lab), c->x[i]);
		text(o, XP(i), MT + ph + 16, "middle", NULL, lab);
	}
	buf_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%.1f\" "
	    "stroke=\"#333\"/><line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
	    "y2=\"%.1f\" stroke=\"#333\"/>\n", ML, ML, MT, MT + ph, ML, ML + pw,
	    MT + ph, MT + ph);
	text(o, ML + pw / 2, CH - 8, "middle", NULL, c->xlabel ? c->xlabel : "");
	buf_printf(o, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" "
	    "transform=\"rotate(-90 14 %.1f)\">", MT + ph / 2, MT + ph / 2);
	xml_escape(o, c->ylabel ? c->ylabel : "",
	    c->ylabel ? strlen(c->ylabel) : 0);
	buf_addstr(o, "</text>\n");
	if (nodata)
		text(o, ML + pw / 2, MT + ph / 2, "middle", " fill=\"#999\"",
		    "no data");
	for (j = 0; j < c->nseries; j++) {
		const struct chart_series *s = &c->series[j];
		const char *col = palette[j % NPAL];

		if (c->bars) {
			double bw = pw / (double)(c->n ? c->n : 1) * 0.8 /
			    (double)c->nseries;

			for (i = 0; i < c->n; i++) {
				v = s->y[i];
				if (isnan(v))
					continue;
				px = XP(i) - pw / (double)c->n * 0.4 +
				    bw * (double)j;
				fmt_num(lab, sizeof(lab), v);
				buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" "
				    "width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
				    "<title>", px, YP(v), bw, ph - (YP(v) - MT),
				    col);
				xml_escape(o, s->name, strlen(s->name));
				buf_printf(o, ": %s</title></rect>\n", lab);
			}
		} else {
			buf_printf(o, "<path fill=\"none\" stroke=\"%s\" "
			    "stroke-width=\"2\"%s d=\"", col, s->dashed ?
			    " stroke-dasharray=\"5,3\"" : "");
			pen = 0;
			for (i = 0; i < c->n; i++) {
				if (isnan(s->y[i])) {
					pen = 0;
					continue;
				}
				buf_printf(o, "%s%.1f,%.1f ", pen ? "L" : "M",
				    XP(i), YP(s->y[i]));
				pen = 1;
			}
			buf_addstr(o, "\"/>\n");
			for (i = 0; i < c->n; i++) {
				if (isnan(s->y[i]))
					continue;
				fmt_num(lab, sizeof(lab), s->y[i]);
				buf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" "
				    "r=\"3\" fill=\"%s\"><title>", XP(i),
				    YP(s->y[i]), col);
				xml_escape(o, s->name, strlen(s->name));
				buf_printf(o, ": %s</title></circle>\n", lab);
			}
		}
		/* legend */
		py = MT + 8 + 16 * (double)j;
		px = CW - MR + 10;
		buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" "
		    "height=\"4\" fill=\"%s\"/>\n", px, py - 4, col);
		text(o, px + 18, py, "start", NULL, s->name);
	}
#undef XP
#undef YP
	buf_addstr(o, "</svg>\n");
	return buf_error(o);
}

int
chart_timeline(const char *title, const struct chart_span *sp, size_t n,
    struct buf *o)
{
	const char *kinds[16];
	size_t nk = 0, i, k;
	double tmax = 0, W = 900, L = 90, R = 20, rowh = 22, top = 34, x, w;
	char lab[64];

	for (i = 0; i < n; i++) {
		if (sp[i].end > tmax)
			tmax = sp[i].end;
		for (k = 0; k < nk; k++)
			if (strcmp(kinds[k], sp[i].kind) == 0)
				break;
		if (k == nk && nk < 16)
			kinds[nk++] = sp[i].kind;
	}
	tmax = chart_nice_ceil(tmax);
	buf_printf(o, "<svg class=\"hschart\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" "
	    "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" "
	    "fill=\"#fff\"/>\n", W, top + rowh * (double)nk + 40, W,
	    top + rowh * (double)nk + 40);
	text(o, W / 2, 18, "middle", " font-size=\"14\" font-weight=\"bold\"",
	    title);
	if (n == 0) {
		text(o, W / 2, top + 10, "middle", " fill=\"#999\"", "no data");
		buf_addstr(o, "</svg>\n");
		return buf_error(o);
	}
	for (k = 0; k < nk; k++)
		text(o, L - 6, top + rowh * (double)k + 15, "end", NULL,
		    kinds[k]);
	for (i = 0; i <= 5; i++) {
		x = L + (W - L - R) * (double)i / 5;
		snprintf(lab, sizeof(lab), "%gs", tmax * (double)i / 5);
		buf_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, x, top,
		    top + rowh * (double)nk);
		text(o, x, top + rowh * (double)nk + 16, "middle", NULL, lab);
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < nk; k++)
			if (strcmp(kinds[k], sp[i].kind) == 0)
				break;
		if (k == nk)
			continue;
		x = L + (W - L - R) * sp[i].start / tmax;
		w = (W - L - R) * (sp[i].end - sp[i].start) / tmax;
		if (w < 1)
			w = 1;
		buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"%s\" stroke=\"#fff\"><title>", x,
		    top + rowh * (double)k + 2, w, rowh - 4, palette[k % NPAL]);
		xml_escape(o, sp[i].label, strlen(sp[i].label));
		buf_printf(o, " (%.1f s)</title></rect>\n",
		    sp[i].end - sp[i].start);
		if (w > 7.0 * (double)strlen(sp[i].label) + 6)
			text(o, x + 3, top + rowh * (double)k + 15, "start",
			    " fill=\"#fff\"", sp[i].label);
	}
	buf_addstr(o, "</svg>\n");
	return buf_error(o);
}

int
chart_stacked(const char *title, const char *const *parts, size_t nparts,
    const struct chart_bar *bars, size_t nbars, const char *unit,
    struct buf *o)
{
	double W = 760, L = 230, R = 20, rowh = 26, top = 34, tmax = 0;
	double H, x, w, sum;
	size_t i, k;
	char lab[64];

	if (nparts > CHART_MAX_PARTS)
		nparts = CHART_MAX_PARTS;
	for (i = 0; i < nbars; i++) {
		for (sum = 0, k = 0; k < nparts; k++)
			if (bars[i].v[k] > 0)
				sum += bars[i].v[k];
		if (sum > tmax)
			tmax = sum;
	}
	tmax = chart_nice_ceil(tmax);
	H = top + rowh * (double)nbars + 56;
	buf_printf(o, "<svg class=\"hschart stacked\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" "
	    "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" "
	    "fill=\"#fff\"/>\n", W, H, W, H);
	text(o, W / 2, 18, "middle", " font-size=\"14\" font-weight=\"bold\"",
	    title);
	for (i = 0; i <= 5; i++) {
		x = L + (W - L - R) * (double)i / 5;
		snprintf(lab, sizeof(lab), "%g %s", tmax * (double)i / 5, unit);
		buf_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, x, top,
		    top + rowh * (double)nbars);
		text(o, x, top + rowh * (double)nbars + 16, "middle", NULL, lab);
	}
	for (i = 0; i < nbars; i++) {
		double y = top + rowh * (double)i;

		text(o, L - 6, y + 17, "end", NULL, bars[i].label);
		x = L;
		for (k = 0; k < nparts; k++) {
			if (!(bars[i].v[k] > 0))
				continue;
			w = (W - L - R) * bars[i].v[k] / tmax;
			buf_printf(o, "<rect class=\"seg\" x=\"%.1f\" "
			    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "fill=\"%s\" stroke=\"#fff\"><title>", x, y + 3,
			    w < 1 ? 1 : w, rowh - 6, palette[k % NPAL]);
			if (bars[i].tip[k] != NULL)
				xml_escape(o, bars[i].tip[k],
				    strlen(bars[i].tip[k]));
			else {
				xml_escape(o, parts[k], strlen(parts[k]));
				buf_printf(o, ": %.3g %s", bars[i].v[k], unit);
			}
			buf_addstr(o, "</title></rect>\n");
			x += w;
		}
	}
	/* the legend under the axis */
	for (x = L, k = 0; k < nparts; k++) {
		double y = top + rowh * (double)nbars + 30;

		buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" "
		    "height=\"10\" fill=\"%s\"/>\n", x, y, palette[k % NPAL]);
		text(o, x + 14, y + 9, "start", NULL, parts[k]);
		x += 14 + 7.0 * (double)strlen(parts[k]) + 16;
	}
	buf_addstr(o, "</svg>\n");
	return buf_error(o);
}
