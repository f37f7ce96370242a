/* The container's first process, from clone to the new root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "child.h"
#include "loopback.h"
#include "mounts.h"
#include "overlay.h"
#include "rootfs.h"
#include "sync.h"
#include "util.h"

/* Whatever clan's caller left open (and clan's own signalfd) has no
 * business in the container, not even in an --init pid 1 that never
 * execs: keep 0-2 and the sync socket only. */
static void close_inherited_fds(struct child_ctx *c)
{
	unsigned fd = (unsigned)c->sync_fd;
	if ((fd > 3 && syscall(SYS_close_range, 3U, fd - 1, 0U) < 0) ||
	    syscall(SYS_close_range, fd + 1, ~0U, 0U) < 0) {
		struct clan_err err;
		if (caps_cloexec_fds_from(3, &err) < 0)
			child_die_err(c->sync_fd, &err);
	}
}

static void wait_for_maps(struct child_ctx *c)
{
	struct sync_msg m;
	int r = sync_recv(c->sync_fd, &m);
	if (r <= 0 || m.tag != SYNC_GO)
		_exit(125); /* the parent is gone or failed; it reports */
}

/* The command must find its network up: slirp4netns is started by the
 * parent while this process builds the root. */
static void wait_for_network(struct child_ctx *c)
{
	struct sync_msg m;
	int r = sync_recv(c->sync_fd, &m);
	if (r <= 0 || m.tag != SYNC_NET)
		_exit(125); /* the parent failed; it reports */
}

static void write_etc_files(struct child_ctx *c)
{
	struct clan_err err;
	if (mkdir(c->etc_dir, 0755) < 0 && errno != EEXIST)
		child_die(c->sync_fd, 125, errno, "cannot create %s", c->etc_dir);
	for (size_t i = 0; i < ETC_FILES; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", c->etc_dir, mount_plan_etc_files[i]);
		if (write_file(path, c->etc_texts[i], strlen(c->etc_texts[i]), &err) < 0)
			child_die_err(c->sync_fd, &err);
	}
}

static void build_root(struct child_ctx *c)
{
	struct clan_err err;
	enum overlay_kind used;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_die(c->sync_fd, 125, errno, "cannot make mounts private");
	write_etc_files(c);
	struct overlay_request req = {.want = c->spec->overlay,
				      .img = c->img,
				      .cdir = c->cdir,
				      .debug = c->spec->debug,
				      .ephemeral = c->spec->rm};
	if (overlay_mount(&req, &used, &err) < 0)
		child_die_err(c->sync_fd, &err);

	_cleanup_free_ char *merged = xasprintf("%s/merged", c->cdir);
	_cleanup_close_ int root_fd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		child_die(c->sync_fd, 125, errno, "cannot open %s", merged);
	if (mounts_execute(root_fd, c->plan, c->spec->debug, &err) < 0)
		child_die(c->sync_fd, err.code == CLAN_EXIT_USAGE ? CLAN_EXIT_USAGE : 125, 0, "%s",
			  err.msg);
	if (rootfs_pivot(merged, &err) < 0)
		child_die_err(c->sync_fd, &err);
}

noreturn void child_main(struct child_ctx *c)
{
	struct clan_err err;

	/* If clan is killed (even with SIGKILL) the container must not
	 * outlive it: pid 1 dies, and the kernel kills the rest of the pid
	 * namespace. An exit before this point is seen on the sync socket. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_die(c->sync_fd, 125, errno, "cannot tie the container to clan");
	/* a stack's service writes into the supervisor's log pipes */
	if ((c->spec->out_fd >= 0 && dup2(c->spec->out_fd, STDOUT_FILENO) < 0) ||
	    (c->spec->err_fd >= 0 && dup2(c->spec->err_fd, STDERR_FILENO) < 0))
		child_die(c->sync_fd, 125, errno, "cannot attach the service's output");
	close_inherited_fds(c);
	wait_for_maps(c);
	/* Host supplementary groups are unmapped noise inside; drop them where
	 * the kernel lets us (single mode has setgroups denied). */
	if (c->userns->mode != USERNS_SINGLE && setgroups(0, NULL) < 0)
		child_die(c->sync_fd, 125, errno, "cannot drop supplementary groups");
	/* Our own session: a Ctrl-C on the terminal reaches clan, which
	 * forwards it once, rather than every process in the container. */
	if (setsid() < 0)
		child_die(c->sync_fd, 125, errno, "cannot start a session");
	if ((c->spec->net == NET_NONE || c->spec->net == NET_SLIRP) &&
	    netns_allow_low_ports(&err) < 0)
		child_die_err(c->sync_fd, &err);
	build_root(c);
	if (sethostname(c->hostname, strlen(c->hostname)) < 0)
		child_die(c->sync_fd, 125, errno, "cannot set the hostname");
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
	 * namespaces are then joined through its child (proc_ns_pid). */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		child_die(c->sync_fd, 125, errno, "cannot hide the container's init from it");
	if (c->spec->init)
		init_main(c);
	command_main(c);
}
