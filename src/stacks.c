/* stacks.c -- parse py-spy raw collapsed stacks into a merged call tree */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs.h"
#include "stacks.h"

/*
 * Speed matters: a 1 000 000-line capture 30-80 frames deep is ~2 GB of
 * text and millions of tree nodes, so the cost is cache misses. Each line
 * is cut at ';' with memchr; a frame equal to the previous line's frame at
 * the same depth reuses its node (one memcmp). The other frames are
 * interned (open addressing, word-at-a-time hash, a table that stays in
 * cache) and the tree nodes are found in a table keyed by the hash of the
 * whole path from the root, which is known for every frame of the line
 * before any lookup: all of the line's slots and nodes are prefetched at
 * once, then walked. Nothing is copied but the distinct frame texts.
 */

#define MAX_DEPTH	4096		/* deeper lines are malformed */
#define MAX_COUNT	1000000000000000ull
#define LINE_MAX_BYTES	(8u << 20)	/* longer lines are malformed */

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return h;
}

static uint64_t
hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

#define PH_ROOT	0x6a09e667f3bcc908ull

/* the path hash of a child named name under a node whose path hash is h */
static inline uint64_t
ph_next(uint64_t h, uint32_t name)
{
	return hash_key(h + 0x9E3779B97F4A7C15ull * ((uint64_t)name + 1));
}

/* the path hash of node, from the root down */
static uint64_t
ph_of(const struct stacks *s, uint32_t node)
{
	uint32_t chain[4096];
	size_t n = 0;
	uint64_t h = PH_ROOT;

	while (node != STACKS_ROOT && n < 4096) {
		chain[n++] = s->nodes[node].name;
		node = s->nodes[node].parent;
	}
	while (n > 0)
		h = ph_next(h, chain[--n]);
	return h;
}

int
stacks_init(struct stacks *s)
{
	memset(s, 0, sizeof(*s));
	s->capnodes = 1024;
	s->nhashcap = 1024;
	s->ccap = 2048;
	s->nodes = calloc(s->capnodes, sizeof(*s->nodes));
	s->nhash = calloc(s->nhashcap, sizeof(*s->nhash));
	s->slots = calloc(s->ccap, sizeof(*s->slots));
	if (s->nodes == NULL || s->nhash == NULL || s->slots == NULL) {
		stacks_release(s);
		return HS_ENOMEM;
	}
	s->nnodes = 1;		/* the root */
	return 0;
}

void
stacks_release(struct stacks *s)
{
	size_t i;

	for (i = 0; i < s->nnames; i++)
		free(s->names[i].text);
	free(s->names);
	free(s->nodes);
	free(s->nhash);
	free(s->slots);
	free(s->path);
	free(s->pathh);
	free(s->ph);
	free(s->nid);
	free(s->fpos);
	memset(s, 0, sizeof(*s));
}

void
stacks_split(const char *t, size_t len, const char **name, size_t *namelen,
    const char **file, size_t *filelen, int *line)
{
	size_t i, colon;
	int ln = 0;

	*name = t;
	*namelen = len;
	*file = t + len;
	*filelen = 0;
	*line = 0;
	if (len < 4 || t[len - 1] != ')')
		return;
	for (i = len - 1; i >= 2; i--) {
		if (t[i - 1] == '(' && t[i - 2] == ' ')
			break;
	}
	if (i < 2 || i >= len - 1)
		return;
	*namelen = i - 2;
	*file = t + i;
	*filelen = len - 1 - i;
	/* ":LINE" at the end of the file part */
	for (colon = len - 1; colon > i && isdigit((unsigned char)t[colon - 1]);
	    colon--)
		;
	if (colon < len - 1 && colon > i + 1 && t[colon - 1] == ':' &&
	    len - 1 - colon <= 9) {
		for (size_t j = colon; j < len - 1; j++)
			ln = ln * 10 + (t[j] - '0');
		*filelen = colon - 1 - i;
		*line = ln;
	}
}

