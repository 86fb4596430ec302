/* baseline.c -- the last passing archive of each profile, kept in a folder */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "run/artifacts.h"
#include "run/baseline.h"

int
baseline_path(const char *dir, const char *profile, char *dst, size_t n,
    struct hs_errbuf *eb)
{
	char safe[65];
	int k;

	artifacts_safe_name(safe, sizeof(safe), profile);
	k = snprintf(dst, n, "%s/%s.tar.gz", dir, safe);
	if (k < 0 || (size_t)k >= n)
		return hs_error(eb, HS_ELIMIT, "baseline: path too long: "
		    "'%.80s'", dir);
	return 0;
}

int
baseline_keep(const char *dir, const char *profile, const char *tarball,
    char *dst, size_t n, struct hs_errbuf *eb)
{
	struct file_atomic fa = FILE_ATOMIC_INIT;
	char chunk[65536];
	ssize_t got;
	int fd = -1, r;

	if ((r = baseline_path(dir, profile, dst, n, eb)) != 0 ||
	    (r = artifacts_mkdirs(dir, eb)) != 0)
		return r;
	if ((fd = file_open_read(tarball, 0, eb)) < 0)
		return fd;
	if ((r = file_atomic_open(&fa, dst, 0, eb)) != 0)
		goto out;
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = hs_error(eb, HS_EIO, "cannot read '%s': %s",
			    tarball, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		if ((r = file_atomic_write(&fa, chunk, (size_t)got, eb)) != 0)
			goto out;
	}
	r = file_atomic_commit(&fa, eb);
out:
	file_atomic_abort(&fa);
	close(fd);
	return r;
}
