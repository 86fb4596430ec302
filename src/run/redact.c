/* redact.c -- keep secrets out of the archive */
/*
 * Text: one left-to-right scan. At each position, in this order: a
 * registered secret in any of its forms (also split by one line break);
 * the password of a URL ("scheme://user:PW@"); a run of 32-64 hex digits
 * standing as a value; an identifier, which when it names a secret
 * (redact_secret_name(), or an Authorization/Cookie header) and is followed
 * by ':' or '=' gets its value replaced, when it is the word "token" or
 * "bearer" followed by one space and a token-shaped word gets that word
 * replaced, and when it is SecretStr/SecretBytes gets its argument
 * replaced. Everything else is copied. The whole identifier is consumed at
 * once, so a key never matches inside a longer name and hex inside
 * identifiers is left alone.
 *
 * Dumps: py-spy's text and JSON dumps are parsed first, so that a local
 * whose name is a secret's loses its whole value whatever its repr looks
 * like (the JSON form carries the name as a value, where no key rule can
 * see it); the rest of each dump is text as above.
 *
 * Learning: every value replaced can be collected (struct learned) and
 * registered, with its HTML-escaped, JSON-escaped, URL-encoded and base64
 * forms, so that the same secret is caught wherever else it appears.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/hs.h"
#include "core/xml.h"
#include "run/redact.h"

#define LEARN_MAX_LEN	4096	/* longer removed values are not learned */

/* ---- the registry of secrets and their forms ---- */

static const char *const form_names[] = { "plain", "HTML-escaped",
	"JSON-escaped", "URL-encoded", "base64" };

const char *
redact_form_name(enum redact_form f)
{
	return f <= REDACT_BASE64 ? form_names[f] : "?";
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* adds s (taken over) as a form; a string already there is dropped */
static int
add_form(struct redact *r, char *s, enum redact_form form)
{
	struct redact_secret *v;
	size_t i, len;

	if (s == NULL)
		return HS_ENOMEM;
	if ((len = strlen(s)) < REDACT_MIN_SECRET) {
		wipe_free(s);
		return 0;
	}
	for (i = 0; i < r->n; i++)
		if (r->secrets[i].len == len &&
		    memcmp(r->secrets[i].s, s, len) == 0) {
			wipe_free(s);
			return 0;
		}
	if ((v = reallocarray(r->secrets, r->n + 1, sizeof(*v))) == NULL) {
		wipe_free(s);
		return HS_ENOMEM;
	}
	r->secrets = v;
	v[r->n].s = s;
	v[r->n].len = len;
	v[r->n].form = form;
	r->n++;
	r->first[(unsigned char)s[0]] = 1;
	return 0;
}

/* HTML-escaped as xml_escape() does (mode 0), also the apostrophe as
 * &#39; (1, Python's html.escape), or only & < > (2, text nodes) */
static char *
enc_html(const char *s, int mode)
{
	struct buf b = BUF_INIT(1u << 16);
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '\'' && mode == 1)
			buf_addstr(&b, "&#39;");
		else if ((*p == '"' && mode == 2) || (unsigned char)*p >= 0x80)
			buf_addch(&b, *p);	/* UTF-8 is copied as is */
		else
			xml_escape(&b, p, 1);
	return buf_error(&b) ? (buf_release(&b), NULL) : buf_detach(&b, NULL);
}

static char *
enc_json(const char *s)
{
	struct buf b = BUF_INIT(1u << 16);
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p == '"' || *p == '\\')
			buf_printf(&b, "\\%c", *p);
		else if (*p == '\n')
			buf_addstr(&b, "\\n");
		else if (*p == '\t')
			buf_addstr(&b, "\\t");
		else if (*p == '\r')
			buf_addstr(&b, "\\r");
		else if (*p < 0x20)
			buf_printf(&b, "\\u%04x", *p);
		else
			buf_addch(&b, *p);
	return buf_error(&b) ? (buf_release(&b), NULL) : buf_detach(&b, NULL);
}

static char *
enc_url(const char *s)
{
	struct buf b = BUF_INIT(1u << 16);
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (isalnum(*p) || strchr("-._~", *p) != NULL)
			buf_addch(&b, *p);
		else
			buf_printf(&b, "%%%02X", *p);
	return buf_error(&b) ? (buf_release(&b), NULL) : buf_detach(&b, NULL);
}

