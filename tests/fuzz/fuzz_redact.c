/* fuzz_redact.c -- fuzz the redactor: it never reads out of bounds and a
 * registered secret never survives (needs src/redact.c src/buf.c src/hs.c) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "run/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "0123456789abcdefTOKEN"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redact r = REDACT_INIT;
	struct buf out = BUF_INIT(1u << 24);
	int flags;

	if (redact_add_secret(&r, SECRET) != 0)
		return 0;
	for (flags = 0; flags < 4; flags++) {
		buf_reset(&out);
		if (redact_text(&r, (const char *)data, size, flags, &out,
		    NULL) == 0 &&
		    memmem(out.data, out.len, SECRET, strlen(SECRET)) != NULL)
			abort();
	}
	buf_release(&out);
	redact_release(&r);
	return 0;
}
