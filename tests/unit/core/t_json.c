/* t_json.c -- cJSON helpers (src/core/json.c) */
#include <cjson/cJSON.h>

#include "core/json.h"
#include "unit.h"

UNIT_TEST(json_kind_names)
{
	static const struct {
		const char	*text, *want;
	} cases[] = {
		{ "{}", "an object" }, { "[1]", "an array" },
		{ "\"x\"", "a string" }, { "1.5", "a number" },
		{ "true", "a boolean" }, { "false", "a boolean" },
		{ "null", "null" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *v = cJSON_Parse(cases[i].text);

		CHECK(v != NULL);
		CHECK_STR(json_kind(v), cases[i].want);
		cJSON_Delete(v);
	}
	CHECK_STR(json_kind(NULL), "null");	/* absent */
}