static int
is_native_file(const char *f, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++)
		if (memcmp(f + i, ".so", 3) == 0 &&
		    (i + 3 == n || f[i + 3] == '.'))
			return 1;
	return (n > 6 && memcmp(f + n - 6, ".dylib", 6) == 0) ||
	    (n > 4 && memcmp(f + n - 4, ".dll", 4) == 0);
}

static int
classify(const char *t, size_t len, int *line, size_t *funclen)
{
	const char *name, *file;
	size_t nl, fl, i;

	*line = 0;
	*funclen = len;
	if (len >= 8 && memcmp(t, "thread (", 8) == 0)
		return STACKS_THREAD;
	if (len > 8 && memcmp(t, "process ", 8) == 0) {
		for (i = 8; i < len && isdigit((unsigned char)t[i]); i++)
			;
		if (i > 8 && i < len && t[i] == ':')
			return STACKS_PROCESS;
	}
	stacks_split(t, len, &name, &nl, &file, &fl, line);
	if (fl == 0 && file == t + len)
		return STACKS_OTHER;
	/* "NAME (FILE)" is the text up to the file plus ")" */
	*funclen = (size_t)(file - t) + fl + 1;
	return is_native_file(file, fl) ? STACKS_NATIVE : STACKS_PY;
}

static int
grow_names_hash(struct stacks *s)
{
	size_t ncap = s->nhashcap * 2, i, j;
	uint32_t *nh;

	if ((nh = calloc(ncap, sizeof(*nh))) == NULL)
		return HS_ENOMEM;
	for (i = 0; i < s->nnames; i++) {
		j = s->names[i].hash & (ncap - 1);
		/* the stored hash is 32 bits; tables beyond 2^32 are not needed */
		while (nh[j] != 0)
			j = (j + 1) & (ncap - 1);
		nh[j] = (uint32_t)i + 1;
	}
	free(s->nhash);
	s->nhash = nh;
	s->nhashcap = ncap;
	return 0;
}

static int64_t
find_name_h(const struct stacks *s, const char *t, size_t len, uint32_t h,
    size_t *slot)
{
	size_t j = h & (s->nhashcap - 1);
	const struct stacks_name *nm;

	while (s->nhash[j] != 0) {
		nm = &s->names[s->nhash[j] - 1];
		if (nm->hash == h && nm->len == len &&
		    memcmp(nm->text, t, len) == 0)
			return s->nhash[j] - 1;
		j = (j + 1) & (s->nhashcap - 1);
	}
	*slot = j;
	return -1;
}

int64_t
stacks_find_name(const struct stacks *s, const char *t, size_t len)
{
	size_t slot;

	if (s->nhash == NULL)
		return -1;
	return find_name_h(s, t, len, (uint32_t)hash_bytes(t, len), &slot);
}

int64_t
stacks_intern(struct stacks *s, const char *t, size_t len)
{
	uint32_t h = (uint32_t)hash_bytes(t, len);
	struct stacks_name *nm;
	size_t slot, funclen, id;
	int64_t r, f;
	int line, kind;

	if (len > UINT32_MAX)
		return -1;
	if ((r = find_name_h(s, t, len, h, &slot)) >= 0)
		return r;
	if ((s->nnames + 1) * 2 > s->nhashcap) {
		if (grow_names_hash(s) != 0)
			return -1;
		(void)find_name_h(s, t, len, h, &slot);
	}
	if (s->nnames == s->capnames) {
		size_t nc = s->capnames ? s->capnames * 2 : 256;

		if ((nm = reallocarray(s->names, nc, sizeof(*nm))) == NULL)
			return -1;
		s->names = nm;
		s->capnames = nc;
	}
	id = s->nnames;
	nm = &s->names[id];
	memset(nm, 0, sizeof(*nm));
	if ((nm->text = malloc(len + 1)) == NULL)
		return -1;
	memcpy(nm->text, t, len);
	nm->text[len] = '\0';
	nm->len = (uint32_t)len;
	nm->hash = h;
	kind = classify(t, len, &line, &funclen);
	nm->kind = (uint8_t)kind;
	nm->line = line;
	nm->func = (uint32_t)id;
	s->nhash[slot] = (uint32_t)id + 1;
	s->nnames++;
	if (funclen != len) {
		/* "NAME (FILE)"; the text is copied since t may be ours */
		char *ft = malloc(funclen + 1);

		if (ft == NULL)
			return -1;
		memcpy(ft, s->names[id].text, funclen);
		ft[funclen] = '\0';
		memcpy(ft + funclen - 1, ")", 1);
		f = stacks_intern(s, ft, funclen);
		free(ft);
		if (f < 0)
			return -1;
		s->names[id].func = (uint32_t)f;
	}
	return (int64_t)id;
}

