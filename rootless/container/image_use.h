/* Which stored image a reference means, and which containers use it. */
#ifndef CLAN_IMAGE_USE_H
#define CLAN_IMAGE_USE_H

#include <stdbool.h>

#include "image/imgstore.h"

/* The id of the stored image text names: a registry reference (tagged),
 * a deb: reference (its key), or an id / unique id prefix. */
bool image_use_lookup(const struct imgstore *st, const char *text, char id[72]);

/* How many containers (running or not) were made from image id, whether
 * any of them is running, and (when names is not NULL) their names. */
int image_use_count(const struct imgstore *st, const char *id, bool *running, struct strv *names);

#endif
