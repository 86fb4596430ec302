/* fuzz_progress.c -- fuzz the progress stream's SSE reader: the input fed
 * whole and again in pieces split where its first byte says; both readings
 * must agree */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load/progress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
count(void *arg, const struct progress_event *ev)
{
	uint64_t *n = arg;

	if (ev->progress < -1 || ev->progress > 100 || ev->message == NULL)
		abort();
	(void)strlen(ev->message);
	(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct progress_sse a, b;
	uint64_t na = 0, nb = 0;
	size_t i, k, step;

	step = size > 0 ? (size_t)data[0] % 17 + 1 : 1;
	progress_sse_init(&a);
	progress_sse_init(&b);
	progress_sse_feed(&a, (const char *)data, size, count, &na);
	for (i = 0; i < size; i += k) {
		k = size - i < step ? size - i : step;
		progress_sse_feed(&b, (const char *)data + i, k, count, &nb);
	}
	if (na != nb || a.events != b.events || a.bad != b.bad ||
	    a.done != b.done || a.comments != b.comments)
		abort();
	progress_sse_free(&a);
	progress_sse_free(&b);
	return 0;
}
