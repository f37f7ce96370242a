/* libFuzzer target: the registry client's WWW-Authenticate parser
 * (reg_challenge_parse) and the Basic credentials decoder. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct reg_challenge c;
	if (reg_challenge_parse(text, &c) == 0) {
		if (!c.scheme || !c.scheme[0])
			abort();
		reg_challenge_free(&c);
	} else if (c.scheme || c.realm || c.service || c.scope) {
		abort();
	}
	char *user = NULL, *password = NULL;
	if (reg_basic_decode(text, &user, &password) == 0) {
		if (!user[0] || strchr(user, ':'))
			abort();
		/* what decodes encodes to something that decodes the same */
		_cleanup_free_ char *b = reg_basic_encode(user, password);
		char *u2 = NULL, *p2 = NULL;
		if (reg_basic_decode(b, &u2, &p2) < 0 || strcmp(u2, user) || strcmp(p2, password))
			abort();
		free(u2);
		free(p2);
		free(user);
		free(password);
	}
	return 0;
}
