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
	/* ... split across two lines, and in its encoded forms */
	{ "x s3cr3t-Token-\n    Value-42 y", "x <redacted> y", 0, 1 },
	{ "a=czNjcjN0LVRva2VuLVZhbHVlLTQy", "a=<redacted>", 0, 1 },
	{ "u=s3cr3t%2DToken-Value-42", "u=s3cr3t%2DToken-Value-42", 0, 0 },
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
	  "Cookie: <redacted>", 0, 1 },
	/* the forms the issue listed (issue 9) */
	{ "> Cookie: _xsrf=2|ab; jupyterhub-hub-login=LoginValue123\nnext",
	  "> Cookie: <redacted>\nnext", 0, 1 },
	{ "{'jupyterhub-hub-login': 'c00kie-value', 'x': 1}",
	  "{'jupyterhub-hub-login': '<redacted>', 'x': 1}", 0, 1 },
	{ "{'jupyterhub-user-alice': 'c00kie'}",
	  "{'jupyterhub-user-alice': '<redacted>'}", 0, 1 },
	{ "db_url = 'postgresql://hub:Pg-pass-9@db.internal:5432/jhub'",
	  "db_url = 'postgresql://hub:<redacted>@db.internal:5432/jhub'", 0, 1 },
	{ "\"url\": \"mysql+pymysql://u:p%40ss@h/db\"",
	  "\"url\": \"mysql+pymysql://u:<redacted>@h/db\"", 0, 1 },
	{ "http://user@host/x and http://host:8081/", "http://user@host/x and "
	  "http://host:8081/", 0, 0 },
	{ "api_key=abc123 PGPASSWORD=pgpw pwd: 'pw1'",
	  "api_key=<redacted> PGPASSWORD=<redacted> pwd: '<redacted>'", 0, 3 },
	{ "PWD=/home/jovyan OLDPWD=/tmp", "PWD=/home/jovyan OLDPWD=/tmp", 0, 0 },
	{ "password: SecretStr('hunter2')", "password: <redacted>", 0, 1 },
	{ "x = SecretStr('hunter2')", "x = SecretStr(<redacted>)", 0, 1 },
	{ "{\\\"api_token\\\": \\\"abc123\\\", \\\"u\\\": 1}",
	  "{\\\"api_token\\\": \\\"<redacted>\\\", \\\"u\\\": 1}", 0, 1 },
	{ "JUPYTERHUB_CRYPT_KEY=aaaa;bbbb next",
	  "JUPYTERHUB_CRYPT_KEY=<redacted> next", 0, 1 },
	{ "&quot;password&quot;: &quot;x&amp;y&quot;, &quot;u&quot;",
	  "&quot;password&quot;: &quot;<redacted>&quot;, &quot;u&quot;", 0, 1 },
	{ "password: &#39;hunter2&#39;", "password: &#39;<redacted>&#39;", 0,
	  1 },
	{ "token_file=/etc/hub/token", "token_file=/etc/hub/token", 0, 0 },
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
	CHECK_INT(r.nvalues, 1);
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

/* py-spy's dumps with --locals (pyspy.md 2.5, 2.6): a local named like a
 * secret loses its value whatever its repr; the JSON form, whose names are
 * values, too */
#define DUMP_TXT \
	"Process 7: /usr/bin/python3 /usr/local/bin/jupyterhub\n" \
	"Python v3.11.2 (/usr/bin/python3.11)\n\n" \
	"Thread 0x7F8C4A84F700 (active): \"MainThread\"\n" \
	"    hash_token (jupyterhub/orm.py:120)\n" \
	"        Arguments:\n" \
	"            self: <APIToken at 0x7f00deadbeef>\n" \
	"            password: [\"Hunter2-horse\", 1]\n" \
	"        Locals:\n" \
	"            oauth_client_secret: \"Cl13nt-s3cret-x\"\n" \
	"            db_url: \"postgresql://hub:Pg-pw-secret1@db/jhub\"\n" \
	"            session_token: None\n" \
	"            count: 3\n" \
	"    password (app.py:3)\n"

