#define _GNU_SOURCE
#include "fs/rootfs.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int rootfs_pivot(const char *new_root, struct clan_err *err)
{
	if (chdir(new_root) < 0)
		return clan_error(err, errno, "cannot enter %s", new_root);
	/* pivot_root(".", ".") stacks the old root on top of the new one; the
	 * lazy unmount of "." then drops it without needing a put_old dir. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return clan_error(err, errno, "pivot_root to %s failed", new_root);
	if (umount2(".", MNT_DETACH) < 0)
		return clan_error(err, errno, "cannot detach the old root");
	if (chdir("/") < 0)
		return clan_error(err, errno, "cannot enter the new root");
	return 0;
}
