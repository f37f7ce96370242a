/* The parent's half of a container started by root with an id range
 * (userns_needs_idmapped_mounts): root's files reach it through idmapped
 * mounts that only host root can make (idmount.h), sent to the child
 * before SYNC_GO, which moves them into place (setup.c, mounts.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/bind_source.h"
#include "container/container_int.h"
#include "ns/idmount.h"
#include "fs/mounts.h"
#include "base/util.h"

static int send_fd(struct container *c, int code, int fd, struct clan_err *err)
{
	if (sync_send(c->sync_fd, SYNC_MOUNT, code, NULL, fd) < 0)
		return clan_error(err, errno, "cannot pass a mount to the container");
	return 0;
}

static int send_rootfs(struct container *c, int ns, struct clan_err *err)
{
	const struct prepared *p = &c->p;
	static const char *const dirs[] = {"upper", "work", "merged"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", p->rec.dir, dirs[i]);
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return clan_error(err, errno, "cannot create %s", d);
	}
	struct idmount_overlay_req req = {.lowers = &p->img.lowers,
					  .cdir = p->rec.dir,
					  .userns_fd = ns,
					  .ephemeral = c->spec->rm};
	/* the mounter's fsuid only needs an id there: the first one */
	req.root_uid = p->userns.uid.r[0].outside;
	req.root_gid = p->userns.gid.r[0].outside;
	_cleanup_close_ int fd = -1;
	if (idmount_overlay(&req, &fd, err) < 0)
		return clan_error_wrap(err, "the root filesystem");
	return send_fd(c, SYNC_MOUNT_ROOTFS, fd, err);
}

static int open_bind_source(const struct mount_op *op, int *fd, struct clan_err *err)
{
	if (op->pinned)
		return bind_source_reopen(op->src, op->dev, op->ino, fd, err);
	*fd = open(op->src, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return clan_error(err, errno, "cannot open %s", op->src);
	return 0;
}

/* A new named volume is filled by the child through the idmapped copy; its
 * marker (under root's storage, which the container's root cannot write)
 * goes now: a failed fill is not tried again. */
static int new_volume_flag(const struct mount_op *op, struct clan_err *err)
{
	if (!op->populate)
		return 0;
	_cleanup_free_ char *marker = mount_populate_marker(op->src);
	if (!marker)
		return 0;
	if (unlink(marker) == 0)
		return SYNC_MOUNT_NEW;
	if (errno != ENOENT)
		return clan_error(err, errno, "cannot remove %s", marker);
	return 0;
}

/* Devices (/dev/null & co.) are bound by the child as they are. */
static int send_bind(struct container *c, size_t i, int ns, struct clan_err *err)
{
	const struct mount_op *op = &c->p.plan.ops[i];
	if (op->kind != MOP_BIND)
		return 0;
	_cleanup_close_ int src = -1, fd = -1;
	struct stat st;
	if (open_bind_source(op, &src, err) < 0)
		return -1;
	if (fstat(src, &st) < 0)
		return clan_error(err, errno, "cannot stat %s", op->src);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return 0;
	if (idmount_clone(src, "", ns, true, op->ro, &fd, err) < 0)
		return clan_error_wrap(err, "volume %s:%s (or use --userns host)", op->src,
				       op->dst);
	int flag = new_volume_flag(op, err);
	return flag < 0 ? -1 : send_fd(c, (int)i | flag, fd, err);
}

int container_send_idmapped(struct container *c, struct clan_err *err)
{
	struct prepared *p = &c->p;
	if (!userns_needs_idmapped_mounts(&p->userns))
		return 0;
	_cleanup_free_ char *path = xasprintf("/proc/%d/ns/user", (int)c->child);
	_cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return clan_error(err, errno, "cannot open %s", path);
	/* the generated /etc files are bound by inode: they must exist now,
	 * and the child does not write them again */
	if ((!p->img.is_host && send_rootfs(c, ns, err) < 0) ||
	    mounts_write_etc(p->etc_dir, (const char *const *)p->etc_texts, err) < 0)
		return -1;
	for (size_t i = 0; i < p->plan.n; i++)
		if (send_bind(c, i, ns, err) < 0)
			return -1;
	return 0;
}
