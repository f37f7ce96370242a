/* Bind sources named once: a container that swaps a bind source for a
 * symlink (to the user's home, say) between two starts of a service must
 * not get the symlink's target mounted on the next start. */
#ifndef CLAN_BIND_SOURCE_H
#define CLAN_BIND_SOURCE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "base/error.h"
#include "fs/mount_plan.h"

/* Resolves b->src as it is now (the user's own symlinks followed), makes
 * it the canonical path, and pins what it names (see struct bind_spec).
 * what: how errors name the source ("volume source ./data"). */
int bind_source_pin(struct bind_spec *b, const char *what, struct clan_err *err);

/* bind_source_pin for a device node (--device, CDI's deviceNodes): b->src
 * must name a character or block device (a symlink to one is followed,
 * as docker does for /dev/disk/by-id/...) that the user may open as
 * amode asks (access(2)'s R_OK|W_OK, F_OK for neither). Anything else is
 * an exit-2 error naming what: a regular file, a dir, a missing path. */
int bind_source_pin_device(struct bind_spec *b, int amode, const char *what, struct clan_err *err);

/* Whether the owner bits (for uid) and the other bits of st both refuse
 * amode (R_OK|W_OK), so that a user who may open the node does so only
 * through a group. */
bool device_group_only(const struct stat *st, uid_t uid, int amode);

/* Opens src again, in the caller's mount namespace, refusing any symlink
 * on the way, and checks it is still the pinned dev/ino: *fd (O_PATH) is
 * then safe to mount from. A swapped path is an error naming it. */
int bind_source_reopen(const char *src, dev_t dev, ino_t ino, int *fd, struct clan_err *err);

#endif
