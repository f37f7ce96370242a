/* Executes a mount plan inside the new mount namespace, before pivot_root:
 * every target resolved below the new root with safe_path_open. */
#ifndef CLAN_MOUNTS_H
#define CLAN_MOUNTS_H

#include <stdbool.h>

#include "error.h"
#include "mount_plan.h"

int mounts_execute(int root_fd, const struct mount_plan *plan, bool debug, struct clan_err *err);

/* Adds nosuid/nodev (and read-only when ro) to the mount at path,
 * recursively when asked, keeping flags the kernel has locked on mounts
 * from the parent namespace. */
int mount_restrict(const char *path, bool recursive, bool ro, struct clan_err *err);

#endif
