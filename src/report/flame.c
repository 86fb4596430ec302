/* flame.c -- icicle flamegraph SVG (inferno's layout) from a stacks tree */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xml.h"
#include "report/flame.h"

#define FLAME_WIDTH	1200
#define FRAMES_X	10
#define FRAMES_W	1180
#define FRAME_H		16
#define TOP_Y		52
#define FONT_W		(12 * 0.59)

static const char script[] =
#include "flame_js.inc"
    ;

const char *
flame_script(void)
{
	return script;
}

void
flame_fmt_count(char *dst, size_t n, uint64_t v)
{
	char tmp[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	for (i = 0; i < len && o + 2 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			dst[o++] = ',';
		dst[o++] = tmp[i];
	}
	dst[o] = '\0';
}

static uint32_t
fnv1a(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 16777619u;
	}
	return h;
}

void
flame_color(const char *frame, size_t len, unsigned char rgb[3])
{
	uint32_t h = fnv1a(frame, len);
	double v1 = (double)(h & 0xff) / 255.0;
	double v2 = (double)((h >> 8) & 0xff) / 255.0;
	double v3 = (double)((h >> 16) & 0xff) / 255.0;

	/* inferno's "hot" palette */
	rgb[0] = (unsigned char)(205 + 50 * v3);
	rgb[1] = (unsigned char)(230 * v1);
	rgb[2] = (unsigned char)(55 * v2);
}

struct render {
	const struct stacks	*s;
	const struct flame_opts	*o;
	struct buf		*out;
	double			 total;
	double			 minw;		/* in samples */
	size_t			 maxdepth;
	size_t			 frames;
};

/* appends one frame; the buffer keeps the first error */
static void
frame(struct render *rd, uint32_t node, uint64_t x, size_t depth)
{
	const struct stacks *s = rd->s;
	const struct stacks_node *n = &s->nodes[node];
	const struct stacks_name *nm = node ? &s->names[n->name] : NULL;
	const char *label = nm ? nm->text : "all";
	size_t llen = nm ? nm->len : 3, fit;
	unsigned char rgb[3];
	char cnt[32], note[256] = "";
	double px = 100.0 * (double)x / rd->total;
	double pw = 100.0 * (double)n->total / rd->total;
	struct buf *out = rd->out;

	if (nm) {
		const struct stacks_name *fn = &s->names[nm->func];

		flame_color(fn->text, fn->len, rgb);
	} else
		rgb[0] = 230, rgb[1] = 100, rgb[2] = 50;
	if (rd->o->color)
		rd->o->color(rd->o->color_arg, s, node, rgb, note, sizeof(note));
	flame_fmt_count(cnt, sizeof(cnt), n->total);
	buf_addstr(out, "<g><title>");
	xml_escape(out, label, llen);
	if (nm)
		buf_printf(out, " (%s sample%s, %.2f%%)", cnt,
		    n->total == 1 ? "" : "s", pw);
	else
		buf_printf(out, " (%s sample%s, 100%%)", cnt,
		    n->total == 1 ? "" : "s");
	if (note[0]) {
		buf_addch(out, '\n');
		xml_escape(out, note, strlen(note));
	}
	buf_printf(out, "</title><rect x=\"%.4f%%\" y=\"%zu\" "
	    "width=\"%.4f%%\" height=\"15\" fill=\"rgb(%u,%u,%u)\" "
	    "fg:x=\"%llu\" fg:w=\"%llu\"/><text x=\"%.4f%%\" y=\"%.2f\">",
	    px, TOP_Y + depth * FRAME_H, pw, rgb[0], rgb[1], rgb[2],
	    (unsigned long long)x, (unsigned long long)n->total, px + 0.25,
	    TOP_Y + depth * FRAME_H + 10.5);
	fit = (size_t)(pw / 100.0 * FRAMES_W / FONT_W);
	if (fit >= 3 && llen <= fit)
		xml_escape(out, label, llen);
	else if (fit >= 3) {
		xml_escape(out, label, fit - 2);
		buf_addstr(out, "..");
	}
	buf_addstr(out, "</text></g>\n");
	rd->frames++;
	if (depth > rd->maxdepth)
		rd->maxdepth = depth;
}

