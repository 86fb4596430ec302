/* rundata.h -- a run to report on: manifest.json plus its files, from a run
 * directory or from a hubspy tar.gz */
#ifndef RUNDATA_H
#define RUNDATA_H

#include <stddef.h>

#include "core/hs.h"
#include "record/record.h"

#define RUNDATA_MEMBER_MAX	(256u << 20)	/* per archive member */
#define RUNDATA_MANIFEST_MAX	(16u << 20)

struct rundata {
	char			*where;		/* directory or archive path */
	int			 is_archive;
	const struct run_record	*rec;		/* the run: &own, or borrowed */
	struct run_record	 own;		/* manifest.json, validated */
	const struct record_plateau *plateaus;	/* rec.plateaus */
	size_t			 nplateaus;
	/* archive members read into memory (name below the top folder) */
	struct rundata_member {
		char	*name;
		char	*data;
		size_t	 len;
	}			*members;
	size_t			 nmembers;
};
#define RUNDATA_INIT { 0 }

/* reads DIR/manifest.json into rd->own (record_from_json: validated);
 * HS_EUSAGE (missing, bad JSON, a field of the wrong type, unknown future
 * schema: "archive schema 2 is newer than this hubspy reads (1); upgrade
 * hubspy"), HS_EIO, HS_ENOMEM. Release with rundata_release() in every
 * case. */
int	rundata_open_dir(struct rundata *rd, const char *dir,
	    struct hs_errbuf *eb);
/* reads a hubspy .tar.gz with libarchive: manifest.json and the plateau
 * and trigger folders (diffs/ and report.html are skipped); members
 * larger than RUNDATA_MEMBER_MAX are refused (HS_ELIMIT) */
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
 * *data a new allocation (free with free()). HS_EIO when absent. */
int	rundata_read(const struct rundata *rd, const char *rel, char **data,
	    size_t *len, size_t max, struct hs_errbuf *eb);
/* 1 when the file exists */
int	rundata_has(const struct rundata *rd, const char *rel);

/* the plateau with these users, or NULL */
const struct record_plateau *rundata_plateau(const struct rundata *rd,
	    long users);

#endif
