/* flame.h -- icicle flamegraph SVG rendered from a stacks tree */
#ifndef FLAME_H
#define FLAME_H

#include <stdint.h>

#include "core/buf.h"
#include "report/stacks.h"

/*
 * Layout as py-spy's inferno draws it (pyspy.md §2.2): 1200 px wide, root
 * "all" at y=52 on top, 16 px per level, children sorted by name, frames
 * narrower than min_width pixels pruned (and more when a huge capture would
 * make a file too big for a browser). Colours hash the function name
 * ("NAME (FILE)"), so a function keeps its colour across plateaus and runs.
 * Interactive: hover details, click to zoom, search with match percentage
 * (the script is flame_script(), inline).
 */
struct flame_opts {
	const char	*title;		/* shown on top; NULL: "Flame Graph" */
	const char	*subtitle;	/* optional second line */
	double		 min_width;	/* pixels; <= 0: 0.1 */
	size_t		 max_frames;	/* when more frames than this would be
					   drawn, min_width doubles until not
					   (said under the title); 0: 50 000 */
	int		 embed;		/* 1: no XML prolog and no <script> (for
					   inline use in HTML, which carries the
					   script once) */
	const char	*id;		/* id attribute of the <svg>, or NULL */
	/* optional colour override (the differential flamegraph): fills
	 * rgb[3] for a node and may append to its tooltip */
	void		(*color)(void *arg, const struct stacks *s, uint32_t node,
			    unsigned char rgb[3], char *note, size_t notesz);
	void		*color_arg;
};
#define FLAME_OPTS_INIT { NULL, NULL, 0.1, 0, 0, NULL, NULL, NULL }

/* appends the SVG to out; HS_ENOMEM or HS_ELIMIT (out's cap) */
int		 flame_render(const struct stacks *s, const struct flame_opts *o,
		    struct buf *out);
/* the stable "hot" colour of a frame text (hash of its function name) */
void		 flame_color(const char *frame, size_t len, unsigned char rgb[3]);
/* the flamegraph script (hover, zoom, search, self-test), static text */
const char	*flame_script(void);
/* "1,490" into dst */
void		 flame_fmt_count(char *dst, size_t n, uint64_t v);

#endif
