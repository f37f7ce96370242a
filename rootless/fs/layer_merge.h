/* The copy fallback for layered images: the layers merged into one
 * directory the way overlayfs would show them. */
#ifndef CLAN_LAYER_MERGE_H
#define CLAN_LAYER_MERGE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "base/error.h"

/* An overlayfs whiteout: a character device 0:0 hides the name below. */
bool layer_is_whiteout(const struct stat *st);

/* Copies layer (a directory in overlayfs layout: 0:0 character devices
 * are whiteouts, user.overlay.opaque=y marks an opaque directory) over
 * dest: whiteouts remove what they name, opaque directories replace
 * rather than merge, everything else replaces what was there. Owners are
 * kept where the user namespace maps them. */
int layer_merge_onto(const char *layer, const char *dest, struct clan_err *err);

#endif