/* the base64 characters that s[skip..] alone determines, wherever it
 * starts in a longer encoded text whose 3-byte groups begin skip bytes
 * into s (whole groups only: no padding, no partial last character);
 * urlsafe: the "-_" alphabet of RFC 4648 section 5 */
static char *
enc_base64(const char *s, size_t skip, int urlsafe)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *tab = urlsafe ? url : std;
	const unsigned char *p = (const unsigned char *)s + skip;
	size_t n = (strlen(s) - skip) / 3, i;
	char *o, *q;

	if ((o = q = malloc(n * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++, p += 3) {
		*q++ = tab[p[0] >> 2];
		*q++ = tab[((p[0] & 3) << 4) | (p[1] >> 4)];
		*q++ = tab[((p[1] & 15) << 2) | (p[2] >> 6)];
		*q++ = tab[p[2] & 63];
	}
	*q = '\0';
	return o;
}

int
redact_add_secret(struct redact *r, const char *s)
{
	size_t i, len = strlen(s);
	int rc;

	if (len < REDACT_MIN_SECRET || len > LEARN_MAX_LEN)
		return 0;
	for (i = 0; i < r->n; i++)
		if (r->secrets[i].form == REDACT_PLAIN &&
		    r->secrets[i].len == len && memcmp(r->secrets[i].s, s, len) == 0)
			return 0;
	r->nvalues++;
	if ((rc = add_form(r, strdup(s), REDACT_PLAIN)) != 0 ||
	    (rc = add_form(r, enc_html(s, 0), REDACT_HTML)) != 0 ||
	    (rc = add_form(r, enc_html(s, 1), REDACT_HTML)) != 0 ||
	    (rc = add_form(r, enc_html(s, 2), REDACT_HTML)) != 0 ||
	    (rc = add_form(r, enc_json(s), REDACT_JSON)) != 0 ||
	    (rc = add_form(r, enc_url(s), REDACT_URL)) != 0)
		return rc;
	for (i = 0; i < 3 && i < len; i++)
		if ((rc = add_form(r, enc_base64(s, i, 0), REDACT_BASE64)) != 0 ||
		    (rc = add_form(r, enc_base64(s, i, 1), REDACT_BASE64)) != 0)
			return rc;
	return 0;
}

void
redact_release(struct redact *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		wipe_free(r->secrets[i].s);
	free(r->secrets);
	memset(r, 0, sizeof(*r));
}

int
redact_is_text(const void *p, size_t len)
{
	return memchr(p, '\0', len < 8192 ? len : 8192) == NULL;
}

int
redact_sweep(const struct redact *r, const void *data, size_t len,
    enum redact_form *form)
{
	size_t i;

	for (i = 0; r != NULL && i < r->n; i++)
		if (memmem(data, len, r->secrets[i].s, r->secrets[i].len) !=
		    NULL) {
			if (form != NULL)
				*form = r->secrets[i].form;
			return 1;
		}
	return 0;
}

/* ---- names ---- */

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
		if ((s[i] | 0x20) == (needle[0] | 0x20) &&
		    strncasecmp(s + i, needle, m) == 0)
			return 1;
	return 0;
}

