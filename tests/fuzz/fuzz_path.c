/* libFuzzer target: rootless/safe_path's path_clean. Whatever the input,
 * the result is absolute and clean: no "//", "/./", "/../", no trailing
 * slash or "." / ".." component, and cleaning it again changes nothing. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/safe_path.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = xstrndup((const char *)data, size);
	char *out = path_clean(in);
	size_t n = strlen(out);

	if (out[0] != '/' || strstr(out, "//") || strstr(out, "/./") || strstr(out, "/../"))
		abort();
	if (n > 1 && (out[n - 1] == '/' || ends_with(out, "/.") || ends_with(out, "/..")))
		abort();
	if (n > strlen(in) + 1)
		abort();
	char *again = path_clean(out);
	if (strcmp(again, out) != 0)
		abort();
	free(again);
	free(out);
	free(in);
	return 0;
}
