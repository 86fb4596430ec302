/* buf.h -- a bounded growable byte buffer (curl's dynbuf, git's strbuf) */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Invariants: data is never NULL (it points at a shared empty string until
 * the first add) and is always NUL-terminated; len never exceeds max.
 * Adding past max fails with HS_ELIMIT and leaves the buffer unchanged:
 * bodies and child output come from other machines and never grow without
 * a cap. buf_detach() is the only way to take the bytes.
 *
 * The first failure is sticky (curl's dynbuf): it is kept in err, and
 * every later add returns it at once without touching the contents, so a
 * long run of appends is checked once, with buf_error(), at the end.
 * buf_reset() and buf_release() clear it.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 err;	/* the first failed add: HS_ELIMIT, HS_ENOMEM, ... */
};

extern char buf_empty[];
#define BUF_INIT(maxbytes) { buf_empty, 0, 0, (maxbytes), 0 }

void	 buf_init(struct buf *b, size_t max);
/* frees the contents; the buffer is empty and reusable afterwards */
void	 buf_release(struct buf *b);
/* empties without freeing (and clears the sticky error) */
void	 buf_reset(struct buf *b);
int	 buf_add(struct buf *b, const void *p, size_t n);
int	 buf_addstr(struct buf *b, const char *s);
int	 buf_addch(struct buf *b, int c);
int	 buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* the sticky error of the first failed add since the last reset, or 0 */
int	 buf_error(const struct buf *b);
/* removes the first n bytes */
void	 buf_consume(struct buf *b, size_t n);
/* returns the bytes (malloc'd, NUL-terminated; free with free()) and empties
 * the buffer; never NULL unless out of memory */
char	*buf_detach(struct buf *b, size_t *lenp);

#endif
