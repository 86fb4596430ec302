/* stacks.c -- parse py-spy raw collapsed stacks into a merged call tree */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/file.h"
#include "core/hs.h"
#include "report/stacks.h"

/*
 * Speed matters: a 1 000 000-line capture 30-80 frames deep is ~2 GB of
 * text and millions of tree nodes, so the cost is cache misses, and what
 * is done per frame (55 million of them) rather than per line. A line is
 * read in 256 KiB blocks (they stay in L2 between the copy and the scan),
 * checked and cut at its ';' 64 bytes at a time (SSE2 masks, no call per
 * frame), and only then walked, so a malformed line changes nothing.
 * Each frame is first compared, in place, with the two nodes it most
 * likely is: the previous line's node at the same depth (samples of one
 * thread come in runs) and the node made right after its parent (a stack
 * seen for the first time is a chain of consecutive ids, so that node is
 * in the cache line just read). Nine frames in ten stop there, without a
 * hash. The rest are hashed and looked up in the node table, keyed by
 * (parent id, frame hash) and skipped when the parent has no child yet
 * (the tail of a new stack); names are interned only for new nodes.
 * Nothing is copied but the distinct frame texts.
 */

#define MAX_DEPTH	4096		/* deeper lines are malformed */
#define MAX_COUNT	1000000000000000ull
#define LINE_MAX_BYTES	(8u << 20)	/* longer lines are malformed */

/* 8 bytes at p as a word, any alignment (for hashes and equality only,
 * so the host's byte order does not matter) */
static inline uint64_t
load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/* the n < 8 bytes at p, zero-padded */
static inline uint64_t
load_tail(const char *p, size_t n)
{
	uint64_t w = 0;
	size_t i;

	for (i = 0; i < n; i++)
		w |= (uint64_t)(unsigned char)p[i] << (8 * i);
	return w;
}

/*
 * The frame hash: one multiply per 8-byte word, then the 0-7 byte tail
 * (zero-padded) and the length. Computed once per distinct frame text
 * (kept in names[]) and for the frames of a line that are not found by
 * the cheaper checks of stacks_add_line().
 */
#define HASH_SEED	0x9E3779B97F4A7C15ull

static inline uint64_t
hash_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static inline uint64_t
hash_end(uint64_t h, uint64_t tail, size_t n)
{
	h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	h = (h + n) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = HASH_SEED;
	size_t left = n;

	for (; left >= 8; p += 8, left -= 8)
		h = hash_word(h, load64(p));
	return hash_end(h, load_tail(p, left), n);
}

static uint64_t
hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

/* a == b over n bytes, 16 at a time (frames are short: no call, and
 * few loop exits to mispredict) */
static inline int
same_bytes(const char *a, const char *b, size_t n)
{
	size_t i;

	if (n < 16) {
		if (n >= 8)
			return load64(a) == load64(b) &&
			    load64(a + n - 8) == load64(b + n - 8);
		for (i = 0; i < n; i++)
			if (a[i] != b[i])
				return 0;
		return 1;
	}
#ifdef __SSE2__
#define SAME16(x, y) (_mm_movemask_epi8(_mm_cmpeq_epi8( \
	_mm_loadu_si128((const __m128i *)(const void *)(x)), \
	_mm_loadu_si128((const __m128i *)(const void *)(y)))) == 0xffff)
#else
#define SAME16(x, y) (load64(x) == load64(y) && \
	load64((x) + 8) == load64((y) + 8))
#endif
	for (i = 0; i + 16 < n; i += 16)
		if (!SAME16(a + i, b + i))
			return 0;
	/* the last 16 bytes, overlapping the previous block */
	return SAME16(a + n - 16, b + n - 16);
#undef SAME16
}

/* the node table's key of the child of parent with frame hash fh: the
 * node ids never move, so growing the table needs no path walk */
static inline uint64_t
child_key(uint32_t parent, uint64_t fh)
{
	return hash_key(fh + ((uint64_t)parent + 1) * 0x9E3779B97F4A7C15ull);
}

/*
 * The ';' bytes of the 64 at p as bits of *semi, and whether one of them
 * is a NUL. SSE2 (every x86-64) compares 16 bytes at once; elsewhere a
 * byte loop gives the same masks.
 */