static int
equals(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* names that contain a secret's word but hold no secret */
static int
benign_key(const char *k, size_t n)
{
	static const char *const suffixes[] = { "_kind", "_type", "_name",
		"_url", "_count", "_scopes", "_length", "_expires_at",
		"_expiry", "_file", "-file", "_path", "_dir", NULL };
	size_t i, m;

	for (i = 0; suffixes[i] != NULL; i++) {
		m = strlen(suffixes[i]);
		if (n > m && strncasecmp(k + n - m, suffixes[i], m) == 0)
			return 1;
	}
	return 0;
}

/* the words that make a name a secret's, "pwd" last (see below) */
#define W(s) { s, sizeof(s) - 1 }
static const struct {
	const char	*w;
	size_t		 n;
} words[] = { W("token"), W("password"), W("passwd"), W("secret"),
	W("cookie"), W("api_key"), W("apikey"), W("api-key"), W("crypt_key"),
	W("private_key"), W("access_key"), W("signing_key"), W("credential"),
	W("session_id"), W("sessionid"), W("session-id"), W("hub-login"),
	W("jupyterhub-user-"), W("xsrf"), W("pgpass"), W("pwd") };
#undef W
#define NWORDS	(sizeof(words) / sizeof(words[0]))

/* which word, if any, is in low[0..n) (lower case): its index, else -1.
 * Every identifier of every file passes here: one pass over the name,
 * a word compared only where its first letter is */
static int
find_word(const char *low, size_t n)
{
	static unsigned char first[256];
	static int ready;
	size_t p, i;

	if (!ready) {
		for (i = 0; i < NWORDS; i++)
			first[(unsigned char)words[i].w[0]] = 1;
		ready = 1;
	}
	for (p = 0; p < n; p++) {
		if (!first[(unsigned char)low[p]])
			continue;
		for (i = 0; i < NWORDS; i++)
			if (words[i].w[0] == low[p] && words[i].n <= n - p &&
			    memcmp(low + p, words[i].w, words[i].n) == 0)
				return (int)i;
	}
	return -1;
}

int
redact_secret_name(const char *k, size_t n)
{
	char low[256];
	size_t i;
	int w;

	if (n >= sizeof(low))
		n = sizeof(low) - 1;	/* a name this long: its start */
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)k[i]);
	w = find_word(low, n);
	/* pwd is a password, but PWD and OLDPWD are the working directory */
	if (w >= 0 && strcmp(words[w].w, "pwd") == 0 &&
	    ((n == 3 && strncmp(k, "PWD", 3) == 0) ||
	    (n == 6 && strncmp(k, "OLDPWD", 6) == 0)))
		w = -1;
	if (w < 0 && !equals(k, n, "bearer"))
		return 0;
	return !benign_key(k, n);
}

/* ---- the scan ---- */

/* values removed, for redact_learn() */
struct learned {
	char	**v;
	size_t	  n;
	int	  nomem;
};

struct scan {
	const char	*in;
	size_t		 len;
	struct buf	*out;
	size_t		 count;
	const struct redact *rd;
	struct learned	*learn;
};