static uint32_t
find_child(const struct stacks *s, uint32_t node, uint32_t name, uint64_t h,
    size_t *slot)
{
	size_t j = h & (s->ccap - 1);
	const struct stacks_node *n;

	while (s->slots[j] != 0) {
		n = &s->nodes[s->slots[j]];
		if (n->parent == node && n->name == name)
			return s->slots[j];
		j = (j + 1) & (s->ccap - 1);
	}
	*slot = j;
	return 0;
}

uint32_t
stacks_child(const struct stacks *s, uint32_t node, uint32_t name)
{
	size_t slot;

	return find_child(s, node, name, ph_next(ph_of(s, node), name), &slot);
}

static int
grow_children(struct stacks *s)
{
	size_t ncap = s->ccap * 2, i, j;
	uint64_t *h;
	uint32_t *ns;

	/* parents are created before their children: path hashes in id order */
	if ((h = malloc(s->nnodes * sizeof(*h))) == NULL)
		return HS_ENOMEM;
	if ((ns = calloc(ncap, sizeof(*ns))) == NULL) {
		free(h);
		return HS_ENOMEM;
	}
	h[STACKS_ROOT] = PH_ROOT;
	for (i = 1; i < s->nnodes; i++) {
		h[i] = ph_next(h[s->nodes[i].parent], s->nodes[i].name);
		j = h[i] & (ncap - 1);
		while (ns[j] != 0)
			j = (j + 1) & (ncap - 1);
		ns[j] = (uint32_t)i;
	}
	free(h);
	free(s->slots);
	s->slots = ns;
	s->ccap = ncap;
	return 0;
}

/* the child of node named name (path hash h), created when absent; 0 when
 * out of memory */
static uint32_t
child_get(struct stacks *s, uint32_t node, uint32_t name, uint64_t h)
{
	struct stacks_node *n;
	size_t j;
	uint32_t id;

	if ((id = find_child(s, node, name, h, &j)) != 0)
		return id;
	if ((s->nnodes + 1) * 2 > s->ccap) {
		if (grow_children(s) != 0)
			return 0;
		(void)find_child(s, node, name, h, &j);
	}
	if (s->nnodes >= UINT32_MAX - 1)
		return 0;
	if (s->nnodes == s->capnodes) {
		size_t nc = s->capnodes * 2;

		if ((n = reallocarray(s->nodes, nc, sizeof(*n))) == NULL)
			return 0;
		s->nodes = n;
		s->capnodes = nc;
	}
	id = (uint32_t)s->nnodes++;
	n = &s->nodes[id];
	memset(n, 0, sizeof(*n));
	n->parent = node;
	n->name = name;
	n->sibling = s->nodes[node].child;
	s->nodes[node].child = id;
	s->slots[j] = id;
	return id;
}

static int
path_reserve(struct stacks *s, size_t n)
{
	uint32_t *p;
	uint64_t *h;
	size_t *f;

	if (n <= s->pathcap)
		return 0;
	n = n < 64 ? 64 : n * 2;
	if ((p = reallocarray(s->path, n, sizeof(*p))) == NULL)
		return HS_ENOMEM;
	s->path = p;
	if ((p = reallocarray(s->nid, n, sizeof(*p))) == NULL)
		return HS_ENOMEM;
	s->nid = p;
	if ((h = reallocarray(s->pathh, n, sizeof(*h))) == NULL)
		return HS_ENOMEM;
	s->pathh = h;
	if ((h = reallocarray(s->ph, n, sizeof(*h))) == NULL)
		return HS_ENOMEM;
	s->ph = h;
	if ((f = reallocarray(s->fpos, n + 1, sizeof(*f))) == NULL)
		return HS_ENOMEM;
	s->fpos = f;
	s->pathcap = n;
	s->fposcap = n + 1;
	return 0;
}

