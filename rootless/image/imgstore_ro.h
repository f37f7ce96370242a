/* Read-only image stores (CLAN_IMAGE_PATH), as Podman's additional image
 * stores: a store dir that clan wrote elsewhere (an admin, or a `clan
 * pull` with CLAN_STORAGE pointing there), maybe on read-only NFS, whose
 * images are used where they are. Nothing is ever written to one: no dir
 * is made, no lock taken, no record or tag touched. It may belong to
 * another user: its layers are only ever overlay lower dirs (read-only),
 * and it is refused when someone other than its owner or root could
 * change it. */
#ifndef CLAN_IMGSTORE_RO_H
#define CLAN_IMGSTORE_RO_H

#include "base/error.h"
#include "image/imgstore.h"

/* Opens dir (absolute, no ',' that overlay options would split at) as a
 * read-only store. Refused with one line, exit 2: not a dir, or it or its
 * images/, layers/, tags/, blobs/ writable by group or others, or those
 * not real dirs of its owner or root. */
int imgstore_open_ro(struct imgstore *st, const char *dir, struct clan_err *err);

/* For a read-only store: layer id must be a real dir (not a link) of the
 * store's owner or root, not writable by group or others. 0 for a store
 * of our own. */
int imgstore_check_layer(const struct imgstore *st, const char *id, struct clan_err *err);

#endif
