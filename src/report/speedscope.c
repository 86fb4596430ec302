/* speedscope.c -- speedscope JSON: read into a stacks tree, write per thread */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/xml.h"
#include "report/speedscope.h"

#define MAX_FRAME_TEXT	4096

/* "name (file:line)" as raw writes it, into dst */
static size_t
frame_text(const cJSON *f, char *dst, size_t n)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
	const cJSON *file = cJSON_GetObjectItemCaseSensitive(f, "file");
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(f, "line");
	int w;

	if (!cJSON_IsString(name) || name->valuestring[0] == '\0')
		return 0;
	if (!cJSON_IsString(file) || file->valuestring[0] == '\0')
		w = snprintf(dst, n, "%s", name->valuestring);
	else if (cJSON_IsNumber(line) && line->valuedouble >= 1 &&
	    line->valuedouble < 1e9)
		w = snprintf(dst, n, "%s (%s:%d)", name->valuestring,
		    file->valuestring, (int)line->valuedouble);
	else
		w = snprintf(dst, n, "%s (%s)", name->valuestring,
		    file->valuestring);
	if (w < 0 || (size_t)w >= n)
		return 0;
	return (size_t)w;
}

/* "Thread 67525 \"MainThread\"" -> "thread (67525): MainThread" */
static size_t
thread_frame(const char *pname, char *dst, size_t n)
{
	const char *t = strstr(pname, "Thread ");
	const char *sp, *q;
	int w;

	if (t == NULL)
		return 0;
	t += 7;
	if ((sp = strchr(t, ' ')) == NULL)
		sp = t + strlen(t);
	if (sp == t)
		return 0;
	q = strchr(sp, '"');
	if (q != NULL && q[1] != '"' && q[1] != '\0') {
		const char *e = strrchr(q + 1, '"');

		w = snprintf(dst, n, "thread (%.*s): %.*s", (int)(sp - t), t,
		    (int)(e && e > q ? e - q - 1 : (ptrdiff_t)strlen(q + 1)),
		    q + 1);
	} else
		w = snprintf(dst, n, "thread (%.*s)", (int)(sp - t), t);
	if (w < 0 || (size_t)w >= n)
		return 0;
	return (size_t)w;
}

int
speedscope_read(struct stacks *s, const char *data, size_t len, double rate,
    struct hs_errbuf *eb)
{
	cJSON *doc = NULL;
	const cJSON *frames, *profiles, *p, *smp, *wts, *one, *idx, *w;
	char **texts = NULL, tf[MAX_FRAME_TEXT];
	size_t *lens = NULL, nframes, i, depth, tlen;
	const char **fv = NULL;
	size_t *lv = NULL;
	int r, si;

