#define _GNU_SOURCE
#include "ns/idmount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

int idmount_clone(int dirfd, const char *path, int userns_fd, bool recursive, bool ro, int *out,
		  struct clan_err *err)
{
	unsigned rec = recursive ? AT_RECURSIVE : 0;
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW | rec |
			 (*path ? 0 : AT_EMPTY_PATH);
	_cleanup_close_ int fd = (int)syscall(SYS_open_tree, dirfd, path, flags);
	if (fd < 0)
		return clan_error(err, errno, "cannot copy the mount of %s", path);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID |
					      MOUNT_ATTR_NODEV | (ro ? MOUNT_ATTR_RDONLY : 0),
				  .userns_fd = (uint64_t)userns_fd};
	/* EINVAL: a filesystem without idmapped mounts (FS_ALLOW_IDMAP), or
	 * an overlayfs, which cannot be idmapped itself */
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) < 0)
		return clan_error(err, errno, "cannot idmap the mount of %s", path);
	*out = steal_fd(&fd);
	return 0;
}

static int set_fd(int fs, const char *key, int fd, struct clan_err *err)
{
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, key, NULL, fd) < 0)
		return clan_error(err, errno, "overlay: cannot set %s", key);
	return 0;
}

static int set_flag(int fs, const char *key, struct clan_err *err)
{
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, key, NULL, 0) < 0)
		return clan_error(err, errno, "overlay: cannot set %s", key);
	return 0;
}

/* The copies' fds stay open until the overlay exists: closing the last fd
 * of a detached mount unmounts it, and the overlay then fails to clone
 * its layers ("failed to clone upperpath"). */
struct layer_fds {
	int *fd;
	size_t n;
};

static void layer_fds_close(struct layer_fds *l)
{
	for (size_t i = 0; i < l->n; i++)
		close(l->fd[i]);
	free(l->fd);
}

static int add_clone(int fs, const char *key, const char *path, int ns, bool ro,
		     struct layer_fds *l, struct clan_err *err)
{
	int fd = -1;
	if (idmount_clone(AT_FDCWD, path, ns, false, ro, &fd, err) < 0)
		return -1;
	l->fd[l->n++] = fd;
	return key ? set_fd(fs, key, fd, err) : 0;
}

static int add_layers(int fs, const struct idmount_overlay_req *req, struct layer_fds *l,
		      struct clan_err *err)
{
	l->fd = xcalloc(req->lowers->n + 3, sizeof *l->fd);
	for (size_t i = 0; i < req->lowers->n; i++)
		if (add_clone(fs, "lowerdir+", req->lowers->v[i], req->userns_fd, true, l, err) < 0)
			return -1;
	if (add_clone(fs, NULL, req->cdir, req->userns_fd, false, l, err) < 0)
		return -1;
	int cfd = l->fd[l->n - 1];
	static const char *const names[] = {"upper", "work"};
	static const char *const keys[] = {"upperdir", "workdir"};
	for (size_t i = 0; i < 2; i++) {
		int fd = openat(cfd, names[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return clan_error(err, errno, "cannot open %s/%s", req->cdir, names[i]);
		l->fd[l->n++] = fd;
		if (set_fd(fs, keys[i], fd, err) < 0)
			return -1;
	}
	return 0;
}

/* overlayfs keeps the mounter's credentials for its work dir and copy-ups.
 * Through the idmapped upper, host root's fsuid 0 has no id (EOVERFLOW,
 * and the overlay falls back to read-only): create it with the fsuid of
 * the container's root, keeping root's capabilities (no setuid fixup). */
static int create_as_container_root(int fs, const struct idmount_overlay_req *req,
				    struct clan_err *err)
{
	int bits = prctl(PR_GET_SECUREBITS);
	if (bits < 0 || prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP) < 0)
		return clan_error(err, errno, "overlay: cannot keep capabilities");
	setfsuid(req->root_uid);
	setfsgid(req->root_gid);
	int rc = (int)syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	int e = errno;
	setfsuid(0);
	setfsgid(0);
	if (prctl(PR_SET_SECUREBITS, bits) < 0)
		return clan_error(err, errno, "overlay: cannot restore the securebits");
	if ((uint32_t)setfsuid((uid_t)-1) != 0 || (uint32_t)setfsgid((gid_t)-1) != 0)
		return clan_error(err, EPERM, "overlay: cannot return to host root's fsuid");
	if (rc < 0)
		return clan_error(err, e, "cannot mount the overlay of %s", req->cdir);
	return 0;
}

bool idmount_overlay_supported(void)
{
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	_cleanup_close_ int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fs >= 0 && dir >= 0 &&
	       syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "lowerdir+", NULL, dir) == 0;
}

int idmount_overlay(const struct idmount_overlay_req *req, int *out, struct clan_err *err)
{
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return clan_error(err, errno, "cannot open an overlay filesystem context");
	struct layer_fds l = {0};
	int rc = set_flag(fs, "userxattr", err) < 0 ||
			 (req->ephemeral && set_flag(fs, "volatile", err) < 0) ||
			 add_layers(fs, req, &l, err) < 0 ||
			 create_as_container_root(fs, req, err) < 0
		     ? -1
		     : 0;
	layer_fds_close(&l);
	if (rc < 0)
		return -1;
	int fd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
	if (fd < 0)
		return clan_error(err, errno, "cannot mount the overlay of %s", req->cdir);
	*out = fd;
	return 0;
}
