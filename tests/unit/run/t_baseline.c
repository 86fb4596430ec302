/* t_baseline.c -- unit tests for run/baseline.c: the path per profile, a
 * copy that replaces the last one whole, a failed copy that leaves it */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "run/baseline.h"
#include "unit.h"

UNIT_TEST(baseline_path_names)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char p[64];

	CHECK(baseline_path("b", "smoke", p, sizeof(p), &eb) == 0);
	CHECK_STR(p, "b/smoke.tar.gz");
	CHECK(baseline_path("b", "../x y", p, sizeof(p), &eb) == 0);
	CHECK_STR(p, "b/.._x_y.tar.gz");
	CHECK(baseline_path("b", NULL, p, sizeof(p), &eb) == 0);
	CHECK_STR(p, "b/run.tar.gz");
	CHECK_INT(baseline_path("a-long-folder-name-that-does-not-fit-in-"
	    "sixty-four-bytes", "smoke", p, sizeof(p), &eb), HS_ELIMIT);
}

UNIT_TEST(baseline_keep_replaces)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf got = BUF_INIT(1u << 20);
	char src[512], dir[512], p[600];
	static char big[200000];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	snprintf(src, sizeof(src), "%s/run.tar.gz", unit_tmpdir());
	snprintf(dir, sizeof(dir), "%s/base/line", unit_tmpdir());
	CHECK(file_write_atomic(src, "first", 5, 0, &eb) == 0);
	CHECK(baseline_keep(dir, "smoke", src, p, sizeof(p), &eb) == 0);
	CHECK(file_read(p, &got, &eb) == 0);
	CHECK_STR(got.data, "first");
	/* a larger archive replaces it, byte for byte */
	CHECK(file_write_atomic(src, big, sizeof(big), 0, &eb) == 0);
	CHECK(baseline_keep(dir, "smoke", src, p, sizeof(p), &eb) == 0);
	buf_reset(&got);
	CHECK(file_read(p, &got, &eb) == 0);
	CHECK_INT(got.len, sizeof(big));
	CHECK(memcmp(got.data, big, sizeof(big)) == 0);
	/* a missing archive: an error, the baseline as it was */
	snprintf(src, sizeof(src), "%s/none.tar.gz", unit_tmpdir());
	CHECK_INT(baseline_keep(dir, "smoke", src, p, sizeof(p), &eb), HS_EIO);
	CHECK(strstr(eb.msg, "none.tar.gz") != NULL);
	buf_reset(&got);
	CHECK(file_read(p, &got, &eb) == 0);
	CHECK_INT(got.len, sizeof(big));
	buf_release(&got);
}
