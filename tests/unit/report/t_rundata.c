/* t_rundata.c -- unit tests for report/rundata.c: manifest schema checks */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/hs.h"
#include "report/rundata.h"
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
		{ "{\"plateaus\":[]}", HS_EUSAGE, "has no schema number" },
		{ "{\"schema\":1,\"plateaus\":[{\"users\":10,\"dir\":\"../x\"}]}",
		  HS_EUSAGE, "no usable 'dir'" },
		{ "{\"schema\":1,", HS_EUSAGE, "is not valid JSON" },
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
			CHECK(isnan(rundata_num(rd.plateaus[0].json, "hold.seconds")));
		}
		rundata_release(&rd);
	}
}
