/* xml.h -- escaping untrusted text (frame names, dumps, hub and pod text)
 * for XML, SVG and HTML: one implementation for every renderer */
#ifndef XML_H
#define XML_H

#include <stddef.h>

#include "core/buf.h"

/* the length of the valid UTF-8 sequence at p (1 for ASCII), 0 if invalid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid) */
size_t	xml_utf8_seq(const unsigned char *p, const unsigned char *end);

/*
 * Appends s[0..len) to out escaped for XML text and attribute values:
 * < > & " as entities, newline and tab kept, other control characters and
 * bytes that are not valid UTF-8 as '?'. Returns 0 or the buffer's error.
 */
int	xml_escape(struct buf *out, const char *s, size_t len);

#endif
