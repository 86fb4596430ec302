/* timeline.h -- the stall timeline: probe latency, loop interval, users, phases and triggers over time */
#ifndef TIMELINE_H
#define TIMELINE_H

#include "core/buf.h"
#include "record/record.h"
#include "record/rundata.h"

/*
 * report.html's "Stalls caught" section, first in the page: the timeline
 * SVG of the stall watch (the health probe's latency and the event-loop
 * interval against seconds since watch_start, the users on a second axis,
 * the phases shaded, each trigger a red marker linking to its part), the
 * table of triggers (skipped ones with why), and per captured trigger its
 * dumps and the differential flamegraph of its record against the
 * plateau's steady record ("during the stall, `X` took 80.0 % of samples
 * (own time), 3.0 % in the steady record"), or its plain flamegraph when
 * the plateau has no record. Returns 0 or the buffer's error.
 */
int	 timeline_html(struct buf *o, const struct rundata *rd,
	    const char *profile);

/* the timeline SVG alone (embedded in HTML: no XML prolog); 0 or the
 * buffer's error; nothing is appended without samples or triggers */
int	 timeline_svg(const struct run_record *rec, struct buf *o);

/* seconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.fff]Z"; NAN if not */
double	 timeline_iso_seconds(const char *iso);

#endif
