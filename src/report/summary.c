/* summary.c -- summary.md: what a person pastes into a bug report */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "report/summary.h"

/* the request classes shown in the table, in this order */
static const char *const classes[] = { "create", "start", "activity",
	"probe", NULL };

/* text from the hub or the pod inside markdown: one line, no table breaks
 * (appends; the buffer's error is checked once, by summary_render) */
static void
md(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_addch(b, '-');
		return;
	}
	for (; *s != '\0'; s++) {
		if (*s == '|' || *s == '`')
			buf_printf(b, "\\%c", *s);
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			buf_addch(b, ' ');
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			buf_addch(b, '?');
		else
			buf_addch(b, *s);
	}
}

static void
fmt_num(struct buf *b, double v, const char *fmt)
{
	char s[64];

	record_fmt(s, sizeof(s), fmt, v);
	buf_addstr(b, s);
}

static void
header(struct buf *b, const struct run_record *m)
{
	const struct record_profile *prof = &m->prof;
	size_t i;

	buf_addstr(b, "# hubspy run: ");
	md(b, m->profile_name);
	buf_addstr(b, "\n\n");
	if (m->partial) {
		buf_addstr(b, "> **Partial run:** ");
		md(b, m->partial_reason ? m->partial_reason : "interrupted");
		buf_addstr(b, ". The plateaus below are those that finished; "
		    "teardown ran.\n\n");
	}
	buf_addstr(b, "- hubspy ");
	md(b, m->hubspy_version);
	buf_addstr(b, ", run ");
	md(b, m->created);
	buf_addstr(b, "\n- hub ");
	md(b, m->hub.version);
	buf_addstr(b, " at ");
	md(b, m->hub.url);
	buf_addstr(b, ", token ");
	md(b, m->hub.token_kind);
	buf_addstr(b, "\n- target: ");
	md(b, m->target.transport);
	buf_addstr(b, ", pod ");
	md(b, m->target.pod);
	buf_addstr(b, ", container ");
	md(b, m->target.container);
	buf_addstr(b, ", pid ");
	fmt_num(b, m->target.pid, "%.0f");
	buf_addstr(b, ", python ");
	md(b, m->target.python);
	buf_addstr(b, ", py-spy ");
	md(b, m->target.pyspy);
	buf_addstr(b, "\n- profile: plateaus ");
	if (prof->has_users) {
		for (i = 0; i < prof->nusers; i++)
			buf_printf(b, "%s%ld", i ? "," : "", prof->users[i]);
	} else
		buf_addch(b, '-');
	buf_addstr(b, "; settle ");
	fmt_num(b, prof->settle, "%g");
	buf_addstr(b, " s, hold ");
	fmt_num(b, prof->hold, "%g");
	buf_addstr(b, " s; servers ");
	buf_addstr(b, prof->servers == 0 ? "no" : "yes");
	buf_addstr(b, "; activity ");
	md(b, prof->activity);
	buf_addstr(b, "; captures ");
	for (i = 0; i < prof->ncaptures; i++) {
		buf_addstr(b, i ? "," : "");
		md(b, prof->captures[i]);
	}
	if (prof->ncaptures == 0)
		buf_addstr(b, "none");
	buf_addstr(b, "; teardown ");
	md(b, prof->teardown);
	buf_addstr(b, "\n\n");
}

static void
plateau_row(struct buf *b, const struct record_plateau *p)
{
	const struct record_class *c;
	struct record_row w;
	size_t i;

	record_row(p, &w);
	buf_printf(b, "| %s | %s | %s | %s", w.s[RC_USERS], w.s[RC_ASKED],
	    w.s[RC_READY], w.s[RC_FAILED]);
	for (i = 0; classes[i] != NULL; i++) {
		c = record_class_find(p, classes[i]);
		buf_addstr(b, " | ");
		fmt_num(b, c ? c->latency_ms.p50 : NAN, "%.1f");
		buf_addstr(b, " / ");
		fmt_num(b, c ? c->latency_ms.p99 : NAN, "%.1f");
	}
	buf_printf(b, " | %s | %s | ", w.s[RC_429], w.s[RC_ERRORS]);
	fmt_num(b, w.v[RC_CPU], "%.0f");
	buf_printf(b, " | %s |\n", w.s[RC_RSS]);
}

/* the sessions' own classes (sessions.mode browse), in this order */
static const char *const session_classes[] = { "mint", "login", "page",
	"oauth", "own_api", "proxy", "progress", NULL };

