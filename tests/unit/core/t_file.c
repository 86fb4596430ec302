/* t_file.c -- the I/O layer: atomic writes, capped regular-file reads
 * (src/core/file.c) */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/hs.h"
#include "unit.h"

static const char *
tpath(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", unit_tmpdir(), rel);
	return out;
}

static void
put(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	if (fp != NULL) {
		fputs(s, fp);
		fclose(fp);
	}
}

/* the whole file, "" when unreadable */
static const char *
get(const char *path)
{
	static char text[4096];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	return text;
}

/* entries of dir other than . and .. */
static int
entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static int
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

UNIT_TEST(file_atomic_replaces)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char d[512], p[600];
	mode_t old = umask(022);

	tpath(d, sizeof(d), "rep");
	mkdir(d, 0700);
	snprintf(p, sizeof(p), "%s/out.txt", d);
	CHECK_INT(file_write_atomic(p, "one\n", 4, 0, &eb), 0);
	CHECK_STR(get(p), "one\n");
	CHECK_INT(mode_of(p), 0600);
	/* replaced whole, shorter or longer */
	CHECK_INT(file_write_atomic(p, "2", 1, FILE_MODE, &eb), 0);
	CHECK_STR(get(p), "2");
	CHECK_INT(file_write_atomic(p, "", 0, FILE_MODE, &eb), 0);
	CHECK_STR(get(p), "");
	/* an explicit mode is exact, whatever the umask */
	umask(077);
	CHECK_INT(file_write_atomic(p, "x", 1, 0644, &eb), 0);
	CHECK_INT(mode_of(p), 0644);
	umask(old);
	/* no temporary file is left beside it */
	CHECK_INT(entries(d), 1);
}

UNIT_TEST(file_atomic_failure_leaves_nothing)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char d[512], p[600], f[600];

	tpath(d, sizeof(d), "fail");
	mkdir(d, 0700);
	/* the directory does not exist */
	snprintf(p, sizeof(p), "%s/nodir/out", d);
	CHECK_INT(file_write_atomic(p, "x", 1, 0, &eb), HS_EIO);
	CHECK(strstr(eb.msg, "cannot write '") == eb.msg);
	CHECK(strstr(eb.msg, "/nodir/out': No such file or directory") != NULL);
	/* the "directory" is a file */
	snprintf(f, sizeof(f), "%s/afile", d);
	put(f, "keep");
	snprintf(p, sizeof(p), "%s/afile/out", d);
	CHECK_INT(file_write_atomic(p, "x", 1, 0, &eb), HS_EIO);
	CHECK(strstr(eb.msg, "Not a directory") != NULL);
	CHECK_STR(get(f), "keep");
	/* a directory in the way of the final name: it stays, and the
	 * temporary file is gone */
	snprintf(p, sizeof(p), "%s/adir", d);
	mkdir(p, 0700);
	CHECK_INT(file_write_atomic(p, "x", 1, 0, &eb), HS_EIO);
	CHECK(strstr(eb.msg, "/adir': Is a directory") != NULL);
	CHECK_INT(mode_of(p) != -1 && (mode_of(p) & 0700) == 0700, 1);
	CHECK_INT(entries(d), 2);		/* afile, adir */
	/* an unwritable directory (root writes anyway: skipped there) */
	if (geteuid() != 0) {
		snprintf(p, sizeof(p), "%s/ro", d);
		mkdir(p, 0500);
		snprintf(f, sizeof(f), "%s/ro/out", d);
		CHECK_INT(file_write_atomic(f, "x", 1, 0, &eb), HS_EIO);
		CHECK(strstr(eb.msg, "Permission denied") != NULL);
		CHECK_INT(entries(p), 0);
		chmod(p, 0700);
	}
}

