/* artifacts.h -- the run directory, manifest.json and the final tar.gz */
#ifndef ARTIFACTS_H
#define ARTIFACTS_H

#include <stddef.h>
#include <time.h>

#include "core/hs.h"
#include "run/redact.h"

struct run_record;
struct rundata_filter;

/*
 * A run writes into its run directory OUTDIR/hubspy-<UTC>-<profile>/
 * (0700, files 0600); artifacts_finish() turns it into
 * OUTDIR/hubspy-<UTC>-<profile>.tar.gz (docs/artifacts.md): every regular
 * file, redacted as it is added (unless no_redact), then manifest.json with
 * the sha256 and size of every archived file. The tarball is written to a
 * temporary file in OUTDIR, fsync'd and renamed: on any failure nothing
 * exists under the final name. Files in the run directory itself are not
 * redacted (it is private, 0700); only the archive is.
 */
#define ARTIFACTS_MANIFEST	"manifest.json"
#define ARTIFACTS_MAX_FILE	(256u << 20)	/* bytes per archived file */

struct artifacts {
	char	*outdir;
	char	*name;		/* hubspy-20261127T231500Z-smoke */
	char	*dir;		/* outdir/name */
	char	*tarball;	/* outdir/name.tar.gz, set by finish */
	char	 created[32];	/* 2026-11-27T23:15:00Z */
	int	 no_redact;	/* --no-redact: archive files as they are */
	struct redact redact;	/* secrets to remove (add the token) */
	int	 learned;	/* artifacts_learn() ran */
};
#define ARTIFACTS_INIT { NULL, NULL, NULL, NULL, "", 0, REDACT_INIT, 0 }

/* the profile's name as a file name: [A-Za-z0-9._-], anything else '_';
 * "run" when profile is NULL or empty */
void	 artifacts_safe_name(char *dst, size_t n, const char *profile);
/* mkdir -p: 0700 for what it creates; HS_EIO naming the path */
int	 artifacts_mkdirs(const char *path, struct hs_errbuf *eb);

/*
 * Creates OUTDIR (0700 if missing) and the run directory (0700) named from
 * when (UTC) and profile ([A-Za-z0-9._-], else '_'); a name taken in the
 * same second gets "-2", "-3"... Returns 0, HS_EIO ("cannot create run
 * directory 'P': Permission denied"), HS_ENOMEM. Release with
 * artifacts_release() in every case; the run directory stays on disk.
 * Register the token with redact_add_secret(&a->redact, token) after
 * init (init starts from an empty struct).
 */
int	 artifacts_init(struct artifacts *a, const char *outdir,
	    const char *profile, time_t when, struct hs_errbuf *eb);
void	 artifacts_release(struct artifacts *a);

/* "plateaus/0100": the directory of a plateau, relative to the run dir */
void	 artifacts_plateau_dir(int users, char *out, size_t outsz);
/* dir/rel into out; HS_ELIMIT when it does not fit */
int	 artifacts_path(const struct artifacts *a, const char *rel,
	    char *out, size_t outsz);
/* creates rel and its parents under the run directory, 0700 */
int	 artifacts_mkdir(const struct artifacts *a, const char *rel,
	    struct hs_errbuf *eb);
/* creates or replaces rel (0600, parents made) with data[0..len) */
int	 artifacts_write(const struct artifacts *a, const char *rel,
	    const void *data, size_t len, struct hs_errbuf *eb);
/* appends to rel (created 0600) */
int	 artifacts_append(const struct artifacts *a, const char *rel,
	    const void *data, size_t len, struct hs_errbuf *eb);

/*
 * Archives the run directory: learns (artifacts_learn(), once), sets the
 * record's files (record_add_file: path, bytes, sha256 and redactions of
 * each file as archived, and so the bytes and sha256 of each capture),
 * writes the record as manifest.json (redacted with REDACT_KEEP_HEX) into
 * the run directory and the tarball; a->tarball names it. Before anything
 * is written, every redacted file and the manifest are swept
 * (redact_sweep()): a value known to be secret still there, in any of its
 * five forms, is HS_EIO naming the file, and no tarball. Returns 0, HS_EIO
 * (one line naming the path: "cannot write 'P': No space left on
 * device"), HS_ELIMIT (a file over ARTIFACTS_MAX_FILE, or more than
 * RECORD_MAX_FILES), HS_ENOMEM.
 */
int	 artifacts_finish(struct artifacts *a, struct run_record *rec,
	    struct hs_errbuf *eb);

/*
 * The structural pass over the run before anything is rendered or
 * archived (redact_learn()): the record's JSON and every text file of the
 * run directory (py-spy's dumps parsed), each value removed registered in
 * a->redact, so that it is removed from every file. No-op with no_redact.
 * artifacts_finish() runs it unless it ran already (what was rendered
 * since came from redacted data). Returns 0, HS_EIO, HS_ENOMEM.
 */
int	 artifacts_learn(struct artifacts *a, const struct run_record *rec,
	    struct hs_errbuf *eb);
/* a rundata filter that redacts as the archive does (for report.html:
 * report_write_dir_filtered()); a must outlive its use */
void	 artifacts_filter(struct artifacts *a, struct rundata_filter *f);

/* the final check of data, the bytes of rel about to be archived: 0, or
 * HS_EIO when a registered secret is there in any of its five forms
 * ("'DIR/REL' still holds a secret (base64) after redaction; the archive
 * was not written: ..."). No-op with no_redact. */
int	 artifacts_sweep(const struct artifacts *a, const char *rel,
	    const struct buf *data, struct hs_errbuf *eb);

/*
 * Redacts the files of dir in place, as an archive would be (postmortem's
 * output directory, handed over as it is): learns with rd (which keeps
 * what it learned: release it as usual), sweeps every redacted file, and
 * only when all are clean rewrites those that changed (atomically, 0600);
 * adds the replacements made to *nred (may be NULL).
 * Returns 0, HS_EIO (a file that still holds a secret, named; nothing
 * rewritten), HS_ELIMIT, HS_ENOMEM.
 */
int	 artifacts_redact_dir(const char *dir, struct redact *rd,
	    long long *nred, struct hs_errbuf *eb);

/* removes the run directory and everything in it (after a successful
 * finish and teardown, if the caller wants) */
int	 artifacts_remove_dir(const struct artifacts *a, struct hs_errbuf *eb);

/* the sha256 of data as 64 lower-case hex digits plus NUL */
void	 artifacts_sha256_hex(const void *data, size_t len, char out[65]);

#endif
