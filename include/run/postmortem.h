/* postmortem.h -- the postmortem bundle's steps maintainers ask for: hub info, packages, logs before a restart, pod events; redaction */
#ifndef POSTMORTEM_H
#define POSTMORTEM_H

#include <stdint.h>

#include "core/hs.h"

struct loop;
struct target;

/*
 * Each step is bounded in time and independent: one that fails writes
 * one line into eb and returns non-zero, and the caller reports it and
 * goes on. Files are written into dir with fixed names.
 *
 * postmortem_info: GET API/info with the token (the hub, Python, spawner
 *   and authenticator versions) into info.json, pretty; at most
 *   timeout_s, one try. The token is copied into the hub client only and
 *   wiped with it. *summary (64 bytes): "hub 3.0.0, python 3.11.2".
 * postmortem_previous: the hub container's log before its last restart
 *   (kubectl logs --previous) into hub-previous.log.
 * postmortem_events: the pod's events into events.txt, *n of them.
 * postmortem_packages: pip list of the hub's Python into packages.txt,
 *   *n lines, at most timeout_s.
 * postmortem_redact: redacts dir in place as an archive is
 *   (artifacts_redact_dir(): the token given, py-spy's dumps parsed, the
 *   secrets learned, every file swept before any is rewritten); *nred
 *   replacements in all. 0, HS_EIO (a file that would still hold a known
 *   secret, named), HS_ENOMEM.
 */
int	 postmortem_info(struct loop *l, const char *api_url, const char *token,
	    int timeout_s, const char *dir, char summary[64],
	    struct hs_errbuf *eb);
int	 postmortem_previous(struct target *t, const char *dir, int tail,
	    struct hs_errbuf *eb);
int	 postmortem_events(struct target *t, const char *dir, int *n,
	    struct hs_errbuf *eb);
int	 postmortem_packages(struct target *t, const char *dir, int timeout_s,
	    int *n, struct hs_errbuf *eb);
int	 postmortem_redact(const char *dir, const char *token, long long *nred,
	    struct hs_errbuf *eb);

#endif
