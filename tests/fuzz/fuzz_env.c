/* libFuzzer target: launcher/run_args's text parsers. The whole input is
 * an --env-file text, a -v value and a -e value in turn. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_args.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Deterministic: names starting with 'H' are set on the "host". */
static const char *lookup(const char *k)
{
	return k[0] == 'H' ? "host-value" : NULL;
}

/* Every entry must be K=V with a non-empty K free of blanks. */
static void check_env(const struct strv *env)
{
	for (size_t i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');
		if (!eq || eq == env->v[i] || strcspn(env->v[i], " \t") < (size_t)(eq - env->v[i]))
			abort();
	}
	if (env->v && env->v[env->n])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct clan_err err;
	struct strv env = {0};

	if (parse_env_file_text(text, "fuzz.env", lookup, &env, &err) < 0 &&
	    err.code != CLAN_EXIT_USAGE)
		abort();
	check_env(&env);
	strv_free(&env);

	struct bind_spec b = {0};
	if (parse_bind(text, &b, &err) == 0) {
		if (!b.src || !b.dst || !b.src[0] || b.dst[0] != '/')
			abort();
		free(b.src);
		free(b.dst);
	} else if (err.code != CLAN_EXIT_USAGE || b.src || b.dst) {
		abort();
	}

	if (parse_env_flag(text, lookup, &env, &err) < 0 && err.code != CLAN_EXIT_USAGE)
		abort();
	check_env(&env);
	strv_free(&env);
	free(text);
	return 0;
}
