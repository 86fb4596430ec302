/* t_arc.c -- libarchive opened on first use (src/core/arc.c) */
#include <string.h>

#include "core/arc.h"
#include "core/hs.h"
#include "unit.h"

UNIT_TEST(arc_loads_every_entry_point)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	const struct arc *a = arc_get(&eb), *b;
	struct archive *w;

	CHECK(a != NULL);
	if (a == NULL)
		return;
	CHECK_STR(eb.msg, "");
	/* every member was looked up (a NULL would have failed the load) */
#define ARC_SET(n)	CHECK(a->archive_##n != NULL);
	ARC_FUNCS(ARC_SET)
#undef ARC_SET
	/* once: the same table again, nothing reopened */
	b = arc_get(&eb);
	CHECK(a == b);
	/* and it works: a writer made and freed through the table */
	w = a->archive_write_new();
	CHECK(w != NULL);
	if (w != NULL) {
		CHECK_INT(a->archive_write_set_format_pax_restricted(w),
		    ARCHIVE_OK);
		CHECK_INT(a->archive_write_free(w), ARCHIVE_OK);
	}
}

UNIT_TEST(arc_missing_library_one_line)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	CHECK(arc_get_from("libarchive-hubspy-missing.so.99", &eb) == NULL);
	CHECK_INT(eb.code, HS_EFAIL);
	CHECK(strstr(eb.msg, "cannot load libarchive, which run archives "
	    "need: libarchive-hubspy-missing.so.99: ") == eb.msg);
	CHECK(strstr(eb.msg, "; install Debian's libarchive13") != NULL);
	CHECK(strchr(eb.msg, '\n') == NULL);
}

UNIT_TEST(arc_library_without_libarchive)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;

	/* a library that opens but is not libarchive: the first entry
	 * point it lacks is named */
	CHECK(arc_get_from("libm.so.6", &eb) == NULL);
	CHECK_INT(eb.code, HS_EFAIL);
	CHECK(strstr(eb.msg, "'libm.so.6' lacks archive_read_new()") ==
	    eb.msg);
}
