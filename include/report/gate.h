/* gate.h -- the regression gate: bounds on the figures of two runs,
 * matched plateau by plateau, each held or broken */
#ifndef GATE_H
#define GATE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/hs.h"
#include "record/rundata.h"

/*
 * A bound is FIGURE[@USERS] OP VALUE[UNIT] (docs/report.md, "The gate"),
 * and says when the gate FAILS: `start.p99>+20%` is broken when NEW's p99
 * of the start requests is more than 20 % above OLD's.
 *   VALUE without a sign   an absolute bound on NEW ("event_loop.p99>0.5s")
 *   +N / -N with the unit  a change from OLD to NEW ("probe.p99>+50ms")
 *   +N% / -N%              a change relative to OLD ("hub_cpu>+10%")
 *   +Npp / -Npp            a change in percentage points, for the figures
 *                          that are percentages ("function:f>+5pp")
 * OP is >, >=, < or <=. Plateaus are matched by user count: every plateau
 * both runs have, or only USERS.
 */
enum gate_fig {
	GATE_LATENCY,	/* CLASS.pQ: a request class's latency, s */
	GATE_SPAWN,	/* spawn.pQ: start request to ready, s */
	GATE_LOOP,	/* event_loop.pQ: the hub's event-loop interval, s */
	GATE_CPU,	/* hub_cpu: %% of one core */
	GATE_RSS,	/* hub_rss: MiB */
	GATE_ERRORS,	/* errors: every status but 2xx and 429 */
	GATE_429,	/* throttled: 429 answers */
	GATE_FAILED,	/* failed: servers that failed to start */
	GATE_RPS,	/* rps: requests per second during the hold */
	GATE_RAMP,	/* ramp: seconds to reach the plateau */
	GATE_FUNCTION,	/* function:NAME: %% of samples with NAME on the stack */
};

enum gate_mode {
	GATE_ABSOLUTE,	/* NEW OP bound */
	GATE_CHANGE,	/* NEW - OLD OP bound */
	GATE_RELATIVE,	/* (NEW - OLD) / OLD * 100 OP bound */
};

enum gate_op { GATE_GT, GATE_GE, GATE_LT, GATE_LE };

struct gate_bound {
	char		 expr[256];	/* as given */
	char		 figure[224];	/* "start.p99", "function:hash_token" */
	enum gate_fig	 fig;
	char		 cls[16];	/* GATE_LATENCY: the request class */
	double		 q;		/* quantile: 0.5, 0.9, 0.99, 1 (max) */
	char		 func[200];	/* GATE_FUNCTION */
	long		 users;		/* -1: every plateau both runs have */
	enum gate_op	 op;
	enum gate_mode	 mode;
	double		 bound;		/* in the figure's unit (s, %, MiB...);
					 * GATE_RELATIVE: per cent */
};

/* parses expr into b. HS_EUSAGE with one line naming the expression and
 * what is wrong: an unknown figure, a bad or missing unit, a bad number,
 * no operator. */
int	gate_parse(struct gate_bound *b, const char *expr,
	    struct hs_errbuf *eb);

enum gate_state { GATE_HELD, GATE_BROKEN, GATE_MISSING };

/* one bound at one plateau */
struct gate_check {
	const struct gate_bound	*b;
	long			 users;
	double			 old, new;	/* NAN: the run lacks it */
	double			 value;		/* what was compared */
	enum gate_state		 state;
};

struct gate_result {
	const char		*old_where, *new_where;	/* borrowed */
	struct gate_check	*checks;	/* bound by bound, plateaus
						 * ascending */
	size_t			 nchecks, broken, missing;
};
#define GATE_RESULT_INIT { NULL, NULL, NULL, 0, 0, 0 }

/*
 * Evaluates nb bounds on OLD and NEW at every plateau both have (users >=
 * 0: that plateau only). A figure one run lacks at a plateau is a
 * GATE_MISSING check, neither held nor broken. Returns 0 (then res->broken
 * says whether the gate failed), HS_EUSAGE with one line (no plateau in
 * common; a bound's or users' plateau missing from a run; a bound with no
 * value at any plateau: nothing to gate), HS_ENOMEM, or a capture's read
 * error. Release res with gate_result_release() in every case.
 */
int	gate_eval(const struct gate_bound *b, size_t nb,
	    const struct rundata *old, const struct rundata *new, long users,
	    struct gate_result *res, struct hs_errbuf *eb);
void	gate_result_release(struct gate_result *res);

/* one check for a person: "start.p50>+50% at 5 users: 52.0 ms -> 1.56 s
 * (+2900.0 %)" */
void	gate_fmt(const struct gate_check *c, char *dst, size_t n);
/* the result for a person: a headline, then one line per check ("broken
 * start.p50>+50% at 5 users: 52.0 ms -> 1.56 s (+2900.0 %)"). Text from
 * the runs is not escaped here: print it through cmd_safe_fputs(). 0 or
 * out's error. */
int	gate_write_text(const struct gate_result *res, struct buf *out);
/* the same as a Markdown table, for a CI job summary */
int	gate_write_markdown(const struct gate_result *res, struct buf *out);
/* the same as JSON: a new object (cJSON_Delete), NULL when out of memory */
cJSON	*gate_to_json(const struct gate_result *res);

#endif
