/* progress.h -- a spawn's progress event stream: the SSE reader, the timeline */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "load/hub.h"
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
 * Adds a sampled spawn's timeline to a plateau's phases (measure.h's
 * struct mphases): a timeline without its ready or failed event counts
 * as unfinished, its phases as far as they were seen.
 */
void	 progress_phases_add(struct mphases *pp,
	    const struct progress_timeline *t);

/*
 * The sample: progress streams of at most max spawns open at once, read
 * with the service token (hub_stream_open, class MC_PHASES). A spawn is
 * sampled when its start is accepted and a slot is free (the first spawns
 * of a ramp, then whichever is accepted as a stream ends: never more than
 * max open). Each stream ends by itself on the ready or failed event (the
 * hub closes it), at the bound timeout_ms, or when its spawn is dropped;
 * its timeline is then added to the hub's measure (measure.h's phases).
 */
struct progress_sampler;

/* max 0: nothing is ever sampled. Returns 0 or HS_ENOMEM; free with
 * progress_sampler_free(). h is borrowed and must outlive it. */
int	 progress_sampler_new(struct progress_sampler **sp, struct hub *h,
	    int max, int64_t timeout_ms);
/*
 * A start accepted at t_accepted (us, loop_now_us()'s clock), its accepted
 * attempt sent at t_sent: opens path's stream when a slot is free. key
 * names the spawn for progress_sampler_drop() (the user or the server).
 * Returns 1 sampled, 0 no slot free (or max 0), HS_ENOMEM or HS_EFAIL
 * (nothing opened; the spawn is not sampled).
 */
int	 progress_sample(struct progress_sampler *s, const char *path,
	    const void *key, int64_t t_sent, int64_t t_accepted);
/* the spawn's teardown: its stream, if still open, is closed and its
 * timeline added as it stands (unfinished) */
void	 progress_sampler_drop(struct progress_sampler *s, const void *key);
/* every stream still open closed, as progress_sampler_drop() */
void	 progress_sampler_drop_all(struct progress_sampler *s);
/* streams open now, and the most ever open at once */
size_t	 progress_sampler_open(const struct progress_sampler *s);
size_t	 progress_sampler_peak(const struct progress_sampler *s);
/* closes the streams still open without adding them anywhere */
void	 progress_sampler_free(struct progress_sampler *s);

#endif
