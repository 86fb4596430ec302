/* file.c -- small file helpers shared by the artifact modules */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"

int
file_read(const char *path, struct buf *b, struct hs_errbuf *eb)
{
	char chunk[65536];
	ssize_t n;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if ((r = buf_add(b, chunk, (size_t)n)) != 0) {
			if (r == HS_ELIMIT)
				hs_error(eb, r, "'%s' is larger than %zu bytes",
				    path, b->max);
			else
				hs_error(eb, r, "out of memory reading '%s'",
				    path);
			break;
		}
	}
	close(fd);
	return r;
}

int
file_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

void
file_line_col(const char *text, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && text[i] != '\0'; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}
