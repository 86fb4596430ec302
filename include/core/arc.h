/* arc.h -- libarchive, loaded when an archive is first read or written */
#ifndef ARC_H
#define ARC_H

#include <archive.h>
#include <archive_entry.h>

#include "core/hs.h"

/*
 * libarchive and what it brings (libxml2, ICU, libstdc++, lzma, lz4, bz2,
 * acl, nettle: 2.8 MiB resident and about 3 ms of CPU at start-up) are
 * only needed by the commands that read or write a run archive. They are
 * opened with dlopen() the first time one is, so the load commands (stress,
 * activity, purge, status) never map them. Every entry point hubspy uses
 * is looked up at once, each typed as <archive.h> declares it, so a call
 * through the table is checked by the compiler like a direct one.
 */
#define ARC_FUNCS(X)							\
	X(read_new) X(read_support_filter_gzip) X(read_support_format_tar) \
	X(read_open_fd) X(read_next_header) X(read_data) X(read_free)	\
	X(write_new) X(write_add_filter_gzip)				\
	X(write_set_format_pax_restricted) X(write_open_fd)		\
	X(write_header) X(write_data) X(write_close) X(write_free)	\
	X(errno) X(error_string)					\
	X(entry_new) X(entry_free) X(entry_pathname) X(entry_hardlink)	\
	X(entry_filetype) X(entry_size) X(entry_set_pathname)		\
	X(entry_set_filetype) X(entry_set_perm) X(entry_set_size)	\
	X(entry_set_mtime) X(entry_set_uid) X(entry_set_gid)
/* a member per entry point, named and typed as the function itself (the
 * name is only ever pasted, so archive_errno is not errno's macro) */
#define ARC_MEMBER(n)	__typeof__(archive_##n) *archive_##n;
struct arc {
	ARC_FUNCS(ARC_MEMBER)
};
#undef ARC_MEMBER

/*
 * The table, libarchive opened on the first call (ARC_SONAME: the soname
 * of the libarchive the build compiled against, from the Makefile). NULL
 * with one line in eb when it cannot be opened or lacks an entry point
 * (HS_EFAIL; the line names the library and the package that holds it).
 * Not thread-safe; hubspy has one thread.
 */
const struct arc *arc_get(struct hs_errbuf *eb);

/* the same from a given file name: tests, and a clear error for a missing
 * library */
const struct arc *arc_get_from(const char *soname, struct hs_errbuf *eb);

#endif
