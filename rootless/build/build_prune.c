/* The build cache beside the layers: RUN --mount=type=cache dirs, the
 * remembered hashes of contexts, and the .debs and package lists deb:
 * builds keep (debimage_cache.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "build/build.h"
#include "image/imgstore_gc.h"

int build_cache_prune(const char *storage, uint64_t *bytes, struct clan_err *err)
{
	static const char *const dirs[] = {"build/cache", "build/contexts", "deb-cache"};
	*bytes = 0;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", storage, dirs[i]);
		uint64_t used = disk_usage(p);
		if (used && imgstore_remove_tree(p, err) < 0)
			return -1;
		*bytes += used;
	}
	return 0;
}
