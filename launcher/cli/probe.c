#define _GNU_SOURCE
#include "cli/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"

const struct probe_sysctl probe_userns_sysctls[3] = {
    {"/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone", true,
     "sudo sysctl -w kernel.unprivileged_userns_clone=1"},
    {"/proc/sys/user/max_user_namespaces", "user.max_user_namespaces", true,
     "sudo sysctl -w user.max_user_namespaces=15000"},
    {"/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
     "kernel.apparmor_restrict_unprivileged_userns", false,
     "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an apparmor profile "
     "with 'userns,' for clan in /etc/apparmor.d)"},
};

bool probe_sysctl_blocks(const struct probe_sysctl *s, const char *text)
{
	if (!text)
		return false;
	_cleanup_free_ char *value = xstrdup(text);
	value[strcspn(value, " \t\r\n")] = '\0';
	uint32_t v;
	if (!parse_u32(value, &v))
		return false;
	return s->blocks_when_zero ? v == 0 : v != 0;
}

typedef int (*probe_child_fn)(const void *arg, struct clan_err *err);

/* Reads what the child wrote until EOF (its message, if it failed). */
static void read_child_message(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - got - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
}

/* Runs fn in a forked child so that namespace changes never touch us; the
 * child sends its error text over a pipe and exits 1. Only _exit in the
 * child: our stdio buffers and atexit handlers belong to the parent. */
static int run_in_child(probe_child_fn fn, const void *arg, struct clan_err *err)
{
	int fd;
	pid_t pid = fork_piped(&fd);
	if (pid < 0)
		return clan_error(err, errno, "cannot fork");
	if (pid == 0) {
		struct clan_err child_err = {.code = CLAN_EXIT_FAIL};
		if (fn(arg, &child_err) == 0)
			_exit(0);
		write_all(fd, child_err.msg, strlen(child_err.msg));
		_exit(1);
	}
	char msg[sizeof err->msg];
	read_child_message(fd, msg, sizeof msg);
	close(fd);

	int status;
	if (wait_child(pid, &status) < 0)
		return clan_error(err, errno, "cannot wait for the probe process");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (msg[0])
		return clan_error(err, 0, "%s", msg);
	if (WIFSIGNALED(status))
		return clan_error(err, 0, "the probe process was killed by signal %d",
				  WTERMSIG(status));
	return clan_error(err, 0, "the probe process failed without saying why");
}

static int userns_child(const void *arg, struct clan_err *err)
{
	(void)arg;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return clan_error(err, errno, "unshare(CLONE_NEWUSER|CLONE_NEWNS)");
	/* Ubuntu's AppArmor restriction can let unshare succeed and leave a
	 * namespace without capabilities; changing mount propagation needs
	 * CAP_SYS_ADMIN in it, as everything clan does next does. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return clan_error(err, errno, "mount --make-rprivate / in a new user namespace");
	return 0;
}

int probe_userns(struct clan_err *err)
{
	return run_in_child(userns_child, NULL, err);
}

struct overlay_probe {
	const char *dir; /* holds lower, upper, work, merged */
	uid_t uid;
	gid_t gid;
};

/* The single-id map an unprivileged process may write for itself: its own
 * ids only, and gid_map only after setgroups is denied (since 3.19, so a
 * process cannot drop groups that deny it access). */
static int map_own_ids(uid_t uid, gid_t gid, struct clan_err *err)
{
	char map[64];

	if (write_existing("/proc/self/setgroups", "deny", err) < 0)
		return -1;
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
	if (write_existing("/proc/self/uid_map", map, err) < 0)
		return -1;
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
	return write_existing("/proc/self/gid_map", map, err);
}

/* Mounts overlay on "merged" from lower/upper/work in the current directory
 * (relative paths keep odd characters in the caller's base dir out of the
 * option string). overlayfs logs its reason ("upper fs does not support
 * tmpfile") with printk, not into the new mount API's fs context, so
 * plain mount(2) loses nothing. */
