#define _GNU_SOURCE
#include "fs/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/debug.h"
#include "fs/bind_source.h"
#include "fs/layer_merge.h"
#include "base/safe_path.h"
#include "base/util.h"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#endif

/* A remount must repeat the flags the kernel locked when the mount came
 * from a more privileged namespace, or it fails with EPERM. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

int mount_restrict(const char *path, bool recursive, bool ro, struct clan_err *err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					      (ro ? MOUNT_ATTR_RDONLY : 0)};
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr,
		    sizeof attr) == 0)
		return 0;
	if (errno != ENOSYS)
		return clan_error(err, errno, "cannot restrict the mount on %s", path);
	/* Linux < 5.12: only the top mount can be changed. */
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | locked_flags(path);
	if (mount(NULL, path, NULL, flags | (ro ? MS_RDONLY : 0), NULL) < 0)
		return clan_error(err, errno, "cannot restrict the mount on %s", path);
	return 0;
}

int mount_make_readonly(int fd, const char *what, struct clan_err *err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) == 0)
		return 0;
	if (errno != ENOSYS)
		return clan_error(err, errno, "cannot make %s read-only", what);
	char p[64];
	fd_path(fd, p, sizeof p);
	if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(p), NULL) < 0)
		return clan_error(err, errno, "cannot make %s read-only", what);
	return 0;
}

static int target_for(int root_fd, const struct mount_op *op, enum sp_create create, int *fd,
		      struct clan_err *err)
{
	int rc = op->follow ? safe_path_open(root_fd, op->dst, create, fd, err)
			    : safe_path_open_strict(root_fd, op->dst, create, fd, err);
	if (rc < 0 && op->user && op->kind == MOP_TMPFS)
		return clan_error_wrap(err, "tmpfs %s", op->dst);
	if (rc < 0 && op->device)
		return clan_error_wrap(err, "device %s:%s", op->src, op->dst);
	if (rc < 0)
		return op->user ? clan_error_wrap(err, "volume %s:%s", op->src, op->dst) : -1;
	return 0;
}

/* After a mount, the fd we resolved still names the covered directory:
 * resolve again to reach the new mount. */
static int remount_restricted(int root_fd, const struct mount_op *op, bool ro, struct clan_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[64];
	if (target_for(root_fd, op, SP_NOCREATE, &fd, err) < 0)
		return -1;
	fd_path(fd, p, sizeof p);
	return mount_restrict(p, true, ro, err);
}

/* --device X:r. The kernel does not refuse a write to a device node on a
 * read-only mount (only files, dirs and links are checked): the flag
 * shows what was asked, the node's own mode is what limits it. */
static int remount_device_ro(int root_fd, const struct mount_op *op, struct clan_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[64];
	if (target_for(root_fd, op, SP_NOCREATE, &fd, err) < 0)
		return -1;
	fd_path(fd, p, sizeof p);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID};
	if (syscall(SYS_mount_setattr, AT_FDCWD, p, 0, &attr, sizeof attr) == 0)
		return 0;
	if (errno == ENOSYS &&
	    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | locked_flags(p),
		  NULL) == 0)
		return 0;
	return clan_error(err, errno, "cannot make device %s read-only", op->dst);
}

/* Docker fills a new named volume from the image (owner and mode of the
 * mount point included); where the image has nothing there, clan gives
 * the volume to the container's user, so a database that runs as its own
 * user can initialise it in both id-mapping modes. */
static int fill_volume(const struct mount_op *op, const char *src, int target_fd,
		       const char *target, struct clan_err *err)
{
	struct stat st;
	if (fstat(target_fd, &st) < 0)
		return clan_error(err, errno, "cannot read %s", op->dst);
	_cleanup_closedir_ DIR *d = opendir(target);
	bool has_content = false;
	for (struct dirent *e; d && !has_content && (e = readdir(d));)
		has_content = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (has_content && layer_merge_onto(target, src, err) < 0)
		return clan_error_wrap(err, "volume %s:%s: cannot fill it from the image", op->src,
				       op->dst);
	uid_t uid = has_content ? st.st_uid : op->uid;
	gid_t gid = has_content ? st.st_gid : op->gid;
	/* EINVAL: the id is not mapped (single mode), where it is ours anyway */
	if (chown(src, uid, gid) < 0 && errno != EINVAL && errno != EPERM)
		return clan_error(err, errno, "cannot give volume %s to %u:%u", op->src, uid, gid);
	if (has_content && chmod(src, st.st_mode & 07777) < 0)
		return clan_error(err, errno, "cannot set the mode of volume %s", op->src);
	return 0;
}