/* a table of the session classes, only when a plateau has one: requests
 * and p50 / p99 ms per class and plateau */
static void
sessions_table(struct buf *b, const struct run_record *m)
{
	const struct record_class *c;
	size_t i, k;
	int any = 0;

	for (i = 0; i < m->nplateaus && !any; i++)
		for (k = 0; session_classes[k] != NULL; k++)
			any |= record_class_find(&m->plateaus[i],
			    session_classes[k]) != NULL;
	if (!any)
		return;
	buf_addstr(b, "## Sessions\n\nThe users' own requests: requests, "
	    "then latency in ms (p50 / p99).\n\n| users");
	for (k = 0; session_classes[k] != NULL; k++)
		buf_printf(b, " | %s", session_classes[k]);
	buf_addstr(b, " |\n|---:");
	for (k = 0; session_classes[k] != NULL; k++)
		buf_addstr(b, "|---:");
	buf_addstr(b, "|\n");
	for (i = 0; i < m->nplateaus; i++) {
		buf_printf(b, "| %ld", m->plateaus[i].users);
		for (k = 0; session_classes[k] != NULL; k++) {
			c = record_class_find(&m->plateaus[i],
			    session_classes[k]);
			if (c == NULL) {
				buf_addstr(b, " | -");
				continue;
			}
			buf_printf(b, " | %lld: ", c->count);
			fmt_num(b, c->latency_ms.p50, "%.1f");
			buf_addstr(b, " / ");
			fmt_num(b, c->latency_ms.p99, "%.1f");
		}
		buf_addstr(b, " |\n");
	}
	buf_addch(b, '\n');
}

static void
top_tables(struct buf *b, const struct run_record *m, const char *rundir)
{
	struct buf t = BUF_INIT(1u << 20);
	const char *s, *nl;
	char path[4096];
	size_t i;
	int any = 0, n;

	for (i = 0; i < m->nplateaus; i++) {
		const struct record_plateau *p = &m->plateaus[i];

		snprintf(path, sizeof(path), "%s/%s/top-table.txt", rundir,
		    p->dir);
		buf_reset(&t);
		if (file_read(path, &t, NULL) != 0 || t.len == 0)
			continue;
		if (!any)
			buf_addstr(b, "## Top functions\n");
		any = 1;
		buf_printf(b, "\n### %ld users\n\n```\n", p->users);
		for (s = t.data, n = 0; *s != '\0' && n < SUMMARY_TOP_LINES;
		    n++, s = nl + 1) {
			if ((nl = strchr(s, '\n')) == NULL)
				nl = s + strlen(s);
			/* a fence inside the file cannot close ours */
			for (; s < nl; s++)
				buf_addch(b, *s == '`' ? '\'' :
				    ((unsigned char)*s < 0x20 && *s != '\t') ?
				    '?' : *s);
			buf_addch(b, '\n');
			if (*nl == '\0')
				break;
		}
		buf_addstr(b, "```\n");
	}
	if (any)
		buf_addch(b, '\n');
	buf_release(&t);
}

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same_failure(const struct record_capture *a, const struct record_capture *b)
{
	return same_str(a->failure, b->failure) &&
	    same_str(a->message, b->message);
}

/* has an equal failure been listed already (before capture c of plateau
 * k)? */
static int
listed_before(const struct run_record *m, size_t k,
    const struct record_capture *c)
{
	const struct record_capture *d;
	size_t q, j;

	for (q = 0; q <= k; q++)
		for (j = 0; j < m->plateaus[q].ncaptures; j++) {
			d = &m->plateaus[q].captures[j];
			if (d == c)
				return 0;
			if (d->failure != NULL && same_failure(c, d))
				return 1;
		}
	return 0;
}

/* one line per distinct failure (class and message), with every capture
 * it struck: a hub without py-spy fails every capture the same way */
static void
failures(struct buf *b, const struct run_record *m)
{
	const struct record_capture *c, *d;
	size_t k, i, q, j;
	int any = 0, n;

	for (k = 0; k < m->nplateaus; k++)
		for (i = 0; i < m->plateaus[k].ncaptures; i++) {
			c = &m->plateaus[k].captures[i];
			if (c->failure == NULL || listed_before(m, k, c))
				continue;
			if (!any)
				buf_addstr(b, "## Capture failures\n\n");
			any = 1;
			buf_addstr(b, "- `");
			md(b, c->failure);
			buf_addstr(b, "` (");
			n = 0;
			for (q = 0; q < m->nplateaus; q++)
				for (j = 0; j < m->plateaus[q].ncaptures; j++) {
					d = &m->plateaus[q].captures[j];
					if (d->failure == NULL ||
					    !same_failure(c, d))
						continue;
					if (n++ > 0)
						buf_addstr(b, ", ");
					buf_printf(b, "%ld users ",
					    m->plateaus[q].users);
					md(b, d->kind);
				}
			buf_addstr(b, "): ");
			md(b, c->message ? c->message : "no message");
			buf_addch(b, '\n');
		}
	if (any)
		buf_addch(b, '\n');
}

