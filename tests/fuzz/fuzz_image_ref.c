/* libFuzzer target: rootless/image_ref's image_ref_parse. A parsed
 * reference formats to a canonical form that parses to itself. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_ref.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct image_ref r, again;
	struct clan_err err;
	if (image_ref_parse(text, &r, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE || r.registry || r.repository)
			abort();
		return 0;
	}
	if (!r.registry[0] || !r.repository[0] || (!r.tag && !r.digest))
		abort();
	for (const char *p = r.repository; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			abort();
	_cleanup_free_ char *canon = image_ref_format(&r);
	if (image_ref_parse(canon, &again, &err) < 0)
		abort();
	if (!same(r.registry, again.registry) || !same(r.repository, again.repository) ||
	    !same(r.tag, again.tag) || !same(r.digest, again.digest))
		abort();
	(void)image_ref_is_loopback(r.registry);
	image_ref_free(&again);
	image_ref_free(&r);
	return 0;
}
