/* libFuzzer target: dockerignore_parse and dockerignore_excludes. The
 * input's first line is a path, the rest the patterns: whatever the bytes,
 * the patterns parse or fail with an exit-2 error naming the file, a match
 * answers (in tokens x length steps), and freeing is clean (ASan). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "build/dockerignore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t plen = nl ? (size_t)(nl - text) : size;
	_cleanup_free_ char *path = xstrndup(text, plen);
	const char *rest = nl ? nl + 1 : text + size;
	struct dockerignore d;
	struct clan_err err = {0};
	if (dockerignore_parse(rest, size - (size_t)(rest - text), ".dockerignore", &d, &err) ==
	    0) {
		(void)dockerignore_excludes(&d, path);
		dockerignore_free(&d);
	} else if (err.code != 2 || strncmp(err.msg, ".dockerignore:", 14) != 0) {
		abort();
	}
	return 0;
}
