/* deb: images: the private root mmdebstrap runs in. Maintainer scripts
 * run as root of the build's user namespace, which is the user on the
 * host: in the host's tree they could write to $HOME, the rest of clan's
 * storage, anything the user can. So the build pivots into a tmpfs that
 * holds only what mmdebstrap needs: the host's programs and config read
 * only, its target and work dirs read-write at their own paths, a private
 * /tmp, a few /dev nodes and a fresh /proc. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debimage/debimage_int.h"
#include "fs/mounts.h"
#include "fs/rootfs.h"
#include "base/util.h"

static void plan_add(struct deb_root_plan *p, enum deb_root_kind kind, const char *src,
		     const char *dst)
{
	p->ops = xrealloc(p->ops, (p->n + 1) * sizeof *p->ops);
	p->ops[p->n++] = (struct deb_root_op){
	    .kind = kind, .src = src ? xstrdup(src) : NULL, .dst = xstrdup(dst)};
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The host's top-level dirs of programs and libraries: bound read-only,
 * or, on a merged-/usr system, the same symlinks into /usr. */
static void plan_system_dirs(struct deb_root_plan *p)
{
	static const char *const dirs[] = {"/usr", "/etc",   "/bin",   "/sbin",
					   "/lib", "/lib32", "/lib64", "/libx32"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		struct stat st;
		char link[PATH_MAX];
		if (lstat(dirs[i], &st) < 0)
			continue;
		ssize_t n = S_ISLNK(st.st_mode) ? readlink(dirs[i], link, sizeof link - 1) : -1;
		if (n > 0) {
			link[n] = '\0';
			plan_add(p, DEB_ROOT_SYMLINK, link, dirs[i]);
		} else if (S_ISDIR(st.st_mode)) {
			plan_add(p, DEB_ROOT_BIND_RO, dirs[i], dirs[i]);
		}
	}
}

/* A local mirror ("deb file:/srv/debian bookworm main", or copy:) is read
 * from the host's tree: its dir comes along, read-only. */
static void plan_local_mirrors(struct deb_root_plan *p, const struct strv *lines)
{
	static const char *const schemes[] = {"file:", "copy:"};
	for (size_t i = 0; lines && i < lines->n; i++) {
		const char *uri = strchr(lines->v[i], ' ');
		if (!uri)
			continue;
		uri++;
		for (size_t k = 0; k < ARRAY_SIZE(schemes); k++) {
			size_t n = strlen(schemes[k]);
			if (strncmp(uri, schemes[k], n) != 0)
				continue;
			const char *path = uri + n;
			while (path[0] == '/' && path[1] == '/')
				path++; /* file:///srv/debian */
			_cleanup_free_ char *dir = xstrndup(path, strcspn(path, " "));
			struct stat st;
			if (dir[0] == '/' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
				plan_add(p, DEB_ROOT_BIND_RO, dir, dir);
		}
	}
}

void debimage_root_plan(const char *target, const char *work, const char *mmdebstrap,
			const struct strv *mirrors, struct deb_root_plan *p)
{
	static const char *const devs[] = {"null", "zero", "full", "random", "urandom", "tty"};
	*p = (struct deb_root_plan){0};
	plan_system_dirs(p);
	/* mmdebstrap binds /sys into the chroot when it cannot mount sysfs */
	plan_add(p, DEB_ROOT_BIND_RO, "/sys", "/sys");
	plan_add(p, DEB_ROOT_PROC, NULL, "/proc");
	plan_add(p, DEB_ROOT_TMPFS, NULL, "/tmp");
	plan_add(p, DEB_ROOT_DIR, NULL, "/dev");
	/* the nodes its extract hook binds into the chroot (debimage_build.c) */
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		_cleanup_free_ char *dev = xasprintf("/dev/%s", devs[i]);
		plan_add(p, DEB_ROOT_DEV, dev, dev);
	}
	/* apt resolves the mirror's name: a resolv.conf that links out of /etc
	 * (to /run/systemd/resolve/...) comes along, alone */
	_cleanup_free_ char *resolv = realpath("/etc/resolv.conf", NULL);
	if (resolv && !is_under(resolv, "/etc") && !is_under(resolv, "/usr"))
		plan_add(p, DEB_ROOT_BIND_RO, resolv, resolv);
	/* a mmdebstrap of the user's own (in ~/bin): that one file */
	if (!is_under(mmdebstrap, "/usr") && !is_under(mmdebstrap, "/bin") &&
	    !is_under(mmdebstrap, "/sbin"))
		plan_add(p, DEB_ROOT_BIND_RO, mmdebstrap, mmdebstrap);
	plan_local_mirrors(p, mirrors);
	plan_add(p, DEB_ROOT_BIND_RW, target, target);
	plan_add(p, DEB_ROOT_BIND_RW, work, work);
}

void debimage_root_plan_bind_ro(struct deb_root_plan *p, const char *dir)
{
	plan_add(p, DEB_ROOT_BIND_RO, dir, dir);
}

void debimage_root_plan_free(struct deb_root_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->ops[i].src);
		free(p->ops[i].dst);
	}
	free(p->ops);
	*p = (struct deb_root_plan){0};
}

/* An empty file or dir at path, the mount point for src. */
static int make_mount_point(const char *src, const char *path, struct clan_err *err)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return clan_error(err, errno, "cannot find %s for the build", src);
	_cleanup_free_ char *parent = xstrdup(path);
	*strrchr(parent, '/') = '\0';
	if (parent[0] && mkdir_p(parent, 0755, err) < 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return mkdir(path, 0755) < 0 && errno != EEXIST
			   ? clan_error(err, errno, "cannot create %s", path)
			   : 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return clan_error(err, errno, "cannot create %s", path);
	close(fd);
	return 0;
}

static int do_op(const struct deb_root_op *op, const char *path, struct clan_err *err)
{
	switch (op->kind) {
	case DEB_ROOT_DIR:
		return mkdir_p(path, 0755, err);
	case DEB_ROOT_SYMLINK:
		if (symlink(op->src, path) < 0)
			return clan_error(err, errno, "cannot create the symlink %s", path);
		return 0;
	case DEB_ROOT_TMPFS:
	case DEB_ROOT_PROC:
		if (mkdir_p(path, 0755, err) < 0)
			return -1;
		if (op->kind == DEB_ROOT_TMPFS
			? mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0
			: mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return clan_error(err, errno, "cannot mount %s for the build", op->dst);
		return 0;
	case DEB_ROOT_DEV:
	case DEB_ROOT_BIND_RO:
	case DEB_ROOT_BIND_RW:
		break;
	}
	if (make_mount_point(op->src, path, err) < 0)
		return -1;
	if (mount(op->src, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return clan_error(err, errno, "cannot bind %s into the build's root", op->src);
	/* device nodes keep their mount's flags: nodev would make them useless */
	return op->kind == DEB_ROOT_BIND_RO ? mount_restrict(path, true, true, err) : 0;
}

int debimage_root_enter(const char *root, const struct deb_root_plan *p, struct clan_err *err)
{
	if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return clan_error(err, errno, "cannot mount the build's root on %s", root);
	for (size_t i = 0; i < p->n; i++) {
		_cleanup_free_ char *path = xasprintf("%s%s", root, p->ops[i].dst);
		if (do_op(&p->ops[i], path, err) < 0)
			return -1;
	}
	return rootfs_pivot(root, err);
}
