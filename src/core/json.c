/* json.c -- small cJSON helpers shared by the readers of JSON from outside */
#include <cjson/cJSON.h>

#include "core/json.h"

const char *
json_kind(const cJSON *v)
{
	if (cJSON_IsObject(v))
		return "an object";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	return "null";
}
