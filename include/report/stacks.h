/* stacks.h -- py-spy raw (collapsed) stacks parsed into a merged call tree */
#ifndef STACKS_H
#define STACKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/hs.h"

/*
 * A raw capture is lines "FRAME;FRAME;... COUNT" (pyspy.md §2.1), outermost
 * frame first, the count after the LAST space. Lines are merged into one
 * tree whose node 0 is the root ("all"); every distinct frame text is
 * interned once in names[]. Malformed lines are counted, never fatal.
 * Members are read-only for other modules.
 */
enum stacks_kind {
	STACKS_PY,		/* "name (file:line)", "<module> (x.py:1)", ... */
	STACKS_NATIVE,		/* "read (libc.so.6)", "0xffff9cbf7400 (libc.so.6)" */
	STACKS_THREAD,		/* "thread (8): MainThread", "thread (0x7F8C4A84F700)" */
	STACKS_PROCESS,		/* process 1:"python app.py" */
	STACKS_OTHER,		/* a bare name: no "(file)" part */
};

struct stacks_name {
	char		*text;	/* the frame as written, NUL-terminated */
	uint32_t	 len;
	uint32_t	 func;	/* name id of "NAME (FILE)" (function mode key) */
	int32_t		 line;	/* line number, 0 when none */
	uint8_t		 kind;	/* enum stacks_kind */
	uint64_t	 hash;	/* private: the text's hash */
};

struct stacks_node {
	uint32_t	 parent;	/* node id; the root is its own parent */
	uint32_t	 name;		/* names[] index; unused for the root */
	uint32_t	 child;		/* first child, 0 = none */
	uint32_t	 sibling;	/* next sibling, 0 = none */
	uint64_t	 total;		/* samples in this subtree */
	uint64_t	 self;		/* samples where this frame is the leaf */
};

struct stacks {
	struct stacks_node	*nodes;
	size_t			 nnodes, capnodes;
	struct stacks_name	*names;
	size_t			 nnames, capnames;
	uint64_t		 total;		/* samples over all good lines */
	size_t			 lines;		/* good lines */
	size_t			 malformed;	/* bad lines (skipped) */
	size_t			 first_bad;	/* line number of the first bad line, 0 = none */
	/* private: hash tables */
	uint32_t		*nhash;		/* name text -> names[] index + 1 */
	size_t			 nhashcap;
	uint32_t		*slots;		/* (parent, frame) -> node id */
	size_t			 ccap;
	size_t			 lineno;	/* lines seen (for first_bad) */
	uint32_t		*path;		/* previous line's nodes (prefix reuse) */
	size_t			 pathlen, pathcap;
	size_t			*fpos;		/* frame offsets of the current line */
	size_t			 fposcap;
};
#define STACKS_INIT { 0 }
#define STACKS_ROOT 0

/* returns 0 or HS_ENOMEM; release with stacks_release() */
int	 stacks_init(struct stacks *s);
void	 stacks_release(struct stacks *s);

/* one line without its '\n' (a trailing '\r' is dropped); a malformed line
 * is counted in s->malformed and returns 0; HS_ENOMEM only */
int	 stacks_add_line(struct stacks *s, const char *line, size_t len);
/* a whole capture in memory; HS_ENOMEM only */
int	 stacks_parse_raw(struct stacks *s, const char *data, size_t len);
/* streams a file (any size) into s; HS_EIO with one line in eb */
int	 stacks_load_raw_file(struct stacks *s, const char *path,
	    struct hs_errbuf *eb);

/* adds one stack given as frames (outermost first) with a count; used by
 * the speedscope reader. HS_EUSAGE for an empty frame, HS_ENOMEM */
int	 stacks_add(struct stacks *s, const char *const *frames,
	    const size_t *lens, size_t n, uint64_t count);

/* the names[] id of text, interning it; returns -1 when out of memory */
int64_t	 stacks_intern(struct stacks *s, const char *text, size_t len);
/* the names[] id of text or -1 when absent (does not intern) */
int64_t	 stacks_find_name(const struct stacks *s, const char *text, size_t len);
/* the child of node with the given name id, or 0 when none */
uint32_t stacks_child(const struct stacks *s, uint32_t node, uint32_t name);

/* the children of node sorted by frame text (for stable layouts); returns
 * the count and a new array in *out (free with free()), or -1 (ENOMEM) */
ssize_t	 stacks_children_sorted(const struct stacks *s, uint32_t node,
	    uint32_t **out);

/* samples of the stacks in which a frame of the function func appears,
 * counted once per stack (a recursive function is not counted twice):
 * func is "NAME" (in any file) or "NAME (FILE)"; thread and process
 * frames never match. The share of samples is this over s->total. Returns
 * the count, or -1 when out of memory. */
int64_t	 stacks_function_samples(const struct stacks *s, const char *func);

/* splits "NAME (FILE:LINE)" into its parts (pointers into text); file and
 * line may come back empty/0. Thread and process frames give name only. */
void	 stacks_split(const char *text, size_t len, const char **name,
	    size_t *namelen, const char **file, size_t *filelen, int *line);

#endif