UNIT_TEST(file_atomic_symlink_replaced)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char d[512], t[600], l[600], l2[600], never[600];
	struct stat st;

	tpath(d, sizeof(d), "link");
	mkdir(d, 0700);
	snprintf(t, sizeof(t), "%s/target", d);
	snprintf(l, sizeof(l), "%s/link", d);
	put(t, "keep");
	CHECK_INT(symlink(t, l), 0);
	CHECK_INT(file_write_atomic(l, "new", 3, 0, &eb), 0);
	/* the link itself was replaced by a regular file ... */
	CHECK_INT(lstat(l, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_STR(get(l), "new");
	/* ... and what it pointed at is untouched */
	CHECK_STR(get(t), "keep");
	/* a dangling link: its target is not created */
	snprintf(never, sizeof(never), "%s/never", d);
	snprintf(l2, sizeof(l2), "%s/dangling", d);
	CHECK_INT(symlink(never, l2), 0);
	CHECK_INT(file_write_atomic(l2, "x", 1, 0, &eb), 0);
	CHECK_INT(access(never, F_OK), -1);
	CHECK_INT(mode_of(l2), 0600);
}

UNIT_TEST(file_atomic_steps_abort)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct file_atomic fa = FILE_ATOMIC_INIT, zero;
	char d[512], p[600];

	tpath(d, sizeof(d), "steps");
	mkdir(d, 0700);
	snprintf(p, sizeof(p), "%s/out", d);
	put(p, "before");
	CHECK_INT(file_atomic_open(&fa, p, 0, &eb), 0);
	CHECK(fa.fd >= 0);
	CHECK_INT(file_atomic_write(&fa, "half", 4, &eb), 0);
	CHECK_INT(entries(d), 2);		/* out and the temporary */
	/* aborted: the old file is as it was, the temporary gone */
	file_atomic_abort(&fa);
	CHECK_STR(get(p), "before");
	CHECK_INT(entries(d), 1);
	file_atomic_abort(&fa);			/* twice is harmless */
	memset(&zero, 0, sizeof(zero));
	file_atomic_abort(&zero);		/* so is a zeroed one */
	CHECK(fcntl(0, F_GETFD) != -1 || errno != EBADF);
	/* in pieces, then committed */
	CHECK_INT(file_atomic_open(&fa, p, 0, &eb), 0);
	CHECK_INT(file_atomic_write(&fa, "a", 1, &eb), 0);
	CHECK_INT(file_atomic_write(&fa, "bc", 2, &eb), 0);
	CHECK_INT(file_atomic_commit(&fa, &eb), 0);
	CHECK_STR(get(p), "abc");
	CHECK_INT(entries(d), 1);
	CHECK(fa.tmp == NULL && fa.fd == -1);
}

UNIT_TEST(file_append_nofollow)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char p[600], t[600], l[600];
	int fd;

	tpath(p, sizeof(p), "app.log");
	CHECK((fd = file_open_append(p, FILE_SYNC, &eb)) >= 0);
	CHECK_INT(file_write_all(fd, "a\n", 2), 0);
	close(fd);
	CHECK_INT(mode_of(p), 0600);
	/* an existing file is appended to */
	CHECK((fd = file_open_append(p, FILE_SYNC, &eb)) >= 0);
	CHECK_INT(file_write_all(fd, "b\n", 2), 0);
	close(fd);
	CHECK_INT(file_append(p, "c\n", 2, &eb), 0);
	CHECK_STR(get(p), "a\nb\nc\n");
	/* never through a symbolic link */
	tpath(t, sizeof(t), "app.target");
	tpath(l, sizeof(l), "app.link");
	put(t, "keep");
	CHECK_INT(symlink(t, l), 0);
	CHECK_INT(file_append(l, "x", 1, &eb), HS_EIO);
	CHECK(strstr(eb.msg, "cannot write '") == eb.msg);
	CHECK_STR(get(t), "keep");
}

