/* redact.c -- keep secrets out of the archive */
/*
 * One left-to-right scan. At each position, in this order: a registered
 * secret; a run of 32-64 hex digits standing as a value; an identifier,
 * which when it names a secret (Authorization, *token*, *password*,
 * *passwd*, *secret*, *cookie*) and is followed by ':' or '=' gets its
 * value replaced, and when it is the word "token" or "bearer" followed by
 * one space and a token-shaped word gets that word replaced. Everything
 * else is copied. The whole identifier is consumed at once, so a key never
 * matches inside a longer name and hex inside identifiers is left alone.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hs.h"
#include "run/redact.h"

int
redact_add_secret(struct redact *r, const char *s)
{
	char **v, *c;

	if (strlen(s) < REDACT_MIN_SECRET)
		return 0;
	if ((c = strdup(s)) == NULL)
		return HS_ENOMEM;
	if ((v = reallocarray(r->secrets, r->n + 1, sizeof(*v))) == NULL) {
		free(c);
		return HS_ENOMEM;
	}
	v[r->n++] = c;
	r->secrets = v;
	return 0;
}

void
redact_release(struct redact *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		explicit_bzero(r->secrets[i], strlen(r->secrets[i]));
		free(r->secrets[i]);
	}
	free(r->secrets);
	r->secrets = NULL;
	r->n = 0;
}

int
redact_is_text(const void *p, size_t len)
{
	return memchr(p, '\0', len < 8192 ? len : 8192) == NULL;
}

static int
is_ident(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

static int
is_word(int c)
{
	return isalnum(c) || c == '_';
}

/* case-insensitive substring within s[0..n) */
static int
contains(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	for (i = 0; i + m <= n; i++)
		if ((s[i] | 0x20) == needle[0] &&
		    strncasecmp(s + i, needle, m) == 0)
			return 1;
	return 0;
}

struct scan {
	const char	*in;
	size_t		 len;
	struct buf	*out;
	size_t		 count;
};

static void
emit_mark(struct scan *s)
{
	s->count++;
	buf_addstr(s->out, REDACT_MARK);
}

/* the length of a run of hex digits at i */
static size_t
hex_run(const struct scan *s, size_t i)
{
	size_t j = i;

	while (j < s->len && isxdigit((unsigned char)s->in[j]))
		j++;
	return j - i;
}

/* 1 when the hex run [i, i+n) stands as a value: after ':' or '='
 * (quote and spaces allowed between) or alone on its line */
static int
hex_is_value(const struct scan *s, size_t i, size_t n)
{
	size_t b = i, e = i + n;

	if ((b > 0 && is_word((unsigned char)s->in[b - 1])) ||
	    (e < s->len && is_word((unsigned char)s->in[e])))
		return 0;
	if (b > 0 && (s->in[b - 1] == '"' || s->in[b - 1] == '\''))
		b--;
	while (b > 0 && (s->in[b - 1] == ' ' || s->in[b - 1] == '\t'))
		b--;
	if (b > 0 && (s->in[b - 1] == ':' || s->in[b - 1] == '='))
		return 1;
	if (b > 0 && s->in[b - 1] != '\n')
		return 0;
	while (e < s->len && (s->in[e] == ' ' || s->in[e] == '\t' ||
	    s->in[e] == '\r'))
		e++;
	return e == s->len || s->in[e] == '\n';
}

/*
 * The value at i of a secret key: quoted (optionally b'...') up to the
 * closing quote on the same line, or unquoted up to a delimiter; rest of
 * line for a header. Sets [*vb, *ve) and returns 1, or 0 when there is no
 * value worth hiding (empty, None, null, a <repr>, a container).
 */
static int
value_span(const struct scan *s, size_t i, int header, size_t *vb, size_t *ve)
{
	static const char *const skip[] = { "None", "null", "NULL", "nil",
		REDACT_MARK, NULL };
	size_t j = i, k;
	char q;

	if (j + 1 < s->len && s->in[j] == 'b' &&
	    (s->in[j + 1] == '\'' || s->in[j + 1] == '"'))
		j++;
	if (j < s->len && (s->in[j] == '"' || s->in[j] == '\'')) {
		q = s->in[j++];
		for (k = j; k < s->len && s->in[k] != q && s->in[k] != '\n';
		    k++)
			if (s->in[k] == '\\' && k + 1 < s->len)
				k++;
		if (k > s->len)
			k = s->len;
	} else if (header) {
		for (k = j; k < s->len && s->in[k] != '\n' &&
		    s->in[k] != '\r'; k++)
			;
	} else {
		if (j < s->len && strchr("<[{(", s->in[j]) != NULL)
			return 0;
		for (k = j; k < s->len && !isspace((unsigned char)s->in[k]) &&
		    strchr("&,;\"')}]>", s->in[k]) == NULL; k++)
			;
	}
	if (k == j)
		return 0;
	for (q = 0; skip[(int)q] != NULL; q++)
		if (strlen(skip[(int)q]) == k - j &&
		    strncmp(s->in + j, skip[(int)q], k - j) == 0)
			return 0;
	*vb = j;
	*ve = k;
	return 1;
}