static void
learn_value(struct scan *s, const char *p, size_t n)
{
	struct learned *l = s->learn;
	char **v, *c;

	/* a mark, also HTML-escaped in report.html, is no secret */
	if (l == NULL || n < REDACT_MIN_SECRET || n > LEARN_MAX_LEN ||
	    memchr(p, '\n', n) != NULL || memmem(p, n, "redacted", 8) != NULL)
		return;
	if ((c = strndup(p, n)) == NULL ||
	    (v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL) {
		free(c);
		l->nomem = 1;
		return;
	}
	v[l->n++] = c;
	l->v = v;
}

static void
emit_mark(struct scan *s)
{
	s->count++;
	buf_addstr(s->out, REDACT_MARK);
}

/* the mark for in[b, e), learned */
static void
emit_value(struct scan *s, size_t b, size_t e)
{
	learn_value(s, s->in + b, e - b);
	emit_mark(s);
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

/* an HTML-escaped quote at j: its length, else 0 */
static size_t
html_quote(const struct scan *s, size_t j)
{
	static const char *const q[] = { "&quot;", "&#39;", "&#x27;",
		"&#34;", NULL };
	size_t i, m;

	for (i = 0; q[i] != NULL; i++) {
		m = strlen(q[i]);
		if (m <= s->len - j && memcmp(s->in + j, q[i], m) == 0)
			return m;
	}
	return 0;
}

/* the end of a call's argument list: the ')' matching the '(' at j, on
 * the same line; 0 when there is none */
static size_t
call_end(const struct scan *s, size_t j)
{
	size_t k;
	int depth = 0;

	for (k = j; k < s->len && s->in[k] != '\n'; k++)
		if (s->in[k] == '(')
			depth++;
		else if (s->in[k] == ')' && --depth == 0)
			return k;
	return 0;
}

#define V_HEADER	0x1	/* the rest of the line */
#define V_SEMI		0x2	/* unquoted: ';' is part of the value */

/*
 * The value at i of a secret key: quoted (optionally b'...', \"...\" or
 * &quot;...&quot;) up to the closing quote on the same line, a call
 * (SecretStr('x')) up to its ')', or unquoted up to a delimiter; rest of
 * line for a header. Sets [*vb, *ve) and returns 1, or 0 when there is no
 * value worth hiding (empty, None, null, a <repr>, a container).
 */
static int
value_span(const struct scan *s, size_t i, int how, size_t *vb, size_t *ve)
{
	static const char *const skip[] = { "None", "null", "NULL", "nil",
		REDACT_MARK, "&lt;redacted&gt;", NULL };
	size_t j = i, k, hq, m;
	char q, c;
	int n;

	if (j + 1 < s->len && s->in[j] == 'b' &&
	    (s->in[j + 1] == '\'' || s->in[j + 1] == '"'))
		j++;
	if (j + 1 < s->len && s->in[j] == '\\' &&
	    (s->in[j + 1] == '"' || s->in[j + 1] == '\'')) {
		/* JSON in a JSON string: \"value\" */
		q = s->in[j + 1];
		j += 2;
		for (k = j; k < s->len && s->in[k] != '\n' &&
		    !(s->in[k] == '\\' && k + 1 < s->len && s->in[k + 1] == q);
		    k++)
			if (s->in[k] == '\\' && k + 1 < s->len &&
			    s->in[k + 1] == '\\')
				k++;
		if (k > s->len)
			k = s->len;
	} else if ((hq = html_quote(s, j)) > 0) {
		j += hq;
		for (k = j; k < s->len && s->in[k] != '\n' &&
		    html_quote(s, k) != hq; k++)
			;
	} else if (j < s->len && (s->in[j] == '"' || s->in[j] == '\'')) {
		q = s->in[j++];
		for (k = j; k < s->len && s->in[k] != q && s->in[k] != '\n';
		    k++)
			if (s->in[k] == '\\' && k + 1 < s->len)
				k++;
		if (k > s->len)
			k = s->len;
	} else if (how & V_HEADER) {
		for (k = j; k < s->len && s->in[k] != '\n' &&
		    s->in[k] != '\r'; k++)
			;
	} else {
		if (j < s->len && strchr("<[{(", s->in[j]) != NULL)
			return 0;
		for (k = j; k < s->len && is_word((unsigned char)s->in[k]); k++)
			;
		if (k > j && k < s->len && s->in[k] == '(' &&
		    (m = call_end(s, k)) > 0)
			k = m + 1;	/* SecretStr('x') */
		else
			for (k = j; k < s->len; k++) {
				c = s->in[k];
				if (isspace((unsigned char)c) || c == '\0' ||
				    strchr("&,\"')}]>", c) != NULL ||
				    (c == ';' && !(how & V_SEMI)) ||
				    (c == '\\' && k + 1 < s->len &&
				    (s->in[k + 1] == '"' || s->in[k + 1] == '\'')))
					break;
			}
	}
	if (k == j)
		return 0;
	for (n = 0; skip[n] != NULL; n++)
		if (strlen(skip[n]) == k - j &&
		    strncmp(s->in + j, skip[n], k - j) == 0)
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

/* learns the secrets inside a header's value: the last word of an
 * Authorization value, each cookie's value of a Cookie header */
static void
learn_header(struct scan *s, size_t vb, size_t ve, int cookie)
{
	size_t k, b;

	if (!cookie) {
		for (b = ve; b > vb && s->in[b - 1] != ' '; b--)
			;
		learn_value(s, s->in + b, ve - b);
		return;
	}
	for (k = vb; k < ve; k++) {
		if (s->in[k] != '=')
			continue;
		for (b = ++k; k < ve && s->in[k] != ';' && s->in[k] != ' '; k++)
			;
		learn_value(s, s->in + b, k - b);
	}
}

/* the quoted argument inside SecretStr('x'), learned */
static void
learn_call(struct scan *s, size_t b, size_t e)
{
	const char *q = memchr(s->in + b, '\'', e - b), *q2;

	if (q == NULL)
		q = memchr(s->in + b, '"', e - b);
	if (q != NULL && (q2 = memchr(q + 1, *q, (size_t)(s->in + e - q - 1)))
	    != NULL)
		learn_value(s, q + 1, (size_t)(q2 - q - 1));
}

/* an identifier at [i, e): copies it and redacts what follows it if it
 * names a secret; sets *next to the position to continue from */
static void
identifier(struct scan *s, size_t i, size_t e, size_t *next)
{
	size_t n = e - i, j = e, vb, ve, t, hq;
	int header, cookie, key, how = 0;

	cookie = equals(s->in + i, n, "cookie") ||
	    equals(s->in + i, n, "set-cookie");
	header = cookie || equals(s->in + i, n, "authorization");
	key = header || redact_secret_name(s->in + i, n);
	buf_add(s->out, s->in + i, n);
	*next = e;
	if (!key)
		return;
	/* SecretStr('x'), SecretBytes(b'x'), Secret(...) */
	if (j < s->len && s->in[j] == '(' && (equals(s->in + i, n,
	    "secret") || (n > 3 && strncmp(s->in + e - 3, "Str", 3) == 0) ||
	    (n > 5 && strncmp(s->in + e - 5, "Bytes", 5) == 0)) &&
	    (t = call_end(s, j)) > j + 1) {
		buf_addch(s->out, '(');
		learn_call(s, j + 1, t);
		emit_mark(s);
		*next = t;
		return;
	}
	/* "token abc123...": one space then the token itself */
	if ((equals(s->in + i, n, "token") || equals(s->in + i, n, "bearer")) &&
	    j < s->len && s->in[j] == ' ' &&
	    (t = bare_token(s, j + 1)) > 0) {
		buf_addch(s->out, ' ');
		emit_value(s, j + 1, j + 1 + t);
		*next = j + 1 + t;
		return;
	}
	/* key ["'|\"|&quot;] [spaces] (':' | '=') [spaces] value */
	if (j + 1 < s->len && s->in[j] == '\\' &&
	    (s->in[j + 1] == '"' || s->in[j + 1] == '\''))
		j += 2;
	else if (j < s->len && (s->in[j] == '"' || s->in[j] == '\''))
		j++;
	else if ((hq = html_quote(s, j)) > 0)
		j += hq;
	while (j < s->len && (s->in[j] == ' ' || s->in[j] == '\t'))
		j++;
	if (j >= s->len || (s->in[j] != ':' && s->in[j] != '=') ||
	    (j + 1 < s->len && s->in[j + 1] == '='))
		return;
	j++;
	while (j < s->len && (s->in[j] == ' ' || s->in[j] == '\t'))
		j++;
	if (header)
		how |= V_HEADER;
	if (contains(s->in + i, n, "crypt_key"))
		how |= V_SEMI;
	if (!value_span(s, j, how, &vb, &ve))
		return;
	buf_add(s->out, s->in + e, vb - e);
	if (header && s->in[vb - 1] != '"' && s->in[vb - 1] != '\'') {
		learn_header(s, vb, ve, cookie);
		emit_mark(s);
	} else
		emit_value(s, vb, ve);
	*next = ve;
}

/* a registered secret, or one split by a line break (and the indent after
 * it), at i: its length in the input, else 0 */
static size_t
secret_at(const struct scan *s, size_t i)
{
	const struct redact *rd = s->rd;
	const struct redact_secret *sec;
	size_t k, j, c;
	int broke;

	if (rd == NULL || !rd->first[(unsigned char)s->in[i]])
		return 0;
	for (k = 0; k < rd->n; k++) {
		sec = &rd->secrets[k];
		if (sec->s[0] != s->in[i])
			continue;
		if (sec->len <= s->len - i &&
		    memcmp(s->in + i, sec->s, sec->len) == 0)
			return sec->len;
		if (sec->form != REDACT_PLAIN)
			continue;
		for (j = i, c = 0, broke = 0; c < sec->len; ) {
			if (j < s->len && s->in[j] == sec->s[c]) {
				j++;
				c++;
				continue;
			}
			if (broke || j >= s->len)
				break;
			if (s->in[j] == '\r' && j + 1 < s->len)
				j++;
			if (s->in[j] != '\n')
				break;
			broke = 1;
			for (j++; j < s->len && (s->in[j] == ' ' ||
			    s->in[j] == '\t'); j++)
				;
		}
		if (c == sec->len)
			return j - i;
	}
	return 0;
}

/* "scheme://user:PW@": the password's span after the ':' at i, else 0 */
static int
url_password(const struct scan *s, size_t i, size_t *pb, size_t *pe)
{
	size_t k, c = 0;

	if (i == 0 || !isalnum((unsigned char)s->in[i - 1]) ||
	    i + 3 > s->len || s->in[i + 1] != '/' || s->in[i + 2] != '/')
		return 0;
	for (k = i + 3; k < s->len && strchr("@/?# \t\r\n\"'<>\\",
	    s->in[k]) == NULL; k++)
		if (s->in[k] == ':' && c == 0)
			c = k;
	if (k >= s->len || s->in[k] != '@' || c == 0 || c + 1 == k)
		return 0;
	*pb = c + 1;
	*pe = k;
	return 1;
}

static void
scan_text(struct scan *s, int flags)
{
	const char *in = s->in;
	size_t i = 0, lit = 0, m, e, next, pb, pe;
	int c;

	/* plain text is copied in runs from lit to i, flushed before
	 * anything else is written; a failed buffer ends the scan */
	while (i < s->len && buf_error(s->out) == 0) {
		c = (unsigned char)in[i];
		if ((m = secret_at(s, i)) > 0) {
			buf_add(s->out, in + lit, i - lit);
			emit_mark(s);
			lit = i += m;
			continue;
		}
		if (flags & REDACT_SECRETS_ONLY) {
			i++;
			continue;
		}
		if (c == ':' && url_password(s, i, &pb, &pe)) {
			buf_add(s->out, in + lit, pb - lit);
			emit_value(s, pb, pe);
			lit = i = pe;
			continue;
		}
		if (i > 0 && is_ident((unsigned char)in[i - 1])) {
			i++;
			continue;
		}
		if (!(flags & REDACT_KEEP_HEX) && isxdigit(c) &&
		    (m = hex_run(s, i)) >= 32 && m <= 64 &&
		    hex_is_value(s, i, m)) {
			buf_add(s->out, in + lit, i - lit);
			emit_mark(s);
			lit = i += m;
			continue;
		}
		if (isalpha(c) || c == '_') {
			/* a secret inside a name still gets replaced */
			for (e = i; e < s->len && is_ident((unsigned char)in[e]) &&
			    (e == i || secret_at(s, e) == 0); e++)
				;
			buf_add(s->out, in + lit, i - lit);
			identifier(s, i, e, &next);
			lit = i = next;
			continue;
		}
		i++;
	}
	buf_add(s->out, in + lit, i - lit);
}

/* in[b, e) as text, into the same output and count */
static void
scan_range(struct scan *s, size_t b, size_t e, int flags)
{
	struct scan sub = *s;

	if (e <= b)
		return;
	sub.in = s->in + b;
	sub.len = e - b;
	sub.count = 0;
	scan_text(&sub, flags);
	s->count += sub.count;
}

/* ---- py-spy's dumps ---- */

/* a repr that holds nothing: None, True, False, ?, <TypeName at 0x...> */
static int
repr_empty(const char *r, size_t n)
{
	return n == 0 || equals(r, n, "None") || equals(r, n, "True") ||
	    equals(r, n, "False") || (n == 1 && r[0] == '?') ||
	    (r[0] == '<' && r[n - 1] == '>' && memchr(r, ' ', n) != NULL &&
	    contains(r, n, " at 0x"));
}

/* learns the value inside a repr: "x", 'x', b'x', "x..." (cut) */
static void
learn_repr(struct scan *s, const char *r, size_t n)
{
	if (n > 0 && r[0] == 'b')
		r++, n--;
	if (n >= 2 && (r[0] == '"' || r[0] == '\'')) {
		r++, n--;
		if (n > 0 && r[n - 1] == r[-1])
			n--;
		else if (n >= 4 && memcmp(r + n - 4, "...", 3) == 0)
			n -= 4;		/* "prefix..." without its quote */
		else if (n >= 3 && memcmp(r + n - 3, "...", 3) == 0)
			n -= 3;
	}
	learn_value(s, r, n);
}

/*
 * dump-N.txt: "            NAME: REPR" (12 spaces) under "        Locals:"
 * or "        Arguments:" (pyspy.md 2.5). A secret's NAME loses its REPR;
 * everything between is scanned as text.
 */
static void
dump_text(struct scan *s, int flags)
{
	const char *in = s->in, *nl;
	size_t b, e, pend = 0, n, v;
	int vars = 0;

	for (b = 0; b < s->len; b = e + (e < s->len)) {
		nl = memchr(in + b, '\n', s->len - b);
		e = nl != NULL ? (size_t)(nl - in) : s->len;
		if (vars && e - b > 12 && strncmp(in + b, "            ", 12) ==
		    0 && is_ident((unsigned char)in[b + 12])) {
			for (n = b + 12; n < e && is_ident((unsigned char)in[n]);
			    n++)
				;
			v = n + 2;
			if (v <= e && in[n] == ':' && in[n + 1] == ' ' &&
			    redact_secret_name(in + b + 12, n - b - 12) &&
			    !repr_empty(in + v, e - v)) {
				scan_range(s, pend, b, flags);
				buf_add(s->out, in + b, v - b);
				learn_repr(s, in + v, e - v);
				emit_mark(s);
				pend = e;
			}
			continue;
		}
		vars = (e - b == 15 && strncmp(in + b, "        Locals:", 15) ==
		    0) || (e - b == 18 && strncmp(in + b,
		    "        Arguments:", 18) == 0) ||
		    (vars && e - b > 12 && strncmp(in + b, "            ", 12) ==
		    0);
	}
	scan_range(s, pend, s->len, flags);
}

/* a string of the JSON dump scanned as text: NULL when nothing changed,
 * else a new allocation; *r the buffer's error */
static char *
json_text(struct scan *s, const char *str, int flags, int *r)
{
	struct buf tmp = BUF_INIT(s->out->max);
	struct scan sub = *s;
	char *res = NULL;

	sub.in = str;
	sub.len = strlen(str);
	sub.out = &tmp;
	sub.count = 0;
	scan_text(&sub, flags);
	if ((*r = buf_error(&tmp)) == 0 && sub.count > 0) {
		s->count += sub.count;
		if ((res = buf_detach(&tmp, NULL)) == NULL)
			*r = HS_ENOMEM;
	}
	buf_release(&tmp);
	return res;
}

/* a member's name and a string's value, replaced when they change */
static int
json_string(struct scan *s, cJSON *parent, cJSON *item, int flags)
{
	cJSON *n;
	char *t;
	int r = 0;

	if (item->string != NULL && !(item->type & cJSON_StringIsConst) &&
	    (t = json_text(s, item->string, flags, &r)) != NULL) {
		cJSON_free(item->string);
		item->string = t;
	}
	if (r != 0 || !cJSON_IsString(item))
		return r;
	if ((t = json_text(s, item->valuestring, flags, &r)) != NULL) {
		if ((n = cJSON_CreateString(t)) == NULL ||
		    !cJSON_ReplaceItemViaPointer(parent, item, n))
			r = HS_ENOMEM;
		free(t);
	}
	return r;
}

/* a local of the JSON dump ({"name", "addr", "arg", "repr"}) whose name
 * is a secret's: its repr replaced */
static int
json_local(struct scan *s, cJSON *obj)
{
	cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
	cJSON *repr = cJSON_GetObjectItemCaseSensitive(obj, "repr"), *n;

	if (!cJSON_IsString(name) || !cJSON_IsString(repr) ||
	    !cJSON_HasObjectItem(obj, "arg") ||
	    !redact_secret_name(name->valuestring, strlen(name->valuestring)) ||
	    repr_empty(repr->valuestring, strlen(repr->valuestring)))
		return 0;
	learn_repr(s, repr->valuestring, strlen(repr->valuestring));
	s->count++;
	if ((n = cJSON_CreateString(REDACT_MARK)) == NULL ||
	    !cJSON_ReplaceItemViaPointer(obj, repr, n))
		return HS_ENOMEM;
	return 1;
}

static int
json_walk(struct scan *s, cJSON *v, int depth, int flags)
{
	cJSON *c, *next;
	int r, str;

	if (depth > 64)
		return 1;	/* too deep to walk: the caller scans text */
	if (cJSON_IsObject(v) && (r = json_local(s, v)) < 0)
		return r;
	r = 0;
	for (c = v->child; c != NULL; c = next) {
		next = c->next;
		str = cJSON_IsString(c);	/* json_string() may free c */
		if ((r = json_string(s, v, c, flags)) != 0 ||
		    (!str && (r = json_walk(s, c, depth + 1, flags)) != 0))
			return r;
	}
	return 0;
}

/* dump-N.json (pyspy.md 2.6): parsed, every local and string redacted,
 * written back; 1 when it does not parse (the caller scans it as text) */
static int
dump_json(struct scan *s, int flags)
{
	cJSON *root;
	char *text = NULL;
	int r;

	if ((root = cJSON_ParseWithLength(s->in, s->len)) == NULL)
		return 1;
	s->count = 0;
	if ((r = json_walk(s, root, 0, flags)) == 0) {
		if ((text = cJSON_Print(root)) == NULL)
			r = HS_ENOMEM;
		else {
			buf_addstr(s->out, text);
			buf_addch(s->out, '\n');
		}
	}
	if (r == 1)
		s->count = 0;
	cJSON_free(text);
	cJSON_Delete(root);
	return r;
}

/* a JSON dump that does not parse (cut short): as text, and the "repr"
 * that follows a secret's "name" in the same object loses its value */
static void
dump_json_text(struct scan *s, int flags)
{
	const char *in = s->in, *p, *q;
	size_t i = 0, pend = 0, nb, ne, vb, ve, lim;

	while (i < s->len &&
	    (p = memmem(in + i, s->len - i, "\"name\": \"", 9)) != NULL) {
		nb = ne = (size_t)(p - in) + 9;
		while (ne < s->len && in[ne] != '"' && in[ne] != '\\')
			ne++;
		i = ne;
		if (ne >= s->len || !redact_secret_name(in + nb, ne - nb))
			continue;
		lim = s->len - ne < 4096 ? s->len - ne : 4096;
		if ((q = memmem(in + ne, lim, "\"repr\": \"", 9)) == NULL ||
		    memchr(in + ne, '}', (size_t)(q - in) - ne) != NULL)
			continue;
		vb = ve = (size_t)(q - in) + 9;
		while (ve < s->len && in[ve] != '"')
			ve += in[ve] == '\\' ? 2 : 1;
		if (ve > s->len)
			ve = s->len;
		if (repr_empty(in + vb, ve - vb))
			continue;
		scan_range(s, pend, vb, flags);
		if (ve - vb >= 4 && in[vb] == '\\' && in[ve - 2] == '\\')
			learn_value(s, in + vb + 2, ve - vb - 4);
		else
			learn_repr(s, in + vb, ve - vb);
		emit_mark(s);
		pend = i = ve;
	}
	scan_range(s, pend, s->len, flags);
}

/* ---- entry points ---- */

/* dump-N.EXT as the last part of name */
static int
is_dump(const char *name, const char *ext)
{
	const char *base = strrchr(name, '/');
	size_t n, m = strlen(ext);

	base = base ? base + 1 : name;
	n = strlen(base);
	return strncmp(base, "dump-", 5) == 0 && n > 5 + m &&
	    strcmp(base + n - m, ext) == 0 &&
	    strspn(base + 5, "0123456789") == n - 5 - m;
}

static int
run_file(const struct redact *r, const char *name, const char *in, size_t len,
    int flags, struct buf *out, size_t *nredacted, struct learned *lr)
{
	struct scan s = { in, len, out, 0, r, lr };
	int rc = 1;

	/* dump_json() writes nothing unless it parsed: else as text */
	if (name != NULL && !(flags & REDACT_SECRETS_ONLY) &&
	    is_dump(name, ".json") && (rc = dump_json(&s, flags)) < 0)
		return rc;
	if (rc == 1) {
		if (name != NULL && !(flags & REDACT_SECRETS_ONLY) &&
		    is_dump(name, ".json"))
			dump_json_text(&s, flags);
		else if (name != NULL && !(flags & REDACT_SECRETS_ONLY) &&
		    is_dump(name, ".txt"))
			dump_text(&s, flags);
		else
			scan_text(&s, flags);
	}
	if (nredacted != NULL)
		*nredacted = s.count;
	return buf_error(out);
}

int
redact_text(const struct redact *r, const char *in, size_t len, int flags,
    struct buf *out, size_t *nredacted)
{
	return run_file(r, NULL, in, len, flags, out, nredacted, NULL);
}

int
redact_file(const struct redact *r, const char *name, const char *in,
    size_t len, int flags, struct buf *out, size_t *nredacted)
{
	return run_file(r, name, in, len, flags, out, nredacted, NULL);
}

int
redact_learn(struct redact *r, const char *name, const char *in, size_t len,
    int flags)
{
	struct learned lr = { NULL, 0, 0 };
	struct buf tmp = BUF_INIT(len * 2 + (1u << 20));
	size_t i;
	int rc = 0;

	(void)run_file(r, name, in, len, flags, &tmp, NULL, &lr);
	for (i = 0; i < lr.n; i++) {
		if (rc == 0)
			rc = redact_add_secret(r, lr.v[i]);
		wipe_free(lr.v[i]);
	}
	free(lr.v);
	explicit_bzero(tmp.data, tmp.len);
	buf_release(&tmp);
	return rc != 0 || lr.nomem ? HS_ENOMEM : 0;
}
