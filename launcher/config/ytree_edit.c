#define _GNU_SOURCE
#include "config/ytree_edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

struct ynode *ynode_new(enum ynode_kind kind, const struct ynode *at)
{
	struct ynode *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	if (at) {
		n->file = at->file;
		n->line = at->line;
		n->column = at->column;
	}
	return n;
}

struct ynode *ynode_new_scalar(const char *text, bool plain, const struct ynode *at)
{
	struct ynode *n = ynode_new(YN_SCALAR, at);
	n->value = xstrdup(text);
	n->plain = plain;
	return n;
}

ssize_t ynode_index(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return -1;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return (ssize_t)i;
	return -1;
}

void ynode_set(struct ynode *map, const char *key, struct ynode *v)
{
	ssize_t i = ynode_index(map, key);
	if (i >= 0) {
		ynode_free(map->items[i]);
		map->items[i] = v;
		return;
	}
	ynode_append(map, xstrdup(key), v);
}

struct ynode *ynode_take(struct ynode *n, size_t i)
{
	struct ynode *v = n->items[i];
	if (n->kind == YN_MAP) {
		free(n->keys[i]);
		memmove(n->keys + i, n->keys + i + 1, (n->n - i - 1) * sizeof *n->keys);
	}
	memmove(n->items + i, n->items + i + 1, (n->n - i - 1) * sizeof *n->items);
	n->n--;
	return v;
}

void ynode_push(struct ynode *seq, struct ynode *v)
{
	ynode_append(seq, NULL, v);
}

const char *ynode_where(const struct ynode *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d:%d", n && n->file ? n->file : "?", n ? n->line : 0,
		 n ? n->column : 0);
	return buf;
}
