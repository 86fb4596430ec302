/* journal.c -- the record of user names made, written before they are made */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/file.h"
#include "run/journal.h"

int
journal_open(struct journal *j, const char *path, struct hs_errbuf *eb)
{
	j->fd = -1;
	if ((j->path = strdup(path)) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	/* FILE_SYNC: a new journal's name is on the disk before any batch */
	if ((j->fd = file_open_append(path, FILE_SYNC, NULL)) < 0) {
		j->fd = -1;
		return hs_error(eb, HS_EIO, "cannot open journal '%s': %s",
		    path, strerror(errno));
	}
	return 0;
}

int
journal_append(struct journal *j, const char *prefix,
    const char *const *names, size_t n, struct hs_errbuf *eb)
{
	cJSON *line = NULL, *arr;
	char *text = NULL, stamp[32];
	struct buf b = BUF_INIT(64u << 20);
	size_t i, pl = strlen(prefix);
	time_t now = time(NULL);
	struct tm tm;
	int r;

	if (pl == 0)
		return hs_error(eb, HS_EUSAGE, "journal: empty user prefix");
	if (n > JOURNAL_MAX_BATCH)
		return hs_error(eb, HS_EUSAGE, "journal: batch of %zu names "
		    "is over %d", n, JOURNAL_MAX_BATCH);
	for (i = 0; i < n; i++)
		if (strncmp(names[i], prefix, pl) != 0)
			return hs_error(eb, HS_EUSAGE, "journal: user '%s' does "
			    "not start with prefix '%s'", names[i], prefix);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r = HS_ENOMEM;
	if ((line = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(line, "v", 1) == NULL ||
	    cJSON_AddStringToObject(line, "time", stamp) == NULL ||
	    cJSON_AddStringToObject(line, "prefix", prefix) == NULL ||
	    (arr = cJSON_AddArrayToObject(line, "names")) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(names[i])))
			goto nomem;
	if ((text = cJSON_PrintUnformatted(line)) == NULL ||
	    buf_addstr(&b, text) != 0 || buf_addch(&b, '\n') != 0)
		goto nomem;
	if (file_write_all(j->fd, b.data, b.len) != 0 || fsync(j->fd) != 0) {
		r = hs_error(eb, HS_EIO, "cannot write journal '%s': %s",
		    j->path, strerror(errno));
		goto out;
	}
	r = 0;
	goto out;
nomem:
	r = hs_error(eb, HS_ENOMEM, "out of memory writing the journal");
out:
	cJSON_free(text);
	cJSON_Delete(line);
	buf_release(&b);
	return r;
}

int
journal_close(struct journal *j, struct hs_errbuf *eb)
{
	int r = 0;

	if (j->fd != -1 && close(j->fd) != 0)
		r = hs_error(eb, HS_EIO, "cannot close journal '%s': %s",
		    j->path, strerror(errno));
	j->fd = -1;
	free(j->path);
	j->path = NULL;
	return r;
}

void
journal_names_release(struct journal_names *jn)
{
	size_t i;

	for (i = 0; i < jn->n; i++)
		free(jn->names[i]);
	for (i = 0; i < jn->nprefixes; i++)
		free(jn->prefixes[i]);
	free(jn->names);
	free(jn->prefixes);
	memset(jn, 0, sizeof(*jn));
}

/* appends s to the list unless present; linear, journals are small */
static int
add_unique(char ***list, size_t *n, const char *s)
{
	char **v, *c;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*list)[i], s) == 0)
			return 0;
	if ((c = strdup(s)) == NULL)
		return HS_ENOMEM;
	if ((v = reallocarray(*list, *n + 1, sizeof(*v))) == NULL) {
		free(c);
		return HS_ENOMEM;
	}
	v[(*n)++] = c;
	*list = v;
	return 0;
}

static int
read_line(const char *path, int lineno, const char *text,
    struct journal_names *out, struct hs_errbuf *eb)
{
	const cJSON *prefix, *names, *e;
	cJSON *line;
	size_t pl;
	int r = 0;

	if ((line = cJSON_Parse(text)) == NULL || !cJSON_IsObject(line)) {
		cJSON_Delete(line);
		return hs_error(eb, HS_EUSAGE, "journal '%s': line %d: not a "
		    "JSON object; remove that line or purge by prefix",
		    path, lineno);
	}
	prefix = cJSON_GetObjectItemCaseSensitive(line, "prefix");
	names = cJSON_GetObjectItemCaseSensitive(line, "names");
	if (!cJSON_IsString(prefix) || prefix->valuestring[0] == '\0' ||
	    !cJSON_IsArray(names)) {
		r = hs_error(eb, HS_EUSAGE, "journal '%s': line %d: no "
		    "'prefix' string or 'names' array", path, lineno);
		goto out;
	}
	pl = strlen(prefix->valuestring);
	if ((r = add_unique(&out->prefixes, &out->nprefixes,
	    prefix->valuestring)) != 0)
		goto nomem;
	cJSON_ArrayForEach(e, names) {
		if (!cJSON_IsString(e) || strncmp(e->valuestring,
		    prefix->valuestring, pl) != 0) {
			r = hs_error(eb, HS_EUSAGE, "journal '%s': line %d: "
			    "a name that is not a string starting with '%s'",
			    path, lineno, prefix->valuestring);
			goto out;
		}
		if ((r = add_unique(&out->names, &out->n, e->valuestring)) != 0)
			goto nomem;
	}
	goto out;
nomem:
	r = hs_error(eb, HS_ENOMEM, "out of memory reading the journal");
out:
	cJSON_Delete(line);
	return r;
}

int
journal_read(const char *path, struct journal_names *out,
    struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(JOURNAL_MAX_BYTES);
	char file[4096], *p, *nl;
	struct stat st;
	int r, lineno = 0;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/%s", path, JOURNAL_FILE);
	else
		strlcpy(file, path, sizeof(file));
	if ((r = file_read(file, &b, eb)) != 0) {
		if (r == HS_EIO && eb != NULL) {
			char why[400];

			strlcpy(why, eb->msg, sizeof(why));
			hs_error(eb, HS_EIO, "%s (the run's journal); purge by "
			    "prefix instead", why);
		}
		goto out;
	}
	if (memchr(b.data, '\0', b.len) != NULL) {
		r = hs_error(eb, HS_EUSAGE, "journal '%s': NUL bytes: not a "
		    "journal", file);
		goto out;
	}
	/* complete lines only: a final line without '\n' was cut by a
	 * crash while it was written, so its batch was never sent */
	for (p = b.data; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		lineno++;
		*nl = '\0';
		if (p[strspn(p, " \t\r")] == '\0')
			continue;
		if ((r = read_line(file, lineno, p, out, eb)) != 0)
			goto out;
	}
	r = 0;
out:
	buf_release(&b);
	return r;
}
