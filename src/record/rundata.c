/* rundata.c -- a run's manifest.json and files, from a directory or a tar.gz */
#include <sys/stat.h>

#include <dirent.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sha2.h>

#include "core/arc.h"
#include "core/buf.h"
#include "core/file.h"
#include "record/record.h"
#include "record/rundata.h"


static int
parse_manifest(struct rundata *rd, const char *text, size_t len,
    struct hs_errbuf *eb)
{
	int r;

	if ((r = record_from_json(&rd->own, text, len, eb)) != 0)
		return r;
	rd->rec = &rd->own;
	rd->plateaus = rd->own.plateaus;
	rd->nplateaus = rd->own.nplateaus;
	return 0;
}

/* an empty rd: no members, an empty record of its own */
static void
rundata_init(struct rundata *rd)
{
	memset(rd, 0, sizeof(*rd));
	record_init(&rd->own);
	rd->rec = &rd->own;
}

/* one path of a run directory: a real directory (want_dir) or a regular
 * file, never a symbolic link, a FIFO or a device; absent is fine */
static int
check_path(const char *path, int want_dir, struct hs_errbuf *eb)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : hs_error(eb, HS_EIO, "cannot read "
		    "'%s': %s", path, strerror(errno));
	if (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))
		return 0;
	return hs_error(eb, HS_EUSAGE, "'%s' is %s; a hubspy run directory "
	    "holds directories and regular files only, refusing it", path,
	    S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISDIR(st.st_mode) ?
	    "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
	    S_ISSOCK(st.st_mode) ? "a socket" : "a device");
}

/* a folder of the run (rel): a real directory whose entries are regular
 * files or directories (its first 4096 entries) */
static int
check_folder(const struct rundata *rd, const char *rel, struct hs_errbuf *eb)
{
	char path[4096], sub[4400];
	struct dirent *d;
	struct stat st;
	size_t n;
	DIR *dp;
	int r;

	snprintf(path, sizeof(path), "%s/%s", rd->where, rel);
	if ((r = check_path(path, 1, eb)) != 0 || (dp = opendir(path)) == NULL)
		return r;	/* absent: "no capture" */
	for (n = 0; r == 0 && n < 4096 && (d = readdir(dp)) != NULL; n++) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		if (lstat(sub, &st) == 0 && !S_ISDIR(st.st_mode))
			r = check_path(sub, 0, eb);
	}
	closedir(dp);
	return r;
}

/*
 * A run directory from elsewhere: plateaus/, diffs/, triggers/ and each
 * plateau and trigger folder the manifest names must be real directories
 * (report --write writes into them: a symbolic link would take the
 * writes elsewhere) holding regular files or directories only (a FIFO or
 * /dev/zero named record.raw would block or never end). Bounded: the
 * manifest's folders, their first 4096 entries each.
 */
