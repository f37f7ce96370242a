/* Where a container's root comes from. One small interface for every
 * source: today `dir:/path` and `host`; registries and Debian root
 * filesystems plug in here later. */
#ifndef CLAN_IMAGE_H
#define CLAN_IMAGE_H

#include <stdbool.h>

#include "error.h"
#include "util.h"

struct image {
	char *ref;	    /* as the user wrote it */
	struct strv lowers; /* read-only layers, top first */
	bool is_host;	    /* the host's / */
	struct strv cmd;    /* default command (empty: none) */
	struct strv env;    /* default environment */
};

/* Resolves ref to layers. Unknown schemes and missing dirs: exit 2 with
 * the fix. */
int image_resolve(const char *ref, struct image *img, struct clan_err *err);
void image_free(struct image *img);

/* Reads rel (e.g. "etc/passwd") from the top-most layer that has it;
 * -1 with errno ENOENT when none has it. */
int image_read_file(const struct image *img, const char *rel, size_t max, char **out);

#endif
