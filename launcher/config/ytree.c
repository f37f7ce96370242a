#define _GNU_SOURCE
#include "config/ytree.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config/yaml_doc.h"

struct yload {
	yaml_document_t *doc;
	const char *file;
	struct clan_err *err;
};

static int at_node(const struct yload *y, const yaml_node_t *n, const char *what)
{
	return clan_error_code(y->err, CLAN_EXIT_USAGE, "%s:%zu:%zu: %s", y->file,
			       n->start_mark.line + 1, n->start_mark.column + 1, what);
}

static struct ynode *new_node(const struct yload *y, const yaml_node_t *n, enum ynode_kind kind)
{
	struct ynode *out = xcalloc(1, sizeof *out);
	out->kind = kind;
	out->file = y->file;
	out->line = (int)n->start_mark.line + 1;
	out->column = (int)n->start_mark.column + 1;
	/* libyaml gives every node a tag; only a file's own ("!reset") mean
	 * anything to compose */
	const char *tag = (const char *)n->tag;
	if (tag && tag[0] == '!' && tag[1] != '!')
		out->tag = xstrdup(tag);
	return out;
}

static bool is_null_text(const char *s)
{
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

void ynode_append(struct ynode *n, char *key, struct ynode *v)
{
	if (n->n >= n->cap) {
		n->cap = n->n ? 2 * n->n : 4;
		n->items = xrealloc(n->items, n->cap * sizeof *n->items);
		if (n->keys || n->kind == YN_MAP)
			n->keys = xrealloc(n->keys, n->cap * sizeof *n->keys);
	} else if (n->kind == YN_MAP && !n->keys) {
		n->keys = xcalloc(n->cap, sizeof *n->keys);
	}
	if (n->kind == YN_MAP)
		n->keys[n->n] = key;
	n->items[n->n++] = v;
}

static ssize_t find_key(const struct ynode *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return (ssize_t)i;
	return -1;
}

static int convert(const struct yload *y, int index, int depth, struct ynode **out);

/* One mapping named by a merge key (index): the keys of it that m lacks. */
static int merge_one(const struct yload *y, struct ynode *m, int index, int depth)
{
	static const char *const what = "<< (a merge key) takes a mapping or a list of mappings";
	yaml_node_t *src = yaml_document_get_node(y->doc, index);
	if (!src || src->type != YAML_MAPPING_NODE)
		return src ? at_node(y, src, what)
			   : clan_error_code(y->err, CLAN_EXIT_USAGE, "%s: %s", y->file, what);
	struct ynode *from;
	if (convert(y, index, depth + 1, &from) < 0)
		return -1;
	for (size_t k = 0; k < from->n; k++)
		if (find_key(m, from->keys[k]) < 0) {
			ynode_append(m, from->keys[k], from->items[k]);
			from->keys[k] = NULL;
			from->items[k] = NULL;
		}
	ynode_free(from);
	return 0;
}

/* `<<: *a` or `<<: [*a, *b]` (value, a node index): the first mapping
 * named wins over later ones (YAML's merge key). */
static int merge_into(const struct yload *y, struct ynode *m, int value, int depth)
{
	yaml_node_t *v = yaml_document_get_node(y->doc, value);
	if (!v || v->type != YAML_SEQUENCE_NODE)
		return merge_one(y, m, value, depth);
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
	     i++)
		if (merge_one(y, m, *i, depth) < 0)
			return -1;
	return 0;
}

