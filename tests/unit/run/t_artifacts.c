/* t_artifacts.c -- unit tests for the run directory and the tarball */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "run/artifacts.h"
#include "core/buf.h"
#include "core/file.h"
#include "record/record.h"
#include "unit.h"

#define TOKEN	"0123456789abcdef0123456789abcdef0123456789abcdef"
#define WHEN	1795822500	/* 2026-11-27T23:35:00Z */
#define LOG	"Authorization: token " TOKEN "\nGET /hub/api/users?token=" \
	TOKEN " 200\n"

/* entries of a tarball read back with libarchive */
struct entry {
	char	 path[256];
	int	 mode;
	int	 isdir;
	char	*data;
	size_t	 len;
};

/* a run record as a run starts it */
static void
record_new(struct run_record *rec, const struct artifacts *a,
    const char *name, const char *partial)
{
	record_init(rec);
	record_set_str(&rec->hubspy_version, HUBSPY_VERSION);
	record_set_str(&rec->created, a->created);
	record_set_str(&rec->profile_name, name);
	if (partial != NULL) {
		rec->partial = 1;
		record_set_str(&rec->partial_reason, partial);
	}
}

static int
read_tarball(const char *path, struct entry *e, int max)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ae;
	struct buf b = BUF_INIT(1u << 24);
	char chunk[8192];
	la_ssize_t n;
	int k = 0;

	archive_read_support_filter_gzip(ar);
	archive_read_support_format_tar(ar);
	if (archive_read_open_filename(ar, path, 10240) != ARCHIVE_OK) {
		archive_read_free(ar);
		return -1;
	}
	while (k < max && archive_read_next_header(ar, &ae) == ARCHIVE_OK) {
		strlcpy(e[k].path, archive_entry_pathname(ae),
		    sizeof(e[k].path));
		e[k].mode = archive_entry_perm(ae);
		e[k].isdir = archive_entry_filetype(ae) == AE_IFDIR;
		buf_reset(&b);
		while ((n = archive_read_data(ar, chunk, sizeof(chunk))) > 0)
			buf_add(&b, chunk, (size_t)n);
		e[k].len = b.len;
		e[k].data = buf_detach(&b, NULL);
		k++;
	}
	archive_read_free(ar);
	buf_release(&b);
	return k;
}

static void
free_entries(struct entry *e, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(e[i].data);
}

static void
fill_run(struct artifacts *a)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char bin[64] = "BIN\0" TOKEN;

	CHECK_INT(artifacts_write(a, "summary.md", "# run\n", 6, &eb), 0);
	CHECK_INT(artifacts_write(a, "hub.log", "start\n", 6, &eb), 0);
	CHECK_INT(artifacts_append(a, "hub.log", LOG, strlen(LOG), &eb), 0);
	CHECK_INT(artifacts_mkdir(a, "plateaus/0100", &eb), 0);
	CHECK_INT(artifacts_write(a, "plateaus/0100/record.raw",
	    "main;run (app.py:10);hash_token (orm.py:120) 42\n", 49, &eb), 0);
	CHECK_INT(artifacts_write(a, "plateaus/0100/dump-1.txt",
	    "Thread 0x7F (idle): \"MainThread\"\n    select (selectors.py:468)"
	    "\n        Locals:\n            password: \"hunter2\"\n", 110, &eb),
	    0);
	CHECK_INT(artifacts_write(a, "plateaus/0100/blob.bin", bin,
	    4 + strlen(TOKEN), &eb), 0);
}

