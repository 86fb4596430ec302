/* fuzz_stacks.c -- fuzz the raw collapsed-stack parser and everything that
 * reads its tree: top tables, flamegraph SVG, speedscope writer, diff */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "report/diff.h"
#include "report/flame.h"
#include "report/speedscope.h"
#include "report/stacks.h"
#include "report/toptable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stacks s, half;
	struct toptable t = TOPTABLE_INIT;
	struct flame_opts fo = FLAME_OPTS_INIT;
	struct diff d = DIFF_INIT;
	struct buf o = BUF_INIT(64u << 20);
	uint64_t sum = 0;
	size_t i;

	if (stacks_init(&s) != 0)
		return 0;
	if (stacks_init(&half) != 0) {
		stacks_release(&s);
		return 0;
	}
	stacks_parse_raw(&s, (const char *)data, size);
	stacks_parse_raw(&half, (const char *)data, size / 2);
	/* invariants: the root holds every sample; leaves sum to it */
	for (i = 0; i < s.nnodes; i++)
		sum += s.nodes[i].self;
	if (sum != s.total || s.nodes[STACKS_ROOT].total != s.total)
		__builtin_trap();
	if (toptable_build(&t, &s, (int)(size & 1), 100, 0,
	    (enum toptable_sort)(1 + size % 4)) == 0) {
		toptable_write_text(&t, &o, 0, 20);
		toptable_release(&t);
	}
	buf_reset(&o);
	flame_render(&s, &fo, &o);
	buf_reset(&o);
	speedscope_write(&s, 100, "fuzz", &o);
	buf_reset(&o);
	if (diff_build(&d, &half, &s) == 0) {
		diff_write_text(&d, &o, 10, 0.0, "a", "b");
		diff_release(&d);
	}
	buf_reset(&o);
	diff_render(&half, &s, "fuzz", 1, "x", &o);
	buf_release(&o);
	stacks_release(&half);
	stacks_release(&s);
	return 0;
}