static int
check_tree(const struct rundata *rd, struct hs_errbuf *eb)
{
	const struct run_record *rec = rd->rec;
	char path[4096];
	size_t i;
	int r;

	snprintf(path, sizeof(path), "%s/diffs", rd->where);
	if ((r = check_path(path, 1, eb)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/triggers", rd->where);
	if ((r = check_path(path, 1, eb)) != 0)
		return r;
	if ((r = check_folder(rd, "plateaus", eb)) != 0)
		return r;
	for (i = 0; i < rd->nplateaus; i++)
		if ((r = check_folder(rd, rd->plateaus[i].dir, eb)) != 0)
			return r;
	for (i = 0; i < rec->ntriggers; i++)
		if (rec->triggers[i].dir != NULL &&
		    (r = check_folder(rd, rec->triggers[i].dir, eb)) != 0)
			return r;
	return 0;
}

int
rundata_open_dir(struct rundata *rd, const char *dir, struct hs_errbuf *eb)
{
	char path[4096], *text = NULL;
	size_t len;
	int r;

	rundata_init(rd);
	if ((rd->where = strdup(dir)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if ((r = check_path(path, 0, eb)) != 0)
		return r;
	if ((r = file_read_alloc(path, RUNDATA_MANIFEST_MAX, &text, &len, eb)) != 0) {
		if (r == HS_EIO)
			hs_error(eb, HS_EUSAGE, "no manifest.json in '%s'; give "
			    "a hubspy run directory or archive", dir);
		return eb->code;
	}
	r = parse_manifest(rd, text, len, eb);
	free(text);
	return r != 0 ? r : check_tree(rd, eb);
}

static int
add_member(struct rundata *rd, const char *name, char *data, size_t len)
{
	struct rundata_member *m;

	if ((m = reallocarray(rd->members, rd->nmembers + 1, sizeof(*m))) == NULL)
		return HS_ENOMEM;
	rd->members = m;
	m = &rd->members[rd->nmembers];
	if ((m->name = strdup(name)) == NULL)
		return HS_ENOMEM;
	m->data = data;
	m->len = len;
	rd->nmembers++;
	return 0;
}

static int
add_changed(struct rundata *rd, const char *path, const char *why)
{
	char **v, *s;

	if (asprintf(&s, "%s (%s)", path, why) == -1)
		return HS_ENOMEM;
	if ((v = reallocarray(rd->changed, rd->nchanged + 1, sizeof(*v))) ==
	    NULL) {
		free(s);
		return HS_ENOMEM;
	}
	v[rd->nchanged++] = s;
	rd->changed = v;
	return 0;
}

/* what a non-regular entry is, for the message */
static const char *
entry_kind(const struct arc *A, struct archive_entry *e)
{
	if (A->archive_entry_hardlink(e) != NULL)
		return "a hard link";
	switch (A->archive_entry_filetype(e)) {
	case AE_IFLNK:	return "a symbolic link";
	case AE_IFCHR:
	case AE_IFBLK:	return "a device";
	case AE_IFIFO:	return "a FIFO";
	case AE_IFSOCK:	return "a socket";
	default:	return "not a regular file";
	}
}

/* the name below the top folder ("" for the top folder itself), or NULL
 * when name is not inside one folder: absolute, "..", empty components */
static const char *
member_rel(const char *name)
{
	const char *p, *rel;
	size_t n;

	if (name == NULL)
		return NULL;
	while (strncmp(name, "./", 2) == 0)
		name += 2;
	if (name[0] == '/' || name[0] == '\0')
		return NULL;
	for (p = name; *p != '\0'; p += n + (p[n] == '/')) {
		n = strcspn(p, "/");
		if ((n == 0 && p[n] == '/') || (n == 2 && p[0] == '.' &&
		    p[1] == '.') || (n == 1 && p[0] == '.'))
			return NULL;
	}
	rel = strchr(name, '/');
	return rel != NULL ? rel + 1 : "";
}

struct reader {
	const struct arc *A;		/* libarchive (core/arc.h) */
	struct archive	*a;
	int		 fd;
	const char	*path;
};

static int
reader_open(struct reader *rr, struct hs_errbuf *eb)
{
	const struct arc *A;

	if ((A = rr->A = arc_get(eb)) == NULL)
		return eb->code;
	if (lseek(rr->fd, 0, SEEK_SET) == -1 ||
	    (rr->a = A->archive_read_new()) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	A->archive_read_support_filter_gzip(rr->a);
	A->archive_read_support_format_tar(rr->a);
	if (A->archive_read_open_fd(rr->a, rr->fd, 65536) != ARCHIVE_OK)
		/* the file opened: what fails now is its format, unless the
		 * disk itself answers with an error */
		return hs_error(eb, A->archive_errno(rr->a) == EIO ? HS_EIO :
		    HS_EUSAGE, "cannot open archive '%s': %s", rr->path,
		    A->archive_error_string(rr->a));
	return 0;
}

static void
reader_close(struct reader *rr)
{
	if (rr->a != NULL)
		rr->A->archive_read_free(rr->a);
	rr->a = NULL;
}

/*
 * Pass 1: every entry is checked (a hubspy archive holds one folder of
 * directories and regular files: a link, a device, a FIFO, a name outside
 * the folder is refused), their count and declared sizes are bounded
 * before any data is inflated, and only manifest.json is read.
 */
static int
scan_pass(struct reader *rr, char **man, size_t *manlen, struct hs_errbuf *eb)
{
	const struct arc *A = rr->A;
	struct archive_entry *e;
	const char *name, *rel;
	unsigned long long total = 0;
	size_t n = 0;
	la_int64_t size;
	ssize_t got;
	int ar;

	while ((ar = A->archive_read_next_header(rr->a, &e)) == ARCHIVE_OK) {
		name = A->archive_entry_pathname(e);
		if (++n > RUNDATA_MAX_ENTRIES)
			return hs_error(eb, HS_EUSAGE, "archive '%s' has more "
			    "than %d entries; not a hubspy run archive",
			    rr->path, RUNDATA_MAX_ENTRIES);
		if ((rel = member_rel(name)) == NULL)
			return hs_error(eb, HS_EUSAGE, "archive '%s' holds "
			    "'%.200s', a name outside its folder; not a hubspy "
			    "run archive, refusing it", rr->path,
			    name ? name : "");
		if (A->archive_entry_filetype(e) == AE_IFDIR &&
		    A->archive_entry_hardlink(e) == NULL)
			continue;
		if (A->archive_entry_filetype(e) != AE_IFREG ||
		    A->archive_entry_hardlink(e) != NULL)
			return hs_error(eb, HS_EUSAGE, "archive '%s' holds "
			    "'%.200s', %s; a hubspy archive holds regular files "
			    "only, refusing it", rr->path, name,
			    entry_kind(A, e));
		size = A->archive_entry_size(e);
		if (size < 0 || (total += (unsigned long long)size) >
		    RUNDATA_SCAN_MAX)
			return hs_error(eb, HS_EUSAGE, "archive '%s' expands to "
			    "more than %llu MiB; not a hubspy run archive",
			    rr->path, RUNDATA_SCAN_MAX >> 20);
		if (strcmp(rel, "manifest.json") != 0)
			continue;	/* the next header skips the data */
		if (*man != NULL)
			return hs_error(eb, HS_EUSAGE, "archive '%s' holds two "
			    "manifest.json; refusing it", rr->path);
		if (size > RUNDATA_MANIFEST_MAX)
			return hs_error(eb, HS_EUSAGE, "manifest.json in '%s' is "
			    "too large (%lld bytes, max %u)", rr->path,
			    (long long)size, RUNDATA_MANIFEST_MAX);
		if ((*man = malloc((size_t)size + 1)) == NULL)
			return hs_error(eb, HS_ENOMEM, "out of memory");
		got = A->archive_read_data(rr->a, *man, (size_t)size);
		if (got != (ssize_t)size)
			return hs_error(eb, HS_EUSAGE, "cannot read manifest.json "
			    "in archive '%s': %s", rr->path, got < 0 ?
			    A->archive_error_string(rr->a) : "truncated");
		(*man)[size] = '\0';
		*manlen = (size_t)size;
	}
	if (ar != ARCHIVE_EOF)
		return hs_error(eb, HS_EUSAGE, "cannot read archive '%s': %s; "
		    "is it a hubspy .tar.gz?", rr->path,
		    A->archive_error_string(rr->a));
	if (*man == NULL)
		return hs_error(eb, HS_EUSAGE, "no manifest.json in archive "
		    "'%s'; not a hubspy run archive", rr->path);
	return 0;
}

/* the folders the report renders from: a plateau's, a trigger's */
static int
rendered(const char *rel)
{
	return strncmp(rel, "plateaus/", 9) == 0 ||
	    strncmp(rel, "triggers/", 9) == 0;
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp((*(const struct record_file *const *)a)->path,
	    (*(const struct record_file *const *)b)->path);
}

/*
 * Pass 2: only the members the manifest names are read, each checked
 * against its size and sha256 (a difference is noted in rd->changed, not
 * an error); of those, the plateau and trigger files are kept in memory
 * within RUNDATA_MEMBER_MAX each and RUNDATA_KEEP_MAX in all. A named member
 * seen twice is refused.
 */
static int
read_pass(struct rundata *rd, struct reader *rr, struct hs_errbuf *eb)
{
	const struct arc *A = rr->A;
	const struct run_record *rec = rd->rec;
	const struct record_file **idx = NULL, *key, **hit;
	struct record_file probe;
	struct archive_entry *e;
	unsigned char *seen = NULL;
	char scratch[65536], *data = NULL, hex[65];
	unsigned long long kept = 0;
	SHA2_CTX ctx;
	la_int64_t size;
	ssize_t got;
	size_t i, k, off;
	const char *rel;
	int ar, keep, r = 0;

	if (rec->nfiles > 0 && ((idx = calloc(rec->nfiles, sizeof(*idx))) ==
	    NULL || (seen = calloc(rec->nfiles, 1)) == NULL)) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < rec->nfiles; i++)
		idx[i] = &rec->files[i];
	if (rec->nfiles > 0)
		qsort(idx, rec->nfiles, sizeof(*idx), cmp_file);
	while ((ar = A->archive_read_next_header(rr->a, &e)) == ARCHIVE_OK) {
		if (A->archive_entry_filetype(e) != AE_IFREG ||
		    (rel = member_rel(A->archive_entry_pathname(e))) == NULL)
			continue;	/* pass 1 allowed directories only */
		probe.path = (char *)(uintptr_t)rel;
		key = &probe;
		if (rec->nfiles == 0 || (hit = bsearch(&key, idx, rec->nfiles,
		    sizeof(*idx), cmp_file)) == NULL)
			continue;	/* not in the manifest: never read */
		k = (size_t)(hit - idx);
		if (seen[k]++) {
			r = hs_error(eb, HS_EUSAGE, "archive '%s' holds '%s' "
			    "twice; refusing it", rr->path, rel);
			goto out;
		}
		size = A->archive_entry_size(e);
		keep = rendered(rel) &&
		    (unsigned long long)size <= RUNDATA_MEMBER_MAX &&
		    kept + (unsigned long long)size <= RUNDATA_KEEP_MAX;
		if (keep && (data = malloc((size_t)size + 1)) == NULL) {
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
		SHA256Init(&ctx);
		for (off = 0;; off += (size_t)got) {
			got = A->archive_read_data(rr->a, keep ? data + off :
			    scratch, keep ? (size_t)size - off : sizeof(scratch));
			if (got <= 0)
				break;
			SHA256Update(&ctx, (const unsigned char *)(keep ?
			    data + off : scratch), (size_t)got);
		}
		if (got < 0 || (long long)off != (long long)size) {
			r = hs_error(eb, HS_EUSAGE, "cannot read '%s' in archive "
			    "'%s': %s", rel, rr->path, got < 0 ?
			    A->archive_error_string(rr->a) : "truncated");
			goto out;
		}
		SHA256End(&ctx, hex);
		if ((long long)size != idx[k]->bytes ||
		    strcmp(hex, idx[k]->sha256) != 0) {
			if ((r = add_changed(rd, rel, (long long)size !=
			    idx[k]->bytes ? "size differs" : "sha256 differs")) !=
			    0)
				goto nomem;
		}
		if (keep) {
			data[size] = '\0';
			kept += (unsigned long long)size;
			if (add_member(rd, rel, data, (size_t)size) != 0)
				goto nomem;
			data = NULL;
		} else if (rendered(rel) &&
		    add_member(rd, rel, NULL, (size_t)size) != 0)
			goto nomem;	/* too large to keep: named, no data */
	}
	if (ar != ARCHIVE_EOF) {
		r = hs_error(eb, HS_EUSAGE, "cannot read archive '%s': %s; is "
		    "it a hubspy .tar.gz?", rr->path,
		    A->archive_error_string(rr->a));
		goto out;
	}
	for (i = 0; i < rec->nfiles; i++)
		if (!seen[i] && (r = add_changed(rd, idx[i]->path, "missing")) !=
		    0)
			goto nomem;
	r = 0;
	goto out;
nomem:
	r = hs_error(eb, HS_ENOMEM, "out of memory");
out:
	free(data);
	free(idx);
	free(seen);
	return r;
}

int
rundata_open_archive(struct rundata *rd, const char *path, struct hs_errbuf *eb)
{
	struct reader rr = { .fd = -1, .path = path };
	char *man = NULL;
	size_t manlen = 0;
	int r;

	rundata_init(rd);
	rd->is_archive = 1;
	if ((rd->where = strdup(path)) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	/* a regular file only: a FIFO or a device named by mistake is an
	 * error at once, not a wait */
	if ((rr.fd = file_open_read(path, 0, eb)) < 0) {
		r = errno == ENOENT ? hs_error(eb, HS_EUSAGE, "cannot open "
		    "archive '%s': %s", path, strerror(ENOENT)) : rr.fd;
		goto out;
	}
	if ((r = reader_open(&rr, eb)) != 0 ||
	    (r = scan_pass(&rr, &man, &manlen, eb)) != 0)
		goto out;
	reader_close(&rr);
	if ((r = parse_manifest(rd, man, manlen, eb)) != 0 ||
	    (r = reader_open(&rr, eb)) != 0)
		goto out;
	r = read_pass(rd, &rr, eb);
out:
	free(man);
	reader_close(&rr);
	if (rr.fd >= 0)
		close(rr.fd);
	return r;
}

int
rundata_open(struct rundata *rd, const char *path, struct hs_errbuf *eb)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		rundata_init(rd);
		return hs_error(eb, HS_EUSAGE, "cannot open '%s': %s", path,
		    strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return rundata_open_dir(rd, path, eb);
	return rundata_open_archive(rd, path, eb);
}

void
rundata_release(struct rundata *rd)
{
	size_t i;

	for (i = 0; i < rd->nmembers; i++) {
		free(rd->members[i].name);
		free(rd->members[i].data);
	}
	free(rd->members);
	for (i = 0; i < rd->nchanged; i++)
		free(rd->changed[i]);
	free(rd->changed);
	record_release(&rd->own);
	free(rd->where);
	memset(rd, 0, sizeof(*rd));
}

int
rundata_use_dir(struct rundata *rd, const char *dir,
    const struct run_record *rec, struct hs_errbuf *eb)
{
	rundata_init(rd);
	if ((rd->where = strdup(dir)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	rd->rec = rec;
	rd->plateaus = rec->plateaus;
	rd->nplateaus = rec->nplateaus;
	return 0;
}

/* *data through rd->filter, replaced by what it gives */
static int
filter(const struct rundata *rd, const char *rel, char **data, size_t *len,
    size_t max, struct hs_errbuf *eb)
{
	struct buf out = BUF_INIT(max);
	int r;

	if (rd->filter == NULL)
		return 0;
	r = rd->filter->fn(rd->filter->arg, rel, *data, *len, &out);
	explicit_bzero(*data, *len);
	free(*data);
	*data = NULL;
	*len = 0;
	if (r == 0 && (*data = buf_detach(&out, len)) == NULL)
		r = HS_ENOMEM;
	buf_release(&out);
	if (r != 0)
		return hs_error(eb, r, "cannot redact '%s' of '%s'", rel,
		    rd->where);
	return 0;
}

static const struct rundata_member *
member(const struct rundata *rd, const char *rel)
{
	size_t i;

	for (i = 0; i < rd->nmembers; i++)
		if (strcmp(rd->members[i].name, rel) == 0)
			return &rd->members[i];
	return NULL;
}

int
rundata_read(const struct rundata *rd, const char *rel, char **data,
    size_t *len, size_t max, struct hs_errbuf *eb)
{
	const struct rundata_member *m;
	char path[4096];

	int r;

	*data = NULL;
	*len = 0;
	if (strstr(rel, "..") != NULL || rel[0] == '/')
		return hs_error(eb, HS_EUSAGE, "bad file name '%s'", rel);
	if (!rd->is_archive) {
		snprintf(path, sizeof(path), "%s/%s", rd->where, rel);
		if ((r = file_read_alloc(path, max, data, len, eb)) != 0)
			return r;
		return filter(rd, rel, data, len, max, eb);
	}
	if ((m = member(rd, rel)) == NULL)
		return hs_error(eb, HS_EIO, "no '%s' in archive '%s'", rel,
		    rd->where);
	if (m->len > max || m->data == NULL)
		return hs_error(eb, HS_ELIMIT, "'%s' in '%s' is larger than "
		    "hubspy report reads (%zu bytes; %u MiB each, %u MiB in "
		    "all)", rel, rd->where, m->len, RUNDATA_MEMBER_MAX >> 20,
		    RUNDATA_KEEP_MAX >> 20);
	if ((*data = malloc(m->len + 1)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	memcpy(*data, m->data, m->len);
	(*data)[m->len] = '\0';
	*len = m->len;
	return filter(rd, rel, data, len, max, eb);
}

int
rundata_has(const struct rundata *rd, const char *rel)
{
	char path[4096];
	struct stat st;

	if (rd->is_archive)
		return member(rd, rel) != NULL;
	snprintf(path, sizeof(path), "%s/%s", rd->where, rel);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const struct record_plateau *
rundata_plateau(const struct rundata *rd, long users)
{
	size_t i;

	for (i = 0; i < rd->nplateaus; i++)
		if (rd->plateaus[i].users == users)
			return &rd->plateaus[i];
	return NULL;
}
