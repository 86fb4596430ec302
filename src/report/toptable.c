/* toptable.c -- py-spy `top` tables (own and total time) from a call tree */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/toptable.h"

/*
 * One walk of the merged tree: own(f) adds each node's self; total(f) adds
 * a node's subtree total only when no ancestor has the same key, so a
 * recursive function counts each sample once (pyspy.md §8.7).
 */
struct walk {
	const struct stacks	*s;
	int			 by_line;
	uint64_t		*own, *total;
	uint32_t		*onstack;
};

static void
walk(struct walk *w, uint32_t node, size_t depth)
{
	const struct stacks_node *n = &w->s->nodes[node];
	const struct stacks_name *nm;
	uint32_t key = 0, c;
	int counted = 0;

	if (node != STACKS_ROOT) {
		nm = &w->s->names[n->name];
		if (nm->kind != STACKS_THREAD && nm->kind != STACKS_PROCESS) {
			key = w->by_line ? n->name : nm->func;
			w->own[key] += n->self;
			if (w->onstack[key]++ == 0)
				w->total[key] += n->total;
			counted = 1;
		}
	}
	for (c = n->child; c != 0; c = w->s->nodes[c].sibling)
		walk(w, c, depth + 1);
	if (counted)
		w->onstack[key]--;
}

static enum toptable_sort sort_key;

static int
cmp_row(const void *pa, const void *pb)
{
	const struct toptable_row *a = pa, *b = pb;
	uint64_t va, vb;

	switch (sort_key) {
	case TOPTABLE_TOTAL_PCT:
	case TOPTABLE_TOTAL:
		va = a->total, vb = b->total;
		break;
	default:
		va = a->own, vb = b->own;
		break;
	}
	if (va != vb)
		return va < vb ? 1 : -1;
	/* py-spy leaves ties in arbitrary order; the other column, then the
	 * label keep ours stable */
	if (sort_key == TOPTABLE_TOTAL || sort_key == TOPTABLE_TOTAL_PCT) {
		if (a->own != b->own)
			return a->own < b->own ? 1 : -1;
	} else if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	return strcmp(a->label, b->label);
}

void
toptable_sort(struct toptable *t, enum toptable_sort sort)
{
	sort_key = sort;
	qsort(t->rows, t->nrows, sizeof(*t->rows), cmp_row);
}

int
toptable_build(struct toptable *t, const struct stacks *s, int by_line,
    double rate, double ticks, enum toptable_sort sort)
{
	struct walk w = { s, by_line, NULL, NULL, NULL };
	size_t i, n = 0;
	int r = HS_ENOMEM;

	memset(t, 0, sizeof(*t));
	t->rate = rate > 0 ? rate : 100.0;
	t->ticks = ticks > 0 ? ticks : (double)s->total;
	t->by_line = by_line;
	w.own = calloc(s->nnames + 1, sizeof(*w.own));
	w.total = calloc(s->nnames + 1, sizeof(*w.total));
	w.onstack = calloc(s->nnames + 1, sizeof(*w.onstack));
	if (w.own == NULL || w.total == NULL || w.onstack == NULL)
		goto out;
	if (s->nnodes > 0)
		walk(&w, STACKS_ROOT, 0);
	for (i = 0; i < s->nnames; i++)
		if (w.total[i] > 0 || w.own[i] > 0)
			n++;
	if ((t->rows = calloc(n ? n : 1, sizeof(*t->rows))) == NULL)
		goto out;
	for (i = 0; i < s->nnames; i++) {
		if (w.total[i] == 0 && w.own[i] == 0)
			continue;
		t->rows[t->nrows].label = s->names[i].text;
		t->rows[t->nrows].own = w.own[i];
		t->rows[t->nrows].total = w.total[i];
		t->nrows++;
	}
	toptable_sort(t, sort);
	r = 0;
out:
	free(w.own);
	free(w.total);
	free(w.onstack);
	return r;
}

void
toptable_release(struct toptable *t)
{
	free(t->rows);
	t->rows = NULL;
	t->nrows = 0;
}

void
toptable_fmt_pct(char *dst, size_t n, double pct)
{
	snprintf(dst, n, "%6.2f%%", pct);
}

void
toptable_fmt_time(char *dst, size_t n, double v)
{
	/* py-spy's display_time(): 0/1/2/3 decimals */
	if (v > 1000.0)
		snprintf(dst, n, "%.0f", v);
	else if (v >= 100.0)
		snprintf(dst, n, "%.1f", v);
	else if (v >= 1.0)
		snprintf(dst, n, "%.2f", v);
	else
		snprintf(dst, n, "%.3f", v);
}

int
toptable_write_text(const struct toptable *t, struct buf *out, size_t max_rows,
    size_t width)
{
	char po[32], pt[32], to[32], tt[32];
	const struct toptable_row *row;
	size_t i;

	buf_printf(out, "  %%Own   %%Total  OwnTime  TotalTime  "
	    "Function (filename%s)\n", t->by_line ? ":line" : "");
	for (i = 0; i < t->nrows && (max_rows == 0 || i < max_rows); i++) {
		row = &t->rows[i];
		toptable_fmt_pct(po, sizeof(po), t->ticks > 0 ?
		    100.0 * (double)row->own / t->ticks : 0);
		toptable_fmt_pct(pt, sizeof(pt), t->ticks > 0 ?
		    100.0 * (double)row->total / t->ticks : 0);
		toptable_fmt_time(to, sizeof(to), (double)row->own / t->rate);
		toptable_fmt_time(tt, sizeof(tt), (double)row->total / t->rate);
		buf_printf(out, "%s %s %7ss %8ss   %.*s\n", po, pt, to, tt,
		    width ? (int)width : (int)strlen(row->label), row->label);
	}
	return buf_error(out);
}
