/* fuzz_session.c -- fuzz the sessions' readers of what the hub sends: the
 * login form (its inputs' values), Set-Cookie headers into the jar */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *line, *next, v[256];
	char *jar = NULL;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)session_form_offered(s);
	(void)session_form_value(s, "_xsrf", v, sizeof(v));
	(void)session_form_value(s, "username", v, 4);
	/* every line a Set-Cookie value, into one jar */
	for (line = s; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		(void)session_cookie_set(&jar, line);
		if (jar != NULL && strlen(jar) > 4096)
			abort();	/* the jar's cap */
	}
	free(jar);
	free(s);
	return 0;
}