/* the stalls the watch caught, first: what a slow-sometimes hub is
 * about (docs/artifacts.md, triggers) */
static void
triggers(struct buf *b, const struct run_record *m)
{
	size_t i;

	if (m->ntriggers == 0)
		return;
	buf_addstr(b, "## Stalls caught\n\n");
	for (i = 0; i < m->ntriggers; i++) {
		const struct record_trigger *t = &m->triggers[i];

		buf_printf(b, "- trigger %zu at ", i + 1);
		md(b, t->at ? t->at : "?");
		buf_addstr(b, ": ");
		md(b, t->source);
		buf_printf(b, " %.3f s (threshold %.3f s)", t->value,
		    t->threshold);
		if (t->plateau >= 0)
			buf_printf(b, ", plateau %ld", t->plateau);
		if (t->phase) {
			buf_addstr(b, " ");
			md(b, t->phase);
		}
		if (t->users != RECORD_NONE)
			buf_printf(b, ", %lld users", t->users);
		if (t->dir) {
			buf_addstr(b, ": `");
			md(b, t->dir);
			buf_printf(b, "/` (%zu captures)\n", t->ncaptures);
		} else {
			buf_addstr(b, ": skipped, ");
			md(b, t->skipped ? t->skipped : "no reason");
			buf_addch(b, '\n');
		}
	}
	buf_addch(b, '\n');
}

int
summary_render(const struct run_record *m, const char *rundir, struct buf *b,
    struct hs_errbuf *eb)
{
	size_t i;

	header(b, m);
	triggers(b, m);
	/* the event loop leads: the hub's own saturation signal */
	buf_addstr(b, "## Event loop\n\n");
	for (i = 0; i < m->nplateaus; i++) {
		char line[400];

		record_loop_line(&m->plateaus[i], line, sizeof(line));
		buf_printf(b, "- %ld users: ", m->plateaus[i].users);
		md(b, line);
		buf_addch(b, '\n');
	}
	if (m->nplateaus == 0)
		buf_addstr(b, "No plateau finished.\n");
	buf_addstr(b, "\n## Spawns\n\n");
	for (i = 0; i < m->nplateaus; i++) {
		char line[400];

		record_spawn_line(m, i, line, sizeof(line));
		buf_printf(b, "- %ld users: ", m->plateaus[i].users);
		md(b, line);
		buf_addch(b, '\n');
		record_phases_line(&m->plateaus[i], line, sizeof(line));
		if (line[0] != '\0') {
			buf_addstr(b, "  - ");
			md(b, line);
			buf_addch(b, '\n');
		}
	}
	if (m->nplateaus == 0)
		buf_addstr(b, "No plateau finished.\n");
	buf_addstr(b, "\n## Plateaus\n\nLatency in ms (p50 / p99); hub CPU in % "
	    "of one core; RSS in MiB.\n\n| users | asked | ready | failed");
	for (i = 0; classes[i] != NULL; i++)
		buf_printf(b, " | %s", classes[i]);
	buf_addstr(b, " | 429s | errors | hub CPU % | hub RSS |\n|---:|---:|"
	    "---:|---:");
	for (i = 0; classes[i] != NULL; i++)
		buf_addstr(b, "|---:");
	buf_addstr(b, "|---:|---:|---:|---:|\n");
	for (i = 0; i < m->nplateaus; i++)
		plateau_row(b, &m->plateaus[i]);
	if (m->nplateaus == 0)
		buf_addstr(b, "\nNo plateau finished.\n");
	buf_addch(b, '\n');
	sessions_table(b, m);
	if (rundir != NULL)
		top_tables(b, m, rundir);
	failures(b, m);
	if (buf_error(b) == HS_ENOMEM)
		return hs_error(eb, HS_ENOMEM, "summary: out of memory");
	if (buf_error(b) != 0)
		return hs_error(eb, HS_ELIMIT, "summary: larger than %zu bytes",
		    b->max);
	return 0;
}
