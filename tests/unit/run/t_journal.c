/* t_journal.c -- unit tests for the journal of user names */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/journal.h"
#include "unit.h"

static void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	CHECK(fp != NULL);
	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

UNIT_TEST(journal_roundtrip)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct journal j = JOURNAL_INIT;
	struct journal_names jn = JOURNAL_NAMES_INIT;
	const char *b1[] = { "hs-a-1", "hs-a-2" }, *b2[] = { "hs-a-2",
		"hs-a-3" }, *bad[] = { "other-1" };
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), JOURNAL_FILE);
	CHECK_INT(journal_open(&j, path, &eb), 0);
	CHECK_INT(journal_append(&j, "hs-a", b1, 2, &eb), 0);
	/* a retried batch is journaled again; names come back once */
	CHECK_INT(journal_append(&j, "hs-a", b2, 2, &eb), 0);
	CHECK_INT(journal_append(&j, "hs-a", bad, 1, &eb), HS_EUSAGE);
	CHECK_STR(eb.msg, "journal: user 'other-1' does not start with "
	    "prefix 'hs-a'");
	CHECK_INT(journal_append(&j, "", b1, 2, &eb), HS_EUSAGE);
	CHECK_INT(journal_close(&j, &eb), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	/* the run directory works as well as the file */
	CHECK_INT(journal_read(unit_tmpdir(), &jn, &eb), 0);
	CHECK_INT(jn.n, 3);
	CHECK_STR(jn.names[0], "hs-a-1");
	CHECK_STR(jn.names[2], "hs-a-3");
	CHECK_INT(jn.nprefixes, 1);
	CHECK_STR(jn.prefixes[0], "hs-a");
	journal_names_release(&jn);
	CHECK(jn.names == NULL && jn.n == 0);
}

/* a journal cut by a crash, corrupt journals, a missing journal */
UNIT_TEST(journal_read_errors)
{
	static const struct {
		const char	*text;
		int		 code;
		size_t		 n;
		const char	*msg;	/* after "journal 'PATH': " */
	} cases[] = {
		{ "{\"prefix\":\"p\",\"names\":[\"p1\"]}\n{\"prefix\":\"p\",\"na",
		  0, 1, NULL },
		{ "\n{\"prefix\":\"p\",\"names\":[\"p1\",\"p2\"]}\n\n", 0, 2,
		  NULL },
		{ "", 0, 0, NULL },
		{ "{\"prefix\":\"p\",\"names\":[\"p1\"]}\ngarbage\n", HS_EUSAGE,
		  0, "line 2: not a JSON object; remove that line or purge by "
		  "prefix" },
		{ "{\"names\":[\"p1\"]}\n", HS_EUSAGE, 0, "line 1: no 'prefix' "
		  "string or 'names' array" },
		{ "{\"prefix\":\"p\",\"names\":[\"q1\"]}\n", HS_EUSAGE, 0,
		  "line 1: a name that is not a string starting with 'p'" },
		{ "{\"prefix\":\"p\",\"names\":[1]}\n", HS_EUSAGE, 0,
		  "line 1: a name that is not a string starting with 'p'" },
	};
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct journal_names jn = JOURNAL_NAMES_INIT;
	char path[512], want[700];
	size_t i;

	snprintf(path, sizeof(path), "%s/j.jsonl", unit_tmpdir());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_text(path, cases[i].text);
		CHECK_INT(journal_read(path, &jn, &eb), cases[i].code);
		if (cases[i].msg != NULL) {
			snprintf(want, sizeof(want), "journal '%s': %s", path,
			    cases[i].msg);
			CHECK_STR(eb.msg, want);
		} else
			CHECK_INT(jn.n, cases[i].n);
		journal_names_release(&jn);
	}
	snprintf(path, sizeof(path), "%s/missing", unit_tmpdir());
	CHECK_INT(journal_read(path, &jn, &eb), HS_EIO);
	snprintf(want, sizeof(want), "cannot read '%s': No such file or "
	    "directory (the run's journal); purge by prefix instead", path);
	CHECK_STR(eb.msg, want);
	journal_names_release(&jn);
}

UNIT_TEST(journal_write_error)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct journal j = JOURNAL_INIT;
	const char *b[] = { "p-1" };

	/* /dev/full: every write fails with ENOSPC */
	if (access("/dev/full", W_OK) != 0) {
		unit_skip("no /dev/full");
		return;
	}
	CHECK_INT(journal_open(&j, "/dev/full", &eb), 0);
	CHECK_INT(journal_append(&j, "p", b, 1, &eb), HS_EIO);
	CHECK_STR(eb.msg, "cannot write journal '/dev/full': No space left on "
	    "device");
	journal_close(&j, &eb);
	CHECK_INT(journal_open(&j, "/nonexistent/dir/j", &eb), HS_EIO);
	CHECK_STR(eb.msg, "cannot open journal '/nonexistent/dir/j': No such "
	    "file or directory");
	journal_close(&j, &eb);
}