static inline int
block64(const char *p, uint64_t *semi)
{
	uint64_t m = 0;
	int nul = 0;
#ifdef __SSE2__
	const __m128i sc = _mm_set1_epi8(';'), zero = _mm_setzero_si128();
	int k;

	for (k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + 16 * k));

		m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    sc)) << (16 * k);
		nul |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, zero));
	}
#else
	int k;

	for (k = 0; k < 64; k++) {
		m |= (uint64_t)(p[k] == ';') << k;
		nul |= p[k] == '\0';
	}
#endif
	*semi = m;
	return nul;
}

/*
 * The node table is read at random and grows to tens of megabytes: on
 * huge pages most of those reads skip a TLB miss (about 10% of the time
 * on the flamegraph benchmark). Not the nodes: they are mostly read in
 * order, and huge pages there cost 100+ MiB of peak RSS on a wide tree.
 * Advice only: errors are ignored.
 */
static void
advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE), a, e;

	if (n < (4u << 20) || ps == 0 || (ps & (ps - 1)) != 0)
		return;
	a = ((uintptr_t)p + ps - 1) & ~(ps - 1);
	e = ((uintptr_t)p + n) & ~(ps - 1);
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
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
find_name_h(const struct stacks *s, const char *t, size_t len, uint64_t h,
    size_t *slot)
{
	size_t j = h & (s->nhashcap - 1);
	const struct stacks_name *nm;

	while (s->nhash[j] != 0) {
		nm = &s->names[s->nhash[j] - 1];
		if (nm->hash == h && nm->len == len &&
		    same_bytes(nm->text, t, len))
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
	return find_name_h(s, t, len, hash_bytes(t, len), &slot);
}

/* stacks_intern() for a text whose hash_bytes() is known */
static int64_t
intern_h(struct stacks *s, const char *t, size_t len, uint64_t h)
{
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

int64_t
stacks_intern(struct stacks *s, const char *t, size_t len)
{
	return intern_h(s, t, len, hash_bytes(t, len));
}

static uint32_t
find_child(const struct stacks *s, uint32_t node, uint32_t name, uint64_t h,
    size_t *slot)
{
	size_t j = h & (s->ccap - 1);
	const struct stacks_node *n;

	for (; s->slots[j] != 0; j = (j + 1) & (s->ccap - 1)) {
		n = &s->nodes[s->slots[j]];
		if (n->parent == node && n->name == name)
			return s->slots[j];
	}
	*slot = j;
	return 0;
}

uint32_t
stacks_child(const struct stacks *s, uint32_t node, uint32_t name)
{
	size_t slot;

	return find_child(s, node, name, child_key(node, s->names[name].hash),
	    &slot);
}

static int
grow_children(struct stacks *s)
{
	size_t ncap = s->ccap * 2, i, j;
	uint32_t *ns;
	uint64_t k;

	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return HS_ENOMEM;
	advise_huge(ns, ncap * sizeof(*ns));
	for (i = 1; i < s->nnodes; i++) {
		k = child_key(s->nodes[i].parent,
		    s->names[s->nodes[i].name].hash);
		for (j = k & (ncap - 1); ns[j] != 0; j = (j + 1) & (ncap - 1))
			;
		ns[j] = (uint32_t)i;
	}
	free(s->slots);
	s->slots = ns;
	s->ccap = ncap;
	return 0;
}

/* a new child of node named name (table key h), known to be absent; 0
 * when out of memory */
static uint32_t
child_new(struct stacks *s, uint32_t node, uint32_t name, uint64_t h)
{
	struct stacks_node *n;
	size_t j;
	uint32_t id;

	if ((s->nnodes + 1) * 2 > s->ccap && grow_children(s) != 0)
		return 0;
	/* absent: its place is the first free slot of the probe */
	j = h & (s->ccap - 1);
	while (s->slots[j] != 0)
		j = (j + 1) & (s->ccap - 1);
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

/* the child of node named name (table key h), created when absent; 0 when
 * out of memory */
static uint32_t
child_get(struct stacks *s, uint32_t node, uint32_t name, uint64_t h)
{
	size_t j;
	uint32_t id;

	if ((id = find_child(s, node, name, h, &j)) != 0)
		return id;
	return child_new(s, node, name, h);
}

/* whether node is a child of parent whose frame is the text t */
static inline int
is_child_text(const struct stacks *s, uint32_t node, uint32_t parent,
    const char *t, size_t len)
{
	const struct stacks_node *n = &s->nodes[node];
	const struct stacks_name *nm = &s->names[n->name];

	return n->parent == parent && nm->len == len &&
	    same_bytes(nm->text, t, len);
}

/* the child of node whose frame is the text t, interned and created when
 * absent; 0 when out of memory */
static uint32_t
child_get_text(struct stacks *s, uint32_t node, const char *t, size_t len)
{
	uint64_t fh = hash_bytes(t, len), k = child_key(node, fh);
	size_t j = k & (s->ccap - 1);
	int64_t id;

	/* a node without children (often one this line just made) needs
	 * no probe: saves a cache miss per frame of a new stack's tail */
	for (; s->nodes[node].child != 0 && s->slots[j] != 0;
	    j = (j + 1) & (s->ccap - 1))
		if (is_child_text(s, s->slots[j], node, t, len))
			return s->slots[j];
	if ((id = intern_h(s, t, len, fh)) < 0)
		return 0;
	return child_new(s, node, (uint32_t)id, k);
}

static int
path_reserve(struct stacks *s, size_t n)
{
	uint32_t *p;
	size_t *f;

	if (n <= s->pathcap)
		return 0;
	n = n < 64 ? 64 : n * 2;
	if ((p = reallocarray(s->path, n, sizeof(*p))) == NULL)
		return HS_ENOMEM;
	s->path = p;
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

/*
 * Cuts line[0..len) at its ';': frame i is fpos[i] .. fpos[i+1]-1.
 * 64 bytes at a time into a bit mask of the ';', then one step per set
 * bit: no branch per byte, no call per frame. Returns the depth, 0 for a
 * malformed line (an empty frame, a NUL, too deep), -1 when out of memory.
 */
static ssize_t
scan_frames(struct stacks *s, const char *line, size_t len)
{
	char tail[64];
	const char *b;
	size_t o, q, start = 0, depth = 0;
	uint64_t semi;

	s->fpos[0] = 0;
	for (o = 0; o < len; o += 64) {
		b = line + o;
		if (len - o < 64) {
			/* the last block, padded with bytes that stop nothing */
			memset(tail, 'x', sizeof(tail));
			memcpy(tail, b, len - o);
			b = tail;
		}
		if (block64(b, &semi))
			return 0;
		for (; semi != 0; semi &= semi - 1) {
			q = o + (size_t)__builtin_ctzll(semi);
			if (q == start || depth + 1 >= MAX_DEPTH)
				return 0;
			if (depth + 2 > s->fposcap &&
			    path_reserve(s, depth + 2) != 0)
				return -1;
			s->fpos[++depth] = q + 1;
			start = q + 1;
		}
	}
	/* the last frame ends the line */
	if (start == len || depth + 1 >= MAX_DEPTH)
		return 0;
	if (depth + 2 > s->fposcap && path_reserve(s, depth + 2) != 0)
		return -1;
	s->fpos[++depth] = len + 1;
	return (ssize_t)depth;
}

int
stacks_add_line(struct stacks *s, const char *line, size_t len)
{
	const char *sp, *p, *t;
	uint64_t count = 0;
	size_t n, i, depth, flen, prevlen;
	uint32_t node, c;
	ssize_t r;

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
	if (len >= 8 && memcmp(line, "py-spy> ", 8) == 0)
		goto bad;
	if (path_reserve(s, 64) != 0)
		return HS_ENOMEM;
	/* the frames, checked whole before the tree changes (a NUL there is
	 * caught; the count has only digits) */
	if ((r = scan_frames(s, line, (size_t)(sp - line))) < 0)
		return HS_ENOMEM;
	if (r == 0)
		goto bad;
	depth = (size_t)r;
	prevlen = s->pathlen <= s->pathcap ? s->pathlen : 0;
	s->pathlen = 0;
	/*
	 * Each frame is looked for where it most likely is, cheapest first:
	 * the previous line's node at this depth (lines come in runs that
	 * share their outer frames), then the node created right after its
	 * parent (a stack first seen in one line is a chain of consecutive
	 * ids, so this one is in the cache line just read), and only then
	 * the node table, which needs the frame's hash and a random access.
	 */
	node = STACKS_ROOT;
	s->nodes[STACKS_ROOT].total += count;
	for (i = 0; i < depth; i++) {
		t = line + s->fpos[i];
		flen = s->fpos[i + 1] - 1 - s->fpos[i];
		if (i < prevlen && is_child_text(s, s->path[i], node, t, flen))
			c = s->path[i];
		else {
			prevlen = 0;	/* off the previous line's path */
			if (node + 1 < s->nnodes &&
			    is_child_text(s, node + 1, node, t, flen))
				c = node + 1;
			else if ((c = child_get_text(s, node, t, flen)) == 0)
				return HS_ENOMEM;
		}
		node = c;
		s->nodes[node].total += count;
		s->path[i] = node;
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
		if ((node = child_get(s, node, (uint32_t)id,
		    child_key(node, s->names[id].hash))) == 0)
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
	char *b = NULL;
	size_t cap = 256u << 10, have = 0, n, start;
	ssize_t got;
	int fd, r, skipping = 0;
	char *nl;

	/* streamed, not read whole: a long capture is parsed in place */
	if ((fd = file_open_read(path, 0, eb)) < 0)
		return fd;
	if ((b = malloc(cap)) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory reading '%s'", path);
		goto out;
	}
	for (;;) {
		while ((got = read(fd, b + have, cap - have)) == -1 &&
		    errno == EINTR)
			;
		if (got == -1) {
			r = hs_error(eb, HS_EIO, "cannot read '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		n = (size_t)got;
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
	if (have > 0 && !skipping &&
	    (r = stacks_add_line(s, b, have)) != 0) {
		hs_error(eb, r, "out of memory parsing '%s'", path);
		goto out;
	}
	r = 0;
out:
	free(b);
	close(fd);
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

/* 1 when frame text t (len bytes) is of the function "NAME" (any file) or
 * "NAME (FILE)" given as fn, fnl, ff, ffl (ff NULL: any file) */
static int
frame_is(const char *t, size_t len, const char *fn, size_t fnl,
    const char *ff, size_t ffl)
{
	const char *n, *file;
	size_t nl, filel;
	int line;

	stacks_split(t, len, &n, &nl, &file, &filel, &line);
	return nl == fnl && memcmp(n, fn, nl) == 0 && (ff == NULL ||
	    (filel == ffl && memcmp(file, ff, ffl) == 0));
}

int64_t
stacks_function_samples(const struct stacks *s, const char *func)
{
	const char *fn, *ff;
	size_t fnl, ffl, i;
	uint64_t sum = 0;
	uint8_t *mark;
	uint32_t n;
	int line;

	stacks_split(func, strlen(func), &fn, &fnl, &ff, &ffl, &line);
	if (ffl == 0)
		ff = NULL;
	if ((mark = calloc(s->nnames ? s->nnames : 1, 1)) == NULL)
		return -1;
	for (i = 0; i < s->nnames; i++) {
		const struct stacks_name *nm = &s->names[i];

		mark[i] = nm->kind != STACKS_THREAD &&
		    nm->kind != STACKS_PROCESS &&
		    frame_is(nm->text, nm->len, fn, fnl, ff, ffl);
	}
	/* preorder over the tree without a stack: a matching frame counts
	 * its subtree once and is not descended (recursion counts once) */
	n = s->nnodes > 0 ? s->nodes[STACKS_ROOT].child : 0;
	while (n != 0) {
		const struct stacks_node *nd = &s->nodes[n];

		if (mark[nd->name])
			sum += nd->total;
		else if (nd->child != 0) {
			n = nd->child;
			continue;
		}
		while (n != 0 && s->nodes[n].sibling == 0)
			n = s->nodes[n].parent;
		if (n != 0)
			n = s->nodes[n].sibling;
	}
	free(mark);
	return (int64_t)sum;
}
