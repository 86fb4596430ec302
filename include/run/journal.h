/* journal.h -- the record of user names made, written before they are made */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stddef.h>

#include "core/hs.h"

/*
 * The journal is a file in the run directory (JOURNAL_FILE), one JSON line
 * per batch, appended and fsync'd BEFORE the batch is created on the hub:
 *   {"v":1,"time":"2026-11-27T23:15:00Z","prefix":"hubspy-x","names":[...]}
 * so `hubspy purge --run DIR` can remove exactly what a killed run made.
 * A final line cut short by a crash (no newline) is ignored: its batch was
 * never sent. Every name must start with its line's prefix.
 */
#define JOURNAL_FILE		"journal.jsonl"
#define JOURNAL_MAX_BYTES	(64u << 20)	/* journal_read() cap */
#define JOURNAL_MAX_BATCH	10000		/* names per line */

struct journal {
	int	 fd;
	char	*path;
};
#define JOURNAL_INIT { -1, NULL }

/* opens (creates 0600, O_APPEND) path; returns 0 or HS_EIO/HS_ENOMEM */
int	 journal_open(struct journal *j, const char *path,
	    struct hs_errbuf *eb);
/* appends one line for names[0..n) and fsyncs; call before the POST.
 * Returns 0, HS_EUSAGE (a name without the prefix, n too large), HS_EIO
 * (write or fsync failed, disk full: do not create the batch) */
int	 journal_append(struct journal *j, const char *prefix,
	    const char *const *names, size_t n, struct hs_errbuf *eb);
/* closes; returns HS_EIO when close fails */
int	 journal_close(struct journal *j, struct hs_errbuf *eb);

/* the names of a journal, in order, without duplicates */
struct journal_names {
	char	**names;
	size_t	  n;
	char	**prefixes;	/* distinct prefixes seen */
	size_t	  nprefixes;
};
#define JOURNAL_NAMES_INIT { NULL, 0, NULL, 0 }

/*
 * Reads path (a journal file, or a run directory holding JOURNAL_FILE).
 * Returns 0, HS_EIO (missing or unreadable: "cannot read journal 'P': ..."),
 * HS_EUSAGE (corrupt: "journal 'P': line 3: ..."), HS_ELIMIT, HS_ENOMEM.
 * Release with journal_names_release() in every case.
 */
int	 journal_read(const char *path, struct journal_names *out,
	    struct hs_errbuf *eb);
void	 journal_names_release(struct journal_names *jn);

#endif
