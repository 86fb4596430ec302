/* follow.h -- the hub's log followed through kubectl logs -f, on the loop */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stddef.h>

#include "core/hs.h"

struct target;

/*
 * `kubectl logs -f --since=Ns POD -c CONTAINER` (the exec and debug
 * transports: the hub container's own log) as a child on the target's
 * loop. Its output is read every FOLLOW_READ_MS (at most FOLLOW_OUT_MAX
 * bytes between two reads: past that kubectl is stopped and started
 * again) and each complete line handed to on_line (a line longer than
 * FOLLOW_LINE_MAX is cut). When kubectl ends (the API server closed the
 * stream, the pod restarted, an error) it is started again after a
 * backoff (1 s, doubling to 30 s while kubectl fails at once; 1 s
 * after a stream that lasted 2 s) with --since covering the time it was away (the lines it
 * repeats from before the restart are dropped), at most
 * FOLLOW_MAX_STARTS times in all. follow_free() kills it.
 *
 * on_line may turn the loop (a trigger's captures do); lines that arrive
 * meanwhile wait for the next read.
 */
#define FOLLOW_READ_MS		250
#define FOLLOW_OUT_MAX		(1u << 20)
#define FOLLOW_LINE_MAX		4096
#define FOLLOW_MAX_STARTS	1000

typedef void follow_line_cb(void *arg, const char *line, size_t len);

/* a line assembler: bytes in, complete lines out (pure, unit-tested) */
struct follow_lines {
	char	 part[FOLLOW_LINE_MAX];
	size_t	 npart;
};
#define FOLLOW_LINES_INIT { "", 0 }
/* hands every line ended in data (without its newline) to cb and keeps
 * the rest for the next call; returns the lines handed */
long long follow_lines_add(struct follow_lines *fl, const char *data,
	    size_t len, follow_line_cb *cb, void *arg);

struct follow_stats {
	long long	 lines;		/* handed to on_line */
	int		 starts;	/* kubectl started (or tried) */
	char		 last_error[256];	/* kubectl's last complaint */
};

struct follow;
/* starts following (t borrowed: must outlive f); HS_EUSAGE for the local
 * transport, HS_ENOMEM, or like target_kubectl_start() */
int	 follow_start(struct follow **fp, struct target *t,
	    follow_line_cb *on_line, void *arg, struct hs_errbuf *eb);
void	 follow_stats(const struct follow *f, struct follow_stats *st);
/* kills kubectl, frees f (NULL: nothing) */
void	 follow_free(struct follow *f);

#endif
