/* libFuzzer target: compose_expand (include, extends) and compose_merge,
 * two compose files in one input split at a line "=====" (no other file
 * is read: the loader refuses). Whatever the bytes: expanding and merging
 * give a tree or an exit-2 error naming one of the files (a cycle, a
 * chain too long...); the tree holds no !reset or
 * !override tag, a copy of it is equal to it, making its lists unique
 * again changes nothing, and freeing it is clean (ASan). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/compose_include.h"
#include "config/compose_merge.h"
#include "config/compose_unique.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct ynode *n, int depth)
{
	if (depth > 1000 || n->line < 1 || n->column < 1)
		abort();
	if (n->tag && (strcmp(n->tag, "!reset") == 0 || strcmp(n->tag, "!override") == 0))
		abort();
	for (size_t i = 0; i < n->n; i++)
		walk(n->items[i], depth + 1);
}

static bool is_ours(const struct clan_err *err)
{
	return err->code == 2 &&
	       (strncmp(err->msg, "f1.yml:", 7) == 0 || strncmp(err->msg, "f2.yml:", 7) == 0);
}

static int refuse(void *arg, const struct compose_src *src, struct ynode **out,
		  struct clan_err *err)
{
	(void)arg;
	(void)src;
	*out = NULL;
	return clan_error(err, 0, "no file is read here");
}

/* t's includes and extends; t is freed on error. */
static int expand(struct ynode **t, const char *name, struct clan_err *err)
{
	struct compose_ctx ctx = {.load = refuse};
	struct compose_src src = {.path = name, .dir = "/nonexistent"};
	int rc = compose_expand(*t, &src, &ctx, err);
	compose_ctx_free(&ctx);
	if (rc < 0) {
		ynode_free(*t);
		*t = NULL;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *cut = memmem(text, size, "\n=====\n", 7);
	size_t len1 = cut ? (size_t)(cut - text) + 1 : size;
	const char *second = cut ? cut + 7 : text + size;
	size_t len2 = (size_t)(text + size - second);
	struct clan_err err = {0};
	struct ynode *a = NULL, *b = NULL, *tree = NULL;
	if (ytree_load(text, len1, "f1.yml", &a, &err) < 0 ||
	    ytree_load(second, len2, "f2.yml", &b, &err) < 0) {
		ynode_free(a);
		return 0;
	}
	if ((a->kind == YN_MAP && expand(&a, "f1.yml", &err) < 0) ||
	    (b->kind == YN_MAP && expand(&b, "f2.yml", &err) < 0)) {
		ynode_free(a);
		ynode_free(b);
		if (!is_ours(&err))
			abort();
		return 0;
	}
	int rc = compose_merge(&tree, a, &err);
	if (rc == 0)
		rc = compose_merge(&tree, b, &err);
	else
		ynode_free(b);
	if (rc == 0) {
		walk(tree, 0);
		struct ynode *copy = ynode_clone(tree);
		if (!ynode_equal(copy, tree) || compose_unique(copy, &err) < 0 ||
		    !ynode_equal(copy, tree))
			abort();
		ynode_free(copy);
	} else if (!is_ours(&err)) {
		abort();
	}
	ynode_free(tree);
	return 0;
}
