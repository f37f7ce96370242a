/* Executes a mount plan inside the new mount namespace, before pivot_root:
 * every target resolved below the new root with safe_path_open. */
#ifndef CLAN_MOUNTS_H
#define CLAN_MOUNTS_H

#include <stdbool.h>

#include "base/error.h"
#include "fs/mount_plan.h"

/* Binds that were made elsewhere (container_idmap.c), per op of the plan:
 * fd an idmapped copy to move into place or -1, fresh a new named volume
 * to fill first. NULL: none. */
struct mount_fds {
	const int *fd;
	const bool *fresh;
};

/* Writes the generated /etc files (mount_plan_etc_files) into dir, which
 * it creates: the plan binds them from there. */
int mounts_write_etc(const char *dir, const char *const *texts, struct clan_err *err);

/* Runs plan's operations in order under root_fd; --debug names each. */
int mounts_execute(int root_fd, const struct mount_plan *plan, const struct mount_fds *fds,
		   struct clan_err *err);

/* Adds nosuid/nodev (and read-only when ro) to the mount at path,
 * recursively when asked, keeping flags the kernel has locked on mounts
 * from the parent namespace. */
int mount_restrict(const char *path, bool recursive, bool ro, struct clan_err *err);

/* Makes the mount whose root fd is (the container's root) read-only, and
 * only it: the mounts on it keep their own flags (docker's --read-only). */
int mount_make_readonly(int fd, const char *what, struct clan_err *err);

#endif
