/* t_summary.c -- summary.md from a manifest fixture (golden file) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/file.h"
#include "report/summary.h"
#include "unit.h"

#define GOLDEN "tests/fixtures/summary/summary-1.md"

/*
 * The golden file is tests/fixtures/summary/summary-1.md; after a deliberate
 * change, HUBSPY_REGEN=1 build/plain/unit-tests summary rewrites it (then
 * review `git diff` before committing).
 */
UNIT_TEST(summary_golden)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf in = BUF_INIT(1u << 20), out = BUF_INIT(1u << 20);
	struct buf want = BUF_INIT(1u << 20);
	char dir[512], path[600];
	cJSON *m;
	FILE *fp;

	CHECK_INT(file_read("tests/fixtures/summary/manifest-1.json", &in, &eb), 0);
	CHECK((m = cJSON_Parse(in.data)) != NULL);
	/* a run directory with a top table for the first plateau only */
	snprintf(dir, sizeof(dir), "%s/run", unit_tmpdir());
	snprintf(path, sizeof(path), "%s/plateaus/0100", dir);
	CHECK_INT(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/plateaus", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/plateaus/0100", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/plateaus/0100/top-table.txt", dir);
	CHECK((fp = fopen(path, "w")) != NULL);
	if (fp != NULL) {
		fputs("  %Own   %Total  Function (file:line)\n"
		    " 41.0%   41.0%   hash_token (jupyterhub/orm.py:120)\n"
		    " 12.0%   60.0%   `get` (sqlalchemy/orm/query.py:1)\n"
		    "  3.0%    3.0%   c\n  2.0%    2.0%   d\n  1.0%    1.0%   e\n"
		    "  0.5%    0.5%   f\n", fp);
		fclose(fp);
	}
	CHECK_INT(summary_render(m, dir, &out, &eb), 0);
	if (getenv("HUBSPY_REGEN") != NULL && (fp = fopen(GOLDEN, "w"))) {
		fputs(out.data, fp);
		fclose(fp);
		printf("  wrote %s\n", GOLDEN);
	}
	CHECK_INT(file_read(GOLDEN, &want, &eb), 0);
	CHECK_STR(out.data, want.data);
	/* what the golden file must contain, said plainly */
	CHECK(strstr(out.data, "**Partial run:** interrupted by SIGINT") !=
	    NULL);
	CHECK(strstr(out.data, "| 100 | 100 | 98 | 2 | 410.2 / 410.2 | 20.5 "
	    "/ 80.2 | 6.4 / 12.7 | - / - | 4 | 1 | 25 | 200 |") != NULL);
	CHECK(strstr(out.data, "| 500 | 500 | 500 | 0 | - / - | - / - | - / "
	    "- | 3.0 / 9.5 | 0 | 2 | 50 | 300 |") != NULL);
	CHECK(strstr(out.data, "hash_token (jupyterhub/orm.py:120)") != NULL);
	CHECK(strstr(out.data, "e\n") != NULL);
	CHECK(strstr(out.data, "f\n") == NULL);
	CHECK(strstr(out.data, "permission_denied") != NULL);
	CHECK(strstr(out.data, "hub-5d8f\\|x") != NULL);
	cJSON_Delete(m);
	buf_release(&in);
	buf_release(&out);
	buf_release(&want);
}

UNIT_TEST(summary_minimal_and_bad)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf out = BUF_INIT(1u << 16);
	cJSON *m = cJSON_Parse("{\"profile_name\": \"x\", \"plateaus\": []}");
	cJSON *a = cJSON_CreateArray();

	CHECK_INT(summary_render(m, NULL, &out, &eb), 0);
	CHECK(strstr(out.data, "# hubspy run: x\n") != NULL);
	CHECK(strstr(out.data, "No plateau finished.") != NULL);
	CHECK(strstr(out.data, "Partial") == NULL);
	CHECK_INT(summary_render(a, NULL, &out, &eb), HS_EUSAGE);
	CHECK_STR(eb.msg, "summary: the manifest is not a JSON object");
	cJSON_Delete(m);
	cJSON_Delete(a);
	buf_release(&out);
}