UNIT_TEST(artifacts_tarball_roundtrip)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct artifacts a = ARTIFACTS_INIT;
	struct entry e[32];
	struct buf disk = BUF_INIT(1u << 20), out = BUF_INIT(1u << 16);
	char outdir[512], path[1024], hex[65], cmd[1200], line[512];
	const cJSON *files, *f;
	cJSON *m, *mj;
	struct run_record rec;
	struct record_plateau *pl = NULL;
	struct record_capture cap = RECORD_CAPTURE_INIT;
	struct stat st;
	FILE *fp;
	int n, i, k, nfiles = 0, ntar = 0;

	snprintf(outdir, sizeof(outdir), "%s/out/sub", unit_tmpdir());
	CHECK_INT(artifacts_init(&a, outdir, "smoke", WHEN, &eb), 0);
	CHECK_STR(a.name, "hubspy-20261127T233500Z-smoke");
	CHECK_STR(a.created, "2026-11-27T23:35:00Z");
	CHECK_INT(stat(a.dir, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	CHECK_INT(redact_add_secret(&a.redact, TOKEN), 0);
	fill_run(&a);
	artifacts_path(&a, "plateaus/0100/record.raw", path, sizeof(path));
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	/* symlinks are never followed into the archive */
	artifacts_path(&a, "link", path, sizeof(path));
	CHECK_INT(symlink("/etc/passwd", path), 0);
	/* nor is the temporary file of a write a crash cut short */
	CHECK_INT(artifacts_write(&a, "plateaus/0100/.record.svg.tmp-0a1b2c",
	    "<svg", 4, &eb), 0);

	record_new(&rec, &a, "smoke", "interrupted by SIGINT");
	rec.has_hub = 1;
	record_set_str(&rec.hub.token_kind, "service");
	record_set_str(&rec.hub.url, "http://h/hub/api");
	CHECK_INT(record_set_profile(&rec, cJSON_Parse("{\"hub\": "
	    "{\"server_options\": {\"password\": \"hunter2\"}}}"), &eb), 0);
	/* a capture gets the size and checksum of its file as archived */
	CHECK_INT(record_add_plateau(&rec, 100, "plateaus/0100", &pl), 0);
	cap.kind = (char *)"record";
	cap.file = (char *)"plateaus/0100/record.raw";
	cap.bytes = 1;
	CHECK(pl != NULL && record_plateau_add_capture(pl, &cap) == 0);
	CHECK_INT(artifacts_finish(&a, &rec, &eb), 0);
	CHECK_INT(rec.nfiles, 5);
	CHECK(pl != NULL && pl->ncaptures == 1 && pl->captures[0].bytes == 49 &&
	    pl->captures[0].sha256 != NULL &&
	    strlen(pl->captures[0].sha256) == 64);
	CHECK((m = record_to_json(&rec)) != NULL);
	snprintf(path, sizeof(path), "%s/%s.tar.gz", outdir, a.name);
	CHECK_STR(a.tarball, path);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(m, "partial")));
	CHECK_STR(cJSON_GetObjectItem(m, "partial_reason")->valuestring,
	    "interrupted by SIGINT");
	CHECK_INT(cJSON_GetObjectItem(m, "schema")->valueint, 1);
	files = cJSON_GetObjectItem(m, "files");
	CHECK_INT(cJSON_GetArraySize(files), 5);
	cJSON_ArrayForEach(f, files)
		if (strcmp(cJSON_GetObjectItem(f, "path")->valuestring,
		    "hub.log") == 0)
			CHECK_INT(cJSON_GetObjectItem(f, "redactions")->valueint,
			    2);

	/* libarchive: one top folder, manifest first, modes, checksums */
	n = read_tarball(a.tarball, e, 32);
	CHECK_INT(n, 1 + 1 + 2 + 5);	/* top, manifest, 2 dirs, 5 files */
	CHECK(n > 1 && strcmp(e[1].path, "hubspy-20261127T233500Z-smoke/"
	    "manifest.json") == 0);
	for (i = 0; i < n; i++) {
		CHECK(strncmp(e[i].path, a.name, strlen(a.name)) == 0);
		CHECK_INT(e[i].mode, e[i].isdir ? 0700 : 0600);
		CHECK(e[i].data == NULL || memmem(e[i].data, e[i].len, TOKEN,
		    strlen(TOKEN)) == NULL);
		CHECK(e[i].data == NULL || memmem(e[i].data, e[i].len,
		    "hunter2", 7) == NULL);
		if (e[i].isdir || i == 1)
			continue;
		nfiles++;
		artifacts_sha256_hex(e[i].data, e[i].len, hex);
		cJSON_ArrayForEach(f, files) {
			k = strlen(a.name) + 1;
			if (strcmp(cJSON_GetObjectItem(f, "path")->valuestring,
			    e[i].path + k) != 0)
				continue;
			CHECK_STR(cJSON_GetObjectItem(f, "sha256")->valuestring,
			    hex);
			CHECK_INT(cJSON_GetObjectItem(f, "bytes")->valuedouble,
			    e[i].len);
		}
	}
	CHECK_INT(nfiles, 5);
	/* the manifest in the archive is the one on disk, and parses */
	artifacts_path(&a, ARTIFACTS_MANIFEST, path, sizeof(path));
	CHECK_INT(file_read(path, &disk, &eb), 0);
	CHECK(n > 1 && disk.len == e[1].len && memcmp(disk.data, e[1].data,
	    disk.len) == 0);
	CHECK((mj = cJSON_Parse(disk.data)) != NULL);
	/* the manifest keeps its checksums and names, loses the password */
	CHECK(strstr(disk.data, "\"token_kind\":\t\"service\"") != NULL);
	CHECK(strstr(disk.data, "\"password\":\t\"<redacted>\"") != NULL);
	CHECK(strstr(disk.data, cJSON_GetObjectItem(files->child,
	    "sha256")->valuestring) != NULL);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(mj, "files")), 5);
	cJSON_Delete(mj);
	/* what was redacted, and what was left alone */
	for (i = 0; i < n; i++) {
		if (strstr(e[i].path, "/hub.log") != NULL)
			CHECK_STR(e[i].data, "start\nAuthorization: <redacted>\n"
			    "GET /hub/api/users?token=<redacted> 200\n");
		if (strstr(e[i].path, "record.raw") != NULL)
			CHECK_STR(e[i].data, "main;run (app.py:10);hash_token "
			    "(orm.py:120) 42\n");
		if (strstr(e[i].path, "blob.bin") != NULL)
			CHECK(e[i].len == 4 + strlen(REDACT_MARK) &&
			    memcmp(e[i].data + 4, REDACT_MARK, 10) == 0);
	}
	free_entries(e, n);

	/* tar(1) reads it too */
	snprintf(cmd, sizeof(cmd), "tar -tzf '%s'", a.tarball);
	CHECK((fp = popen(cmd, "r")) != NULL);
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		ntar++;
		CHECK(strncmp(line, a.name, strlen(a.name)) == 0);
	}
	CHECK(fp != NULL && pclose(fp) == 0);
	CHECK_INT(ntar, 9);
	/* no temporary file left behind */
	{
		DIR *d = opendir(outdir);
		struct dirent *de;
		int others = 0;

		while (d != NULL && (de = readdir(d)) != NULL)
			others += de->d_name[0] == '.' && strcmp(de->d_name,
			    ".") != 0 && strcmp(de->d_name, "..") != 0;
		if (d != NULL)
			closedir(d);
		CHECK_INT(others, 0);
	}
	cJSON_Delete(m);
	record_release(&rec);
	CHECK_INT(artifacts_remove_dir(&a, &eb), 0);
	CHECK(stat(a.dir, &st) == -1 && errno == ENOENT);
	artifacts_release(&a);
	buf_release(&disk);
	buf_release(&out);
}

