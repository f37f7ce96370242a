/* libFuzzer target: launcher/run_args's run_args_parse (and the opts
 * parser under it). The input is NUL-separated argv words after "run". */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_args.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = xstrdup("run");
	for (size_t off = 0; off < size && argc <= MAX_ARGS;) {
		const uint8_t *nul = memchr(data + off, '\0', size - off);
		size_t len = nul ? (size_t)(nul - (data + off)) : size - off;
		argv[argc++] = xstrndup((const char *)data + off, len);
		off += len + 1;
	}
	argv[argc] = NULL;

	struct run_args a;
	struct clan_err err;
	if (run_args_parse(argc, argv, &a, &err) == 0) {
		if (!a.help && !a.spec.image_ref)
			abort();
		for (size_t i = 0; i < a.spec.nbinds; i++)
			if (a.spec.binds[i].dst[0] != '/')
				abort();
		if (a.spec.workdir && a.spec.workdir[0] != '/')
			abort();
	} else if (err.code != CLAN_EXIT_USAGE) {
		abort();
	}
	run_args_free(&a);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
