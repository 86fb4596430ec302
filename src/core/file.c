/* file.c -- the one I/O layer: every file hubspy writes or reads */
/*
 * Writes go to a temporary file beside the final name and are renamed over
 * it only once every byte is on the disk, so a full disk, a signal or a
 * crash never leaves a short file under a name a reader trusts; the
 * directory is fsync'd after the rename so the new name itself survives a
 * crash (best effort: a failure there cannot be undone and is not
 * reported, the file is in place). Reads refuse anything but a regular
 * file before reading a byte, so a FIFO or /dev/zero given by mistake is
 * an error at once rather than a hang or an endless read, and stop at the
 * buffer's cap with an error rather than a silent truncation.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"

#define CHUNK		65536
#define TMP_TRIES	100

/* ---- writers ---- */

/* fsyncs the directory holding path; errors are not reported (see top) */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;

	if (slash == NULL)
		strlcpy(dir, ".", sizeof(dir));
	else if (slash == path)
		strlcpy(dir, "/", sizeof(dir));
	else if ((size_t)(slash - path) >= sizeof(dir))
		return;
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

static int
write_error(struct hs_errbuf *eb, const char *path, int e)
{
	int r = hs_error(eb, e == ENOMEM ? HS_ENOMEM : HS_EIO,
	    "cannot write '%s': %s", path, strerror(e));

	errno = e;
	return r;
}

/* fd is open only while tmp is set, so a zeroed struct is safe too;
 * errno is kept for the caller's message */
void
file_atomic_abort(struct file_atomic *fa)
{
	int e = errno;

	if (fa->tmp != NULL) {
		if (fa->fd != -1)
			close(fa->fd);
		unlink(fa->tmp);
	}
	free(fa->tmp);
	free(fa->path);
	fa->fd = -1;
	fa->tmp = NULL;
	fa->path = NULL;
	errno = e;
}

int
file_is_atomic_temp(const char *name)
{
	size_t n = strlen(name), i;

	/* "." + at least one character + ".tmp-" + 6 hex digits */
	if (n < 13 || name[0] != '.' || memcmp(name + n - 11, ".tmp-", 5) != 0)
		return 0;
	for (i = n - 6; i < n; i++)
		if (!isxdigit((unsigned char)name[i]))
			return 0;
	return 1;
}

int
file_atomic_open(struct file_atomic *fa, const char *path, mode_t mode,
    struct hs_errbuf *eb)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) + 1 : 0, i, e;

	fa->fd = -1;
	fa->tmp = NULL;
	fa->mode = mode ? mode : FILE_MODE;
	if ((fa->path = strdup(path)) == NULL)
		return write_error(eb, path, ENOMEM);
	for (i = 0; i < TMP_TRIES; i++) {
		free(fa->tmp);
		if (asprintf(&fa->tmp, "%.*s.%s.tmp-%06x", dirlen, path, base,
		    (unsigned)arc4random_uniform(0x1000000)) == -1) {
			fa->tmp = NULL;
			file_atomic_abort(fa);
			return write_error(eb, path, ENOMEM);
		}
		fa->fd = open(fa->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, FILE_MODE);
		if (fa->fd != -1 || errno != EEXIST)
			break;
	}
	if (fa->fd == -1) {
		e = errno;
		free(fa->tmp);		/* not ours: never unlink it */
		fa->tmp = NULL;
		file_atomic_abort(fa);
		return write_error(eb, path, e);
	}
	return 0;
}

int
file_atomic_write(struct file_atomic *fa, const void *data, size_t len,
    struct hs_errbuf *eb)
{
	if (fa->fd == -1)
		return write_error(eb, fa->path ? fa->path : "?", EBADF);
	if (file_write_all(fa->fd, data, len) != 0)
		return write_error(eb, fa->path, errno);
	return 0;
}

int
file_atomic_commit(struct file_atomic *fa, struct hs_errbuf *eb)
{
	int fd = fa->fd, r;

	if (fd == -1) {
		r = write_error(eb, fa->path ? fa->path : "?", EBADF);
		goto out;
	}
	fa->fd = -1;
	if ((fa->mode != FILE_MODE && fchmod(fd, fa->mode) != 0) ||
	    fsync(fd) != 0) {
		r = write_error(eb, fa->path, errno);
		close(fd);
		goto out;
	}
	if (close(fd) != 0 || rename(fa->tmp, fa->path) != 0) {
		r = write_error(eb, fa->path, errno);
		goto out;
	}
	free(fa->tmp);
	fa->tmp = NULL;
	sync_dir(fa->path);
	r = 0;
out:
	file_atomic_abort(fa);
	return r;
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct hs_errbuf *eb)
{
	struct file_atomic fa = FILE_ATOMIC_INIT;
	int r;

	if ((r = file_atomic_open(&fa, path, mode, eb)) != 0)
		return r;
	if ((r = file_atomic_write(&fa, data, len, eb)) != 0) {
		file_atomic_abort(&fa);
		return r;
	}
	return file_atomic_commit(&fa, eb);
}

