/* The container's first process, from clone to the new root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <grp.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ns/caps.h"
#include "base/debug.h"
#include "base/fdio.h"
#include "container/child.h"
#include "netns/loopback.h"
#include "fs/mounts.h"
#include "fs/overlay.h"
#include "fs/rootfs.h"
#include "base/safe_path.h"
#include "base/sync.h"
#include "base/util.h"

/* Whatever clan's caller left open (and clan's own signalfd) has no
 * business in the container, not even in an --init pid 1 that never
 * execs: keep 0-2 and the sync socket only. */
static void close_inherited_fds(struct child_ctx *c)
{
	if (close_fds_except(c->sync_fd) < 0) {
		struct clan_err err;
		clan_error(&err, errno, "cannot close the fds clan inherited");
		child_die_err(c->sync_fd, &err);
	}
}

/* Until SYNC_GO, the parent may send idmapped mounts (container_idmap.c). */
static void wait_for_maps(struct child_ctx *c)
{
	size_t n = c->plan->n;
	c->rootfs_fd = -1;
	c->mount_fds = xcalloc(n + 1, sizeof *c->mount_fds);
	c->new_volume = xcalloc(n + 1, sizeof *c->new_volume);
	for (size_t i = 0; i < n; i++)
		c->mount_fds[i] = -1;
	for (;;) {
		struct sync_msg m;
		int r = sync_recv(c->sync_fd, &m);
		if (r <= 0 || (m.tag != SYNC_GO && (m.tag != SYNC_MOUNT || m.fd < 0)))
			_exit(CLAN_EXIT_SETUP); /* the parent is gone or failed; it reports */
		if (m.tag == SYNC_GO)
			return;
		size_t i = (size_t)(m.code & ~SYNC_MOUNT_NEW);
		if (m.code == SYNC_MOUNT_ROOTFS)
			c->rootfs_fd = m.fd;
		else if (m.code >= 0 && i < n)
			c->mount_fds[i] = m.fd, c->new_volume[i] = (m.code & SYNC_MOUNT_NEW) != 0;
		else
			_exit(CLAN_EXIT_SETUP);
	}
}

/* With an id range, this process is still host root's kuid (unmapped in
 * its namespace) until here, which let it reach root's storage; from now
 * on it is the container's root, so that what it creates through the
 * idmapped mounts gets an owner (host root's files read as its own). */