/* draws node and its subtree; stops at the buffer's first error (a full
 * buffer would otherwise sort every remaining subtree for nothing) */
static int
walk(struct render *rd, uint32_t node, uint64_t x, size_t depth)
{
	uint32_t *kids = NULL;
	ssize_t nk, i;
	int r;

	frame(rd, node, x, depth);
	if ((r = buf_error(rd->out)) != 0)
		return r;
	if ((nk = stacks_children_sorted(rd->s, node, &kids)) < 0)
		return HS_ENOMEM;
	for (i = 0; i < nk; i++) {
		const struct stacks_node *c = &rd->s->nodes[kids[i]];

		if ((double)c->total >= rd->minw &&
		    (r = walk(rd, kids[i], x, depth + 1)) != 0)
			break;
		x += c->total;
	}
	free(kids);
	return r;
}

/* the depth of the deepest frame that is drawn (same pruning as walk()) */
static size_t
max_depth(const struct render *rd, uint32_t node, size_t depth)
{
	uint32_t c;
	size_t m = depth, d;

	for (c = rd->s->nodes[node].child; c != 0; c = rd->s->nodes[c].sibling)
		if ((double)rd->s->nodes[c].total >= rd->minw &&
		    (d = max_depth(rd, c, depth + 1)) > m)
			m = d;
	return m;
}

/*
 * The pruning level: min_width doubles until at most cap frames are drawn.
 * A child never has more samples than its parent, so a frame is drawn
 * exactly when its own total reaches the threshold: one pass over the
 * nodes files each under the last level that draws it, and the frames
 * drawn at any level are summed from that, without a walk of the tree per
 * level. The thresholds are computed as flame_render() computes minw, so
 * the comparisons are walk()'s. Returns the number of doublings, or -1
 * when out of memory.
 */
#define MAX_LEVELS	4096

static ssize_t
prune_level(const struct render *rd, double minpx, size_t cap)
{
	const struct stacks *s = rd->s;
	size_t *level = NULL, nlev = 0, i, k, drawn;
	double *thr = NULL, t, w;
	ssize_t r = -1;

	if ((thr = calloc(MAX_LEVELS, sizeof(*thr))) == NULL ||
	    (level = calloc(MAX_LEVELS, sizeof(*level))) == NULL)
		goto out;
	/* past the root's total a level draws the root alone */
	while (nlev < MAX_LEVELS &&
	    (t = minpx * rd->total / FRAMES_W) <= rd->total) {
		thr[nlev++] = t;
		minpx *= 2;
	}
	for (i = 1; i < s->nnodes; i++) {
		w = (double)s->nodes[i].total;
		for (k = 0; k < nlev && w >= thr[k]; k++)
			;
		if (k > 0)
			level[k - 1]++;	/* drawn at levels 0..k-1 */
	}
	/* frames drawn at level k: the root and every node filed at >= k */
	drawn = 1;
	for (k = 0; k < nlev; k++)
		drawn += level[k];
	for (k = 0; drawn > cap && k < nlev; k++)
		drawn -= level[k];
	r = (ssize_t)k;
out:
	free(thr);
	free(level);
	return r;
}

int
flame_render(const struct stacks *s, const struct flame_opts *o,
    struct buf *out)
{
	size_t cap = o->max_frames ? o->max_frames : 50000;
	double minpx = o->min_width > 0 ? o->min_width : 0.1;
	char sub[512];
	const char *subtitle = o->subtitle;
	struct render rd;
	const char *title = o->title ? o->title : "Flame Graph";
	size_t h;
	ssize_t lev = 0;
	int r;

