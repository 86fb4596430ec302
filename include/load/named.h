/* named.h -- named servers: N per fake user, started, awaited, removed */
#ifndef NAMED_H
#define NAMED_H

#include <stddef.h>
#include <stdint.h>

#include "core/hs.h"
#include "load/hub.h"
#include "load/progress.h"

/*
 * The load engine (load.c) hands this module its users once they exist;
 * it starts each user's N named servers (SRV-1..SRV-N, names valid for
 * JupyterHub 6.0: named_server_name()) under a spawn window, settles the
 * pending ones with paged state=active rounds, and removes them with
 * {"remove": true} (so no spawner row is left behind, the 2i2c OOM) before
 * the users are deleted. All calls are synchronous on the hub's loop.
 */
struct named;

struct named_config {
	int		 per_user;		/* N (1..64) */
	const char	*body;			/* start body (JSON) or NULL */
	int		 spawn_concurrency;	/* starts in flight */
	int		 ready_timeout_s;
	int		 poll_interval_ms;
	const char	*filter;		/* "name_filter=PREFIX-" */
	const int	*interrupted;		/* the load's counter: nonzero
						 * stops sending new starts */
	struct progress_sampler *sample;	/* the load's spawn-phase
						 * sample (borrowed), or NULL */
};

struct named_counts {
	size_t		 target, started, ready, failed, timed_out, removed;
	int		 ceiling;		/* active_server_limit */
};

/* returns 0, HS_EUSAGE (per_user out of range), HS_ENOMEM */
int	 named_new(struct named **np, struct hub *h,
	    const struct named_config *cfg, struct hs_errbuf *eb);
void	 named_free(struct named *nm);

/*
 * Starts the N named servers of each user and waits until each is ready,
 * failed or timed out. Returns 0, HS_EHUB when the hub refuses named
 * servers (not enabled, or named_server_limit_per_user below N: eb says
 * which and how to fix it), HS_EAUTH (403), HS_EPARTIAL when interrupted.
 */
int	 named_start(struct named *nm, const char *const *users, size_t n,
	    struct hs_errbuf *eb);

/*
 * Removes named servers with {"remove": true} (a stopping server is asked
 * again until the hub says it has no such server), until deadline_ms
 * (loop time, 0: none). known: the N servers of each of these users (the
 * ones named_start() started). Otherwise the hub is listed (the filter,
 * stopped servers included) and the srv-K servers it has are removed: of
 * these users, or of every listed user when users is NULL (purge).
 * Returns 0, HS_ELEFT with eb naming how many remain, HS_EHUB.
 */
int	 named_remove(struct named *nm, const char *const *users, size_t n,
	    int known, int64_t deadline_ms, struct hs_errbuf *eb);

void	 named_counts(const struct named *nm, struct named_counts *c);

/* --- pure helpers (unit-tested) --- */
/* "srv-I" into dst */
void	 named_server_name(char *dst, size_t n, int i);
/* JupyterHub 6.0's rule: 1-30 of [a-z0-9-], a letter first, no '-' last */
int	 named_name_ok(const char *s);

#endif
