/* cmd_stacks.c -- `hubspy stacks` (hidden): a capture as parsed, for tests */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "cli/cmd.h"
#include "report/flame.h"
#include "report/speedscope.h"
#include "report/stacks.h"
#include "report/toptable.h"

/*
 * Prints what the parser made of a raw or speedscope capture: the counts,
 * every distinct frame with its kind, function key and line, and the merged
 * tree folded back into sorted "FRAME;FRAME COUNT" lines (self counts).
 * The golden tests (tests/golden) compare this output; --top prints the
 * top table instead, --svg the flamegraph, --speedscope-out the JSON.
 */

struct stacks_options {
	int	speedscope, top, by_line, sort, svg, speedscope_out;
};

#define O(kind, m) OPT_BIND(struct stacks_options, kind, m)
static const struct opt stacks_opts[] = {
	{ "speedscope", 0, O(OPT_FLAG, speedscope), NULL, 0, 0, NULL,
	  "FILE is speedscope JSON, not raw", NULL, 0 },
	{ "top", 0, O(OPT_FLAG, top), NULL, 0, 0, NULL, "print the top table",
	  NULL, 0 },
	{ "by-line", 0, O(OPT_FLAG, by_line), NULL, 0, 0, NULL,
	  "with --top: one row per line, not per function", NULL, 0 },
	{ "sort", 0, O(OPT_NUM, sort), "K", 1, 4, "3",
	  "with --top: py-spy's sort key (1 %Own, 2 %Total, 3 OwnTime, "
	  "4 TotalTime)", NULL, 0 },
	{ "svg", 0, O(OPT_FLAG, svg), NULL, 0, 0, NULL,
	  "print the flamegraph SVG", NULL, 0 },
	{ "speedscope-out", 0, O(OPT_FLAG, speedscope_out), NULL, 0, 0, NULL,
	  "print the capture as speedscope JSON", NULL, 0 },
	OPT_END
};
#undef O
static const struct opt_group stacks_groups[] = {
	{ stacks_opts, 0 }, OPT_GROUP_END
};

static const char *const kinds[] = { "py", "native", "thread", "process",
	"other" };

static int
fold(const struct stacks *s, uint32_t node, struct buf *path, struct buf *o)
{
	uint32_t *kids = NULL;
	ssize_t n, i;
	size_t keep = path->len;
	int r = 0;

	if (node != STACKS_ROOT) {
		const struct stacks_name *nm = &s->names[s->nodes[node].name];

		if (keep > 0)
			buf_addch(path, ';');
		buf_add(path, nm->text, nm->len);
		if (s->nodes[node].self > 0)
			buf_printf(o, "%s %llu\n", path->data,
			    (unsigned long long)s->nodes[node].self);
		/* one check per node: the tree can have millions */
		if ((r = buf_error(path)) != 0 || (r = buf_error(o)) != 0)
			return r;
	}
	if ((n = stacks_children_sorted(s, node, &kids)) < 0)
		return HS_ENOMEM;
	for (i = 0; i < n && r == 0; i++)
		r = fold(s, kids[i], path, o);
	free(kids);
	path->len = keep;
	path->data[keep] = '\0';
	return r;
}

static int
cmp_name(const void *a, const void *b, void *arg)
{
	const struct stacks *s = arg;

	return strcmp(s->names[*(const uint32_t *)a].text,
	    s->names[*(const uint32_t *)b].text);
}

static int
describe(const struct stacks *s, struct buf *o)
{
	struct buf path = BUF_INIT(1u << 24);
	uint32_t *ids;
	size_t i;
	int r;

	buf_printf(o, "lines %zu\nmalformed %zu\nfirst_bad %zu\nsamples %llu\n"
	    "nodes %zu\nnames %zu\n\n", s->lines, s->malformed, s->first_bad,
	    (unsigned long long)s->total, s->nnodes - 1, s->nnames);
	if ((ids = calloc(s->nnames + 1, sizeof(*ids))) == NULL)
		return HS_ENOMEM;
	for (i = 0; i < s->nnames; i++)
		ids[i] = (uint32_t)i;
	qsort_r(ids, s->nnames, sizeof(*ids), cmp_name, (void *)s);
	for (i = 0; i < s->nnames; i++) {
		const struct stacks_name *nm = &s->names[ids[i]];

		buf_printf(o, "%-7s line %-5d func %s | %s\n", kinds[nm->kind],
		    nm->line, s->names[nm->func].text, nm->text);
	}
	free(ids);
	buf_addch(o, '\n');
	/* the tree is walked only into a buffer still good */
	if ((r = buf_error(o)) == 0)
		r = fold(s, STACKS_ROOT, &path, o);
	buf_release(&path);
	return r;
}

static int
stacks_exec(struct args *a)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	const struct stacks_options *so = a->opts;
	struct stacks s = STACKS_INIT;
	struct buf o = BUF_INIT(1u << 30);
	struct toptable t = TOPTABLE_INIT;
	struct flame_opts fo = FLAME_OPTS_INIT;
	struct buf in = BUF_INIT(256u << 20);
	int r;

	if ((r = stacks_init(&s)) != 0) {
		hs_error(&eb, r, "out of memory");
		goto out;
	}
	if (so->speedscope) {
		if ((r = file_read(a->pos[0], &in, &eb)) != 0 ||
		    (r = speedscope_read(&s, in.data, in.len, 100, &eb)) != 0)
			goto out;
	} else if ((r = stacks_load_raw_file(&s, a->pos[0], &eb)) != 0)
		goto out;
	if (so->top) {
		if ((r = toptable_build(&t, &s, so->by_line, 100, 0,
		    (enum toptable_sort)so->sort)) == 0)
			r = toptable_write_text(&t, &o, 0, 0);
	} else if (so->svg) {
		fo.title = a->pos[0];
		r = flame_render(&s, &fo, &o);
	} else if (so->speedscope_out)
		r = speedscope_write(&s, 100, a->pos[0], &o);
	else
		r = describe(&s, &o);
	if (r != 0) {
		hs_error(&eb, r, "out of memory");
		goto out;
	}
	fwrite(o.data, 1, o.len, stdout);
out:
	buf_release(&in);
	toptable_release(&t);
	buf_release(&o);
	stacks_release(&s);
	return r == 0 ? 0 : cmd_fail(&eb);
}

const struct cmd cmd_stacks = {
	"stacks", "[OPTIONS] FILE",
	"show how a py-spy capture parses (for tests)",
	"Prints the parsed capture: counts, frames and the merged tree.",
	stacks_groups, sizeof(struct stacks_options), 1, 1, stacks_exec, 1
};
