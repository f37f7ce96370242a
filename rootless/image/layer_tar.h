/* A layer directory of the store back into a layer tar (what an image
 * archive carries): the inverse of layer_write.c. */
#ifndef CLAN_LAYER_TAR_H
#define CLAN_LAYER_TAR_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "ns/userns.h"

/* Writes the uncompressed tar of the layer dir at path to out_fd (a file
 * at offset 0), then gives its sha256 (the diff id) and size. Entries
 * come in name order, so the same layer gives the same tar. Whiteouts
 * (0:0 character devices) become `.wh.NAME` files and opaque dirs
 * (user.overlay.opaque=y) get a `.wh..wh..opq` entry. Owners: with
 * userns's subordinate ids, the files' own (read as root of a user
 * namespace with its maps); in single mode, the owner recorded in
 * user.clan.owner (chown_record.h), root when none. No link is followed,
 * and a dir deeper than LAYER_TAR_MAX_DEPTH fails. */
int layer_tar_make(const char *path, const struct userns_plan *userns, int out_fd, char digest[72],
		   uint64_t *size, struct clan_err *err);

#define LAYER_TAR_MAX_DEPTH 256

#endif
