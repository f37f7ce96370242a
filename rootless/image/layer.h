/* Turning a layer blob into a layer directory of the store. */
#ifndef CLAN_LAYER_H
#define CLAN_LAYER_H

#include "base/error.h"
#include "image/imgstore.h"
#include "image/layer_bounds.h"
#include "ns/userns.h"

/* Extracts blob_path (a tar, gzip- or zstd-compressed or not, told apart by
 * content) into st as layer id (the layer's diff id: the sha256 of the
 * uncompressed tar, verified while extracting), atomically.
 *
 * With subordinate ids (userns->mode == USERNS_SUBUID and not host root),
 * extraction runs as root of a user namespace with userns's maps, so files
 * keep their owners; in single mode every file becomes the user's.
 * Whiteouts become what overlayfs understands: `.wh.NAME` a 0:0 character
 * device NAME, `.wh..wh..opq` the xattr user.overlay.opaque=y on its dir.
 * Refused, with the entry named and nothing left behind: absolute paths or
 * `..` that leave the layer, writing through a symlink, hardlinks to
 * outside the layer, device nodes (other than whiteouts); with bounds
 * (NULL: none), a stream that expands past bounds->max_bytes or holds more
 * than max_entries entries (layer_bounds_error), stopped as it crosses;
 * bounds->bytes and entries say what the layer came to. */
int layer_extract(struct imgstore *st, const char *blob_path, const char *id,
		  const struct userns_plan *userns, struct layer_bounds *bounds,
		  struct clan_err *err);

#endif