UNIT_TEST(artifacts_names_and_no_redact)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct artifacts a = ARTIFACTS_INIT, b = ARTIFACTS_INIT;
	struct entry e[16];
	char outdir[512], plat[32];
	struct run_record rec;
	int n, i, found = 0;

	snprintf(outdir, sizeof(outdir), "%s/o", unit_tmpdir());
	CHECK_INT(artifacts_init(&a, outdir, "a b/../c", WHEN, &eb), 0);
	CHECK_STR(a.name, "hubspy-20261127T233500Z-a_b_.._c");
	/* the same second again: a new name */
	CHECK_INT(artifacts_init(&b, outdir, "a b/../c", WHEN, &eb), 0);
	CHECK_STR(b.name, "hubspy-20261127T233500Z-a_b_.._c-2");
	artifacts_plateau_dir(100, plat, sizeof(plat));
	CHECK_STR(plat, "plateaus/0100");
	artifacts_plateau_dir(12000, plat, sizeof(plat));
	CHECK_STR(plat, "plateaus/12000");
	/* --no-redact keeps everything as it is */
	b.no_redact = 1;
	CHECK_INT(redact_add_secret(&b.redact, TOKEN), 0);
	CHECK_INT(artifacts_write(&b, "run.log", "t=" TOKEN "\n", 51, &eb), 0);
	record_new(&rec, &b, "c", NULL);
	CHECK_INT(artifacts_finish(&b, &rec, &eb), 0);
	n = read_tarball(b.tarball, e, 16);
	for (i = 0; i < n; i++)
		if (strstr(e[i].path, "run.log") != NULL)
			found = strcmp(e[i].data, "t=" TOKEN "\n") == 0;
	CHECK(found);
	free_entries(e, n);
	record_release(&rec);
	artifacts_release(&a);
	artifacts_release(&b);
}

