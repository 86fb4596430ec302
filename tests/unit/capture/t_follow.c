/* t_follow.c -- the kubectl logs -f line assembler */
#include <stdlib.h>
#include <string.h>

#include "capture/follow.h"
#include "unit.h"

struct got {
	char	 s[8][FOLLOW_LINE_MAX + 1];
	size_t	 len[8];
	int	 n;
};

static void
collect(void *arg, const char *line, size_t len)
{
	struct got *g = arg;

	if (g->n < 8) {
		memcpy(g->s[g->n], line, len);
		g->s[g->n][len] = '\0';
		g->len[g->n++] = len;
	}
}

UNIT_TEST(follow_lines_split_and_join)
{
	struct follow_lines fl = FOLLOW_LINES_INIT;
	struct got g = { .n = 0 };

	/* two lines and the start of a third */
	CHECK_INT(follow_lines_add(&fl, "a\nbc\nde", 7, collect, &g), 2);
	CHECK_INT(g.n, 2);
	CHECK_STR(g.s[0], "a");
	CHECK_STR(g.s[1], "bc");
	/* the third ends in the next chunk, an empty line after it */
	CHECK_INT(follow_lines_add(&fl, "f\n\n", 3, collect, &g), 2);
	CHECK_STR(g.s[2], "def");
	CHECK_INT(g.len[3], 0);
	/* no newline: nothing yet */
	CHECK_INT(follow_lines_add(&fl, "xyz", 3, collect, &g), 0);
	CHECK_INT(g.n, 4);
	CHECK_INT(follow_lines_add(&fl, "", 0, collect, &g), 0);
	CHECK_INT(follow_lines_add(&fl, "\n", 1, collect, &g), 1);
	CHECK_STR(g.s[4], "xyz");
}

UNIT_TEST(follow_lines_cut_long)
{
	struct follow_lines fl = FOLLOW_LINES_INIT;
	struct got *g = calloc(1, sizeof(*g));
	char *big = malloc(3 * FOLLOW_LINE_MAX);

	CHECK(g != NULL && big != NULL);
	if (g == NULL || big == NULL) {
		free(g);
		free(big);
		return;
	}
	memset(big, 'x', 3 * FOLLOW_LINE_MAX);
	/* a line longer than the cap in one chunk: cut at the cap */
	big[2 * FOLLOW_LINE_MAX] = '\n';
	CHECK_INT(follow_lines_add(&fl, big, 2 * FOLLOW_LINE_MAX + 1, collect,
	    g), 1);
	CHECK_INT(g->len[0], FOLLOW_LINE_MAX);
	/* a long line across chunks: cut too, and the next is whole */
	CHECK_INT(follow_lines_add(&fl, big, FOLLOW_LINE_MAX - 1, collect, g),
	    0);
	CHECK_INT(follow_lines_add(&fl, big, 10, collect, g), 0);
	CHECK_INT(follow_lines_add(&fl, "yy\nok\n", 6, collect, g), 2);
	CHECK_INT(g->len[1], FOLLOW_LINE_MAX);
	CHECK_STR(g->s[2], "ok");
	free(g);
	free(big);
}