static void
bad_line(struct stacks *s)
{
	s->malformed++;
	if (s->first_bad == 0)
		s->first_bad = s->lineno;
}

int
stacks_add_line(struct stacks *s, const char *line, size_t len)
{
	const char *sp, *p, *end;
	uint64_t count = 0, h;
	size_t n, i, k, depth, flen;
	uint32_t node, prev;
	int64_t id;

	s->lineno++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	if ((sp = memrchr(line, ' ', len)) == NULL || sp == line)
		goto bad;
	n = (size_t)(line + len - (sp + 1));
	if (n == 0 || n > 16)
		goto bad;
	for (p = sp + 1; p < line + len; p++) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		count = count * 10 + (uint64_t)(*p - '0');
	}
	if (count > MAX_COUNT)
		goto bad;
	if ((len >= 8 && memcmp(line, "py-spy> ", 8) == 0) ||
	    memchr(line, '\0', len) != NULL)
		goto bad;
	/* frame offsets: fpos[i] .. fpos[i+1]-1 */
	end = sp;
	depth = 0;
	if (path_reserve(s, 64) != 0)
		return HS_ENOMEM;
	s->fpos[0] = 0;
	for (p = line; p <= end;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));

		if (semi == NULL)
			semi = end;
		if (semi == p)
			goto bad;	/* empty frame */
		if (depth + 1 >= MAX_DEPTH)
			goto bad;
		if (depth + 2 > s->fposcap && path_reserve(s, depth + 2) != 0)
			return HS_ENOMEM;
		s->fpos[++depth] = (size_t)(semi - line) + 1;
		p = semi + 1;
		if (semi == end)
			break;
	}
	if (s->pathlen > s->pathcap)
		s->pathlen = 0;
	node = STACKS_ROOT;
	h = PH_ROOT;
	s->nodes[STACKS_ROOT].total += count;
	/* the prefix shared with the previous line */
	for (i = 0; i < depth && i < s->pathlen; i++) {
		const struct stacks_name *pn;

		prev = s->path[i];
		pn = &s->names[s->nodes[prev].name];
		flen = s->fpos[i + 1] - 1 - s->fpos[i];
		if (s->nodes[prev].parent != node || pn->len != flen ||
		    memcmp(pn->text, line + s->fpos[i], flen) != 0)
			break;
		node = prev;
		h = s->pathh[i];
		s->nodes[node].total += count;
	}
	k = i;
	/* the rest: names and path hashes first, prefetch, then the walk */
	for (i = k; i < depth; i++) {
		flen = s->fpos[i + 1] - 1 - s->fpos[i];
		if ((id = stacks_intern(s, line + s->fpos[i], flen)) < 0) {
			s->pathlen = 0;
			return HS_ENOMEM;
		}
		s->nid[i] = (uint32_t)id;
		h = ph_next(h, (uint32_t)id);
		s->ph[i] = h;
		__builtin_prefetch(&s->slots[h & (s->ccap - 1)]);
	}
	for (i = k; i < depth; i++) {
		uint32_t c = s->slots[s->ph[i] & (s->ccap - 1)];

		if (c != 0)
			__builtin_prefetch(&s->nodes[c]);
	}
	for (i = k; i < depth; i++) {
		if ((node = child_get(s, node, s->nid[i], s->ph[i])) == 0) {
			s->pathlen = 0;
			return HS_ENOMEM;
		}
		s->nodes[node].total += count;
		s->path[i] = node;
		s->pathh[i] = s->ph[i];
	}
	s->pathlen = depth;
	s->nodes[node].self += count;
	s->total += count;
	s->lines++;
	return 0;
bad:
	bad_line(s);
	return 0;
}