UNIT_TEST(file_read_cap)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf b = BUF_INIT(10);
	char p[600], want[700];

	tpath(p, sizeof(p), "ten");
	put(p, "0123456789");
	/* exactly the cap */
	CHECK_INT(file_read(p, &b, &eb), 0);
	CHECK_STR(b.data, "0123456789");
	CHECK_INT(b.len, 10);
	buf_release(&b);
	/* one byte over: an error, and nothing half-read */
	put(p, "0123456789a");
	CHECK_INT(file_read(p, &b, &eb), HS_ELIMIT);
	snprintf(want, sizeof(want), "'%s' is larger than 10 bytes", p);
	CHECK_STR(eb.msg, want);
	CHECK_INT(b.len, 0);
	buf_release(&b);
	/* empty */
	put(p, "");
	CHECK_INT(file_read(p, &b, &eb), 0);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	/* missing: errno tells */
	tpath(p, sizeof(p), "missing");
	CHECK_INT(file_read(p, &b, &eb), HS_EIO);
	CHECK_INT(errno, ENOENT);
	snprintf(want, sizeof(want), "cannot read '%s': No such file or "
	    "directory", p);
	CHECK_STR(eb.msg, want);
	buf_release(&b);
}

UNIT_TEST(file_read_refuses_special)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf b = BUF_INIT(1u << 20);
	char fifo[600], want[700], l[600];

	/* a FIFO with no writer: refused at once, not waited on (the alarm
	 * ends the test run if it ever blocks) */
	tpath(fifo, sizeof(fifo), "fifo");
	CHECK_INT(mkfifo(fifo, 0600), 0);
	alarm(20);
	CHECK_INT(file_read(fifo, &b, &eb), HS_EIO);
	alarm(0);
	snprintf(want, sizeof(want), "cannot read '%s': not a regular file",
	    fifo);
	CHECK_STR(eb.msg, want);
	/* a device that never ends */
	CHECK_INT(file_read("/dev/zero", &b, &eb), HS_EIO);
	CHECK_STR(eb.msg, "cannot read '/dev/zero': not a regular file");
	CHECK_INT(b.len, 0);
	/* a directory */
	CHECK_INT(file_read(unit_tmpdir(), &b, &eb), HS_EIO);
	CHECK(strstr(eb.msg, "': Is a directory") != NULL);
	/* a symbolic link to a FIFO is refused like the FIFO */
	tpath(l, sizeof(l), "fifo.link");
	CHECK_INT(symlink(fifo, l), 0);
	alarm(20);
	CHECK_INT(file_read(l, &b, &eb), HS_EIO);
	alarm(0);
	CHECK(strstr(eb.msg, "not a regular file") != NULL);
	buf_release(&b);
}

UNIT_TEST(file_read_symlink)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf b = BUF_INIT(100);
	char t[600], l[600];
	int fd;

	/* decided: a link to a regular file is followed (the user names the
	 * path: profiles/current.json -> smoke.json) ... */
	tpath(t, sizeof(t), "real.json");
	tpath(l, sizeof(l), "current.json");
	put(t, "{}");
	CHECK_INT(symlink(t, l), 0);
	CHECK_INT(file_read(l, &b, &eb), 0);
	CHECK_STR(b.data, "{}");
	/* ... unless FILE_NOFOLLOW (files hubspy wrote itself) */
	CHECK_INT(file_open_read(l, FILE_NOFOLLOW, &eb), HS_EIO);
	CHECK(strstr(eb.msg, "': is a symbolic link") != NULL);
	CHECK((fd = file_open_read(t, FILE_NOFOLLOW, &eb)) >= 0);
	close(fd);
	buf_release(&b);
}

