/* arc.c -- libarchive, loaded when an archive is first read or written */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "core/arc.h"

#ifndef ARC_SONAME
#error "ARC_SONAME (libarchive's soname) comes from the Makefile"
#endif

static struct arc	 arc_tab;
static const struct arc	*arc_ok;

const struct arc *
arc_get_from(const char *soname, struct hs_errbuf *eb)
{
	struct arc t;
	const char *what, *err;
	void *h;

	memset(&t, 0, sizeof(t));
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err = dlerror();
		hs_error(eb, HS_EFAIL, "cannot load libarchive, which run "
		    "archives need: %s; install Debian's libarchive13 "
		    "(libarchive13t64 on Debian 13)", err ? err : soname);
		return NULL;
	}
	/* POSIX's idiom for a function pointer from dlsym() */
#define ARC_LOAD(n)							\
	what = "archive_" #n;						\
	if ((*(void **)&t.archive_##n = dlsym(h, what)) == NULL)	\
		goto missing;
	ARC_FUNCS(ARC_LOAD)
#undef ARC_LOAD
	arc_tab = t;
	return &arc_tab;
missing:
	hs_error(eb, HS_EFAIL, "'%s' lacks %s(); hubspy was built against "
	    "another libarchive: rebuild it", soname, what);
	dlclose(h);
	return NULL;
}

const struct arc *
arc_get(struct hs_errbuf *eb)
{
	if (arc_ok == NULL)
		arc_ok = arc_get_from(ARC_SONAME, eb);
	return arc_ok;
}