static void become_container_root(struct child_ctx *c)
{
	/* 0 with a range; the one id of --userns single */
	uid_t u = c->userns->uid.r[0].inside;
	gid_t g = c->userns->gid.r[0].inside;
	if (setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot become the container's root");
}

/* The idmapped root goes on /tmp of this (private) mount namespace, not on
 * cdir/merged: in a stack this process is already the container's root,
 * which cannot traverse root's storage. The pivot takes it from there. */
#define IDMAPPED_ROOT "/tmp"

static int mount_overlay(struct child_ctx *c, enum overlay_kind want, struct clan_err *err)
{
	enum overlay_kind used;
	struct overlay_request req = {.want = want,
				      .lowers = &c->img->lowers,
				      .is_host = c->img->is_host,
				      .cdir = c->cdir,
				      .ephemeral = c->spec->rm};
	return overlay_mount(&req, &used, err);
}

static void unmount_scratch(struct child_ctx *c)
{
	if (umount2(c->cdir, MNT_DETACH) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot unmount the tmpfs on %s",
			  c->cdir);
}

/* A tmpfs over cdir, in this mount namespace only: upper, work, merged
 * and the /etc files are made on it. Kernel overlayfs only (fuse's
 * daemon and a copy would keep it, or fill memory with the image), and
 * only where the tmpfs takes the user xattrs overlayfs marks its
 * whiteouts and opaque dirs with. */
static bool mount_scratch(struct child_ctx *c)
{
	if (!c->spec->rm_layer_size || c->idmapped || c->img->is_host ||
	    (c->spec->overlay != OVERLAY_AUTO && c->spec->overlay != OVERLAY_KERNEL))
		return false;
	_cleanup_free_ char *opts = xasprintf("mode=0700,size=%s", c->spec->rm_layer_size);
	if (mount("tmpfs", c->cdir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
		clan_debug("--rm's layer on disk: tmpfs: %s", strerror(errno));
		return false;
	}
	if (setxattr(c->cdir, "user.clan.probe", "", 0, 0) == 0)
		return true;
	clan_debug("--rm's layer on disk: this kernel's tmpfs has no user xattrs (%s)",
		   strerror(errno));
	unmount_scratch(c);
	return false;
}

/* else the parent did, before the idmapped copies */
static void write_etc(struct child_ctx *c)
{
	struct clan_err err;
	if (!c->idmapped && mounts_write_etc(c->etc_dir, c->etc_texts, &err) < 0)
		child_die_err(c->sync_fd, &err);
}

static void mount_root(struct child_ctx *c)
{
	struct clan_err err;
	if (c->rootfs_fd >= 0) {
		if (syscall(SYS_move_mount, c->rootfs_fd, "", AT_FDCWD, IDMAPPED_ROOT,
			    MOVE_MOUNT_F_EMPTY_PATH) < 0)
			child_die(c->sync_fd, CLAN_EXIT_SETUP, errno,
				  "cannot mount the root filesystem");
		close(c->rootfs_fd);
		return;
	}
	if (mount_scratch(c)) {
		write_etc(c);
		if (mount_overlay(c, OVERLAY_KERNEL, &err) == 0)
			return;
		clan_debug("--rm's layer on disk: overlay on a tmpfs: %s", err.msg);
		unmount_scratch(c);
	}
	write_etc(c);
	if (mount_overlay(c, c->spec->overlay, &err) < 0)
		child_die_err(c->sync_fd, &err);
}

/* The command must find its network up: slirp4netns is started by the
 * parent while this process builds the root. */
static void wait_for_network(struct child_ctx *c)
{
	struct sync_msg m;
	int r = sync_recv(c->sync_fd, &m);
	if (r <= 0 || m.tag != SYNC_NET)
		_exit(CLAN_EXIT_SETUP); /* the parent failed; it reports */
}

/* --read-only: the root mount alone, once everything is mounted on it
 * (volumes, tmpfs, /dev, /proc keep their own flags, as in docker). The
 * working directory is made first, as docker makes it at create. */
static void make_root_readonly(struct child_ctx *c, int root_fd)
{
	struct clan_err err;
	_cleanup_close_ int wd = -1;
	if (safe_path_open(root_fd, c->workdir, SP_MKDIR, &wd, &err) < 0 ||
	    mount_make_readonly(root_fd, "the root filesystem", &err) < 0)
		child_die_err(c->sync_fd, &err);
}

static void build_root(struct child_ctx *c)
{
	struct clan_err err;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot make mounts private");
	_cleanup_free_ char *merged =
	    c->rootfs_fd >= 0 ? xstrdup(IDMAPPED_ROOT) : xasprintf("%s/merged", c->cdir);
	mount_root(c);
	_cleanup_close_ int root_fd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot open %s", merged);
	char root[64];
	fd_path(root_fd, root, sizeof root);
	if (c->idmapped)
		become_container_root(c);
	struct mount_fds fds = {.fd = c->mount_fds, .fresh = c->new_volume};
	if (mounts_execute(root_fd, c->plan, &fds, &err) < 0)
		child_die(c->sync_fd,
			  err.code == CLAN_EXIT_USAGE ? CLAN_EXIT_USAGE : CLAN_EXIT_SETUP, 0, "%s",
			  err.msg);
	if (c->spec->read_only)
		make_root_readonly(c, root_fd);
	/* by the fd: the container's root may not traverse the way to it */
	if (rootfs_pivot(c->idmapped ? root : merged, &err) < 0)
		child_die_err(c->sync_fd, &err);
}

noreturn void child_main(struct child_ctx *c)
{
	struct clan_err err;

	/* If clan is killed (even with SIGKILL) the container must not
	 * outlive it: pid 1 dies, and the kernel kills the rest of the pid
	 * namespace. An exit before this point is seen on the sync socket. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot tie the container to clan");
	/* a stack's service writes into the supervisor's log pipes */
	if ((c->spec->out_fd >= 0 && dup2(c->spec->out_fd, STDOUT_FILENO) < 0) ||
	    (c->spec->err_fd >= 0 && dup2(c->spec->err_fd, STDERR_FILENO) < 0))
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot attach the service's output");
	close_inherited_fds(c);
	wait_for_maps(c);
	/* Host supplementary groups are unmapped noise inside; drop them where
	 * the kernel lets us (a user's single mode has setgroups denied; root's
	 * single mode, one id of its range, does not, and must drop them). */
	if (setgroups(0, NULL) < 0 && (c->userns->mode != USERNS_SINGLE || errno != EPERM))
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot drop supplementary groups");
	/* Our own session: a Ctrl-C on the terminal reaches clan, which
	 * forwards it once, rather than every process in the container. */
	if (setsid() < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot start a session");
	if ((c->spec->net == NET_NONE || c->spec->net == NET_SLIRP) &&
	    netns_allow_low_ports(&err) < 0)
		child_die_err(c->sync_fd, &err);
	build_root(c);
	if (sethostname(c->hostname, strlen(c->hostname)) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot set the hostname");
	if ((c->spec->net == NET_NONE || c->spec->net == NET_SLIRP) && loopback_up(&err) < 0)
		child_die_err(c->sync_fd, &err);
	if (c->spec->net == NET_SLIRP)
		wait_for_network(c);
	/* From here a process of the container can exist beside this one (the
	 * command under --init, anything `clan exec` starts) with our uid; a
	 * dumpable process could be ptraced by it, or its /proc/PID/{environ,
	 * mem,fd,exe} read: clan's memory and the host's clan binary. Not
	 * sooner: the maps and slirp4netns need our /proc files until now.
	 * execve makes the command dumpable again; --init never execs, so its
	 * namespaces are then joined through its child (proc_ns_open). */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno,
			  "cannot hide the container's init from it");
	if (c->spec->init)
		init_main(c);
	command_main(c);
}