UNIT_TEST(file_read_fifo_allowed)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf b = BUF_INIT(100), t = BUF_INIT(16);
	char fifo[600], big[100];
	pid_t pid;
	int w, fd;

	/* FILE_FIFO: a pipe is read to its end (a token or a log) */
	tpath(fifo, sizeof(fifo), "pipe");
	CHECK_INT(mkfifo(fifo, 0600), 0);
	CHECK((w = open(fifo, O_RDWR | O_NONBLOCK)) >= 0);
	CHECK_INT(write(w, "hello\n", 6), 6);
	alarm(20);
	CHECK((fd = file_open_read(fifo, FILE_FIFO, &eb)) >= 0);
	close(w);
	CHECK_INT(file_read_fd(fd, fifo, &b, &eb), 0);
	alarm(0);
	close(fd);
	CHECK_STR(b.data, "hello\n");
	/* the tail of a pipe longer than the buffer: its end is kept */
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 4, "end\n", 4);
	CHECK((w = open(fifo, O_RDWR | O_NONBLOCK)) >= 0);
	CHECK_INT(write(w, big, sizeof(big)), (long long)sizeof(big));
	/* the writer must go before the reader sees EOF: a child holds it */
	if ((pid = fork()) == 0) {
		usleep(200000);
		_exit(0);
	}
	close(w);
	alarm(20);
	CHECK_INT(file_read_tail(fifo, FILE_FIFO, &t, &eb), 0);
	alarm(0);
	CHECK(t.len >= 8 && t.len <= 16);
	CHECK(t.len >= 4 && strcmp(t.data + t.len - 4, "end\n") == 0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	buf_release(&b);
	buf_release(&t);
}

UNIT_TEST(file_read_tail_regular)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct buf b = BUF_INIT(10);
	char p[600];

	tpath(p, sizeof(p), "log");
	put(p, "line one\nline two\nline three\n");
	/* exactly the last 10 bytes, never HS_ELIMIT */
	CHECK_INT(file_read_tail(p, 0, &b, &eb), 0);
	CHECK_STR(b.data, "ine three\n");
	buf_release(&b);
	put(p, "short\n");
	CHECK_INT(file_read_tail(p, 0, &b, &eb), 0);
	CHECK_STR(b.data, "short\n");
	buf_release(&b);
}

UNIT_TEST(file_atomic_temp_names)
{
	static const struct {
		const char	*name;
		int		 want;
	} cases[] = {
		{ ".report.html.tmp-0a1b2c", 1 },
		{ ".x.tmp-ABCDEF", 1 },
		{ "report.html.tmp-0a1b2c", 0 },	/* no leading dot */
		{ ".report.html.tmp-0a1b2", 0 },	/* 5 digits */
		{ ".report.html.tmp-0a1b2g", 0 },	/* not hex */
		{ ".tmp-0a1b2c", 0 },			/* no name */
		{ ".report.html", 0 },
		{ "", 0 },
	};
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	struct file_atomic fa = FILE_ATOMIC_INIT;
	char path[600];
	const char *slash;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(file_is_atomic_temp(cases[i].name), cases[i].want);
	/* and the names file_atomic_open() really makes */
	snprintf(path, sizeof(path), "%s/out.txt", unit_tmpdir());
	CHECK_INT(file_atomic_open(&fa, path, 0, &eb), 0);
	slash = fa.tmp ? strrchr(fa.tmp, '/') : NULL;
	CHECK(slash != NULL && file_is_atomic_temp(slash + 1));
	file_atomic_abort(&fa);
}

UNIT_TEST(file_read_alloc_whole_or_nothing)
{
	struct hs_errbuf eb = HS_ERRBUF_INIT;
	char path[600], *data = (char *)"x";
	size_t len = 99;

	snprintf(path, sizeof(path), "%s/f", unit_tmpdir());
	CHECK_INT(file_write_atomic(path, "hello", 5, 0, &eb), 0);
	CHECK_INT(file_read_alloc(path, 5, &data, &len, &eb), 0);
	CHECK_STR(data, "hello");
	CHECK_INT(len, 5);
	free(data);
	/* over the cap: an error and no allocation */
	CHECK_INT(file_read_alloc(path, 4, &data, &len, &eb), HS_ELIMIT);
	CHECK(data == NULL);
	CHECK_INT(len, 0);
	CHECK(strstr(eb.msg, "is larger than 4 bytes") != NULL);
}
