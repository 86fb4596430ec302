/* rundata.h -- a run to report on: manifest.json plus its files, from a run
 * directory or from a hubspy tar.gz */
#ifndef RUNDATA_H
#define RUNDATA_H

#include <stddef.h>

#include "core/hs.h"
#include "record/record.h"

/* what `hubspy report` reads from an archive, which may come from a
 * stranger: bounded so that any archive stays under 256 MiB of memory */
#define RUNDATA_MEMBER_MAX	(32u << 20)	/* a plateau file kept */
#define RUNDATA_KEEP_MAX	(48u << 20)	/* all plateau files kept */
#define RUNDATA_MANIFEST_MAX	(16u << 20)
#define RUNDATA_SCAN_MAX	(512ull << 20)	/* declared sizes, all entries */
#define RUNDATA_MAX_ENTRIES	131072		/* entries of an archive */

struct buf;

/* what rundata_read() gives is first passed through fn (the run's
 * redaction, so that report.html is rendered from redacted dumps): fn
 * appends the bytes of rel as they may be shown to out and returns 0 or
 * an HS_* code */
struct rundata_filter {
	int	(*fn)(void *arg, const char *rel, const char *in, size_t len,
		    struct buf *out);
	void	*arg;
};

struct rundata {
	char			*where;		/* directory or archive path */
	int			 is_archive;
	const struct run_record	*rec;		/* the run: &own, or borrowed */
	const struct rundata_filter *filter;	/* NULL, or borrowed */
	struct run_record	 own;		/* manifest.json, validated */
	const struct record_plateau *plateaus;	/* rec.plateaus */
	size_t			 nplateaus;
	/* archive members read into memory (name below the top folder);
	 * data NULL: named by the manifest but too large to keep */
	struct rundata_member {
		char	*name;
		char	*data;
		size_t	 len;
	}			*members;
	size_t			 nmembers;
	/* archive: files whose size or sha256 is not the manifest's, or that
	 * are missing: "plateaus/0010/record.raw (sha256 differs)" */
	char			**changed;
	size_t			 nchanged;
};
#define RUNDATA_INIT { 0 }

/* reads DIR/manifest.json into rd->own (record_from_json: validated);
 * HS_EUSAGE (missing, bad JSON, a field of the wrong type, unknown future
 * schema: "archive schema 2 is newer than this hubspy reads (1); upgrade
 * hubspy"), HS_EIO, HS_ENOMEM. Release with rundata_release() in every
 * case. */
int	rundata_open_dir(struct rundata *rd, const char *dir,
	    struct hs_errbuf *eb);
/*
 * Reads a hubspy .tar.gz with libarchive, as from a stranger. First every
 * entry is checked and only manifest.json read: a name outside the top
 * folder, a link, a device, a FIFO or a socket is refused (HS_EUSAGE), as
 * are more than RUNDATA_MAX_ENTRIES entries, declared sizes over
 * RUNDATA_SCAN_MAX in all and a manifest over RUNDATA_MANIFEST_MAX,
 * before anything is inflated. The
 * manifest is validated (record_from_json). Then only the members it
 * names are read, each hashed against its bytes and sha256 (differences
 * and missing files listed in rd->changed); of those, the plateau and
 * trigger files are kept in memory (RUNDATA_MEMBER_MAX each,
 * RUNDATA_KEEP_MAX in all; one beyond is named but rundata_read() says
 * it is too large). A member
 * named twice is refused.
 */
int	rundata_open_archive(struct rundata *rd, const char *path,
	    struct hs_errbuf *eb);
/* a run directory whose record is already in memory (the run writing
 * it): rd->rec borrows rec, which must outlive rd; manifest.json is not
 * read. 0 or HS_ENOMEM. */
int	rundata_use_dir(struct rundata *rd, const char *dir,
	    const struct run_record *rec, struct hs_errbuf *eb);
/* directory or archive, by what path is */
int	rundata_open(struct rundata *rd, const char *path,
	    struct hs_errbuf *eb);
void	rundata_release(struct rundata *rd);

/* the bytes of a file of the run (relative path), NUL-terminated; in
 * *data a new allocation (free with free()), through rd->filter when set.
 * HS_EIO when absent. */
int	rundata_read(const struct rundata *rd, const char *rel, char **data,
	    size_t *len, size_t max, struct hs_errbuf *eb);
/* 1 when the file exists */
int	rundata_has(const struct rundata *rd, const char *rel);

/* the plateau with these users, or NULL */
const struct record_plateau *rundata_plateau(const struct rundata *rd,
	    long users);

#endif
