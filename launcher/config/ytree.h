/* A YAML document as a plain tree that remembers where each node was
 * written: compose files are merged, extended and interpolated as trees
 * before they become a stack, and every message names FILE:LINE:COLUMN.
 * Loading resolves what YAML itself defines: aliases (copied, within
 * yaml_doc's budget) and `<<` merge keys; it keeps compose's own tags
 * (!reset, !override) for the merge of files. */
#ifndef CLAN_YTREE_H
#define CLAN_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

enum ynode_kind { YN_NULL, YN_SCALAR, YN_MAP, YN_SEQ };

struct ynode {
	enum ynode_kind kind;
	char *value; /* YN_SCALAR: its text */
	bool plain;  /* YN_SCALAR written without quotes: only then is 1 a number */
	char *tag;   /* a tag of the file's own ("!reset"), NULL for YAML's */
	const char *file;
	int line, column;     /* 1-based */
	size_t n, cap;	      /* cap: room in keys and items (0: exactly n) */
	char **keys;	      /* YN_MAP: n keys, each a scalar's text */
	struct ynode **items; /* YN_MAP: the values; YN_SEQ: the items */
};

/* Loads text read from file (kept by pointer: it must outlive the tree).
 * Empty text is a YN_NULL root. Exit-2 errors "FILE:LINE:COLUMN: ...":
 * bad YAML, a key written twice in one mapping, a key that is not a
 * scalar, a `<<` that names something other than mappings. */
int ytree_load(const char *text, size_t len, const char *file, struct ynode **out,
	       struct clan_err *err);

void ynode_free(struct ynode *n);

/* A deep copy of n (NULL for NULL): positions, tags and the file pointer
 * (not the name: whoever owns n's file name owns the copy's too). */
struct ynode *ynode_clone(const struct ynode *n);

/* Appends v (under key, owned, for a mapping) to a mapping or sequence,
 * growing its arrays by doubling: a 60k-item list is not 60k reallocs. */
void ynode_append(struct ynode *n, char *key, struct ynode *v);

/* map's value for key, NULL when map is no mapping or lacks it. */
struct ynode *ynode_get(const struct ynode *map, const char *key);

#endif
