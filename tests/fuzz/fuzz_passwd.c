/* libFuzzer target: rootless/passwd's user_resolve. The input is split at
 * its first two NUL bytes into SPEC, PASSWD and GROUP; a missing part makes
 * that file absent (NULL), as for an image without /etc/passwd. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ns/passwd.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next NUL-terminated part of [*p, end), or NULL when none is left. */
static char *next_part(const uint8_t **p, const uint8_t *end)
{
	if (*p > end)
		return NULL;
	const uint8_t *nul = memchr(*p, '\0', (size_t)(end - *p));
	size_t len = nul ? (size_t)(nul - *p) : (size_t)(end - *p);
	char *s = xstrndup((const char *)*p, len);
	*p = nul ? nul + 1 : end + 1;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *spec = next_part(&p, end);
	char *passwd = next_part(&p, end);
	char *group = next_part(&p, end);
	struct user_ids u;
	struct clan_err err;

	if (user_resolve(spec, passwd, group, &u, &err) == 0) {
		if (u.home[0] != '/' || strnlen(u.home, sizeof u.home) == sizeof u.home)
			abort();
	} else if (err.code != CLAN_EXIT_USAGE || strnlen(err.msg, sizeof err.msg) == 0) {
		abort();
	}
	free(spec);
	free(passwd);
	free(group);
	return 0;
}
