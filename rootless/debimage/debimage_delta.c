/* deb: images as two layers: the suite's base (mmdebstrap's apt variant,
 * built once, shared) and, on top, what `apt-get install PACKAGES` adds to
 * it, run in a chroot of a kernel overlay whose upper dir becomes the
 * image's second layer. An image of the example's two services so costs
 * one base build and two small installs that can run side by side, where
 * mmdebstrap would unpack and configure the whole base twice.
 *
 * Runs in the build's child (debimage_build.c): root of its user, mount
 * and pid namespaces, pivoted into the private root of debimage_root.c,
 * which binds the base layer read-only. The overlay's upper dir is in the
 * store's own format (whiteouts are 0:0 character devices, opaque dirs
 * have user.overlay.opaque), so it is committed as it is. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "debimage/debimage_int.h"
#include "fs/mounts.h"
#include "fs/overlay.h"
#include "base/util.h"

/* mmdebstrap's own trick for a chroot: no maintainer script starts a
 * daemon (invoke-rc.d asks this first). */
#define POLICY_RC_D "#!/bin/sh\nexit 101\n"

/* The install itself, in the chroot: apt's lists are brought up to date
 * (the cache's, else fetched: the base keeps none), recommends stay out as in mmdebstrap's builds
 * (the base's 00mmdebstrap says so), and dpkg skips its fsyncs: a build that does not finish is
 * thrown away whole. */
#define INSTALL_SCRIPT                                                                     \
	"set -e; apt-get update; "                                                         \
	"apt-get install -y --no-install-recommends -o DPkg::Options::=--force-unsafe-io " \
	"-o Dpkg::Use-Pty=0 \"$@\""

/* A new file of mode at path, replacing whatever is there, without
 * following a symlink the base may have put in its place. */
static int put_file(const char *path, const char *text, mode_t mode, struct clan_err *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return clan_error(err, errno, "cannot replace %s", path);
	_cleanup_close_ int fd =
	    open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return clan_error(err, errno, "cannot create %s", path);
	if (!write_all(fd, text, strlen(text)) || fchmod(fd, mode) < 0)
		return clan_error(err, errno, "cannot write %s", path);
	return 0;
}

static int bind_at(const char *src, const char *dst, bool ro, struct clan_err *err)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return clan_error(err, errno, "cannot bind %s on %s", src, dst);
	return ro ? mount_restrict(dst, true, true, err) : 0;
}

/* The chroot's /dev: a tmpfs (nothing of it reaches the upper dir) with
 * the host's six nodes bound in and a private devpts, as the base build's
 * extract hook makes them. */
