/* Switching into the prepared root. */
#ifndef CLAN_ROOTFS_H
#define CLAN_ROOTFS_H

#include "base/error.h"

/* Makes new_root (a mount point) the root of this mount namespace and
 * detaches the old root entirely. */
int rootfs_pivot(const char *new_root, struct clan_err *err);

#endif
