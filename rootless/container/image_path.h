/* CLAN_IMAGE_PATH: read-only image stores (imgstore_ro.h), colon-separated,
 * searched in order after the user's own store and before a pull or a
 * deb: build, as Podman's additional image stores. */
#ifndef CLAN_IMAGE_PATH_H
#define CLAN_IMAGE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "image/imgstore.h"

struct image_path {
	struct imgstore *v;
	size_t n;
};

/* Opens the stores that env (CLAN_IMAGE_PATH's value; NULL or "": none)
 * names; empty entries are skipped. One bad entry fails it all (exit 2),
 * naming it: a store the user cannot trust is never silently skipped. */
int image_path_open(struct image_path *p, const char *env, struct clan_err *err);
/* image_path_open of the configured list: CLAN_IMAGE_PATH, else
 * clan.conf's [storage] image_path. */
int image_path_open_configured(struct image_path *p, struct clan_err *err);
void image_path_close(struct image_path *p);

/* Whether st has the image ref names (a registry or deb: reference, or an
 * id), with its record in rec. */
bool image_path_has(const struct imgstore *st, const char *ref, struct image_record *rec);

/* The first store of p that has ref, its record in rec; NULL: none. */
const struct imgstore *image_path_find(const struct image_path *p, const char *ref,
				       struct image_record *rec);

#endif
