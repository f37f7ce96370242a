/* libFuzzer target: launcher/dotenv's .env parser. Any input parses or
 * fails with "fuzz.env:LINE: ..." (exit 2); keys are non-empty and made
 * of [A-Za-z0-9_.-[]] and non-ASCII bytes
 * (compose takes Unicode letters), each once; lines point into the text. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/dotenv.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *shell(void *arg, const char *name)
{
	(void)arg;
	return name[0] == 'H' ? "host-value" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct interp_warnings w = {0};
	struct interp_env env = {.lookup = shell, .warn = &w};
	struct dotenv d;
	struct clan_err err;
	int lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';

	if (dotenv_parse(text, "fuzz.env", &env, &d, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE || strncmp(err.msg, "fuzz.env:", 9) != 0)
			abort();
		interp_warnings_free(&w);
		return 0;
	}
	for (size_t i = 0; i < d.n; i++) {
		const char *k = d.v[i].key;
		if (!*k || !d.v[i].value || d.v[i].line < 1 || d.v[i].line > lines)
			abort();
		for (const char *p = k; *p; p++)
			if (!isalnum((unsigned char)*p) && (unsigned char)*p < 0x80 &&
			    !strchr("_.-[]", *p))
				abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(d.v[j].key, k) == 0)
				abort();
		if (dotenv_get(&d, k) != d.v[i].value)
			abort();
	}
	dotenv_free(&d);
	interp_warnings_free(&w);
	return 0;
}