static int convert_map(const struct yload *y, const yaml_node_t *n, int depth, struct ynode *m)
{
	/* explicit keys first, so they win over merged ones wherever `<<` is */
	const yaml_node_pair_t *merges[64];
	size_t nmerges = 0;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		if (!k || k->type != YAML_SCALAR_NODE)
			return at_node(y, k ? k : n, "a key must be a plain value");
		const char *key = (const char *)k->data.scalar.value;
		if (strcmp(key, "<<") == 0 && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			if (nmerges == sizeof merges / sizeof *merges)
				return at_node(y, k, "too many << merge keys in one mapping");
			merges[nmerges++] = p;
			continue;
		}
		if (find_key(m, key) >= 0) {
			char what[256];
			snprintf(what, sizeof what, "key '%.200s' is written twice in this mapping",
				 key);
			return at_node(y, k, what);
		}
		struct ynode *v;
		if (convert(y, p->value, depth + 1, &v) < 0)
			return -1;
		ynode_append(m, xstrdup(key), v);
	}
	for (size_t i = 0; i < nmerges; i++)
		if (merge_into(y, m, merges[i]->value, depth) < 0)
			return -1;
	return 0;
}

/* Depth bounds the recursion: a file nested this deep is not a compose
 * file, and a C stack is not to be spent on it. */
#define YTREE_MAX_DEPTH 200

static int convert(const struct yload *y, int index, int depth, struct ynode **out)
{
	*out = NULL;
	yaml_node_t *n = yaml_document_get_node(y->doc, index);
	if (!n)
		return clan_error_code(y->err, CLAN_EXIT_USAGE, "%s: bad YAML", y->file);
	if (depth > YTREE_MAX_DEPTH)
		return at_node(y, n, "nested too deep");
	struct ynode *t;
	int rc = 0;
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *v = (const char *)n->data.scalar.value;
		bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		t = new_node(y, n, plain && is_null_text(v) ? YN_NULL : YN_SCALAR);
		t->plain = plain;
		if (t->kind == YN_SCALAR)
			t->value = xstrdup(v);
		break;
	}
	case YAML_SEQUENCE_NODE:
		t = new_node(y, n, YN_SEQ);
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     rc == 0 && i < n->data.sequence.items.top; i++) {
			struct ynode *item;
			rc = convert(y, *i, depth + 1, &item);
			if (rc == 0)
				ynode_append(t, NULL, item);
		}
		break;
	case YAML_MAPPING_NODE:
		t = new_node(y, n, YN_MAP);
		rc = convert_map(y, n, depth, t);
		break;
	default:
		return at_node(y, n, "bad YAML node");
	}
	if (rc < 0) {
		ynode_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

int ytree_load(const char *text, size_t len, const char *file, struct ynode **out,
	       struct clan_err *err)
{
	*out = NULL;
	yaml_document_t doc;
	if (yaml_doc_load(text, len, file, &doc, err) < 0)
		return -1;
	struct yload y = {.doc = &doc, .file = file, .err = err};
	int rc;
	if (!yaml_document_get_root_node(&doc)) {
		*out = xcalloc(1, sizeof **out);
		(*out)->file = file;
		(*out)->line = (*out)->column = 1;
		rc = 0;
	} else {
		rc = convert(&y, 1, 0, out);
	}
	yaml_document_delete(&doc);
	return rc;
}

void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == YN_MAP)
			free(n->keys[i]);
		ynode_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->value);
	free(n->tag);
	free(n);
}

struct ynode *ynode_clone(const struct ynode *n)
{
	if (!n)
		return NULL;
	struct ynode *c = xcalloc(1, sizeof *c);
	*c = *n;
	c->value = n->value ? xstrdup(n->value) : NULL;
	c->tag = n->tag ? xstrdup(n->tag) : NULL;
	c->keys = n->kind == YN_MAP && n->n ? xcalloc(n->n, sizeof *c->keys) : NULL;
	c->items = n->n ? xcalloc(n->n, sizeof *c->items) : NULL;
	c->cap = n->n;
	for (size_t i = 0; i < n->n; i++) {
		if (c->keys)
			c->keys[i] = xstrdup(n->keys[i]);
		c->items[i] = ynode_clone(n->items[i]);
	}
	return c;
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	ssize_t i = find_key(map, key);
	return i < 0 ? NULL : map->items[i];
}
