/* Space used by the store and getting it back: what `clan rmi`,
 * `clan system df` and `clan system prune` stand on. */
#ifndef CLAN_IMGSTORE_GC_H
#define CLAN_IMGSTORE_GC_H

#include <stdint.h>

#include "base/error.h"
#include "image/imgstore.h"

/* Bytes used on disk below path (blocks of each inode once, symlinks not
 * followed); 0 when it does not exist. */
uint64_t disk_usage(const char *path);

/* Removes a tree of the store that may hold files of subordinate ids: as
 * the user first, then as root of a user namespace with the user's maps. */
int imgstore_remove_tree(const char *path, struct clan_err *err);

/* Removes the record of image id (not its tags). */
int imgstore_remove_image(const struct imgstore *st, const char *id, struct clan_err *err);

struct gc_result {
	uint64_t layers, blobs; /* how many were removed */
	uint64_t bytes;		/* and the space they used */
};

/* Removes every layer and blob no image record refers to (a manifest's
 * layer blobs count as referred to), and leftovers of interrupted pulls
 * older than an hour. */
int imgstore_gc(const struct imgstore *st, struct gc_result *res, struct clan_err *err);

#endif