/* the word after "token " / "bearer ": 16+ token characters with a digit */
static size_t
bare_token(const struct scan *s, size_t i)
{
	size_t k;
	int digit = 0;

	for (k = i; k < s->len && (isalnum((unsigned char)s->in[k]) ||
	    strchr("._~+/=-", s->in[k]) != NULL); k++)
		digit |= isdigit((unsigned char)s->in[k]) != 0;
	if (k - i < 16 || !digit ||
	    (k < s->len && !isspace((unsigned char)s->in[k]) &&
	    strchr("\"'&,;)}]", s->in[k]) == NULL))
		return 0;
	return k - i;
}

/* names that contain "token" or "secret" but hold no secret */
static int
benign_key(const char *k, size_t n)
{
	static const char *const suffixes[] = { "_kind", "_type", "_name",
		"_url", "_count", "_scopes", "_length", "_expires_at",
		"_expiry", NULL };
	size_t i, m;

	for (i = 0; suffixes[i] != NULL; i++) {
		m = strlen(suffixes[i]);
		if (n > m && strncasecmp(k + n - m, suffixes[i], m) == 0)
			return 1;
	}
	return 0;
}

/* an identifier at [i, e): copies it and redacts what follows it if it
 * names a secret; returns the position to continue from */
static void
identifier(struct scan *s, size_t i, size_t e, size_t *next)
{
	size_t n = e - i, j = e, vb, ve, t;
	int header, key;

	header = n == 13 && strncasecmp(s->in + i, "authorization", 13) == 0;
	key = header || contains(s->in + i, n, "token") ||
	    (n == 6 && strncasecmp(s->in + i, "bearer", 6) == 0) ||
	    contains(s->in + i, n, "password") ||
	    contains(s->in + i, n, "passwd") ||
	    contains(s->in + i, n, "secret") ||
	    contains(s->in + i, n, "cookie");
	if (!header && benign_key(s->in + i, n))
		key = 0;
	buf_add(s->out, s->in + i, n);
	*next = e;
	if (!key)
		return;
	/* "token abc123...": one space then the token itself */
	if (((n == 5 && strncasecmp(s->in + i, "token", 5) == 0) ||
	    (n == 6 && strncasecmp(s->in + i, "bearer", 6) == 0)) &&
	    j < s->len && s->in[j] == ' ' &&
	    (t = bare_token(s, j + 1)) > 0) {
		buf_addch(s->out, ' ');
		emit_mark(s);
		*next = j + 1 + t;
		return;
	}
	/* key ["'] [spaces] (':' | '=') [spaces] value */
	if (j < s->len && (s->in[j] == '"' || s->in[j] == '\''))
		j++;
	while (j < s->len && (s->in[j] == ' ' || s->in[j] == '\t'))
		j++;
	if (j >= s->len || (s->in[j] != ':' && s->in[j] != '=') ||
	    (j + 1 < s->len && s->in[j + 1] == '='))
		return;
	j++;
	while (j < s->len && (s->in[j] == ' ' || s->in[j] == '\t'))
		j++;
	if (!value_span(s, j, header, &vb, &ve))
		return;
	buf_add(s->out, s->in + e, vb - e);
	emit_mark(s);
	*next = ve;
}

/* a registered secret at i: its length, else 0 */
static size_t
secret_at(const struct redact *rd, const struct scan *s, size_t i)
{
	size_t k, m;

	for (k = 0; rd != NULL && k < rd->n; k++) {
		if (rd->secrets[k][0] != s->in[i])
			continue;
		m = strlen(rd->secrets[k]);
		if (m <= s->len - i && memcmp(s->in + i, rd->secrets[k], m) == 0)
			return m;
	}
	return 0;
}

int
redact_text(const struct redact *rd, const char *in, size_t len, int flags,
    struct buf *out, size_t *nredacted)
{
	struct scan s = { in, len, out, 0 };
	size_t i = 0, lit = 0, m, e, next;
	int c;

	/* plain text is copied in runs from lit to i, flushed before
	 * anything else is written; a failed buffer ends the scan */
	while (i < len && buf_error(out) == 0) {
		c = (unsigned char)in[i];
		if ((m = secret_at(rd, &s, i)) > 0) {
			buf_add(out, in + lit, i - lit);
			emit_mark(&s);
			lit = i += m;
			continue;
		}
		if ((flags & REDACT_SECRETS_ONLY) ||
		    (i > 0 && is_ident((unsigned char)in[i - 1]))) {
			i++;
			continue;
		}
		if (!(flags & REDACT_KEEP_HEX) && isxdigit(c) &&
		    (m = hex_run(&s, i)) >= 32 && m <= 64 &&
		    hex_is_value(&s, i, m)) {
			buf_add(out, in + lit, i - lit);
			emit_mark(&s);
			lit = i += m;
			continue;
		}
		if (isalpha(c) || c == '_') {
			/* a secret inside a name still gets replaced */
			for (e = i; e < len && is_ident((unsigned char)in[e]) &&
			    (e == i || secret_at(rd, &s, e) == 0); e++)
				;
			buf_add(out, in + lit, i - lit);
			identifier(&s, i, e, &next);
			lit = i = next;
			continue;
		}
		i++;
	}
	buf_add(out, in + lit, i - lit);
	if (nredacted != NULL)
		*nredacted = s.count;
	return buf_error(out);
}
