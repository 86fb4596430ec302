/* fuzz_profile.c -- fuzz the profile loader, --set and the plan
 * (needs src/profile.c src/file.c src/buf.c src/hs.c) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct profile p;
	struct profile_plan plan;
	const char *sets[] = { "plateaus.max_step=7" };
	char *text;
	cJSON *j;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (profile_load_text(&p, "f.json", text, size, sets, size & 1,
	    &eb) == 0) {
		profile_plan(&p, &plan);
		cJSON_Delete(profile_plan_to_json(&plan));
		if ((j = profile_to_json(&p)) == NULL)
			abort();
		cJSON_Delete(j);
	}
	profile_release(&p);
	free(text);
	return 0;
}
