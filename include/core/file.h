/* file.h -- the one I/O layer: every file hubspy writes or reads */
#ifndef FILE_H
#define FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/hs.h"

/*
 * Writers. A file hubspy produces whole is written with
 * file_write_atomic() (or, when the bytes come in pieces or from another
 * library, the file_atomic_* steps it is made of): a temporary file beside
 * the final name, every byte written, fsync'd, renamed over the final name,
 * then the directory fsync'd. On any failure the temporary file is removed
 * and the final name is as it was before. A symbolic link at the final name
 * is replaced, never followed. Errors are one line naming the final path:
 * "cannot write 'P': No space left on device".
 *
 * Readers read regular files only. A symbolic link is followed (the user
 * names the path; what it points at must be a regular file too) unless
 * FILE_NOFOLLOW. FIFOs, devices, sockets and directories are refused
 * without blocking ("cannot read 'P': not a regular file"), except that
 * FILE_FIFO lets a pipe through for the inputs that are streams by nature
 * (a token or a log handed over with <(...)). The cap is the buffer's max:
 * a larger file is an error ("'P' is larger than N bytes"), never a silent
 * truncation.
 */

#define FILE_MODE	0600	/* the default for every file hubspy writes */

/* flags for the readers and file_open_append() */
#define FILE_NOFOLLOW	0x01	/* refuse a symbolic link at path */
#define FILE_FIFO	0x02	/* accept a FIFO; waits for its writer */
#define FILE_SYNC	0x04	/* append: fsync the directory on create */

/* an atomic write in steps: open, write (any number), commit or abort */
struct file_atomic {
	int	 fd;
	char	*path;	/* the final name */
	char	*tmp;	/* the temporary file beside it */
	mode_t	 mode;
};
#define FILE_ATOMIC_INIT { -1, NULL, NULL, 0 }

/* 1 when name (a file name, no '/') is the temporary file of an atomic
 * write (".NAME.tmp-XXXXXX"): one a crash left behind, never a result */
int	 file_is_atomic_temp(const char *name);
/* creates the temporary file (O_EXCL, 0600) in path's directory; mode (0
 * for FILE_MODE) is set at commit. fa->fd is the file to write, for a
 * library that takes an fd. Returns 0, HS_EIO, HS_ENOMEM; on failure fa is
 * left as after file_atomic_abort(). */
int	 file_atomic_open(struct file_atomic *fa, const char *path,
	    mode_t mode, struct hs_errbuf *eb);
/* writes all of data[0..len); HS_EIO naming the final path */
int	 file_atomic_write(struct file_atomic *fa, const void *data,
	    size_t len, struct hs_errbuf *eb);
/* fsync, close, rename over the final name, fsync the directory; on
 * failure the temporary file is removed. Releases fa in every case. */
int	 file_atomic_commit(struct file_atomic *fa, struct hs_errbuf *eb);
/* removes the temporary file and releases fa; a no-op on an initialised
 * (or zeroed), committed or aborted fa; keeps errno */
void	 file_atomic_abort(struct file_atomic *fa);
/* the three steps at once; mode 0 for FILE_MODE */
int	 file_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode, struct hs_errbuf *eb);

/* opens path for appending (created FILE_MODE, O_NOFOLLOW); with FILE_SYNC
 * the directory is fsync'd when the file is created, so the name survives
 * a crash. Returns the fd (>= 0) or HS_EIO/... ("cannot write 'P': ...") */
int	 file_open_append(const char *path, int flags, struct hs_errbuf *eb);
/* appends data[0..len) to path (file_open_append, write all, close) */
int	 file_append(const char *path, const void *data, size_t len,
	    struct hs_errbuf *eb);
/* writes all of p[0..n) to fd, retrying short writes and EINTR; returns 0
 * or -1 with errno set */
int	 file_write_all(int fd, const void *p, size_t n);

/* opens path for reading (see above for what is refused); returns the fd
 * (>= 0) or HS_EIO with "cannot read 'P': ..." (errno is ENOENT when the
 * path does not exist) */
int	 file_open_read(const char *path, int flags, struct hs_errbuf *eb);
/* appends everything from fd to b until end of file; path names it in
 * errors. HS_EIO, HS_ELIMIT ("'P' is larger than N bytes", N = b->max),
 * HS_ENOMEM. Does not close fd. */
int	 file_read_fd(int fd, const char *path, struct buf *b,
	    struct hs_errbuf *eb);
/* appends the whole regular file at path to b (b's max is the cap);
 * returns 0, HS_EIO ("cannot read 'P': ..."), HS_ELIMIT ("'P' is larger
 * than N bytes"), HS_ENOMEM */
int	 file_read(const char *path, struct buf *b, struct hs_errbuf *eb);
/* the same, at most max bytes, into a new NUL-terminated allocation
 * (*data, free with free(); *len its length, when len is not NULL) */
int	 file_read_alloc(const char *path, size_t max, char **data,
	    size_t *len, struct hs_errbuf *eb);
/* the end of a file (a log), into an empty b: a regular file from b->max
 * bytes before its end; a FIFO (with FILE_FIFO) is read to its end,
 * keeping at least the last b->max / 2 bytes. Never HS_ELIMIT. */
int	 file_read_tail(const char *path, int flags, struct buf *b,
	    struct hs_errbuf *eb);

/* line and column (1-based) of offset off in text */
void	 file_line_col(const char *text, size_t off, int *line, int *col);

#endif
