/* unit.c -- the unit-test runner */
#include <netinet/in.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"

struct ucase {
	const char	*name;
	unit_fn		*fn;
};

static struct ucase cases[512];
static int ncases, cur_failed;
static char tmpdir[256];
static char cur_skip[256];	/* the current case's skip reason, if any */

/* tests/skips-allowed.txt (run from the top of the tree, as the fixtures) */
#define SKIPS_ALLOWED "tests/skips-allowed.txt"

void
unit_register(const char *name, unit_fn *fn)
{
	if (ncases < (int)(sizeof(cases) / sizeof(cases[0])))
		cases[ncases++] = (struct ucase){ name, fn };
}

int
unit_check(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return 1;
	cur_failed++;
	printf("  %s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 0;
}

const char *
unit_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		snprintf(tmpdir, sizeof(tmpdir), "%s/hubspy-unit.XXXXXX",
		    base ? base : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return tmpdir;
}

void
unit_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur_skip, sizeof(cur_skip), fmt, ap);
	va_end(ap);
	if (cur_skip[0] == '\0')
		strcpy(cur_skip, "no reason given");
}

/* does a pattern (extended regex) of tests/skips-allowed.txt match? */
static int
skip_allowed(const char *reason)
{
	char line[512];
	int ok = 0;
	FILE *fp = fopen(SKIPS_ALLOWED, "r");

	if (fp == NULL)
		return 0;
	while (!ok && fgets(line, sizeof(line), fp) != NULL) {
		regex_t re;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (regcomp(&re, line, REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		ok = regexec(&re, reason, 0, NULL, 0) == 0;
		regfree(&re);
	}
	fclose(fp);
	return ok;
}

static int
cmpcase(const void *a, const void *b)
{
	return strcmp(((const struct ucase *)a)->name,
	    ((const struct ucase *)b)->name);
}

int
main(int argc, char **argv)
{
	int i, passed = 0, failed = 0, skipped = 0;
	const char *ci = getenv("CI");
	int under_ci = ci != NULL && strcmp(ci, "true") == 0;

	qsort(cases, (size_t)ncases, sizeof(cases[0]), cmpcase);
	for (i = 0; i < ncases; i++) {
		if (argc > 1 && strstr(cases[i].name, argv[1]) == NULL)
			continue;
		cur_failed = 0;
		cur_skip[0] = '\0';
		cases[i].fn();
		if (tmpdir[0]) {
			char cmd[300];

			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
			if (system(cmd) != 0)
				fprintf(stderr, "cannot remove %s\n", tmpdir);
			tmpdir[0] = '\0';
		}
		if (cur_failed) {
			printf("not ok %s\n", cases[i].name);
			failed++;
		} else if (cur_skip[0] && under_ci && !skip_allowed(cur_skip)) {
			printf("not ok %s\n  skipped under CI: %s (not allowed "
			    "by %s)\n", cases[i].name, cur_skip, SKIPS_ALLOWED);
			failed++;
		} else if (cur_skip[0]) {
			printf("skip %s (%s)\n", cases[i].name, cur_skip);
			skipped++;
		} else {
			printf("ok %s\n", cases[i].name);
			passed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}

int
unit_listener(int *portp)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*portp = ntohs(sa.sin_port);
	return fd;
}

void
unit_read_request(int fd, char *req, size_t n)
{
	size_t got = 0;
	ssize_t k;

	req[0] = '\0';
	while (got < n - 1 && (k = read(fd, req + got, n - 1 - got)) > 0) {
		got += (size_t)k;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[got] = '\0';
}