	memset(&rd, 0, sizeof(rd));
	rd.s = s;
	rd.o = o;
	rd.out = out;
	rd.total = s->total > 0 ? (double)s->total : 1.0;
	rd.minw = minpx * rd.total / FRAMES_W;
	if (s->total > 0 && (lev = prune_level(&rd, minpx, cap)) < 0)
		return HS_ENOMEM;
	if (lev > 0) {
		while (lev-- > 0)
			minpx *= 2;
		rd.minw = minpx * rd.total / FRAMES_W;
		snprintf(sub, sizeof(sub), "%s%sframes narrower than %g px are "
		    "not drawn (over %zu frames otherwise)", o->subtitle ?
		    o->subtitle : "", o->subtitle ? "; " : "", minpx, cap);
		subtitle = sub;
	}
	/* the height goes first: measure, then draw straight into out */
	h = ((s->total > 0 ? max_depth(&rd, STACKS_ROOT, 0) : 0) + 1) * FRAME_H +
	    TOP_Y + 22;
	if (!o->embed)
		buf_addstr(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n");
	buf_printf(out, "<svg version=\"1.1\" width=\"%d\" "
	    "height=\"%zu\" viewBox=\"0 0 %d %zu\"%s%s%s class=\"hsflame\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" "
	    "xmlns:fg=\"http://github.com/jonhoo/inferno\"%s>\n",
	    FLAME_WIDTH, h, FLAME_WIDTH, h, o->id ? " id=\"" : "",
	    o->id ? o->id : "", o->id ? "\"" : "",
	    o->embed ? "" : " onload=\"hsFlameInit(evt)\"");
	buf_addstr(out, "<style type=\"text/css\">"
	    ".hsflame text{font-family:monospace;font-size:12px;fill:rgb(0,0,0)}"
	    ".hsflame .hstitle{text-anchor:middle;font-size:17px}"
	    ".hsframes text{pointer-events:none}"
	    ".hsframes rect{cursor:pointer;stroke:rgb(255,255,255);"
	    "stroke-width:0.5}"
	    ".hsframes g:hover rect{stroke:rgb(0,0,0)}"
	    ".hsunzoom,.hssearch{cursor:pointer}"
	    "</style>\n");
	if (!o->embed) {
		buf_addstr(out, "<script type=\"text/ecmascript\"><![CDATA[\n");
		buf_addstr(out, script);
		buf_addstr(out, "]]></script>\n");
	}
	buf_printf(out, "<rect x=\"0\" y=\"0\" width=\"100%%\" "
	    "height=\"%zu\" fill=\"rgb(248,248,240)\"/>\n"
	    "<text class=\"hstitle\" x=\"50.0000%%\" y=\"24.00\">", h);
	xml_escape(out, title, strlen(title));
	buf_addstr(out, "</text>\n");
	if (subtitle) {
		buf_addstr(out, "<text x=\"50.0000%\" y=\"40.00\" "
		    "style=\"text-anchor:middle\">");
		xml_escape(out, subtitle, strlen(subtitle));
		buf_addstr(out, "</text>\n");
	}
	buf_printf(out, "<text class=\"hsdetails\" x=\"10\" "
	    "y=\"%zu\"> </text>\n"
	    "<text class=\"hsunzoom\" x=\"10\" y=\"24.00\" style=\"opacity:0\">"
	    "Reset Zoom</text>\n"
	    "<text class=\"hssearch\" x=\"1090\" y=\"24.00\">Search</text>\n"
	    "<text class=\"hsmatched\" x=\"1090\" y=\"%zu\"> </text>\n"
	    "<svg class=\"hsframes\" x=\"%d\" width=\"%d\" "
	    "total_samples=\"%llu\">\n", h - 7, h - 7, FRAMES_X, FRAMES_W,
	    (unsigned long long)s->total);
	if (s->total == 0)
		buf_printf(out, "<text x=\"50%%\" y=\"%d\" "
		    "style=\"text-anchor:middle\">no samples</text>\n", TOP_Y + 11);
	/* the walk is the expensive part: not started on a failed buffer */
	if ((r = buf_error(out)) != 0)
		return r;
	if (s->total > 0 && (r = walk(&rd, STACKS_ROOT, 0, 0)) != 0)
		return r;
	buf_addstr(out, "</svg>\n</svg>\n");
	return buf_error(out);
}
