/* deb: images: Debian root filesystems built rootless with mmdebstrap and
 * cached in the image store by suite, package set and architecture. */
#ifndef CLAN_DEBIMAGE_H
#define CLAN_DEBIMAGE_H

#include <stdbool.h>

#include "error.h"
#include "imgstore.h"
#include "userns.h"

/* "deb:SUITE" or "deb:SUITE+pkg1,pkg2": the suite and the packages
 * (sorted, unique). Exit-2 errors for an empty suite or package name. */
int debimage_parse(const char *text, char **suite, struct strv *packages, struct clan_err *err);

/* The cache key and image id: "sha256:" + sha256 of
 * "SUITE\nARCH\npkg1\npkg2\n..." with the packages sorted. */
void debimage_key(const char *suite, const struct strv *packages, const char *arch, char id[72]);

/* The name `clan images` shows: "deb:SUITE+<first 12 hex of the key>". */
char *debimage_name(const char *suite, const char id[72]);

/* Returns the cached image, or builds it: mmdebstrap --mode=unshare with
 * subordinate ids, a mode that needs none otherwise, into a temp layer
 * committed atomically; then saves the record (source "deb", packages)
 * and tags it with debimage_name. Concurrent builds of one key are
 * serialised with a lock. */
int debimage_get(struct imgstore *st, const char *suite, const struct strv *packages,
		 const struct userns_plan *userns, bool debug, struct image_record *rec,
		 struct clan_err *err);

#endif
