/* libFuzzer target: ytree_load, the YAML tree compose files are read
 * into. Whatever the bytes, it returns a tree or an exit-2 error naming
 * the file; every node of a tree knows where it was written, every
 * mapping's keys are distinct, and freeing it is clean (ASan). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/ytree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct ynode *n, int depth)
{
	if (depth > 1000 || n->line < 1 || n->column < 1 || strcmp(n->file, "f.yml") != 0)
		abort();
	if (n->kind == YN_SCALAR && !n->value)
		abort();
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == YN_MAP)
			for (size_t j = 0; j < i; j++)
				if (strcmp(n->keys[i], n->keys[j]) == 0)
					abort();
		walk(n->items[i], depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ynode *t = NULL;
	struct clan_err err = {0};
	if (ytree_load((const char *)data, size, "f.yml", &t, &err) == 0) {
		walk(t, 0);
		ynode_free(t);
	} else if (err.code != 2 || strncmp(err.msg, "f.yml", 5) != 0 || t) {
		abort();
	}
	return 0;
}
