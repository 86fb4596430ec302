/* t_capture_pod.c -- unit tests for the hub pod's status */
#include <cjson/cJSON.h>

#include "capture/capture.h"
#include "unit.h"

UNIT_TEST(capture_pod_parse_fields)
{
	cJSON *j = cJSON_Parse("{\"status\": {\"phase\": \"Running\", "
	    "\"containerStatuses\": [{\"name\": \"hub\", \"restartCount\": 3, "
	    "\"lastState\": {\"terminated\": {\"reason\": \"OOMKilled\"}}}, "
	    "{\"name\": \"sidecar\"}, {\"restartCount\": \"x\"}]}}");
	struct capture_pod pod = CAPTURE_POD_INIT;

	CHECK(j != NULL);
	CHECK_INT(capture_pod_parse(j, &pod), 0);
	CHECK_STR(pod.phase, "Running");
	CHECK_INT(pod.ncontainers, 3);
	if (pod.ncontainers == 3) {
		CHECK_STR(pod.containers[0].name, "hub");
		CHECK_INT(pod.containers[0].restarts, 3);
		CHECK_STR(pod.containers[0].last_reason, "OOMKilled");
		CHECK_STR(pod.containers[1].name, "sidecar");
		CHECK_INT(pod.containers[1].restarts, 0);
		CHECK(pod.containers[1].last_reason == NULL);
		CHECK(pod.containers[2].name == NULL);
		CHECK_INT(pod.containers[2].restarts, 0);
	}
	capture_pod_release(&pod);
	CHECK(pod.phase == NULL && pod.containers == NULL);
	cJSON_Delete(j);

	/* no status at all */
	j = cJSON_Parse("{\"metadata\": {}}");
	CHECK_INT(capture_pod_parse(j, &pod), 0);
	CHECK(pod.phase == NULL);
	CHECK_INT(pod.ncontainers, 0);
	capture_pod_release(&pod);
	cJSON_Delete(j);
}
