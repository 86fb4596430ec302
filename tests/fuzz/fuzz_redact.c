/* fuzz_redact.c -- fuzz the redactor: it never reads out of bounds, a
 * registered secret never survives, in text or in py-spy's dumps (text and
 * JSON), and what it learned from a file is gone from the redacted file
 * (needs src/run/redact.c src/core/buf.c src/core/hs.c src/core/xml.c) */
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
	static const char *const names[] = { "x.txt", "dump-1.txt",
		"dump-1.json" };
	struct redact r = REDACT_INIT;
	struct buf out = BUF_INIT(1u << 24);
	size_t k;
	int flags;

	if (redact_add_secret(&r, SECRET) != 0)
		return 0;
	for (k = 0; k < 3; k++)
		for (flags = 0; flags < 4; flags++) {
			buf_reset(&out);
			if (redact_file(&r, names[k], (const char *)data, size,
			    flags, &out, NULL) == 0 &&
			    memmem(out.data, out.len, SECRET, strlen(SECRET)) !=
			    NULL)
				abort();
		}
	/* what the structural pass removed is registered, then searched */
	if (redact_learn(&r, "dump-1.json", (const char *)data, size, 0) == 0) {
		buf_reset(&out);
		if (redact_file(&r, "dump-1.json", (const char *)data, size, 0,
		    &out, NULL) == 0)
			(void)redact_sweep(&r, out.data, out.len, NULL);
	}
	buf_release(&out);
	redact_release(&r);
	return 0;
}
