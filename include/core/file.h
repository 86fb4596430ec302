/* file.h -- small file helpers shared by the artifact modules */
#ifndef FILE_H
#define FILE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/hs.h"

/* appends the whole file at path to b (b's cap bounds it); returns 0,
 * HS_EIO ("cannot read 'P': ..."), HS_ELIMIT ("'P' is larger than N
 * bytes"), HS_ENOMEM */
int	 file_read(const char *path, struct buf *b, struct hs_errbuf *eb);
/* writes all of p[0..n) to fd, retrying short writes and EINTR; returns 0
 * or -1 with errno set */
int	 file_write_all(int fd, const void *p, size_t n);
/* line and column (1-based) of offset off in text */
void	 file_line_col(const char *text, size_t off, int *line, int *col);

#endif
