/* fuzz_archive.c -- fuzz the whole archive reader (rundata_open_archive:
 * gzip, tar, the entry checks, the manifest, the sha256 pass): whatever
 * it accepts, every file its manifest names can be asked for without a
 * crash (needs src/record/rundata.c, src/record/record.c, src/core/file.c
 * and the rest of fuzz/run.sh's list; libarchive, libmd) */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "record/rundata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct rundata rd;
	char path[64], *m = NULL;
	size_t i, len;
	int fd;

	/* the reader takes a path to a regular file: a memfd is one */
	if ((fd = memfd_create("fuzz-archive", 0)) < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (rundata_open_archive(&rd, path, &eb) == 0) {
		for (i = 0; i < rd.rec->nfiles; i++) {
			if (rundata_read(&rd, rd.rec->files[i].path, &m, &len,
			    RUNDATA_MEMBER_MAX, &eb) == 0 && m[len] != '\0')
				abort();
			free(m);
			m = NULL;
		}
		for (i = 0; i < rd.nplateaus; i++)
			(void)rundata_plateau(&rd, rd.plateaus[i].users);
	}
	rundata_release(&rd);
	close(fd);
	return 0;
}
