/* t_session.c -- unit tests for load/session.c's pure helpers */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/hs.h"
#include "load/session.h"
#include "unit.h"

UNIT_TEST(session_pick_weights)
{
	struct session_mix mix = { 1, 2, 7 };
	struct session_mix only_page = { 3, 0, 0 };
	struct session_mix none = { 0, 0, 0 };
	int n[3] = { 0, 0, 0 };
	uint32_t r;

	/* r modulo the total walks the weights in order */
	CHECK_INT(session_pick(&mix, 1, 0), 0);
	CHECK_INT(session_pick(&mix, 1, 1), 1);
	CHECK_INT(session_pick(&mix, 1, 2), 1);
	CHECK_INT(session_pick(&mix, 1, 3), 2);
	CHECK_INT(session_pick(&mix, 1, 9), 2);
	CHECK_INT(session_pick(&mix, 1, 10), 0);
	/* without a login cookie, pages drop out of the mix */
	CHECK_INT(session_pick(&mix, 0, 0), 1);
	CHECK_INT(session_pick(&mix, 0, 1), 1);
	CHECK_INT(session_pick(&mix, 0, 2), 2);
	CHECK_INT(session_pick(&only_page, 0, 5), -1);
	CHECK_INT(session_pick(&only_page, 1, 5), 0);
	CHECK_INT(session_pick(&none, 1, 5), -1);
	/* a full cycle of r gives the weights exactly */
	for (r = 0; r < 1000; r++)
		n[session_pick(&mix, 1, r)]++;
	CHECK_INT(n[0], 100);
	CHECK_INT(n[1], 200);
	CHECK_INT(n[2], 700);
}

UNIT_TEST(session_form_value_table)
{
	static const struct {
		const char	*html, *name, *want;	/* want NULL: -1 */
	} cases[] = {
		{ "<input type=\"hidden\" name=\"_xsrf\" value=\"2|ab|cd\"/>",
		    "_xsrf", "2|ab|cd" },
		{ "<input value=\"v1\" name=\"_xsrf\">", "_xsrf", "v1" },
		{ "<input\n  name=\"_xsrf\"\n  value=\"\"\n>", "_xsrf", "" },
		{ "<input name=\"username\" value=\"x\">", "_xsrf", NULL },
		/* data-value is not value */
		{ "<input name=\"_xsrf\" data-value=\"no\">", "_xsrf", NULL },
		/* the value of another tag is not this input's */
		{ "<input name=\"_xsrf\"><input value=\"other\">", "_xsrf",
		    NULL },
		{ "<input name=\"_xsrf\" value=\"unterminated>", "_xsrf",
		    NULL },
		{ "name=\"_xsrf\" value=\"no tag\"", "_xsrf", NULL },
	};
	char v[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = session_form_value(cases[i].html, cases[i].name, v,
		    sizeof(v));

		if (cases[i].want == NULL) {
			CHECK_INT(r, -1);
			continue;
		}
		CHECK_INT(r, 0);
		CHECK_STR(v, cases[i].want);
	}
	/* too long for dst */
	CHECK_INT(session_form_value("<input name=\"a\" value=\"0123456789\">",
	    "a", v, 5), -1);
}

UNIT_TEST(session_form_offered_table)
{
	/* JupyterHub 3.0's dummy login page, cut to its form */
	CHECK(session_form_offered("<form action=\"/hub/login?next=\" "
	    "method=\"post\"><input id=\"username_input\" name=\"username\">"
	    "<input type=\"password\" name=\"password\"></form>"));
	CHECK(!session_form_offered("<form><input name=\"username\"></form>"));
	/* an OAuth authenticator's page: a button, no form */
	CHECK(!session_form_offered("<a class=\"btn\" href=\"/hub/oauth_login"
	    "\">Sign in with GitHub</a>"));
	CHECK(!session_form_offered(""));
}

