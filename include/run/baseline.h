/* baseline.h -- the last passing archive of each profile, kept in a folder */
#ifndef BASELINE_H
#define BASELINE_H

#include <stddef.h>

#include "core/hs.h"

/*
 * A baseline folder holds one archive per profile name, NAME.tar.gz (the
 * name made safe as the run directory's is: artifacts_safe_name()).
 * `hubspy run --baseline DIR` replaces it after a passing run, and
 * `hubspy report --diff --baseline DIR NEW` compares NEW with it.
 */

/* DIR/NAME.tar.gz into dst; HS_ELIMIT when it does not fit */
int	baseline_path(const char *dir, const char *profile, char *dst,
	    size_t n, struct hs_errbuf *eb);

/* copies tarball to DIR/NAME.tar.gz (DIR made 0700 if missing), written
 * to a temporary name and renamed: the previous baseline stays whole until
 * the new one is. The path in dst. 0, HS_EIO, HS_ELIMIT, HS_ENOMEM. */
int	baseline_keep(const char *dir, const char *profile,
	    const char *tarball, char *dst, size_t n, struct hs_errbuf *eb);

#endif