int
stacks_add(struct stacks *s, const char *const *frames, const size_t *lens,
    size_t n, uint64_t count)
{
	uint32_t node = STACKS_ROOT;
	uint64_t h = PH_ROOT;
	size_t i;
	int64_t id;

	s->lineno++;
	for (i = 0; i < n; i++)
		if (lens[i] == 0 || memchr(frames[i], ';', lens[i]) != NULL ||
		    memchr(frames[i], '\n', lens[i]) != NULL) {
			bad_line(s);
			return HS_EUSAGE;
		}
	if (n == 0 || n >= MAX_DEPTH) {
		bad_line(s);
		return HS_EUSAGE;
	}
	for (i = 0; i < n; i++) {
		if ((id = stacks_intern(s, frames[i], lens[i])) < 0)
			return HS_ENOMEM;
		h = ph_next(h, (uint32_t)id);
		if ((node = child_get(s, node, (uint32_t)id, h)) == 0)
			return HS_ENOMEM;
	}
	s->pathlen = 0;
	s->nodes[node].self += count;
	for (;;) {
		s->nodes[node].total += count;
		if (node == STACKS_ROOT)
			break;
		node = s->nodes[node].parent;
	}
	s->total += count;
	s->lines++;
	return 0;
}

int
stacks_parse_raw(struct stacks *s, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	int r;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((r = stacks_add_line(s, p, (size_t)(nl - p))) != 0)
			return r;
		p = nl + 1;
	}
	return 0;
}

int
stacks_load_raw_file(struct stacks *s, const char *path, struct hs_errbuf *eb)
{
	FILE *fp = NULL;
	char *b = NULL;
	size_t cap = 4u << 20, have = 0, n, start;
	int r, skipping = 0;
	char *nl;

	if ((fp = fopen(path, "r")) == NULL)
		return hs_error(eb, HS_EIO, "cannot open '%s': %s", path,
		    strerror(errno));
	if ((b = malloc(cap)) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory reading '%s'", path);
		goto out;
	}
	for (;;) {
		n = fread(b + have, 1, cap - have, fp);
		have += n;
		start = 0;
		while ((nl = memchr(b + start, '\n', have - start)) != NULL) {
			if (skipping)
				skipping = 0;
			else if ((r = stacks_add_line(s, b + start,
			    (size_t)(nl - (b + start)))) != 0) {
				hs_error(eb, r, "out of memory parsing '%s'", path);
				goto out;
			}
			start = (size_t)(nl - b) + 1;
		}
		memmove(b, b + start, have - start);
		have -= start;
		if (n == 0)
			break;
		if (have == cap) {
			if (cap >= LINE_MAX_BYTES) {
				/* a line too long for anyone: drop it */
				if (!skipping) {
					s->lineno++;
					bad_line(s);
				}
				skipping = 1;
				have = 0;
				continue;
			}
			cap *= 2;
			if ((nl = realloc(b, cap)) == NULL) {
				r = hs_error(eb, HS_ENOMEM, "out of memory "
				    "reading '%s'", path);
				goto out;
			}
			b = nl;
		}
	}
	if (ferror(fp)) {
		r = hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (have > 0 && !skipping &&
	    (r = stacks_add_line(s, b, have)) != 0) {
		hs_error(eb, r, "out of memory parsing '%s'", path);
		goto out;
	}
	r = 0;
out:
	free(b);
	if (fp != NULL)
		fclose(fp);
	return r;
}

static int
cmp_child(const void *a, const void *b, void *arg)
{
	const struct stacks *s = arg;
	const struct stacks_node *na = &s->nodes[*(const uint32_t *)a];
	const struct stacks_node *nb = &s->nodes[*(const uint32_t *)b];

	return strcmp(s->names[na->name].text, s->names[nb->name].text);
}

ssize_t
stacks_children_sorted(const struct stacks *s, uint32_t node, uint32_t **out)
{
	uint32_t c, *v;
	size_t n = 0;

	*out = NULL;
	for (c = s->nodes[node].child; c != 0; c = s->nodes[c].sibling)
		n++;
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL)
		return -1;
	n = 0;
	for (c = s->nodes[node].child; c != 0; c = s->nodes[c].sibling)
		v[n++] = c;
	qsort_r(v, n, sizeof(*v), cmp_child, (void *)s);
	*out = v;
	return (ssize_t)n;
}
