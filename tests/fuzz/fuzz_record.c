/* fuzz_record.c -- fuzz the manifest reader: whatever it accepts is written
 * back and read again to the same JSON, and every renderer's row is
 * computed (needs src/record/record.c, src/measure/ and src/core/hs.c) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
print(const struct run_record *rec)
{
	cJSON *j = record_to_json(rec);
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;

	cJSON_Delete(j);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct run_record a, b;
	struct record_row w;
	char *ja = NULL, *jb = NULL;
	size_t i;

	if (record_from_json(&a, (const char *)data, size, &eb) == 0) {
		/* an accepted manifest is readable by every renderer ... */
		for (i = 0; i < a.nplateaus; i++)
			record_row(&a.plateaus[i], &w);
		(void)record_usage_mib(&a.after_purge);
		(void)record_rate(&a);
		/* ... and survives its own writer: once written, reading and
		 * writing again changes nothing (the first write may round a
		 * number: cJSON prints 15 digits when they read back close
		 * enough) */
		if ((ja = print(&a)) == NULL)
			abort();
		if (record_from_json(&b, ja, strlen(ja), &eb) != 0)
			abort();
		free(ja);
		if ((ja = print(&b)) == NULL)
			abort();
		record_release(&b);
		if (record_from_json(&b, ja, strlen(ja), &eb) != 0)
			abort();
		if ((jb = print(&b)) == NULL || strcmp(ja, jb) != 0)
			abort();
		record_release(&b);
	} else if (eb.msg[0] == '\0' || strchr(eb.msg, '\n') != NULL)
		abort();	/* one line, always */
	record_release(&a);
	free(ja);
	free(jb);
	return 0;
}