	if (rate <= 0)
		rate = 100;
	if ((doc = cJSON_ParseWithLength(data, len)) == NULL) {
		r = hs_error(eb, HS_EUSAGE, "speedscope file is not JSON");
		goto out;
	}
	frames = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "shared"), "frames");
	profiles = cJSON_GetObjectItemCaseSensitive(doc, "profiles");
	if (!cJSON_IsArray(frames) || !cJSON_IsArray(profiles)) {
		r = hs_error(eb, HS_EUSAGE, "not a speedscope file: no "
		    "'shared.frames' or 'profiles' array");
		goto out;
	}
	nframes = (size_t)cJSON_GetArraySize(frames);
	texts = calloc(nframes + 1, sizeof(*texts));
	lens = calloc(nframes + 1, sizeof(*lens));
	fv = calloc(4097, sizeof(*fv));
	lv = calloc(4097, sizeof(*lv));
	if (texts == NULL || lens == NULL || fv == NULL || lv == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(one, frames) {
		if ((lens[i] = frame_text(one, tf, sizeof(tf))) > 0 &&
		    (texts[i] = strdup(tf)) == NULL) {
			r = hs_error(eb, HS_ENOMEM, "out of memory");
			goto out;
		}
		i++;
	}
	cJSON_ArrayForEach(p, profiles) {
		const cJSON *pn = cJSON_GetObjectItemCaseSensitive(p, "name");

		smp = cJSON_GetObjectItemCaseSensitive(p, "samples");
		wts = cJSON_GetObjectItemCaseSensitive(p, "weights");
		if (!cJSON_IsArray(smp))
			continue;	/* "evented" profiles are not read */
		tlen = cJSON_IsString(pn) ? thread_frame(pn->valuestring, tf,
		    sizeof(tf)) : 0;
		si = 0;
		cJSON_ArrayForEach(one, smp) {
			double wv = 1.0 / rate, cnt;
			int bad = !cJSON_IsArray(one);

			w = cJSON_IsArray(wts) ? cJSON_GetArrayItem(wts, si) : NULL;
			si++;
			if (w != NULL && cJSON_IsNumber(w))
				wv = w->valuedouble;
			depth = 0;
			if (!bad && tlen > 0) {
				const cJSON *f0 = cJSON_GetArrayItem(one, 0);
				size_t k = cJSON_IsNumber(f0) && f0->valuedouble >= 0 &&
				    f0->valuedouble < (double)nframes ?
				    (size_t)f0->valuedouble : 0;

				if (!(texts[k] && (strncmp(texts[k], "thread (", 8)
				    == 0 || strncmp(texts[k], "process ", 8) == 0))) {
					fv[0] = tf;
					lv[0] = tlen;
					depth = 1;
				}
			}
			if (!bad)
				cJSON_ArrayForEach(idx, one) {
					size_t k;

					if (!cJSON_IsNumber(idx) || idx->valuedouble < 0 ||
					    idx->valuedouble >= (double)nframes ||
					    depth >= 4096) {
						bad = 1;
						break;
					}
					k = (size_t)idx->valuedouble;
					if (texts[k] == NULL) {
						bad = 1;
						break;
					}
					fv[depth] = texts[k];
					lv[depth++] = lens[k];
				}
			cnt = round(wv * rate);
			if (!(cnt >= 1))
				cnt = 1;
			if (cnt > 1e12)
				bad = 1;
			if (bad || depth == 0) {
				s->lineno++;
				s->malformed++;
				if (s->first_bad == 0)
					s->first_bad = s->lineno;
				continue;
			}
			r = stacks_add(s, fv, lv, depth, (uint64_t)cnt);
			if (r == HS_ENOMEM) {
				hs_error(eb, r, "out of memory");
				goto out;
			}
		}
	}
	r = 0;
out:
	if (texts != NULL)
		for (i = 0; i < nframes; i++)
			free(texts[i]);
	free(texts);
	free(lens);
	free(fv);
	free(lv);
	cJSON_Delete(doc);
	return r;
}

/* --- writing --- */

static void
json_str(struct buf *o, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n;

	buf_addch(o, '"');
	while (p < end) {
		if (*p == '"' || *p == '\\') {
			buf_printf(o, "\\%c", *p);
			p++;
		} else if (*p < 0x20) {
			buf_printf(o, "\\u%04x", *p);
			p++;
		} else if ((n = xml_utf8_seq(p, end)) > 0) {
			buf_add(o, p, n);
			p += n;
		} else {
			buf_addch(o, '?');
			p++;
		}
	}
	buf_addch(o, '"');
}

/* the shortest of %.15g and %.17g that reads back as v */
static const char *
shortest(double v, char *dst, size_t n)
{
	snprintf(dst, n, "%.15g", v);
	if (strtod(dst, NULL) != v)
		snprintf(dst, n, "%.17g", v);
	return dst;
}

struct sw {
	const struct stacks	*s;
	struct buf		*o;
	int64_t			*fidx;		/* name id -> frame index, -1 */
	uint32_t		*order;		/* frames in index order */
	size_t			 nf;
	uint32_t		*path;
	double			 rate;
	int			 first;
	struct buf		*weights;
	double			 endv;
};

static int
frame_index(struct sw *w, uint32_t name)
{
	if (w->fidx[name] < 0) {
		w->fidx[name] = (int64_t)w->nf;
		w->order[w->nf++] = name;
	}
	return (int)w->fidx[name];
}

