/* progress.h -- a spawn's progress event stream: the SSE reader, the timeline */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "measure/measure.h"

/*
 * GET /users/NAME/server/progress (named: /users/NAME/servers/SERVER/
 * progress) answers text/event-stream: events of "data: {json}" lines
 * ended by a blank line, JSON with "progress" (0-100), "message", and on
 * the last event "ready": true or "failed": true; a comment line (":")
 * every 8 s keeps the connection alive. The reader takes the body as
 * libcurl hands it (any split, lines ended by LF, CRLF or CR), and calls
 * back once per event whose data is a JSON object. Lines are capped
 * (PROGRESS_LINE_MAX): a longer line, data that is not a JSON object, an
 * event after the last: each counted in bad and skipped, never an end.
 */
#define PROGRESS_LINE_MAX	(16u << 10)

struct progress_event {
	int		 progress;	/* 0..100; -1: none or out of range */
	int		 ready, failed;
	const char	*message;	/* "" when none; valid in the callback */
};

typedef void progress_event_fn(void *arg, const struct progress_event *ev);

struct progress_sse {
	struct buf	 line;		/* the line being read */
	struct buf	 data;		/* the event's data lines */
	int		 skip_lf;	/* the last byte was CR */
	int		 overlong;	/* dropping the rest of a long line */
	int		 done;		/* the ready or failed event was read */
	uint64_t	 events;	/* events called back */
	uint64_t	 comments;	/* keepalives and other comments */
	uint64_t	 bad;		/* lines or events skipped */
};

void	 progress_sse_init(struct progress_sse *p);
/* reads n bytes of the body, calling fn for each event they end */
void	 progress_sse_feed(struct progress_sse *p, const char *s, size_t n,
	    progress_event_fn *fn, void *arg);
void	 progress_sse_free(struct progress_sse *p);

/*
 * One sampled spawn's timeline, times in microseconds on one clock
 * (0: not seen): the start request sent, its accepted answer (201/202),
 * the first progress event, the end (the ready or failed event), the
 * progress % of each event in order (at most PROGRESS_EVENTS_MAX kept,
 * nevents counts them all).
 */
#define PROGRESS_EVENTS_MAX	16

struct progress_timeline {
	int64_t		 t_sent, t_accepted, t_first, t_end;
	int		 ready, failed;
	unsigned	 nevents;
	int64_t		 t_ev[PROGRESS_EVENTS_MAX];
	int		 pct[PROGRESS_EVENTS_MAX];
};

/* records ev at time now; after the end, an event is ignored (returns -1) */
int	 progress_timeline_event(struct progress_timeline *t, int64_t now,
	    const struct progress_event *ev);

/*
 * A plateau's spawn phases over its sampled timelines, each a histogram
 * in microseconds of the spawns where both ends were seen: request ->
 * accepted, accepted -> first event, first event -> ready, request ->
 * ready (total). sampled counts the timelines added, failed those that
 * ended failed (their phases left out of ready and total).
 */
enum progress_phase { PP_ACCEPT, PP_FIRST, PP_READY, PP_TOTAL, PP_NPHASE };

struct progress_phases {
	uint64_t	 sampled, failed;
	struct hist	 h[PP_NPHASE];
};

void	 progress_phases_reset(struct progress_phases *pp);
void	 progress_phases_add(struct progress_phases *pp,
	    const struct progress_timeline *t);
const char *progress_phase_name(enum progress_phase ph);

#endif
