/* diff.c -- differences between two captures: movers table, diff flamegraph */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/diff.h"
#include "report/flame.h"
#include "report/toptable.h"

static int
cmp_mover(const void *pa, const void *pb)
{
	const struct diff_mover *a = pa, *b = pb;
	double da = fabs(a->b_pct - a->a_pct), db = fabs(b->b_pct - b->a_pct);

	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->label, b->label);
}

static double
pct(uint64_t v, uint64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0;
}

/* adds the rows of t (from stacks s) into the movers, side 0 = A, 1 = B */
static int
add_side(struct diff *d, size_t *cap, const struct toptable *t,
    const struct stacks *s, int side)
{
	const struct toptable_row *row;
	struct diff_mover *m;
	size_t i, j;

	for (i = 0; i < t->nrows; i++) {
		row = &t->rows[i];
		m = NULL;
		if (side == 1)
			for (j = 0; j < d->nmovers; j++)
				if (strcmp(d->movers[j].label, row->label) == 0) {
					m = &d->movers[j];
					break;
				}
		if (m == NULL) {
			if (d->nmovers == *cap) {
				size_t nc = *cap ? *cap * 2 : 64;

				if ((m = reallocarray(d->movers, nc,
				    sizeof(*m))) == NULL)
					return HS_ENOMEM;
				d->movers = m;
				*cap = nc;
			}
			m = &d->movers[d->nmovers];
			memset(m, 0, sizeof(*m));
			if ((m->label = strdup(row->label)) == NULL)
				return HS_ENOMEM;
			d->nmovers++;
		}
		if (side == 0) {
			m->a_pct = pct(row->total, s->total);
			m->a_own = pct(row->own, s->total);
		} else {
			m->b_pct = pct(row->total, s->total);
			m->b_own = pct(row->own, s->total);
		}
	}
	return 0;
}

int
diff_build(struct diff *d, const struct stacks *a, const struct stacks *b)
{
	struct toptable ta = TOPTABLE_INIT, tb = TOPTABLE_INIT;
	size_t cap = 0, i;
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = toptable_build(&ta, a, 0, 0, 0, TOPTABLE_TOTAL)) != 0 ||
	    (r = toptable_build(&tb, b, 0, 0, 0, TOPTABLE_TOTAL)) != 0 ||
	    (r = add_side(d, &cap, &ta, a, 0)) != 0 ||
	    (r = add_side(d, &cap, &tb, b, 1)) != 0)
		goto out;
	if (d->nmovers > 1)
		qsort(d->movers, d->nmovers, sizeof(*d->movers), cmp_mover);
	for (i = 0; i < d->nmovers; i++)
		if (d->movers[i].b_own - d->movers[i].a_own >
		    d->movers[d->headline].b_own - d->movers[d->headline].a_own)
			d->headline = i;
	r = 0;
out:
	toptable_release(&ta);
	toptable_release(&tb);
	if (r != 0)
		diff_release(d);
	return r;
}

void
diff_release(struct diff *d)
{
	size_t i;

	for (i = 0; i < d->nmovers; i++)
		free(d->movers[i].label);
	free(d->movers);
	d->movers = NULL;
	d->nmovers = 0;
}

void
diff_sentence(const struct diff_mover *m, const char *la, const char *lb,
    char *dst, size_t n)
{
	const char *name, *file;
	size_t nl, fl;
	int line;

	stacks_split(m->label, strlen(m->label), &name, &nl, &file, &fl, &line);
	snprintf(dst, n, "`%.*s` from %.1f %% to %.1f %% of samples between "
	    "%s and %s (own time: %.1f %% to %.1f %%)", (int)nl, name, m->a_pct,
	    m->b_pct, la, lb, m->a_own, m->b_own);
}