/* samples of the subtree at node; outside a thread's profile (inside = 0)
 * stop at the thread frames that start profiles: those below nothing but
 * process frames (top = 1), as find_threads() finds them. Stops at the
 * first error of either buffer: the tree can have millions of nodes. */
static int
emit(struct sw *w, uint32_t node, size_t depth, int inside, int top)
{
	const struct stacks_node *n = &w->s->nodes[node];
	char num[40];
	uint32_t c;
	size_t i;
	int r;

	if (node != STACKS_ROOT) {
		uint8_t kind = w->s->names[n->name].kind;

		if (!inside && top && kind == STACKS_THREAD)
			return 0;
		if (kind != STACKS_PROCESS)
			top = 0;
		w->path[depth - 1] = n->name;
	}
	if (n->self > 0 && depth > 0) {
		buf_addstr(w->o, w->first ? "[" : ",[");
		for (i = 0; i < depth; i++)
			buf_printf(w->o, "%s%d", i ? "," : "",
			    frame_index(w, w->path[i]));
		buf_addch(w->o, ']');
		buf_printf(w->weights, "%s%s", w->first ? "" : ",",
		    shortest((double)n->self / w->rate, num, sizeof(num)));
		if ((r = buf_error(w->o)) != 0 ||
		    (r = buf_error(w->weights)) != 0)
			return r;
		w->endv += (double)n->self / w->rate;
		w->first = 0;
	}
	if (depth >= 4096)
		return 0;
	for (c = n->child; c != 0; c = w->s->nodes[c].sibling)
		if ((r = emit(w, c, depth + 1, inside, top)) != 0)
			return r;
	return 0;
}

struct prof {
	char		 name[256];
	uint32_t	 node;		/* thread node, or root */
};

static int
cmp_prof(const void *a, const void *b)
{
	return strcmp(((const struct prof *)a)->name,
	    ((const struct prof *)b)->name);
}

/* thread nodes: the first thread frame on each path */
static int
find_threads(const struct stacks *s, uint32_t node, struct prof **pv,
    size_t *np, size_t *cap)
{
	uint32_t c;
	int r;

	for (c = s->nodes[node].child; c != 0; c = s->nodes[c].sibling) {
		const struct stacks_name *nm = &s->names[s->nodes[c].name];

		if (nm->kind == STACKS_THREAD) {
			struct prof *p;
			const char *t = nm->text + 8, *cl = strchr(t, ')');

			if (*np == *cap) {
				size_t ncap = *cap ? *cap * 2 : 16;

				if ((p = reallocarray(*pv, ncap, sizeof(*p))) ==
				    NULL)
					return HS_ENOMEM;
				*pv = p;
				*cap = ncap;
			}
			p = &(*pv)[(*np)++];
			p->node = c;
			if (cl == NULL)
				cl = t + strlen(t);
			snprintf(p->name, sizeof(p->name), "Thread %.*s \"%s\"",
			    (int)(cl - t), t, cl[0] == ')' && cl[1] == ':' &&
			    cl[2] == ' ' ? cl + 3 : "");
		} else if (nm->kind == STACKS_PROCESS &&
		    (r = find_threads(s, c, pv, np, cap)) != 0)
			return r;
	}
	return 0;
}

