/* redact.h -- keep secrets out of the archive */
#ifndef REDACT_H
#define REDACT_H

#include <stddef.h>

#include "core/buf.h"

/*
 * redact_text() copies text replacing every secret with "<redacted>":
 *  - each registered secret (the API token), wherever it appears;
 *  - the value of an Authorization header ("Authorization: token x");
 *  - "token X" / "bearer X" where X is 16+ token characters with a digit;
 *  - the value after ':' or '=' of any key whose name contains token,
 *    password, passwd, secret or cookie ("?token=x", "password=x",
 *    "\"password\": \"x\"", "api_token: 'x'", "cookie_secret = b'x'");
 *  - a run of 32-64 hex digits standing as a value (after ':' or '=',
 *    optionally quoted) or alone on a line (a token or a cookie secret),
 *    unless flags has REDACT_KEEP_HEX.
 * Stack frames ("hash_token (jupyterhub/orm.py:120)"), reprs ("<str at
 * 0x7f..>"), None/null values and identifiers are left alone.
 */
#define REDACT_KEEP_HEX	0x1	/* hubspy's own files: sha256 checksums */
#define REDACT_SECRETS_ONLY 0x2	/* binary files: only the registered secrets */

#define REDACT_MARK	"<redacted>"
#define REDACT_MIN_SECRET 8	/* shorter registered secrets are ignored */

struct redact {
	char	**secrets;
	size_t	  n;
};
#define REDACT_INIT { NULL, 0 }

/* registers a copy of s; returns 0 or HS_ENOMEM */
int	 redact_add_secret(struct redact *r, const char *s);
/* wipes (explicit_bzero) and frees the copies */
void	 redact_release(struct redact *r);

/* appends the redacted copy of in[0..len) to out; returns 0, HS_ELIMIT
 * (out's cap) or HS_ENOMEM; counts replacements in *nredacted (may be
 * NULL) */
int	 redact_text(const struct redact *r, const char *in, size_t len,
	    int flags, struct buf *out, size_t *nredacted);

/* 1 when the bytes look like text (no NUL in the first 8 KiB) */
int	 redact_is_text(const void *p, size_t len);

#endif
