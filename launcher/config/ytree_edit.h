/* Editing a ytree in place: what compose's merge, extends and include do
 * to the trees of files before they become a stack. New nodes take their
 * position (file, line, column) from a node of the file they stand for,
 * so a message about them still names where the user wrote it. */
#ifndef CLAN_YTREE_EDIT_H
#define CLAN_YTREE_EDIT_H

#include <sys/types.h>

#include "config/ytree.h"

/* An empty node of kind, written where `at` was (at may be NULL). */
struct ynode *ynode_new(enum ynode_kind kind, const struct ynode *at);

/* A scalar holding text (copied), written where `at` was. */
struct ynode *ynode_new_scalar(const char *text, bool plain, const struct ynode *at);

/* The index of key in map, -1 when it lacks it. */
ssize_t ynode_index(const struct ynode *map, const char *key);

/* Sets map[key] to v (owned from now on): in place, freeing the old value,
 * or appended when map lacks key. */
void ynode_set(struct ynode *map, const char *key, struct ynode *v);

/* Removes the i-th entry (or item) of n and returns its value, owned by
 * the caller; a mapping's key is freed. */
struct ynode *ynode_take(struct ynode *n, size_t i);

/* Appends v (owned from now on) to the sequence seq. */
void ynode_push(struct ynode *seq, struct ynode *v);

/* "FILE:LINE:COLUMN" of n into buf. */
const char *ynode_where(const struct ynode *n, char *buf, size_t len);

#endif