static int mount_overlay(struct clan_err *err)
{
	/* userxattr (Linux >= 5.11) keeps overlay's metadata in user.overlay.*
	 * xattrs: trusted.* needs real root, so without it a user namespace
	 * cannot mount overlay at all. */
	if (mount("overlay", "merged", "overlay", 0,
		  "lowerdir=lower,upperdir=upper,workdir=work,userxattr") < 0)
		return clan_error(
		    err, errno,
		    "mount overlay with userxattr (the kernel logs its reason to dmesg)");
	return 0;
}

/* A mount is not enough: clan needs to write through it, and deleting a
 * lower file makes overlay create a whiteout, which is where an upper
 * filesystem without user xattrs or whiteout support fails. */
static int use_overlay(struct clan_err *err)
{
	if (write_file("merged/new", "x", 1, err) < 0)
		return clan_error_wrap(err, "overlay mounted, but writing through it failed");
	if (unlink("merged/old") < 0)
		return clan_error(err, errno, "overlay mounted, but deleting a lower file failed");
	return 0;
}

static int overlay_child(const void *arg, struct clan_err *err)
{
	const struct overlay_probe *p = arg;

	if (chdir(p->dir) < 0)
		return clan_error(err, errno, "cannot enter %s", p->dir);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return clan_error(err, errno, "unshare(CLONE_NEWUSER|CLONE_NEWNS)");
	if (map_own_ids(p->uid, p->gid, err) < 0)
		return -1;
	/* Keep the probe's mount from propagating anywhere. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return clan_error(err, errno, "mount --make-rprivate / in a new user namespace");
	if (mount_overlay(err) < 0)
		return -1;
	return use_overlay(err);
}

static int make_overlay_dirs(const char *dir, struct clan_err *err)
{
	static const char *const names[] = {"lower", "upper", "work", "merged"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *sub = xasprintf("%s/%s", dir, names[i]);
		if (mkdir(sub, 0700) < 0)
			return clan_error(err, errno, "cannot create %s", sub);
	}
	_cleanup_free_ char *old = xasprintf("%s/lower/old", dir);
	return write_file(old, "x", 1, err);
}

int probe_overlay_userns(const char *base, struct clan_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/.clan-probe-XXXXXX", base);
	if (!mkdtemp(dir))
		return clan_error(err, errno, "cannot create a probe directory in %s", base);

	int r = make_overlay_dirs(dir, err);
	if (r == 0) {
		/* The map names our effective ids: the only ones an unprivileged
		 * process may map without newuidmap. */
		struct overlay_probe p = {.dir = dir, .uid = geteuid(), .gid = getegid()};
		r = run_in_child(overlay_child, &p, err);
	}
	struct clan_err rm_err = {.code = CLAN_EXIT_FAIL};
	if (remove_tree(dir, &rm_err) < 0 && r == 0) {
		*err = rm_err;
		r = -1;
	}
	return r;
}

int probe_device(const char *path, int *errno_out, struct clan_err *err)
{
	/* O_NONBLOCK: a path that turns out to be a fifo must not hang us. */
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (errno_out)
			*errno_out = e;
		return clan_error(err, 0, "cannot open %s (%s)", path, strerror(e));
	}
	if (errno_out)
		*errno_out = 0;
	close(fd);
	return 0;
}

uint32_t probe_free_subid_start(const char *text)
{
	/* shadow's useradd starts subordinate ids at SUB_UID_MIN = 100000. */
	uint64_t next = 100000;
	_cleanup_free_ char *copy = xstrdup(text ? text : "");
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *first = strchr(line, ':');
		char *second = first ? strchr(first + 1, ':') : NULL;
		if (line[0] == '#' || !second)
			continue;
		*first = *second = '\0';
		second[1 + strcspn(second + 1, " \t\r")] = '\0';
		uint32_t start, count;
		if (parse_u32(first + 1, &start) && parse_u32(second + 1, &count) &&
		    (uint64_t)start + count > next)
			next = (uint64_t)start + count;
	}
	/* No room left above the existing ranges: leave the choice to the
	 * admin's default rather than wrap around. */
	return next + 65536 > UINT32_MAX ? 100000 : (uint32_t)next;
}
