/* t_capture.c -- unit tests for capture/capture.c's parsers */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "capture/capture.h"
#include "unit.h"

UNIT_TEST(capture_top_frame_last_complete)
{
	static const char screen[] =
	    "\n\n\n\x1b[H\r\x1b[2KCollecting samples from 'x' (python v3.11.2)\n"
	    "\r\x1b[2KTotal Samples 10\n\r\x1b[2K\n\r\x1b[2K\n"
	    "\r\x1b[2KPress Control-C to quit, or ? for help.\n"
	    "\x1b[H\r\x1b[2KCollecting samples from 'x' (python v3.11.2)\n"
	    "\r\x1b[2KTotal Samples 100\n"
	    "\r\x1b[2K\x1b[1m  %Own \x1b[0m  Function (filename)   \n"
	    "\r\x1b[2K\n\r\x1b[2K\n\r\x1b[2K\n"
	    "\r\x1b[2KPress Control-C to quit, or ? for help.\n"
	    "\x1b[H\r\x1b[2KCollecting samples from 'x' (python v3.11.2)\n"
	    "\r\x1b[2KTotal Samples 150\n";	/* cut by Ctrl-C */
	char *f = capture_top_frame(screen, sizeof(screen) - 1);

	CHECK_STR(f, "Collecting samples from 'x' (python v3.11.2)\n"
	    "Total Samples 100\n  %Own   Function (filename)\n\n"
	    "Press Control-C to quit, or ? for help.\n");
	free(f);
	CHECK(capture_top_frame("no frame", 8) == NULL);
}

UNIT_TEST(capture_raw_samples_sum)
{
	static const char raw[] =
	    "<module> (app.py:14);main (app.py:9);busy (app.py:3) 412\n"
	    "process 1:\"python a b\";thread (8): Main;x (y.py:1) 37\n"
	    "broken line without count\n";

	CHECK_INT(capture_raw_samples(raw, sizeof(raw) - 1), 449);
	CHECK_INT(capture_raw_samples("", 0), 0);
}

UNIT_TEST(capture_stuck_threads)
{
	static const char d1[] = "[{\"thread_id\": 1, \"os_thread_id\": 7, "
	    "\"thread_name\": \"MainThread\", \"active\": true, \"frames\": "
	    "[{\"name\": \"spin\", \"short_filename\": \"jupyterhub/app.py\", "
	    "\"line\": 42}, {\"name\": \"<module>\", \"short_filename\": "
	    "\"x.py\", \"line\": 1}]}, {\"thread_id\": 2, \"os_thread_id\": 8, "
	    "\"thread_name\": \"w\", \"active\": false, \"frames\": [{\"name\": "
	    "\"select\", \"short_filename\": \"selectors.py\", \"line\": 468}]},"
	    " {\"thread_id\": 3, \"os_thread_id\": 9, \"thread_name\": null, "
	    "\"active\": true, \"frames\": [{\"name\": \"a\", "
	    "\"short_filename\": \"b.py\", \"line\": 1}]}]";
	static const char d2[] = "[{\"thread_id\": 1, \"os_thread_id\": 7, "
	    "\"thread_name\": \"MainThread\", \"active\": true, \"frames\": "
	    "[{\"name\": \"spin\", \"short_filename\": \"jupyterhub/app.py\", "
	    "\"line\": 42}, {\"name\": \"<module>\", \"short_filename\": "
	    "\"x.py\", \"line\": 1}]}, {\"thread_id\": 2, \"os_thread_id\": 8, "
	    "\"thread_name\": \"w\", \"active\": false, \"frames\": [{\"name\": "
	    "\"select\", \"short_filename\": \"selectors.py\", \"line\": 468}]},"
	    " {\"thread_id\": 3, \"os_thread_id\": 9, \"thread_name\": null, "
	    "\"active\": true, \"frames\": [{\"name\": \"a\", "
	    "\"short_filename\": \"b.py\", \"line\": 2}]}]";
	const char *js[] = { d1, d2 };
	char *rep;
	int n = -1;

	rep = capture_stuck(js, 2, 4.0, &n);
	CHECK_INT(n, 1);
	CHECK(rep && strstr(rep, "Thread 7 \"MainThread\" stuck for at least "
	    "4.0 s in spin (jupyterhub/app.py:42)\n") != NULL);
	CHECK(rep && strstr(rep, "1 threads stuck, 1 idle threads") != NULL);
	free(rep);
	rep = capture_stuck(js, 1, 0, &n);
	CHECK_INT(n, 0);
	CHECK(rep && strstr(rep, "at least 2 dumps") != NULL);
	free(rep);
}

/* the hub pod's status (capture_pod_parse) */
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
