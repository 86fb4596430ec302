/* t_rundata.c -- unit tests for record/rundata.c: manifest schema checks,
 * the archive reader's entry and checksum checks */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <sha2.h>

#include "core/hs.h"
#include "record/rundata.h"
#include "unit.h"

static void
write_manifest(const char *dir, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	fp = fopen(path, "w");
	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

UNIT_TEST(rundata_schema)
{
	static const struct { const char *json; int rc; const char *msg; } cases[] = {
		{ "{\"schema\":1,\"plateaus\":[{\"users\":10,\"dir\":\"plateaus/0010\"}]}",
		  0, "" },
		{ "{\"schema\":2,\"plateaus\":[]}", HS_EUSAGE,
		  "uses archive schema 2, newer than this hubspy reads (1); upgrade hubspy" },
		{ "{\"plateaus\":[]}", HS_EUSAGE, "schema: missing" },
		{ "{\"schema\":1,\"plateaus\":[{\"users\":10,\"dir\":\"../x\"}]}",
		  HS_EUSAGE, "not of the form plateaus/NNNN" },
		{ "{\"schema\":1,", HS_EUSAGE, "not valid JSON" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_errbuf eb = HS_ERRBUF_INIT;
		struct rundata rd;

		write_manifest(unit_tmpdir(), cases[i].json);
		CHECK_INT(rundata_open_dir(&rd, unit_tmpdir(), &eb), cases[i].rc);
		CHECK(strstr(eb.msg, cases[i].msg) != NULL);
		if (cases[i].rc == 0) {
			CHECK_INT(rd.nplateaus, 1);
			CHECK_INT(rd.plateaus[0].users, 10);
			CHECK(isnan(rd.plateaus[0].hold_seconds));
		}
		rundata_release(&rd);
	}
}

/* an archive with these entries: name, data (NULL: a directory), link
 * (a symbolic link to it instead) */
struct tentry {
	const char	*name, *data, *link;
};

static void
write_tar(const char *path, const struct tentry *e, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	size_t i, len;

	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, path);
	for (i = 0; i < n; i++) {
		ae = archive_entry_new();
		len = e[i].data ? strlen(e[i].data) : 0;
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_perm(ae, 0600);
		if (e[i].link != NULL) {
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e[i].link);
		} else
			archive_entry_set_filetype(ae, e[i].data ? AE_IFREG :
			    AE_IFDIR);
		archive_entry_set_size(ae, (la_int64_t)len);
		archive_write_header(a, ae);
		if (len > 0)
			archive_write_data(a, e[i].data, len);
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
}

#define RAW	"main;run (a.py:1) 5\n"

/* only what the manifest names is read, each checked against its sha256;
 * a link or a name outside the folder is refused */
UNIT_TEST(rundata_archive_checks)
{
	char path[512], hex[65], man[1024];
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct rundata rd;

	SHA256Data((const unsigned char *)RAW, strlen(RAW), hex);
	snprintf(man, sizeof(man), "{\"schema\":1,\"plateaus\":[{\"users\":10,"
	    "\"dir\":\"plateaus/0010\"}],\"files\":[{\"path\":"
	    "\"plateaus/0010/record.raw\",\"bytes\":%zu,\"sha256\":\"%s\","
	    "\"redactions\":0},{\"path\":\"plateaus/0010/dump-1.txt\","
	    "\"bytes\":1,\"sha256\":\"%s\",\"redactions\":0}]}", strlen(RAW),
	    hex, hex);
	snprintf(path, sizeof(path), "%s/a.tar.gz", unit_tmpdir());
	{
		const struct tentry e[] = {
			{ "top/", NULL, NULL },
			{ "top/manifest.json", man, NULL },
			{ "top/plateaus/0010/record.raw", RAW, NULL },
			{ "top/plateaus/0010/extra.txt", "x", NULL },
		};

		write_tar(path, e, 4);
	}
	CHECK_INT(rundata_open_archive(&rd, path, &eb), 0);
	CHECK(rundata_has(&rd, "plateaus/0010/record.raw"));
	CHECK(!rundata_has(&rd, "plateaus/0010/extra.txt"));	/* not named */
	CHECK_INT(rd.nchanged, 1);
	CHECK(rd.nchanged == 1 && strcmp(rd.changed[0],
	    "plateaus/0010/dump-1.txt (missing)") == 0);
	rundata_release(&rd);

	/* the same names, another record.raw */
	{
		const struct tentry e[] = {
			{ "top/manifest.json", man, NULL },
			{ "top/plateaus/0010/record.raw", "main;evil (b.py:1) 5\n",
			  NULL },
			{ "top/plateaus/0010/dump-1.txt", "y", NULL },
		};

		write_tar(path, e, 3);
	}
	CHECK_INT(rundata_open_archive(&rd, path, &eb), 0);
	CHECK_INT(rd.nchanged, 2);
	CHECK(rd.nchanged == 2 && strcmp(rd.changed[0],
	    "plateaus/0010/record.raw (size differs)") == 0 &&
	    strcmp(rd.changed[1], "plateaus/0010/dump-1.txt (sha256 differs)")
	    == 0);
	rundata_release(&rd);

	{
		const struct tentry e[] = {
			{ "top/manifest.json", man, NULL },
			{ "top/plateaus/0010/record.raw", NULL, "/etc/passwd" },
		};

		write_tar(path, e, 2);
	}
	CHECK_INT(rundata_open_archive(&rd, path, &eb), HS_EUSAGE);
	CHECK(strstr(eb.msg, "'top/plateaus/0010/record.raw', a symbolic "
	    "link; a hubspy archive holds regular files only") != NULL);
	rundata_release(&rd);

	{
		const struct tentry e[] = {
			{ "top/manifest.json", man, NULL },
			{ "top/../../x", "x", NULL },
		};

		write_tar(path, e, 2);
	}
	CHECK_INT(rundata_open_archive(&rd, path, &eb), HS_EUSAGE);
	CHECK(strstr(eb.msg, "'top/../../x', a name outside its folder") !=
	    NULL);
	rundata_release(&rd);
}
