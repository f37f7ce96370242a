/* libFuzzer target: launcher/interp's compose interpolation. Any input
 * expands or fails with exit 2; text without '$' comes back unchanged;
 * warnings are one per unset name. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/interp.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Deterministic: names starting with S are set, with E set but empty. */
static const char *lookup(void *arg, const char *name)
{
	(void)arg;
	if (name[0] == 'S')
		return "v$al}ue";
	if (name[0] == 'E')
		return "";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct interp_warnings w = {0};
	struct interp_env env = {.lookup = lookup, .warn = &w};
	struct clan_err err;
	char *out = NULL;

	if (interp_expand(&env, text, "fuzz", 1, &out, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE || strncmp(err.msg, "fuzz:1: ", 8) != 0)
			abort();
	} else {
		if (!out || (!strchr(text, '$') && strcmp(out, text) != 0))
			abort();
		free(out);
	}
	if (w.msgs.n != w.names.n)
		abort();
	for (size_t i = 0; i < w.names.n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(w.names.v[i], w.names.v[j]) == 0)
				abort();
	interp_warnings_free(&w);
	return 0;
}