int
file_open_append(const char *path, int flags, struct hs_errbuf *eb)
{
	int o = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC, fd, e;

	if (flags & FILE_SYNC) {
		if ((fd = open(path, o | O_CREAT | O_EXCL, FILE_MODE)) != -1) {
			/* a new name: it must survive a crash too */
			sync_dir(path);
			return fd;
		}
		if (errno != EEXIST)
			return write_error(eb, path, errno);
	} else
		o |= O_CREAT;
	if ((fd = open(path, o, FILE_MODE)) == -1) {
		e = errno;
		return write_error(eb, path, e);
	}
	return fd;
}

int
file_append(const char *path, const void *data, size_t len,
    struct hs_errbuf *eb)
{
	int fd, e;

	if ((fd = file_open_append(path, 0, eb)) < 0)
		return fd;
	if (file_write_all(fd, data, len) != 0) {
		e = errno;
		close(fd);
		return write_error(eb, path, e);
	}
	if (close(fd) != 0)
		return write_error(eb, path, errno);
	return 0;
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

/* ---- readers ---- */

int
file_open_read(const char *path, int flags, struct hs_errbuf *eb)
{
	int o = O_RDONLY | O_NOCTTY | O_CLOEXEC, fd, fl, e;
	struct stat st;

	if (flags & FILE_NOFOLLOW)
		o |= O_NOFOLLOW;
	/* never block in open() on a FIFO or a device; a FIFO that is
	 * allowed is opened blocking, to wait for its writer like cat(1) */
	if (!(flags & FILE_FIFO) || ((flags & FILE_NOFOLLOW ? lstat(path, &st) :
	    stat(path, &st)) == 0 && !S_ISFIFO(st.st_mode)))
		o |= O_NONBLOCK;
	if ((fd = open(path, o)) == -1) {
		e = errno;
		hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
		    e == ELOOP && (flags & FILE_NOFOLLOW) ?
		    "is a symbolic link" : strerror(e));
		errno = e;
		return HS_EIO;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		hs_error(eb, HS_EIO, "cannot read '%s': %s", path, strerror(e));
		errno = e;
		return HS_EIO;
	}
	if (!S_ISREG(st.st_mode) && !(S_ISFIFO(st.st_mode) &&
	    (flags & FILE_FIFO))) {
		close(fd);
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
		    e == EISDIR ? strerror(e) : "not a regular file");
		errno = e;
		return HS_EIO;
	}
	if ((o & O_NONBLOCK) && (fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

static int
too_large(struct hs_errbuf *eb, const char *path, size_t max)
{
	return hs_error(eb, HS_ELIMIT, "'%s' is larger than %zu bytes", path,
	    max);
}

int
file_read_fd(int fd, const char *path, struct buf *b, struct hs_errbuf *eb)
{
	char chunk[CHUNK];
	struct stat st;
	ssize_t n;
	int r;

	/* a file known to be too large fails before a byte is read */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > b->max - b->len)
		return too_large(eb, path, b->max);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
			    strerror(errno));
		if (n == 0)
			return 0;
		if ((r = buf_add(b, chunk, (size_t)n)) != 0) {
			if (r == HS_ELIMIT)
				return too_large(eb, path, b->max);
			return hs_error(eb, r, "out of memory reading '%s'",
			    path);
		}
	}
}

int
file_read(const char *path, struct buf *b, struct hs_errbuf *eb)
{
	int fd, r;

	if ((fd = file_open_read(path, 0, eb)) < 0)
		return fd;
	r = file_read_fd(fd, path, b, eb);
	close(fd);
	return r;
}

int
file_read_alloc(const char *path, size_t max, char **data, size_t *len,
    struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(max);
	int r;

	*data = NULL;
	if (len != NULL)
		*len = 0;
	if ((r = file_read(path, &b, eb)) == 0 &&
	    (*data = buf_detach(&b, len)) == NULL)
		r = hs_error(eb, HS_ENOMEM, "out of memory reading '%s'", path);
	buf_release(&b);
	return r;
}

int
file_read_tail(const char *path, int flags, struct buf *b,
    struct hs_errbuf *eb)
{
	char chunk[CHUNK];
	struct stat st;
	size_t off, k, drop;
	ssize_t n;
	int fd, r = 0;

	if ((fd = file_open_read(path, flags, eb)) < 0)
		return fd;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > b->max &&
	    lseek(fd, st.st_size - (off_t)b->max, SEEK_SET) == -1) {
		r = hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		off = 0;
		k = (size_t)n;
		if (k > b->max) {
			buf_reset(b);
			off = k - b->max;
			k = b->max;
		} else if (b->len + k > b->max) {
			/* drop at least half at a time: a long pipe costs a
			 * copy per half buffer, not per chunk */
			drop = b->len + k - b->max;
			if (drop < b->max / 2)
				drop = b->max / 2;
			buf_consume(b, drop < b->len ? drop : b->len);
		}
		if ((r = buf_add(b, chunk + off, k)) != 0) {
			hs_error(eb, r, "out of memory reading '%s'", path);
			goto out;
		}
	}
out:
	close(fd);
	return r;
}

/* ---- text ---- */

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
