/* t_cli_hub.c -- unit tests for cli/cli_hub.c: which hub URLs send the token in clear */
#include "cli/cli_hub.h"
#include "unit.h"

UNIT_TEST(cli_hub_cleartext_urls)
{
	static const struct {
		const char	*url;
		int		 clear;
	} cases[] = {
		{ "http://hub.example.org/hub/api", 1 },
		{ "HTTP://10.0.0.5:8081/hub/api", 1 },
		{ "http://user@hub.example.org:80/hub/api", 1 },
		{ "http://127.evil.example/hub/api", 1 },
		{ "http://[2001:db8::1]:8081/hub/api", 1 },
		{ "https://hub.example.org/hub/api", 0 },
		{ "http://127.0.0.1:8081/hub/api", 0 },
		{ "http://127.1.2.3/hub/api", 0 },
		{ "http://localhost:8000/hub/api", 0 },
		{ "http://LOCALHOST/hub/api", 0 },
		{ "http://[::1]:8081/hub/api", 0 },
		{ "ftp://hub/x", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(cli_hub_cleartext(cases[i].url), cases[i].clear);
	}
}
