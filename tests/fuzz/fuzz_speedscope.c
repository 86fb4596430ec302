/* fuzz_speedscope.c -- fuzz the speedscope JSON reader (and write back) */
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "report/speedscope.h"
#include "report/stacks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct stacks s, back;
	struct buf o = BUF_INIT(64u << 20);

	if (stacks_init(&s) != 0)
		return 0;
	if (speedscope_read(&s, (const char *)data, size, 100, &eb) == 0 &&
	    speedscope_write(&s, 100, "fuzz", &o) == 0 &&
	    stacks_init(&back) == 0) {
		/* what we write, we read back whole */
		if (speedscope_read(&back, o.data, o.len, 100, &eb) != 0 ||
		    back.total != s.total || back.malformed != 0)
			__builtin_trap();
		stacks_release(&back);
	}
	buf_release(&o);
	stacks_release(&s);
	return 0;
}
