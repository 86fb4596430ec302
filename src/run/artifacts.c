/* artifacts.c -- the run directory, manifest.json and the final tar.gz */
/*
 * finish() reads every file twice: once to compute the sha256 and size of
 * what goes into the archive (the redacted bytes), so that manifest.json
 * can be the first entry, and once to write it; the second pass checks
 * that the bytes did not change. The tarball is a temporary file in the
 * output directory until it has been closed, fsync'd and renamed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sha2.h>

#include "run/artifacts.h"
#include "core/arc.h"
#include "core/buf.h"
#include "core/file.h"
#include "record/record.h"
#include "record/rundata.h"

#define MAX_FILES	100000
#define MAX_DEPTH	8

void
artifacts_sha256_hex(const void *data, size_t len, char out[65])
{
	SHA256Data(data, len, out);
}

int
artifacts_mkdirs(const char *path, struct hs_errbuf *eb)
{
	char tmp[4096], *p;

	if (strlcpy(tmp, path, sizeof(tmp)) >= sizeof(tmp))
		return hs_error(eb, HS_EIO, "path too long: '%.80s...'", path);
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
			return hs_error(eb, HS_EIO, "cannot create directory "
			    "'%s': %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
		return hs_error(eb, HS_EIO, "cannot create directory '%s': %s",
		    tmp, strerror(errno));
	return 0;
}

void
artifacts_safe_name(char *dst, size_t n, const char *profile)
{
	size_t i;

	strlcpy(dst, profile != NULL && profile[0] ? profile : "run", n);
	for (i = 0; dst[i] != '\0'; i++)
		if (!((dst[i] >= 'a' && dst[i] <= 'z') ||
		    (dst[i] >= 'A' && dst[i] <= 'Z') ||
		    (dst[i] >= '0' && dst[i] <= '9') ||
		    strchr("._-", dst[i]) != NULL))
			dst[i] = '_';
}

int
artifacts_init(struct artifacts *a, const char *outdir, const char *profile,
    time_t when, struct hs_errbuf *eb)
{
	char stamp[32], name[160], safe[65], *dir = NULL;
	struct tm tm;
	int r, k;

	memset(a, 0, sizeof(*a));
	/* the run ends in a tarball: a libarchive that cannot be opened
	 * fails here, before the hub or the disk is touched */
	if (arc_get(eb) == NULL)
		return eb->code;
	gmtime_r(&when, &tm);
	strftime(a->created, sizeof(a->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	artifacts_safe_name(safe, sizeof(safe), profile);
	if ((a->outdir = strdup(outdir)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if ((r = artifacts_mkdirs(outdir, eb)) != 0)
		return r;
	for (k = 1; k <= 99; k++) {
		if (k == 1)
			snprintf(name, sizeof(name), "hubspy-%s-%s", stamp,
			    safe);
		else
			snprintf(name, sizeof(name), "hubspy-%s-%s-%d", stamp,
			    safe, k);
		free(dir);
		if (asprintf(&dir, "%s/%s", outdir, name) == -1) {
			dir = NULL;
			return hs_error(eb, HS_ENOMEM, "out of memory");
		}
		if (mkdir(dir, 0700) == 0)
			break;
		if (errno != EEXIST) {
			r = hs_error(eb, HS_EIO, "cannot create run directory "
			    "'%s': %s", dir, strerror(errno));
			free(dir);
			return r;
		}
	}
	if (k > 99) {
		free(dir);
		return hs_error(eb, HS_EIO, "cannot create run directory in "
		    "'%s': 99 runs in the same second", outdir);
	}
	a->dir = dir;
	if ((a->name = strdup(name)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	return 0;
}

void
artifacts_release(struct artifacts *a)
{
	free(a->outdir);
	free(a->name);
	free(a->dir);
	free(a->tarball);
	redact_release(&a->redact);
	memset(a, 0, sizeof(*a));
}

void
artifacts_plateau_dir(int users, char *out, size_t outsz)
{
	snprintf(out, outsz, "plateaus/%04d", users);
}

int
artifacts_path(const struct artifacts *a, const char *rel, char *out,
    size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", a->dir, rel);

	return n < 0 || (size_t)n >= outsz ? HS_ELIMIT : 0;
}

int
artifacts_mkdir(const struct artifacts *a, const char *rel,
    struct hs_errbuf *eb)
{
	char path[4096];

	if (artifacts_path(a, rel, path, sizeof(path)) != 0)
		return hs_error(eb, HS_ELIMIT, "path too long: '%.80s'", rel);
	return artifacts_mkdirs(path, eb);
}

/* the absolute path of rel, its parent directories made */
static int
prepare(const struct artifacts *a, const char *rel, char *path, size_t pathsz,
    struct hs_errbuf *eb)
{
	const char *slash;
	char parent[4096];

	if (artifacts_path(a, rel, path, pathsz) != 0)
		return hs_error(eb, HS_ELIMIT, "path too long: '%.80s'", rel);
	if ((slash = strrchr(rel, '/')) == NULL)
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
	return artifacts_mkdir(a, parent, eb);
}

int
artifacts_write(const struct artifacts *a, const char *rel, const void *data,
    size_t len, struct hs_errbuf *eb)
{
	char path[4096];
	int r;

	if ((r = prepare(a, rel, path, sizeof(path), eb)) != 0)
		return r;
	return file_write_atomic(path, data, len, FILE_MODE, eb);
}

int
artifacts_append(const struct artifacts *a, const char *rel,
    const void *data, size_t len, struct hs_errbuf *eb)
{
	char path[4096];
	int r;

	if ((r = prepare(a, rel, path, sizeof(path), eb)) != 0)
		return r;
	return file_append(path, data, len, eb);
}

/* the run directory's entries, relative, sorted; dirs end with '/' */
struct entries {
	char	**v;
	size_t	  n;
};

static int
entries_add(struct entries *e, const char *rel, int isdir)
{
	char **v, *s;

	if (e->n >= MAX_FILES)
		return HS_ELIMIT;
	if (asprintf(&s, "%s%s", rel, isdir ? "/" : "") == -1)
		return HS_ENOMEM;
	if ((v = reallocarray(e->v, e->n + 1, sizeof(*v))) == NULL) {
		free(s);
		return HS_ENOMEM;
	}
	v[e->n++] = s;
	e->v = v;
	return 0;
}

static void
entries_release(struct entries *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
scan_dir(const char *root, const char *rel, int depth, struct entries *e,
    struct hs_errbuf *eb)
{
	char path[4200], sub[4000];
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int r = 0;

	snprintf(path, sizeof(path), "%s%s%s", root, rel[0] ? "/" : "", rel);
	if ((dp = opendir(path)) == NULL)
		return hs_error(eb, HS_EIO, "cannot read directory '%s': %s",
		    path, strerror(errno));
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (rel[0] == '\0' && strcmp(d->d_name, ARTIFACTS_MANIFEST) == 0)
			continue;
		/* a write that a crash cut short: not part of the run */
		if (file_is_atomic_temp(d->d_name))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel,
		    rel[0] ? "/" : "", d->d_name) >= sizeof(sub) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", root, sub) >=
		    sizeof(path)) {
			r = hs_error(eb, HS_EIO, "path too long in '%s'", root);
			break;
		}
		if (lstat(path, &st) == -1) {
			r = hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
			    strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			if ((r = entries_add(e, sub, 1)) != 0 ||
			    (r = scan_dir(root, sub, depth + 1, e, eb)) != 0)
				break;
		} else if (S_ISREG(st.st_mode)) {
			if ((r = entries_add(e, sub, 0)) != 0)
				break;
		}
		/* symlinks, fifos, sockets: never archived */
	}
	closedir(dp);
	if (r == HS_ELIMIT || r == HS_ENOMEM)
		hs_error(eb, r, "too many files in '%s'", root);
	return r;
}

/* the bytes of rel as they go into the archive, into out; with learn,
 * the values its redaction removes are registered instead */
static int
load_archived(struct artifacts *a, const char *rel, int flags, int learn,
    struct buf *out, size_t *nred, struct hs_errbuf *eb)
{
	struct buf raw = BUF_INIT(ARTIFACTS_MAX_FILE);
	char path[4096];
	int fd, r;

	*nred = 0;
	buf_reset(out);
	if (artifacts_path(a, rel, path, sizeof(path)) != 0)
		return hs_error(eb, HS_ELIMIT, "path too long: '%.80s'", rel);
	/* the scan skipped symbolic links; one put there since is not
	 * followed out of the run directory either */
	if ((fd = file_open_read(path, FILE_NOFOLLOW, eb)) < 0) {
		r = fd;
		goto out;
	}
	r = file_read_fd(fd, path, &raw, eb);
	close(fd);
	if (r != 0)
		goto out;
	/* binary files lose only the registered secrets */
	if (!redact_is_text(raw.data, raw.len))
		flags |= REDACT_SECRETS_ONLY;
	if (a->no_redact)
		r = buf_add(out, raw.data, raw.len);
	else if (learn)
		r = redact_learn(&a->redact, rel, raw.data, raw.len, flags);
	else
		r = redact_file(&a->redact, rel, raw.data, raw.len, flags, out,
		    nred);
	if (r == HS_ENOMEM)
		hs_error(eb, r, "out of memory redacting '%s'", path);
	else if (r != 0)
		hs_error(eb, r, "'%s' is too large to archive (max %u bytes)",
		    path, ARTIFACTS_MAX_FILE);
out:
	explicit_bzero(raw.data, raw.len);
	buf_release(&raw);
	return r;
}

/* the final check of what is about to be archived: no value known to be
 * secret, in any of its five forms */
int
artifacts_sweep(const struct artifacts *a, const char *rel,
    const struct buf *data, struct hs_errbuf *eb)
{
	enum redact_form f;

	if (a->no_redact || !redact_sweep(&a->redact, data->data, data->len,
	    &f))
		return 0;
	return hs_error(eb, HS_EIO, "'%s/%s' still holds a secret (%s) after "
	    "redaction; the archive was not written: remove or edit that "
	    "file in the run directory and run 'hubspy report %s', or "
	    "archive it yourself after checking it", a->dir, rel,
	    redact_form_name(f), a->dir);
}

int
artifacts_learn(struct artifacts *a, const struct run_record *rec,
    struct hs_errbuf *eb)
{
	struct entries e = { NULL, 0 };
	struct buf none = BUF_INIT(0);
	cJSON *j = NULL;
	char *text = NULL;
	size_t i, nred;
	int r = 0;

	if (a->no_redact)
		return 0;
	/* the record: a password in the profile's server_options or in a
	 * URL, a secret on the hub's command line */
	if (rec != NULL) {
		if ((j = record_to_json(rec)) == NULL ||
		    (text = cJSON_Print(j)) == NULL ||
		    redact_learn(&a->redact, ARTIFACTS_MANIFEST, text,
		    strlen(text), REDACT_KEEP_HEX) != 0)
			r = hs_error(eb, HS_ENOMEM, "out of memory");
		if (text != NULL)
			explicit_bzero(text, strlen(text));
		cJSON_free(text);
		cJSON_Delete(j);
		if (r != 0)
			return r;
	}
	if ((r = scan_dir(a->dir, "", 0, &e, eb)) != 0)
		goto out;
	for (i = 0; i < e.n && r == 0; i++)
		if (e.v[i][strlen(e.v[i]) - 1] != '/')
			r = load_archived(a, e.v[i], 0, 1, &none, &nred, eb);
	a->learned = r == 0;
out:
	entries_release(&e);
	buf_release(&none);
	return r;
}

int
artifacts_redact_dir(const char *dir, struct redact *rd, long long *nredp,
    struct hs_errbuf *eb)
{
	struct artifacts a = ARTIFACTS_INIT;
	struct entries e = { NULL, 0 };
	struct buf data = BUF_INIT(ARTIFACTS_MAX_FILE);
	size_t i, nred;
	int r, pass;

	a.dir = (char *)(uintptr_t)dir;		/* read and rewritten only */
	a.redact = *rd;
	if ((r = artifacts_learn(&a, NULL, eb)) != 0 ||
	    (r = scan_dir(dir, "", 0, &e, eb)) != 0)
		goto out;
	/* every file is checked before any is rewritten */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < e.n; i++) {
			if (e.v[i][strlen(e.v[i]) - 1] == '/')
				continue;
			if ((r = load_archived(&a, e.v[i], 0, 0, &data, &nred,
			    eb)) != 0)
				goto out;
			if (pass == 0 && (r = artifacts_sweep(&a, e.v[i], &data,
			    eb)) != 0)
				goto out;
			if (pass == 1 && nred > 0 && (r = artifacts_write(&a,
			    e.v[i], data.data, data.len, eb)) != 0)
				goto out;
			if (pass == 1 && nredp != NULL)
				*nredp += (long long)nred;
		}
out:
	*rd = a.redact;
	explicit_bzero(data.data, data.len);
	buf_release(&data);
	entries_release(&e);
	return r;
}

static int
report_filter(void *arg, const char *rel, const char *in, size_t len,
    struct buf *out)
{
	const struct artifacts *a = arg;

	if (a->no_redact)
		return buf_add(out, in, len);
	return redact_file(&a->redact, rel, in, len,
	    redact_is_text(in, len) ? 0 : REDACT_SECRETS_ONLY, out, NULL);
}

void
artifacts_filter(struct artifacts *a, struct rundata_filter *f)
{
	f->fn = report_filter;
	f->arg = a;
}

static int
add_entry(const struct arc *A, struct archive *ar, const char *top,
    const char *rel, const void *data, size_t len, int isdir, time_t mtime)
{
	struct archive_entry *ent;
	char name[4200];
	int r = 0;

	snprintf(name, sizeof(name), "%s/%s", top, rel);
	if ((ent = A->archive_entry_new()) == NULL)
		return HS_ENOMEM;
	A->archive_entry_set_pathname(ent, name);
	A->archive_entry_set_filetype(ent, isdir ? AE_IFDIR : AE_IFREG);
	A->archive_entry_set_perm(ent, isdir ? 0700 : 0600);
	A->archive_entry_set_size(ent, isdir ? 0 : (la_int64_t)len);
	A->archive_entry_set_mtime(ent, mtime, 0);
	A->archive_entry_set_uid(ent, 0);
	A->archive_entry_set_gid(ent, 0);
	if (A->archive_write_header(ar, ent) != ARCHIVE_OK)
		r = HS_EIO;
	else if (!isdir && len > 0 &&
	    A->archive_write_data(ar, data, len) != (la_ssize_t)len)
		r = HS_EIO;
	A->archive_entry_free(ent);
	return r;
}

static int
archive_fail(const struct arc *A, struct archive *ar, const char *path,
    struct hs_errbuf *eb)
{
	int e = A->archive_errno(ar);

	if (e > 0)
		return hs_error(eb, HS_EIO, "cannot write '%s': %s", path,
		    strerror(e));
	return hs_error(eb, HS_EIO, "cannot write '%s': %s", path,
	    A->archive_error_string(ar) ? A->archive_error_string(ar) :
	    "archive error");
}

static int
write_tarball(struct artifacts *a, const struct entries *e,
    const char *manifest, const struct run_record *rec, struct hs_errbuf *eb)
{
	struct buf data = BUF_INIT(ARTIFACTS_MAX_FILE);
	struct file_atomic fa = FILE_ATOMIC_INIT;
	const struct arc *A;
	struct archive *ar = NULL;
	char *final = NULL, hex[65];
	time_t now = time(NULL);
	size_t i, k = 0, nred;
	int r;

	/* before anything is created: no empty tarball for a missing
	 * libarchive */
	if ((A = arc_get(eb)) == NULL)
		return eb->code;
	if (asprintf(&final, "%s/%s.tar.gz", a->outdir, a->name) == -1)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	if ((r = file_atomic_open(&fa, final, FILE_MODE, eb)) != 0)
		goto out;
	if ((ar = A->archive_write_new()) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	if (A->archive_write_add_filter_gzip(ar) != ARCHIVE_OK ||
	    A->archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
	    A->archive_write_open_fd(ar, fa.fd) != ARCHIVE_OK) {
		r = archive_fail(A, ar, final, eb);
		goto out;
	}
	if (add_entry(A, ar, a->name, "", NULL, 0, 1, now) != 0 ||
	    add_entry(A, ar, a->name, ARTIFACTS_MANIFEST, manifest,
	    strlen(manifest), 0, now) != 0) {
		r = archive_fail(A, ar, final, eb);
		goto out;
	}
	for (i = 0; i < e->n; i++) {
		size_t n = strlen(e->v[i]);

		if (e->v[i][n - 1] == '/') {
			e->v[i][n - 1] = '\0';
			r = add_entry(A, ar, a->name, e->v[i], NULL, 0, 1, now);
			e->v[i][n - 1] = '/';
			if (r != 0) {
				r = archive_fail(A, ar, final, eb);
				goto out;
			}
			continue;
		}
		if ((r = load_archived(a, e->v[i], 0, 0, &data, &nred, eb)) != 0)
			goto out;
		artifacts_sha256_hex(data.data, data.len, hex);
		if (k >= rec->nfiles || strcmp(hex, rec->files[k].sha256) != 0) {
			r = hs_error(eb, HS_EIO, "'%s/%s' changed while it was "
			    "archived; is another process writing there?",
			    a->dir, e->v[i]);
			goto out;
		}
		k++;
		if (add_entry(A, ar, a->name, e->v[i], data.data, data.len, 0,
		    now) != 0) {
			r = archive_fail(A, ar, final, eb);
			goto out;
		}
	}
	if (A->archive_write_close(ar) != ARCHIVE_OK) {
		r = archive_fail(A, ar, final, eb);
		goto out;
	}
	if ((r = file_atomic_commit(&fa, eb)) != 0)
		goto out;
	free(a->tarball);
	a->tarball = final;
	final = NULL;
	r = 0;
out:
	if (ar != NULL)
		A->archive_write_free(ar);
	file_atomic_abort(&fa);
	free(final);
	buf_release(&data);
	return r;
}

int
artifacts_finish(struct artifacts *a, struct run_record *rec,
    struct hs_errbuf *eb)
{
	struct entries e = { NULL, 0 };
	struct buf data = BUF_INIT(ARTIFACTS_MAX_FILE);
	struct buf mtext = BUF_INIT(ARTIFACTS_MAX_FILE);
	cJSON *manifest = NULL;
	char *text = NULL, hex[65];
	size_t i, nred;
	int r;

	/* once is enough: what was rendered since came from redacted data */
	if ((!a->learned && (r = artifacts_learn(a, rec, eb)) != 0) ||
	    (r = scan_dir(a->dir, "", 0, &e, eb)) != 0)
		goto out;
	qsort(e.v, e.n, sizeof(*e.v), cmpstr);
	record_clear_files(rec);
	for (i = 0; i < e.n; i++) {
		if (e.v[i][strlen(e.v[i]) - 1] == '/')
			continue;
		if ((r = load_archived(a, e.v[i], 0, 0, &data, &nred, eb)) != 0 ||
		    (r = artifacts_sweep(a, e.v[i], &data, eb)) != 0)
			goto out;
		artifacts_sha256_hex(data.data, data.len, hex);
		if ((r = record_add_file(rec, e.v[i], (long long)data.len, hex,
		    (long long)nred)) != 0) {
			if (r == HS_ELIMIT)
				r = hs_error(eb, r, "more than %d files in '%s'",
				    RECORD_MAX_FILES, a->dir);
			else
				goto nomem;
			goto out;
		}
	}
	if ((manifest = record_to_json(rec)) == NULL ||
	    (text = cJSON_Print(manifest)) == NULL)
		goto nomem;
	/* hubspy writes the manifest itself, after the redaction of the
	 * files: its checksums are hex by design and stay; the token, an
	 * Authorization value or a password (in the profile's
	 * server_options, say) still go */
	if (a->no_redact)
		r = buf_addstr(&mtext, text);
	else
		r = redact_text(&a->redact, text, strlen(text),
		    REDACT_KEEP_HEX, &mtext, NULL);
	if (r != 0 || buf_addch(&mtext, '\n') != 0)
		goto nomem;
	if ((r = artifacts_sweep(a, ARTIFACTS_MANIFEST, &mtext, eb)) != 0)
		goto out;
	if ((r = artifacts_write(a, ARTIFACTS_MANIFEST, mtext.data, mtext.len,
	    eb)) != 0)
		goto out;
	r = write_tarball(a, &e, mtext.data, rec, eb);
	goto out;
nomem:
	r = hs_error(eb, HS_ENOMEM, "out of memory writing the manifest");
out:
	cJSON_free(text);
	cJSON_Delete(manifest);
	entries_release(&e);
	buf_release(&data);
	buf_release(&mtext);
	return r;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int
artifacts_remove_dir(const struct artifacts *a, struct hs_errbuf *eb)
{
	if (nftw(a->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return hs_error(eb, HS_EIO, "cannot remove run directory "
		    "'%s': %s", a->dir, strerror(errno));
	return 0;
}