static int
write_profile(struct sw *w, const char *name, uint32_t node, int inside)
{
	struct buf wts = BUF_INIT(w->o->max), smp = BUF_INIT(w->o->max);
	struct buf *o = w->o;
	size_t depth = 0, d;
	uint32_t a;
	int r;

	/* emit() is the expensive part: not started on a failed buffer */
	if ((r = buf_error(o)) != 0)
		return r;
	/* the path down to a thread node (the node itself is set by emit) */
	for (a = node; a != STACKS_ROOT; a = w->s->nodes[a].parent)
		depth++;
	d = depth > 0 ? depth - 1 : 0;
	for (a = node != STACKS_ROOT ? w->s->nodes[node].parent : STACKS_ROOT;
	    a != STACKS_ROOT; a = w->s->nodes[a].parent)
		w->path[--d] = w->s->nodes[a].name;
	w->weights = &wts;
	w->o = &smp;
	w->first = 1;
	w->endv = 0;
	r = emit(w, node, depth, inside, 1);
	w->o = o;
	if (r == 0) {
		buf_addstr(o, "{\"type\":\"sampled\",\"name\":");
		json_str(o, name, strlen(name));
		buf_printf(o, ",\"unit\":\"seconds\",\"startValue\":0.0,"
		    "\"endValue\":%.6g,\"samples\":[", w->endv);
		buf_add(o, smp.data, smp.len);
		buf_addstr(o, "],\"weights\":[");
		buf_add(o, wts.data, wts.len);
		buf_addstr(o, "]}");
		r = buf_error(o);
	}
	buf_release(&wts);
	buf_release(&smp);
	return r;
}

int
speedscope_write(const struct stacks *s, double rate, const char *name,
    struct buf *o)
{
	struct sw w;
	struct prof *pv = NULL;
	size_t np = 0, cap = 0, i;
	int r;

	memset(&w, 0, sizeof(w));
	w.s = s;
	w.o = o;
	w.rate = rate > 0 ? rate : 100;
	w.fidx = malloc((s->nnames + 1) * sizeof(*w.fidx));
	w.order = malloc((s->nnames + 1) * sizeof(*w.order));
	w.path = malloc(4097 * sizeof(*w.path));
	if (w.fidx == NULL || w.order == NULL || w.path == NULL) {
		r = HS_ENOMEM;
		goto out;
	}
	for (i = 0; i < s->nnames; i++)
		w.fidx[i] = -1;
	if ((r = find_threads(s, STACKS_ROOT, &pv, &np, &cap)) != 0)
		goto out;
	if (np > 1)
		qsort(pv, np, sizeof(*pv), cmp_prof);
	buf_addstr(o, "{\"$schema\":\"https://www.speedscope.app/"
	    "file-format-schema.json\",\"profiles\":[");
	for (i = 0; i < np; i++) {
		if (i > 0)
			buf_addch(o, ',');
		if ((r = write_profile(&w, pv[i].name, pv[i].node, 1)) != 0)
			goto out;
	}
	/* samples outside any thread frame (captures without --threads) */
	if (np == 0 || s->nodes[STACKS_ROOT].total > 0) {
		uint64_t inthreads = 0;

		for (i = 0; i < np; i++)
			inthreads += s->nodes[pv[i].node].total;
		if (inthreads < s->total) {
			if (np > 0)
				buf_addch(o, ',');
			if ((r = write_profile(&w, "all", STACKS_ROOT, 0)) != 0)
				goto out;
		}
	}
	buf_addstr(o, "],\"shared\":{\"frames\":[");
	for (i = 0; i < w.nf; i++) {
		const struct stacks_name *nm = &s->names[w.order[i]];
		const char *fn, *file;
		size_t nl, fl;
		int line;

		if (nm->kind == STACKS_THREAD || nm->kind == STACKS_PROCESS) {
			fn = nm->text, nl = nm->len, fl = 0, line = 0;
			file = "";
		} else
			stacks_split(nm->text, nm->len, &fn, &nl, &file, &fl,
			    &line);
		buf_addstr(o, i ? ",{\"name\":" : "{\"name\":");
		json_str(o, fn, nl);
		buf_addstr(o, ",\"file\":");
		json_str(o, file, fl);
		if (line > 0)
			buf_printf(o, ",\"line\":%d,\"col\":null}", line);
		else
			buf_addstr(o, ",\"line\":null,\"col\":null}");
	}
	if (name == NULL)
		name = "hubspy profile";
	buf_addstr(o, "]},\"activeProfileIndex\":null,"
	    "\"exporter\":\"hubspy@" HUBSPY_VERSION "\",\"name\":");
	json_str(o, name, strlen(name));
	buf_addstr(o, "}\n");
	r = buf_error(o);
out:
	free(pv);
	free(w.fidx);
	free(w.order);
	free(w.path);
	return r;
}
