/* rundata.c -- a run's manifest.json and files, from a directory or a tar.gz */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/buf.h"
#include "core/file.h"
#include "record/record.h"
#include "record/rundata.h"

#define ARCHIVE_TOTAL_MAX	(1024ull << 20)	/* all members kept */

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
	if ((r = file_read_alloc(path, RUNDATA_MANIFEST_MAX, &text, &len, eb)) != 0) {
		if (r == HS_EIO)
			hs_error(eb, HS_EUSAGE, "no manifest.json in '%s'; give "
			    "a hubspy run directory or archive", dir);
		return eb->code;
	}
	r = parse_manifest(rd, text, len, eb);
	free(text);
	return r;
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

int
rundata_open_archive(struct rundata *rd, const char *path, struct hs_errbuf *eb)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	const char *name, *rel;
	char *data = NULL;
	unsigned long long total = 0;
	la_int64_t size;
	ssize_t got;
	int r, ar, fd = -1;
	const struct rundata_member *man = NULL;
	size_t i;

	rundata_init(rd);
	rd->is_archive = 1;
	if ((rd->where = strdup(path)) == NULL || (a = archive_read_new()) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	/* a regular file only: a FIFO or a device named by mistake is an
	 * error at once, not a wait */
	if ((fd = file_open_read(path, 0, eb)) < 0) {
		r = errno == ENOENT ? hs_error(eb, HS_EUSAGE, "cannot open "
		    "archive '%s': %s", path, strerror(ENOENT)) : fd;
		goto out;
	}
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		/* the file opened: what fails now is its format, unless the
		 * disk itself answers with an error */
		r = hs_error(eb, archive_errno(a) == EIO ? HS_EIO : HS_EUSAGE,
		    "cannot open archive '%s': %s", path, archive_error_string(a));
		goto out;
	}
	while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		name = archive_entry_pathname(e);
		while (name != NULL && strncmp(name, "./", 2) == 0)
			name += 2;
		if (name == NULL || (rel = strchr(name, '/')) == NULL)
			continue;
		rel++;
		if (strcmp(rel, "manifest.json") != 0 &&
		    strncmp(rel, "plateaus/", 9) != 0 &&
		    strncmp(rel, "triggers/", 9) != 0)
			continue;
		size = archive_entry_size(e);
		if (size < 0 || (unsigned long long)size > RUNDATA_MEMBER_MAX ||
		    total + (unsigned long long)size > ARCHIVE_TOTAL_MAX) {
			r = hs_error(eb, HS_ELIMIT, "archive member '%s' in '%s' "
			    "is too large (%lld bytes, max %u)", name, path,
			    (long long)size, RUNDATA_MEMBER_MAX);
			goto out;
		}
		if ((data = malloc((size_t)size + 1)) == NULL) {
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
		got = archive_read_data(a, data, (size_t)size);
		if (got < 0 || got != (ssize_t)size) {
			r = hs_error(eb, HS_EUSAGE, "cannot read '%s' in archive "
			    "'%s': %s", name, path, got < 0 ?
			    archive_error_string(a) : "truncated");
			goto out;
		}
		data[size] = '\0';
		total += (unsigned long long)size;
		if (add_member(rd, rel, data, (size_t)size) != 0) {
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
		data = NULL;
	}
	if (ar != ARCHIVE_EOF) {
		r = hs_error(eb, HS_EUSAGE, "cannot read archive '%s': %s; is it "
		    "a hubspy .tar.gz?", path, archive_error_string(a));
		goto out;
	}
	for (i = 0; i < rd->nmembers; i++)
		if (strcmp(rd->members[i].name, "manifest.json") == 0)
			man = &rd->members[i];
	if (man == NULL) {
		r = hs_error(eb, HS_EUSAGE, "no manifest.json in archive '%s'; "
		    "not a hubspy run archive", path);
		goto out;
	}
	if (man->len > RUNDATA_MANIFEST_MAX) {
		r = hs_error(eb, HS_ELIMIT, "manifest.json in '%s' is too large",
		    path);
		goto out;
	}
	r = parse_manifest(rd, man->data, man->len, eb);
out:
	free(data);
	if (a != NULL)
		archive_read_free(a);
	if (fd != -1)
		close(fd);
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

	*data = NULL;
	*len = 0;
	if (strstr(rel, "..") != NULL || rel[0] == '/')
		return hs_error(eb, HS_EUSAGE, "bad file name '%s'", rel);
	if (!rd->is_archive) {
		snprintf(path, sizeof(path), "%s/%s", rd->where, rel);
		return file_read_alloc(path, max, data, len, eb);
	}
	if ((m = member(rd, rel)) == NULL)
		return hs_error(eb, HS_EIO, "no '%s' in archive '%s'", rel,
		    rd->where);
	if (m->len > max)
		return hs_error(eb, HS_ELIMIT, "'%s' in '%s' is larger than %zu "
		    "bytes", rel, rd->where, max);
	if ((*data = malloc(m->len + 1)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	memcpy(*data, m->data, m->len);
	(*data)[m->len] = '\0';
	*len = m->len;
	return 0;
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
