/* fuzz_metrics.c -- fuzz the /hub/metrics parser and its JSON output
 * (needs src/metrics.c src/buf.c src/hs.c) */
#include <stddef.h>
#include <stdint.h>

#include "measure/metrics.h"
#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metrics_snapshot a = METRICS_SNAPSHOT_INIT;
	struct metrics_snapshot b = METRICS_SNAPSHOT_INIT;
	size_t half = size / 2;
	cJSON *j;

	if (metrics_parse((const char *)data, size, NULL, &a, NULL) == 0 &&
	    metrics_parse((const char *)data, half, "jupyterhub", &b,
	    NULL) == 0) {
		j = record_hub_metrics_json(&b, &a, 1.0);
		cJSON_Delete(j);
	}
	metrics_release(&a);
	metrics_release(&b);
	return 0;
}