static int make_dev(const char *merged, struct clan_err *err)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	_cleanup_free_ char *dev = xasprintf("%s/dev", merged);
	if (mkdir_p(dev, 0755, err) < 0)
		return -1;
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID, "mode=0755") < 0)
		return clan_error(err, errno, "cannot mount the build's /dev");
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		_cleanup_free_ char *host = xasprintf("/dev/%s", nodes[i]);
		_cleanup_free_ char *path = xasprintf("%s/%s", dev, nodes[i]);
		if (put_file(path, "", 0644, err) < 0 || bind_at(host, path, false, err) < 0)
			return -1;
	}
	_cleanup_free_ char *pts = xasprintf("%s/pts", dev);
	_cleanup_free_ char *shm = xasprintf("%s/shm", dev);
	_cleanup_free_ char *ptmx = xasprintf("%s/ptmx", dev);
	if (mkdir(pts, 0755) < 0 || mkdir(shm, 01777) < 0)
		return clan_error(err, errno, "cannot create the build's /dev");
	/* no gid=5: single mode maps no tty group */
	if (mount("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		return clan_error(err, errno, "cannot mount the build's /dev/pts");
	if (symlink("pts/ptmx", ptmx) < 0)
		return clan_error(err, errno, "cannot create %s", ptmx);
	return 0;
}

/* What apt and maintainer scripts need in the chroot; apt's lists, its
 * caches and downloads go to the work dir and /tmp is a tmpfs, so none of
 * them reaches the layer. */
static int setup_chroot(const char *merged, const char *work, struct clan_err *err)
{
	_cleanup_free_ char *proc = xasprintf("%s/proc", merged);
	_cleanup_free_ char *sys = xasprintf("%s/sys", merged);
	_cleanup_free_ char *apt_cache = xasprintf("%s/var/cache/apt", merged);
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", merged);
	_cleanup_free_ char *lists = xasprintf("%s/var/lib/apt/lists", merged);
	_cleanup_free_ char *work_cache = xasprintf("%s/apt", work);
	_cleanup_free_ char *work_lists = xasprintf("%s/lists", work);
	_cleanup_free_ char *resolv = xasprintf("%s/etc/resolv.conf", merged);
	_cleanup_free_ char *policy = xasprintf("%s/usr/sbin/policy-rc.d", merged);
	_cleanup_free_ char *host_resolv = NULL;
	const char *dirs[] = {proc, sys, apt_cache, lists, tmp};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdir_p(dirs[i], 0755, err) < 0)
			return -1;
	if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return clan_error(err, errno, "cannot mount the build's /proc");
	if (mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return clan_error(err, errno, "cannot mount the build's /tmp");
	if (bind_at("/sys", sys, true, err) < 0 || make_dev(merged, err) < 0 ||
	    bind_at(work_cache, apt_cache, false, err) < 0 ||
	    bind_at(work_lists, lists, false, err) < 0)
		return -1;
	/* apt resolves the mirror's name; an empty file when the host has none */
	if (read_file("/etc/resolv.conf", 1 << 16, &host_resolv, err) < 0)
		host_resolv = xstrdup("");
	return put_file(resolv, host_resolv, 0644, err) < 0 ||
		       put_file(policy, POLICY_RC_D, 0755, err) < 0
		   ? -1
		   : 0;
}

/* Runs the install in the chroot, its output on log_fd (or stderr with
 * --debug: log_fd < 0); returns its wait status. */
static int run_install(const char *merged, const struct strv *packages, const struct strv *env,
		       int log_fd, const sigset_t *oldmask)
{
	pid_t pid = fork();
	if (pid < 0)
		return 126 << 8;
	if (pid == 0) {
		if (chroot(merged) < 0 || chdir("/") < 0)
			_exit(126);
		debimage_exec_stdio(log_fd, oldmask);
		struct strv argv = {0};
		strv_push(&argv, "/bin/sh");
		strv_push(&argv, "-c");
		strv_push(&argv, INSTALL_SCRIPT);
		strv_push(&argv, "sh");
		strv_extend(&argv, packages);
		execve(argv.v[0], argv.v, env->v);
		dprintf(STDERR_FILENO, "E: cannot run /bin/sh in the base: %s\n", strerror(errno));
		_exit(127);
	}
	return debimage_reap_until(pid);
}

/* Takes back from the layer what only the build needed. */
static int clean_upper(const char *merged, struct clan_err *err)
{
	static const char *const drop[] = {"etc/resolv.conf", "usr/sbin/policy-rc.d", NULL};
	if (debimage_unmount_and_drop(merged, drop, err) < 0)
		return -1;
	if (umount2(merged, MNT_DETACH) < 0)
		return clan_error(err, errno, "cannot unmount %s", merged);
	return 0;
}

int debimage_delta_run(const struct debimage_delta *d, struct clan_err *err)
{
	struct strv lowers = {0};
	strv_push(&lowers, d->base);
	struct overlay_request req = {.want = OVERLAY_KERNEL, .lowers = &lowers, .cdir = d->target};
	enum overlay_kind used;
	struct clan_err e;
	int rc = overlay_mount(&req, &used, &e);
	strv_free(&lowers);
	/* fuse-overlayfs's upper dir is not in the store's format: the
	 * caller builds the image whole instead */
	if (rc < 0)
		return DEBIMAGE_NO_OVERLAY;
	_cleanup_free_ char *merged = xasprintf("%s/merged", d->target);
	if (setup_chroot(merged, d->work, err) < 0)
		return -1;
	int status = run_install(merged, d->packages, d->env, d->log_fd, d->oldmask);
	if (WIFSIGNALED(status))
		return clan_error(err, 0, "apt-get was killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return clan_error(err, 0, "apt-get exited with status %d", WEXITSTATUS(status));
	return clean_upper(merged, err);
}
