/* t_redact.c -- unit tests for redaction: secrets go, stack frames stay */
#include <string.h>

#include "core/buf.h"
#include "core/hs.h"
#include "run/redact.h"
#include "unit.h"

#define TOKEN	"s3cr3t-Token-Value-42"
#define HEX32	"0123456789abcdef0123456789abcdef"
#define SHA	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct {
	const char	*in;
	const char	*want;
	int		 flags;
	size_t		 count;
} cases[] = {
	/* the registered token, wherever it is */
	{ "x=" TOKEN "&y", "x=<redacted>&y", 0, 1 },
	{ "abc" TOKEN "def", "abc<redacted>def", 0, 1 },
	{ TOKEN TOKEN, "<redacted><redacted>", 0, 2 },
	/* Authorization headers */
	{ "Authorization: token abc\nnext", "Authorization: <redacted>\nnext",
	  0, 1 },
	{ "> authorization: Bearer xyz\r\n", "> authorization: <redacted>\r\n",
	  0, 1 },
	{ "{'Authorization': 'token abc', 'X': 1}",
	  "{'Authorization': '<redacted>', 'X': 1}", 0, 1 },
	{ "\"Authorization\": \"token q\"", "\"Authorization\": \"<redacted>\"",
	  0, 1 },
	/* token <x> */
	{ "sent token 0123456789abcdefXYZ now", "sent token <redacted> now",
	  0, 1 },
	{ "Bearer abcdefghij0123456789", "Bearer <redacted>", 0, 1 },
	{ "the token expired", "the token expired", 0, 0 },
	{ "token refreshed_successfully", "token refreshed_successfully", 0,
	  0 },
	/* key = value shapes */
	{ "GET /hub/api/users?token=abc&x=1", "GET /hub/api/users?token="
	  "<redacted>&x=1", 0, 1 },
	{ "api_token: 'abc'", "api_token: '<redacted>'", 0, 1 },
	{ "api_token = \"abc\"", "api_token = \"<redacted>\"", 0, 1 },
	{ "password=hunter2 user=x", "password=<redacted> user=x", 0, 1 },
	{ "{\"password\": \"p@ss word\", \"u\": 1}",
	  "{\"password\": \"<redacted>\", \"u\": 1}", 0, 1 },
	{ "JPY_COOKIE_SECRET=deadbeef", "JPY_COOKIE_SECRET=<redacted>", 0, 1 },
	{ "cookie_secret = b'\\x00abc'", "cookie_secret = b'<redacted>'", 0,
	  1 },
	{ "Cookie: jupyterhub-session-id=abc; x=y",
	  "Cookie: <redacted>; x=y", 0, 1 },
	{ "client_secret:s", "client_secret:<redacted>", 0, 1 },
	/* py-spy dump --locals */
	{ "        Locals:\n            token: \"" HEX32 "\"\n",
	  "        Locals:\n            token: \"<redacted>\"\n", 0, 1 },
	{ "            api_token: <str at 0x7f00deadbeef>",
	  "            api_token: <str at 0x7f00deadbeef>", 0, 0 },
	{ "            token: None", "            token: None", 0, 0 },
	{ "            secret: [1, 2]", "            secret: [1, 2]", 0, 0 },
	/* hex shaped like a token, where it is a value */
	{ "value: " HEX32, "value: <redacted>", 0, 1 },
	{ "x = '" HEX32 "'", "x = '<redacted>'", 0, 1 },
	{ HEX32 "\n", "<redacted>\n", 0, 1 },
	{ "  " SHA "  \n", "  <redacted>  \n", 0, 1 },
	/* ... and where it is not */
	{ "commit " HEX32 " merged", "commit " HEX32 " merged", 0, 0 },
	{ "id_" HEX32 ": 1", "id_" HEX32 ": 1", 0, 0 },
	{ "x: " HEX32 "0123456789abcdef0123456789abcdef1",
	  "x: " HEX32 "0123456789abcdef0123456789abcdef1", 0, 0 },
	{ "x: 0123456789abcdef0123", "x: 0123456789abcdef0123", 0, 0 },
	/* hubspy's own files keep their checksums, never the token */
	{ "  \"sha256\": \"" SHA "\",", "  \"sha256\": \"" SHA "\",",
	  REDACT_KEEP_HEX, 0 },
	{ "{\"profile\": {\"password\": \"x\"}, \"t\": \"" TOKEN "\"}",
	  "{\"profile\": {\"password\": \"<redacted>\"}, \"t\": \"<redacted>\"}",
	  REDACT_KEEP_HEX, 2 },
	/* keys that name a token without holding one */
	{ "  \"token_kind\": \"service\",\n  \"cookie_name\": \"jh\"",
	  "  \"token_kind\": \"service\",\n  \"cookie_name\": \"jh\"",
	  REDACT_KEEP_HEX, 0 },
	{ "token_type=bearer secret_name=hub-secret",
	  "token_type=bearer secret_name=hub-secret", 0, 0 },
	/* stack frames and ordinary lines are untouched */
	{ "Thread 0x7F8C4A84F700 (active): \"MainThread\"\n"
	  "    hash_token (jupyterhub/orm.py:120)\n"
	  "    get_current_user_token (jupyterhub/handlers/base.py:300)\n"
	  "    token_hex (secrets.py:47)\n"
	  "    _check_password (auth/token.py:5)\n",
	  "Thread 0x7F8C4A84F700 (active): \"MainThread\"\n"
	  "    hash_token (jupyterhub/orm.py:120)\n"
	  "    get_current_user_token (jupyterhub/handlers/base.py:300)\n"
	  "    token_hex (secrets.py:47)\n"
	  "    _check_password (auth/token.py:5)\n", 0, 0 },
	{ "process_cpu_seconds_total 1.21\n", "process_cpu_seconds_total "
	  "1.21\n", 0, 0 },
	{ "main;run (app.py:10);hash_token (orm.py:120) 42\n",
	  "main;run (app.py:10);hash_token (orm.py:120) 42\n", 0, 0 },
	{ "if token == other: pass", "if token == other: pass", 0, 0 },
	{ "", "", 0, 0 },
};

UNIT_TEST(redact_table)
{
	struct redact r = REDACT_INIT;
	struct buf out = BUF_INIT(1 << 16);
	size_t i, n;

	CHECK_INT(redact_add_secret(&r, TOKEN), 0);
	CHECK_INT(redact_add_secret(&r, "short"), 0);	/* ignored */
	CHECK_INT(r.n, 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&out);
		n = 99;
		CHECK_INT(redact_text(&r, cases[i].in, strlen(cases[i].in),
		    cases[i].flags, &out, &n), 0);
		CHECK_STR(out.data, cases[i].want);
		CHECK_INT(n, cases[i].count);
	}
	buf_release(&out);
	redact_release(&r);
	CHECK(r.secrets == NULL && r.n == 0);
}

UNIT_TEST(redact_limits_and_text)
{
	struct buf out = BUF_INIT(8);

	CHECK_INT(redact_text(NULL, "0123456789", 10, 0, &out, NULL),
	    HS_ELIMIT);
	buf_release(&out);
	CHECK(redact_is_text("abc\n", 4));
	CHECK(!redact_is_text("ab\0c", 4));
}
