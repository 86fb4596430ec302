/* json.h -- small cJSON helpers shared by the readers of JSON from outside
 * (profiles, manifests) */
#ifndef JSON_H
#define JSON_H

#include <cjson/cJSON.h>

/* what v is, for messages: "an object", "an array", "a string",
 * "a number", "a boolean" or "null" (also for NULL: absent) */
const char *json_kind(const cJSON *v);

#endif