UNIT_TEST(session_cookie_jar)
{
	char *jar = NULL;

	CHECK_INT(session_cookie_set(&jar, " jupyterhub-session-id=abc; "
	    "Path=/; HttpOnly\r\n"), 0);
	CHECK_STR(jar, "jupyterhub-session-id=abc");
	CHECK_INT(session_cookie_set(&jar, "jupyterhub-hub-login=\"2|x\"; "
	    "Path=/hub/"), 0);
	CHECK_STR(jar, "jupyterhub-session-id=abc; jupyterhub-hub-login="
	    "\"2|x\"");
	/* replaced in place of the old one: last */
	CHECK_INT(session_cookie_set(&jar, "jupyterhub-session-id=def"), 0);
	CHECK_STR(jar, "jupyterhub-hub-login=\"2|x\"; "
	    "jupyterhub-session-id=def");
	/* a prefix of another name is another cookie */
	CHECK_INT(session_cookie_set(&jar, "jupyterhub-session=1"), 0);
	CHECK_STR(jar, "jupyterhub-hub-login=\"2|x\"; "
	    "jupyterhub-session-id=def; jupyterhub-session=1");
	/* an empty value clears it */
	CHECK_INT(session_cookie_set(&jar, "jupyterhub-hub-login=; expires="
	    "Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	CHECK_STR(jar, "jupyterhub-session-id=def; jupyterhub-session=1");
	CHECK_INT(session_cookie_set(&jar, "jupyterhub-session-id="), 0);
	CHECK_INT(session_cookie_set(&jar, "jupyterhub-session="), 0);
	CHECK(jar == NULL);
	/* malformed: no name, no '=' */
	CHECK_INT(session_cookie_set(&jar, "=v"), HS_EUSAGE);
	CHECK_INT(session_cookie_set(&jar, "novalue; Path=/"), HS_EUSAGE);
	CHECK_INT(session_cookie_set(&jar, "a b=c"), HS_EUSAGE);
	CHECK(jar == NULL);
	free(jar);
}

UNIT_TEST(session_cookie_jar_cap)
{
	char *jar = NULL, big[3000];
	int i;

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 4; i++) {
		char sc[3100];
		int r;

		snprintf(sc, sizeof(sc), "c%d=%s", i, big);
		r = session_cookie_set(&jar, sc);
		/* the second would pass 4096 bytes: refused, jar unchanged */
		CHECK_INT(r, i == 0 ? 0 : HS_ELIMIT);
	}
	CHECK(jar != NULL && strncmp(jar, "c0=", 3) == 0);
	free(jar);
}

UNIT_TEST(session_mint_body_json)
{
	struct buf b = BUF_INIT(4096);

	CHECK_INT(session_mint_body(&b, "hubspy-7", 3600), 0);
	CHECK_STR(b.data, "{\"scopes\":[\"read:users!user=hubspy-7\","
	    "\"read:servers!user=hubspy-7\",\"access:servers!user=hubspy-7\","
	    "\"users:activity!user=hubspy-7\"],\"note\":\"hubspy session\","
	    "\"expires_in\":3600}");
	buf_release(&b);
}

/* the login pages of real hubs (tests/fixtures/session) */
UNIT_TEST(session_form_fixtures)
{
	struct buf b = BUF_INIT(1u << 20);
	char v[128];

	/* JupyterHub 3.0.0's dummy login: a form, no _xsrf */
	CHECK_INT(file_read("tests/fixtures/session/login-3.0.0.html", &b,
	    NULL), 0);
	CHECK(session_form_offered(b.data));
	CHECK_INT(session_form_value(b.data, "_xsrf", v, sizeof(v)), -1);
	buf_reset(&b);
	/* JupyterHub 4+'s form carries _xsrf */
	CHECK_INT(file_read("tests/fixtures/session/login-form-xsrf.html", &b,
	    NULL), 0);
	CHECK(session_form_offered(b.data));
	CHECK_INT(session_form_value(b.data, "_xsrf", v, sizeof(v)), 0);
	CHECK_STR(v, "2|4e7f0a1b|0c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f|1733522222");
	buf_release(&b);
}

UNIT_TEST(session_cookie_fixture)
{
	struct buf b = BUF_INIT(1u << 16);
	char *jar = NULL, *line, *next;

	CHECK_INT(file_read("tests/fixtures/session/set-cookie.txt", &b,
	    NULL), 0);
	for (line = b.data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		CHECK_INT(session_cookie_set(&jar, line), 0);
	}
	/* the login cookie was set, then cleared by the last line */
	CHECK_STR(jar, "jupyterhub-session-id=9f2c3c1e0b4f4f0c8a3d2b1a0e9f8d7c"
	    "; _xsrf=2|4e7f0a1b|0c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f|1733522222");
	free(jar);
	buf_release(&b);
}