UNIT_TEST(redact_file_text_dump)
{
	struct redact r = REDACT_INIT;
	struct buf out = BUF_INIT(1 << 16);
	size_t n;

	CHECK_INT(redact_file(&r, "plateaus/0001/dump-1.txt", DUMP_TXT,
	    strlen(DUMP_TXT), 0, &out, &n), 0);
	CHECK(strstr(out.data, "            password: <redacted>\n") != NULL);
	CHECK(strstr(out.data, "oauth_client_secret: <redacted>\n") != NULL);
	CHECK(strstr(out.data, "postgresql://hub:<redacted>@db/jhub") != NULL);
	CHECK(strstr(out.data, "session_token: None\n") != NULL);
	CHECK(strstr(out.data, "self: <APIToken at 0x7f00deadbeef>") != NULL);
	CHECK(strstr(out.data, "    password (app.py:3)\n") != NULL);
	CHECK(strstr(out.data, "    hash_token (jupyterhub/orm.py:120)\n") !=
	    NULL);
	CHECK_INT(n, 3);
	/* learned: each removed value, then gone from any other file */
	CHECK_INT(redact_learn(&r, "plateaus/0001/dump-1.txt", DUMP_TXT,
	    strlen(DUMP_TXT), 0), 0);
	CHECK_INT(r.nvalues, 3);
	buf_reset(&out);
	CHECK_INT(redact_text(&r, "log: Cl13nt-s3cret-x and Pg-pw-secret1",
	    38, 0, &out, &n), 0);
	CHECK_STR(out.data, "log: <redacted> and <redacted>");
	buf_release(&out);
	redact_release(&r);
}

#define DUMP_JSON \
	"[{\"pid\": 7, \"thread_id\": 140245220783936, \"frames\": [" \
	"{\"name\": \"login\", \"line\": 3, \"locals\": [" \
	"{\"name\": \"password\", \"addr\": 1, \"arg\": true, " \
	"\"repr\": \"\\\"Hunter2-horse\\\"\"}, " \
	"{\"name\": \"cookie_secret\", \"addr\": 2, \"arg\": false, " \
	"\"repr\": \"b'\\\\x8f\\\\x01abcdefgh'\"}, " \
	"{\"name\": \"headers\", \"addr\": 3, \"arg\": false, " \
	"\"repr\": \"{'Authorization': 'token abcdef0123456789xyz'}\"}, " \
	"{\"name\": \"me\", \"addr\": 4, \"arg\": false, " \
	"\"repr\": \"<User at 0x7f00>\"}]}]}]"

UNIT_TEST(redact_file_json_dump)
{
	struct redact r = REDACT_INIT;
	struct buf out = BUF_INIT(1 << 16);
	size_t n;

	CHECK_INT(redact_file(&r, "dump-2.json", DUMP_JSON, strlen(DUMP_JSON),
	    0, &out, &n), 0);
	CHECK(strstr(out.data, "Hunter2") == NULL);
	CHECK(strstr(out.data, "abcdefgh") == NULL);
	CHECK(strstr(out.data, "abcdef0123456789xyz") == NULL);
	CHECK(strstr(out.data, "<User at 0x7f00>") != NULL);
	CHECK(strstr(out.data, "140245220783936") != NULL);
	CHECK_INT(n, 3);
	/* a dump cut short is not JSON: redacted as text */
	buf_reset(&out);
	CHECK_INT(redact_file(&r, "dump-2.json", DUMP_JSON, 200, 0, &out, &n),
	    0);
	CHECK(strstr(out.data, "Hunter2") == NULL);
	/* the same bytes under another name are only text */
	buf_reset(&out);
	CHECK_INT(redact_file(&r, "notes.json", DUMP_JSON, strlen(DUMP_JSON),
	    0, &out, &n), 0);
	CHECK(strstr(out.data, "Hunter2") != NULL);
	CHECK_INT(redact_learn(&r, "dump-2.json", DUMP_JSON, strlen(DUMP_JSON),
	    0), 0);
	CHECK(redact_sweep(&r, "x Hunter2-horse", 15, NULL));
	buf_release(&out);
	redact_release(&r);
}

/* the final sweep: every registered value in five forms */
UNIT_TEST(redact_sweep_forms)
{
	static const struct {
		const char	*data;
		enum redact_form form;
	} hits[] = {
		{ "x pa\"ss<wo>rd&1 y", REDACT_PLAIN },
		{ "<p>pa&quot;ss&lt;wo&gt;rd&amp;1</p>", REDACT_HTML },
		{ "{\"v\": \"pa\\\"ss<wo>rd&1\"}", REDACT_JSON },
		{ "?p=pa%22ss%3Cwo%3Erd%261&x", REDACT_URL },
		/* base64 of "pa\"ss<wo>rd&1", and of "u:" + it */
		{ "Basic cGEic3M8d28+cmQmMQ==", REDACT_BASE64 },
		{ "Basic dTpwYSJzczx3bz5yZCYx", REDACT_BASE64 },
	};
	struct redact r = REDACT_INIT;
	enum redact_form f;
	size_t i;

	CHECK_INT(redact_add_secret(&r, "pa\"ss<wo>rd&1"), 0);
	for (i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
		f = REDACT_PLAIN;
		CHECK_INT(redact_sweep(&r, hits[i].data, strlen(hits[i].data),
		    &f), 1);
		CHECK_STR(redact_form_name(f), redact_form_name(hits[i].form));
	}
	CHECK_INT(redact_sweep(&r, "pa\"ss<wo>", 10, NULL), 0);
	CHECK_INT(redact_sweep(&r, "", 0, NULL), 0);
	redact_release(&r);
}
