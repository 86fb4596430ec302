/* t_timeline.c -- unit tests for the stall timeline SVG */
#include <math.h>
#include <string.h>

#include "core/buf.h"
#include "record/record.h"
#include "report/timeline.h"
#include "unit.h"

UNIT_TEST(timeline_iso_seconds_forms)
{
	CHECK(timeline_iso_seconds("1970-01-01T00:01:00Z") == 60);
	CHECK(fabs(timeline_iso_seconds("1970-01-01T00:01:00.250Z") - 60.25) <
	    1e-9);
	CHECK(isnan(timeline_iso_seconds("yesterday")));
	CHECK(isnan(timeline_iso_seconds(NULL)));
}

UNIT_TEST(timeline_svg_markers)
{
	struct run_record rec;
	struct record_trigger t = RECORD_TRIGGER_INIT;
	struct record_sample s = { 0, 0.01, NAN, 5, 0 };
	struct buf b = BUF_INIT(1u << 20);
	int i;

	record_init(&rec);
	/* nothing to draw: nothing appended */
	CHECK_INT(timeline_svg(&rec, &b), 0);
	CHECK_INT(b.len, 0);
	CHECK_INT(record_set_str(&rec.watch_start,
	    "2026-01-01T00:00:00.000Z"), 0);
	CHECK_INT(record_add_phase(&rec, "hold", 5, "2026-01-01T00:00:02Z",
	    "2026-01-01T00:00:08Z", 6), 0);
	for (i = 0; i < 10; i++) {
		s.t = i;
		s.probe_seconds = i == 4 ? 3.5 : 0.01;
		s.failed = i == 7;
		CHECK_INT(record_add_sample(&rec, &s), 0);
	}
	t.source = (char *)"probe";
	t.value = 1.1;
	t.threshold = 1;
	t.t = 5.1;
	t.at = (char *)"2026-01-01T00:00:05.100Z";
	t.dir = (char *)"triggers/01";
	CHECK_INT(record_add_trigger(&rec, &t, NULL), 0);
	t.dir = NULL;
	t.skipped = (char *)"a capture was running";
	t.t = 8;
	CHECK_INT(record_add_trigger(&rec, &t, NULL), 0);
	CHECK_INT(timeline_svg(&rec, &b), 0);
	CHECK(b.len > 0 && strncmp(b.data, "<svg ", 5) == 0);
	/* a captured trigger links to its part, a skipped one does not */
	CHECK(strstr(b.data, "<a href=\"#trigger-1\">") != NULL);
	CHECK(strstr(b.data, "#trigger-2") == NULL);
	CHECK(strstr(b.data, "skipped: a capture was running") != NULL);
	/* the hold is shaded, the probe drawn, the failed probe marked */
	CHECK(strstr(b.data, "<title>hold 5 users</title>") != NULL);
	CHECK(strstr(b.data, "class=\"probe\"") != NULL);
	CHECK(strstr(b.data, "<title>no answer</title>") != NULL);
	CHECK(strstr(b.data, "class=\"loop\"") == NULL);	/* no readings */
	buf_release(&b);
	record_release(&rec);
}