/* no file under the final name after a failure, and no temporary file */
static void
check_nothing_left(const char *outdir, const char *name)
{
	char path[1024];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s.tar.gz", outdir, name);
	CHECK(access(path, F_OK) == -1);
	if ((d = opendir(outdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		CHECK(strstr(de->d_name, ".tar.gz") == NULL);
	closedir(d);
}

/* a directory we may not write: read-only mount as root, else 0500 */
UNIT_TEST(artifacts_unwritable_dir)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct artifacts a = ARTIFACTS_INIT;
	char outdir[512], want[1200];
	int mounted = 0;
	struct run_record rec;

	snprintf(outdir, sizeof(outdir), "%s/ro", unit_tmpdir());
	CHECK_INT(mkdir(outdir, 0700), 0);
	if (geteuid() == 0) {
		if (mount("tmpfs", outdir, "tmpfs", 0, "size=256k,mode=0700")
		    != 0) {
			unit_skip("cannot mount a tmpfs: %s", strerror(errno));
			return;
		}
		mounted = 1;
	}
	CHECK_INT(artifacts_init(&a, outdir, "ro", WHEN, &eb), 0);
	fill_run(&a);
	if (mounted)
		CHECK_INT(mount("tmpfs", outdir, "tmpfs", MS_REMOUNT | MS_RDONLY,
		    "size=256k,mode=0700"), 0);
	else
		CHECK_INT(chmod(outdir, 0500), 0);
	record_new(&rec, &a, "ro", NULL);
	CHECK_INT(artifacts_finish(&a, &rec, &eb), HS_EIO);
	if (mounted)
		snprintf(want, sizeof(want), "cannot write '%s/manifest.json': "
		    "Read-only file system", a.dir);
	else
		snprintf(want, sizeof(want), "cannot write '%s/%s.tar.gz': "
		    "Permission denied", outdir, a.name);
	CHECK_STR(eb.msg, want);
	check_nothing_left(outdir, a.name);
	CHECK(a.tarball == NULL);
	record_release(&rec);
	artifacts_release(&a);
	/* a run directory that cannot be made at all */
	CHECK_INT(artifacts_init(&a, outdir, "ro", WHEN + 1, &eb), HS_EIO);
	snprintf(want, sizeof(want), "cannot create run directory '%s/"
	    "hubspy-20261127T233501Z-ro': %s", outdir, mounted ?
	    "Read-only file system" : "Permission denied");
	CHECK_STR(eb.msg, want);
	artifacts_release(&a);
	if (mounted)
		umount2(outdir, MNT_DETACH);
	else
		chmod(outdir, 0700);
}

/* a full disk: a 64 KiB tmpfs (needs root; skipped visibly otherwise) */
UNIT_TEST(artifacts_disk_full)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct artifacts a = ARTIFACTS_INIT;
	char outdir[512], want[1200], *noise;
	unsigned int seed = 7;
	size_t i, n = 36 * 1024;
	struct run_record rec;

	snprintf(outdir, sizeof(outdir), "%s/full", unit_tmpdir());
	CHECK_INT(mkdir(outdir, 0700), 0);
	if (mount("tmpfs", outdir, "tmpfs", 0, "size=64k,mode=0700") != 0) {
		unit_skip("cannot mount a tmpfs: %s", strerror(errno));
		return;
	}
	CHECK_INT(artifacts_init(&a, outdir, "full", WHEN, &eb), 0);
	/* incompressible, so the tarball cannot fit next to it */
	noise = malloc(n);
	for (i = 0; i < n; i++)
		noise[i] = (char)(rand_r(&seed) & 0xff);
	CHECK_INT(artifacts_write(&a, "record.bin", noise, n, &eb), 0);
	record_new(&rec, &a, "full", NULL);
	CHECK_INT(artifacts_finish(&a, &rec, &eb), HS_EIO);
	snprintf(want, sizeof(want), "cannot write '%s/%s.tar.gz': No space "
	    "left on device", outdir, a.name);
	CHECK_STR(eb.msg, want);
	check_nothing_left(outdir, a.name);
	/* writing into the run directory of a full disk */
	CHECK_INT(artifacts_write(&a, "more.bin", noise, n, &eb), HS_EIO);
	snprintf(want, sizeof(want), "cannot write '%s/more.bin': No space "
	    "left on device", a.dir);
	CHECK_STR(eb.msg, want);
	free(noise);
	record_release(&rec);
	artifacts_release(&a);
	umount2(outdir, MNT_DETACH);
}

#define DUMP "Thread 1 (idle)\n    f (a.py:1)\n        Locals:\n" \
	"            password: \"Hunter2-horse\"\n"

/* the final sweep names the file and the form; a directory is redacted in
 * place (postmortem), a value learned in one file gone from the others */
UNIT_TEST(artifacts_sweep_and_redact_dir)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct artifacts a = ARTIFACTS_INIT;
	struct redact rd = REDACT_INIT;
	struct buf b = BUF_INIT(1u << 16);
	char outdir[512], path[1024];
	long long n = 0;

	snprintf(outdir, sizeof(outdir), "%s/sweep", unit_tmpdir());
	CHECK_INT(artifacts_init(&a, outdir, "sweep", WHEN, &eb), 0);
	CHECK_INT(redact_add_secret(&a.redact, "s3cr3t-Token-Value-42"), 0);
	/* base64 of "x:" + the token, as a Basic auth header would hold it */
	buf_addstr(&b, "Basic eDpzM2NyM3QtVG9rZW4tVmFsdWUtNDI=");
	CHECK_INT(artifacts_sweep(&a, "plateaus/0001/dump-1.txt", &b, &eb),
	    HS_EIO);
	CHECK(strstr(eb.msg, "/plateaus/0001/dump-1.txt' still holds a secret "
	    "(base64) after redaction; the archive was not written") != NULL);
	a.no_redact = 1;
	CHECK_INT(artifacts_sweep(&a, "x", &b, &eb), 0);
	a.no_redact = 0;
	buf_reset(&b);
	buf_addstr(&b, "nothing here");
	CHECK_INT(artifacts_sweep(&a, "x", &b, &eb), 0);

	CHECK_INT(artifacts_write(&a, "dump-1.txt", DUMP, strlen(DUMP), &eb),
	    0);
	CHECK_INT(artifacts_write(&a, "hub.log", "login Hunter2-horse\n", 20,
	    &eb), 0);
	CHECK_INT(redact_add_secret(&rd, "s3cr3t-Token-Value-42"), 0);
	CHECK_INT(artifacts_redact_dir(a.dir, &rd, &n, &eb), 0);
	CHECK(n == 2);
	artifacts_path(&a, "hub.log", path, sizeof(path));
	buf_reset(&b);
	CHECK_INT(file_read(path, &b, &eb), 0);
	CHECK_STR(b.data, "login <redacted>\n");
	artifacts_path(&a, "dump-1.txt", path, sizeof(path));
	buf_reset(&b);
	CHECK_INT(file_read(path, &b, &eb), 0);
	CHECK(strstr(b.data, "            password: <redacted>\n") != NULL);
	CHECK(strstr(b.data, "    f (a.py:1)\n") != NULL);
	buf_release(&b);
	redact_release(&rd);
	artifacts_release(&a);
}
