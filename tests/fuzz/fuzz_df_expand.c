/* libFuzzer target: Dockerfile variable substitution (df_expand). The
 * input's first line is the word, each further line a K=V of the
 * environment: whatever the bytes, the word expands or fails with an
 * exit-2 error that says why, patterns run in length x pattern steps, and
 * nothing leaks (ASan). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "build/df_expand.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct strv env = {0};
	char *save = NULL;
	char *word = strtok_r(text, "\n", &save);
	for (char *l; word && (l = strtok_r(NULL, "\n", &save));)
		strv_push(&env, l);
	char *out = NULL;
	struct clan_err err = {0};
	if (word && df_expand(word, size & 1 ? '`' : '\\', &env, &out, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE || !err.msg[0])
			abort();
	}
	free(out);
	strv_free(&env);
	return 0;
}