static int populate_volume(const struct mount_op *op, int target_fd, const char *target,
			   struct clan_err *err)
{
	_cleanup_free_ char *marker = mount_populate_marker(op->src);
	if (!marker || access(marker, F_OK) < 0)
		return 0; /* not new */
	if (fill_volume(op, op->src, target_fd, target, err) < 0)
		return -1;
	if (unlink(marker) < 0 && errno != ENOENT)
		return clan_error(err, errno, "cannot remove %s", marker);
	return 0;
}

/* A pinned source is opened again here, in the container's mount
 * namespace: the kernel binds only from the caller's own namespace, so the
 * owner's pin fd cannot be mounted itself (EINVAL). */
static int open_source(const struct mount_op *op, int *src_fd, char *src, size_t len,
		       struct clan_err *err)
{
	if (!op->pinned) {
		snprintf(src, len, "%s", op->src);
		return 0;
	}
	if (bind_source_reopen(op->src, op->dev, op->ino, src_fd, err) < 0)
		return -1;
	fd_path(*src_fd, src, len);
	return 0;
}

static int do_bind(int root_fd, const struct mount_op *op, struct clan_err *err)
{
	_cleanup_close_ int src_fd = -1;
	char src[PATH_MAX];
	if (open_source(op, &src_fd, src, sizeof src, err) < 0)
		return -1;
	struct stat st;
	if (stat(src, &st) < 0)
		return clan_error(err, errno, "cannot mount %s", op->src);
	_cleanup_close_ int fd = -1;
	if (target_for(root_fd, op, S_ISDIR(st.st_mode) ? SP_MKDIR : SP_MKFILE, &fd, err) < 0)
		return -1;
	char p[64];
	fd_path(fd, p, sizeof p);
	if (op->populate && S_ISDIR(st.st_mode) && populate_volume(op, fd, p, err) < 0)
		return -1;
	if (mount(src, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return clan_error(err, errno, "cannot bind-mount %s on %s", op->src, op->dst);
	/* /dev/null & co.: nodev would make them useless */
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return op->ro ? remount_device_ro(root_fd, op, err) : 0;
	return remount_restricted(root_fd, op, op->ro, err);
}

/* An idmapped copy made by host root (container_idmap.c), moved into
 * place: it came nosuid, nodev and read-only as asked. A new named volume
 * is filled through it, so its files get the container's owners. */
static int do_bind_idmapped(int root_fd, const struct mount_op *op, int mfd, bool fresh,
			    struct clan_err *err)
{
	struct stat st;
	if (fstat(mfd, &st) < 0)
		return clan_error(err, errno, "cannot mount %s", op->src);
	_cleanup_close_ int fd = -1;
	if (target_for(root_fd, op, S_ISDIR(st.st_mode) ? SP_MKDIR : SP_MKFILE, &fd, err) < 0)
		return -1;
	char src[64], p[64];
	fd_path(mfd, src, sizeof src);
	fd_path(fd, p, sizeof p);
	if (fresh && S_ISDIR(st.st_mode) && fill_volume(op, src, fd, p, err) < 0)
		return -1;
	if (syscall(SYS_move_mount, mfd, "", fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return clan_error(err, errno, "cannot bind-mount %s on %s", op->src, op->dst);
	return 0;
}

static int do_fs(int root_fd, const struct mount_op *op, const char *type, unsigned long flags,
		 struct clan_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[64];
	if (target_for(root_fd, op, SP_MKDIR, &fd, err) < 0)
		return -1;
	fd_path(fd, p, sizeof p);
	if (mount(op->src, p, type, flags, op->data) < 0)
		return clan_error(err, errno, "cannot mount %s on %s", type, op->dst);
	return 0;
}

/* A fresh sysfs needs a network namespace of our own; otherwise, or if the
 * kernel refuses, bind the host's /sys (recursively: its submounts are
 * locked) and make the whole tree read-only. */
static int do_sys(int root_fd, const struct mount_op *op, struct clan_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[64];
	if (target_for(root_fd, op, SP_MKDIR, &fd, err) < 0)
		return -1;
	fd_path(fd, p, sizeof p);
	if (strcmp(op->src, "sysfs") == 0 &&
	    mount("sysfs", p, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
		return 0;
	if (mount("/sys", p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return clan_error(err, errno, "cannot bind-mount /sys");
	return remount_restricted(root_fd, op, true, err);
}

/* Masks and read-only paths live in the fresh /proc and /sys: a path the
 * kernel does not have is fine to skip, anything else is an error. */
static int target_if_present(int root_fd, const struct mount_op *op, int *fd, bool *present,
			     struct clan_err *err)
{
	*present = safe_path_open_strict(root_fd, op->dst, SP_NOCREATE, fd, err) == 0;
	if (!*present && err->sys_errno != ENOENT)
		return -1;
	return 0;
}

static int do_mask(int root_fd, const struct mount_op *op, struct clan_err *err)
{
	_cleanup_close_ int fd = -1;
	bool present;
	if (target_if_present(root_fd, op, &fd, &present, err) < 0)
		return -1;
	if (!present)
		return 0; /* nothing there to hide */
	struct stat st;
	char p[64];
	if (fstat(fd, &st) < 0)
		return clan_error(err, errno, "cannot stat %s", op->dst);
	fd_path(fd, p, sizeof p);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=0") < 0)
			return clan_error(err, errno, "cannot mask %s", op->dst);
	} else if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
		return clan_error(err, errno, "cannot mask %s", op->dst);
	}
	return 0;
}

static int do_ro(int root_fd, const struct mount_op *op, struct clan_err *err)
{
	_cleanup_close_ int fd = -1;
	bool present;
	char p[64];
	if (target_if_present(root_fd, op, &fd, &present, err) < 0)
		return -1;
	if (!present)
		return 0;
	fd_path(fd, p, sizeof p);
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return clan_error(err, errno, "cannot bind %s read-only", op->dst);
	return remount_restricted(root_fd, op, true, err);
}

static int do_symlink(int root_fd, const struct mount_op *op, struct clan_err *err)
{
	_cleanup_free_ char *dir = xstrdup(op->dst);
	char *slash = strrchr(dir, '/');
	const char *name = op->dst + (slash - dir) + 1;
	*slash = '\0';
	_cleanup_close_ int fd = -1;
	if (safe_path_open_strict(root_fd, *dir ? dir : "/", SP_MKDIR, &fd, err) < 0)
		return -1;
	_cleanup_close_ int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (symlinkat(op->src, dfd, name) < 0 && errno != EEXIST))
		return clan_error(err, errno, "cannot create symlink %s", op->dst);
	return 0;
}

static int execute_op(int root_fd, const struct mount_op *op, struct clan_err *err)
{
	switch (op->kind) {
	case MOP_PROC:
		return do_fs(root_fd, op, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
	case MOP_SYS:
		return do_sys(root_fd, op, err);
	case MOP_TMPFS:
		return do_fs(root_fd, op, "tmpfs", op->flags | (op->ro ? MS_RDONLY : 0), err);
	case MOP_DEVPTS:
		return do_fs(root_fd, op, "devpts", MS_NOSUID | MS_NOEXEC, err);
	case MOP_BIND:
		return do_bind(root_fd, op, err);
	case MOP_SYMLINK:
		return do_symlink(root_fd, op, err);
	case MOP_MASK:
		return do_mask(root_fd, op, err);
	case MOP_RO:
		return do_ro(root_fd, op, err);
	}
	return clan_error(err, EINVAL, "unknown mount operation");
}

int mounts_write_etc(const char *dir, const char *const *texts, struct clan_err *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return clan_error(err, errno, "cannot create %s", dir);
	for (size_t i = 0; i < ETC_FILES; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, mount_plan_etc_files[i]);
		if (write_file(path, texts[i], strlen(texts[i]), err) < 0)
			return -1;
	}
	return 0;
}

int mounts_execute(int root_fd, const struct mount_plan *plan, const struct mount_fds *fds,
		   struct clan_err *err)
{
	for (size_t i = 0; i < plan->n; i++) {
		if (clan_debug_on()) {
			char line[512];
			mount_op_describe(&plan->ops[i], line, sizeof line);
			clan_debug("mount %s", line);
		}
		int mfd = fds && fds->fd ? fds->fd[i] : -1;
		int rc = mfd >= 0 ? do_bind_idmapped(root_fd, &plan->ops[i], mfd,
						     fds->fresh && fds->fresh[i], err)
				  : execute_op(root_fd, &plan->ops[i], err);
		if (mfd >= 0)
			close(mfd);
		if (rc < 0)
			return -1;
	}
	return 0;
}
