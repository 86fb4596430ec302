/* unit.c -- the unit-test runner */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

struct ucase {
	const char	*name;
	unit_fn		*fn;
};

static struct ucase cases[512];
static int ncases, cur_failed;
static char tmpdir[256];

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

static int
cmpcase(const void *a, const void *b)
{
	return strcmp(((const struct ucase *)a)->name,
	    ((const struct ucase *)b)->name);
}

int
main(int argc, char **argv)
{
	int i, passed = 0, failed = 0;

	qsort(cases, (size_t)ncases, sizeof(cases[0]), cmpcase);
	for (i = 0; i < ncases; i++) {
		if (argc > 1 && strstr(cases[i].name, argv[1]) == NULL)
			continue;
		cur_failed = 0;
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
		} else {
			printf("ok %s\n", cases[i].name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