int
diff_write_text(const struct diff *d, struct buf *out, size_t max,
    double min_pct, const char *la, const char *lb)
{
	char line[1024];
	size_t i, shown = 0;

	if (d->nmovers == 0 || fabs(d->movers[0].b_pct - d->movers[0].a_pct) <
	    min_pct) {
		buf_printf(out, "no function moved by %.1f points or more "
		    "between %s and %s\n", min_pct, la, lb);
		return buf_error(out);
	}
	diff_sentence(&d->movers[d->headline], la, lb, line, sizeof(line));
	buf_printf(out, "%s\n\n  %%Total A  %%Total B    change    "
	    "%%Own A    %%Own B  Function (filename)\n", line);
	for (i = 0; i < d->nmovers && (max == 0 || shown < max); i++) {
		const struct diff_mover *m = &d->movers[i];

		if (fabs(m->b_pct - m->a_pct) < min_pct)
			break;
		buf_printf(out, "  %7.2f%% %7.2f%% %+8.2f  %7.2f%% %7.2f%%  %s\n",
		    m->a_pct, m->b_pct, m->b_pct - m->a_pct, m->a_own, m->b_own,
		    m->label);
		shown++;
	}
	return buf_error(out);
}

/* differential colouring: B's node -> A's node, and the share change */
struct dcol {
	const struct stacks	*a, *b;
	uint32_t		*map;		/* B node -> A node, UINT32_MAX none */
	double			 maxd;
};

static double
delta(const struct dcol *dc, uint32_t node, double *pa, double *pb)
{
	uint32_t an = dc->map[node];

	*pb = pct(dc->b->nodes[node].total, dc->b->total);
	*pa = an == UINT32_MAX ? 0 : pct(dc->a->nodes[an].total, dc->a->total);
	return *pb - *pa;
}

static void
dcolor(void *arg, const struct stacks *s, uint32_t node, unsigned char rgb[3],
    char *note, size_t notesz)
{
	const struct dcol *dc = arg;
	double pa, pb, dd = delta(dc, node, &pa, &pb);
	double t = dc->maxd > 0 ? fabs(dd) / dc->maxd : 0;
	unsigned char fade;

	if (t > 1)
		t = 1;
	fade = (unsigned char)(245 - 200 * t);
	if (dd > 0.005) {
		rgb[0] = 255, rgb[1] = fade, rgb[2] = fade;
	} else if (dd < -0.005) {
		rgb[0] = fade, rgb[1] = fade, rgb[2] = 255;
	} else
		rgb[0] = rgb[1] = rgb[2] = 240;
	snprintf(note, notesz, "%.2f %% before, %.2f %% after (%+.2f points)",
	    pa, pb, dd);
}

int
diff_render(const struct stacks *a, const struct stacks *b, const char *title,
    int embed, const char *id, struct buf *out)
{
	struct flame_opts o = FLAME_OPTS_INIT;
	struct dcol dc = { a, b, NULL, 0 };
	double pa, pb, dd;
	size_t i;
	int64_t an;
	uint32_t p;
	int r;

	if ((dc.map = calloc(b->nnodes ? b->nnodes : 1, sizeof(*dc.map))) == NULL)
		return HS_ENOMEM;
	/* parents are created before their children: one pass in id order */
	dc.map[STACKS_ROOT] = STACKS_ROOT;
	for (i = 1; i < b->nnodes; i++) {
		const struct stacks_name *nm = &b->names[b->nodes[i].name];

		dc.map[i] = UINT32_MAX;
		p = dc.map[b->nodes[i].parent];
		if (p == UINT32_MAX)
			continue;
		if ((an = stacks_find_name(a, nm->text, nm->len)) < 0)
			continue;
		if ((p = stacks_child(a, p, (uint32_t)an)) != 0)
			dc.map[i] = p;
	}
	for (i = 1; i < b->nnodes; i++) {
		dd = fabs(delta(&dc, (uint32_t)i, &pa, &pb));
		if (dd > dc.maxd)
			dc.maxd = dd;
	}
	o.title = title;
	o.subtitle = "red: larger share of samples than before, blue: smaller; "
	    "normalised by total samples";
	o.embed = embed;
	o.id = id;
	o.color = dcolor;
	o.color_arg = &dc;
	r = flame_render(b, &o, out);
	free(dc.map);
	return r;
}
