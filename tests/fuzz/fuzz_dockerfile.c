/* libFuzzer target: dockerfile_parse. Whatever the bytes, it returns the
 * instructions or an exit-2 error naming the file; every instruction has
 * a lowercase name and lines in order, and freeing it is clean (ASan). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build/dockerfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct df_instr *in, int after)
{
	if (!in->cmd || !in->original || in->line < after || in->end_line < in->line)
		abort();
	for (const char *c = in->cmd; *c; c++)
		if (isupper((unsigned char)*c))
			abort();
	if (in->sub)
		check(in->sub, in->line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile d;
	struct clan_err err = {0};
	if (dockerfile_parse((const char *)data, size, "Dockerfile", &d, &err) == 0) {
		int after = 1;
		for (size_t i = 0; i < d.n; i++) {
			check(&d.v[i], after);
			after = d.v[i].end_line;
		}
		if (d.n == 0 || (d.escape != '\\' && d.escape != '`'))
			abort();
		dockerfile_free(&d);
	} else if (err.code != 2 || strncmp(err.msg, "Dockerfile", 10) != 0) {
		abort();
	}
	return 0;
}
