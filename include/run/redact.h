/* redact.h -- keep secrets out of the archive */
#ifndef REDACT_H
#define REDACT_H

#include <stddef.h>

#include "core/buf.h"

/*
 * Redaction in two steps (docs/artifacts.md, "Redaction"):
 *
 * 1. Structural. redact_file() knows py-spy's dumps: in dump-N.txt the
 *    "NAME: REPR" lines under "Locals:" and "Arguments:", in dump-N.json
 *    the {"name", "repr"} objects of each frame's locals (parsed with
 *    cJSON, written back); a local whose NAME is a secret's name
 *    (redact_secret_name()) loses its whole REPR. Every other text goes
 *    through redact_text(), which replaces:
 *    - each registered secret and its encoded forms (below), wherever it
 *      appears, also when a line break splits it;
 *    - the value of an Authorization, Cookie or Set-Cookie header (the
 *      rest of the line);
 *    - "token X" / "bearer X" where X is 16+ token characters with a digit;
 *    - the value after ':' or '=' of a key named like a secret ("?token=x",
 *      "password=x", "\"password\": \"x\"", "api_token: 'x'",
 *      "cookie_secret = b'x'", "{\"api_key\": \"x\"}" with escaped quotes,
 *      "&quot;password&quot;: &quot;x&quot;", "JUPYTERHUB_CRYPT_KEY=a;b",
 *      "{'jupyterhub-hub-login': 'x'}");
 *    - the argument of SecretStr(...) / SecretBytes(...);
 *    - the password of a URL ("postgresql://user:PW@host/db");
 *    - a run of 32-64 hex digits standing as a value (after ':' or '=',
 *      optionally quoted) or alone on a line, unless REDACT_KEEP_HEX.
 *    Stack frames ("hash_token (jupyterhub/orm.py:120)"), reprs ("<str at
 *    0x7f..>"), None/null values and identifiers are left alone.
 * 2. Learned, then verified. redact_learn() runs the same rules over a
 *    file and registers each value they removed (8 characters or more),
 *    so that a password found in one dump is removed from every file,
 *    report.html included. redact_sweep() then searches the bytes about
 *    to be archived for every registered value in five forms: plain,
 *    HTML-escaped, JSON-escaped, URL-encoded and base64; a hit means the
 *    file must not be archived.
 */
#define REDACT_KEEP_HEX	0x1	/* hubspy's own files: sha256 checksums */
#define REDACT_SECRETS_ONLY 0x2	/* binary files: only the registered secrets */

#define REDACT_MARK	"<redacted>"
#define REDACT_MIN_SECRET 8	/* shorter values are not registered */

/* the forms of a registered value that are searched and replaced */
enum redact_form {
	REDACT_PLAIN,
	REDACT_HTML,
	REDACT_JSON,
	REDACT_URL,
	REDACT_BASE64,
};

struct redact_secret {
	char		*s;
	size_t		 len;
	enum redact_form form;
};

struct redact {
	struct redact_secret *secrets;	/* every form of every value */
	size_t	  n;
	size_t	  nvalues;		/* values registered */
	unsigned char first[256];	/* first bytes of the forms */
};
#define REDACT_INIT { NULL, 0, 0, { 0 } }

/* registers a copy of s and its encoded forms (values shorter than
 * REDACT_MIN_SECRET are ignored, a value twice is kept once); returns 0
 * or HS_ENOMEM */
int	 redact_add_secret(struct redact *r, const char *s);
/* wipes (explicit_bzero) and frees the copies */
void	 redact_release(struct redact *r);
/* "plain", "HTML-escaped", "JSON-escaped", "URL-encoded", "base64" */
const char *redact_form_name(enum redact_form f);

/* appends the redacted copy of in[0..len) to out; returns 0, HS_ELIMIT
 * (out's cap) or HS_ENOMEM; counts replacements in *nredacted (may be
 * NULL) */
int	 redact_text(const struct redact *r, const char *in, size_t len,
	    int flags, struct buf *out, size_t *nredacted);

/* as redact_text(), structurally for py-spy's dumps: name is the file's
 * path in the run ("plateaus/0010/dump-2.json"); dump-N.json and
 * dump-N.txt are parsed, anything else is redact_text()'s. A dump-N.json
 * that does not parse is redacted as text. */
int	 redact_file(const struct redact *r, const char *name, const char *in,
	    size_t len, int flags, struct buf *out, size_t *nredacted);

/* runs redact_file() over in and registers every value it removed;
 * returns 0 or HS_ENOMEM */
int	 redact_learn(struct redact *r, const char *name, const char *in,
	    size_t len, int flags);

/* searches data for every registered value in its five forms: 0 when
 * none is there, else 1 with *form set to the form found */
int	 redact_sweep(const struct redact *r, const void *data, size_t len,
	    enum redact_form *form);

/* 1 when a key or variable of this name holds a secret (token, password,
 * passwd, pwd, secret, cookie, api_key, crypt_key, private_key, session
 * ids, the hub's login cookies...), 0 for the benign ones (token_type,
 * cookie_name, secret_name, token_url...) */
int	 redact_secret_name(const char *name, size_t n);

/* 1 when the bytes look like text (no NUL in the first 8 KiB) */
int	 redact_is_text(const void *p, size_t len);

#endif
