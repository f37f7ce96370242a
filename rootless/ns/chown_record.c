#define _GNU_SOURCE
#include "ns/chown_record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/safe_path.h"
#include "base/util.h"

/* f*xattr on fd; an O_PATH fd has none (EBADF): then through its magic
 * link, where /proc is (not in a build's copy jail, whose fds are real). */
static ssize_t get_x(int fd, void *v, size_t len)
{
	ssize_t n = fgetxattr(fd, CHOWN_RECORD_XATTR, v, len);
	if (n >= 0 || errno != EBADF)
		return n;
	char path[64];
	fd_path(fd, path, sizeof path);
	return getxattr(path, CHOWN_RECORD_XATTR, v, len);
}

/* v NULL: remove it. */
static int set_x(int fd, const char *v, size_t len)
{
	int r =
	    v ? fsetxattr(fd, CHOWN_RECORD_XATTR, v, len, 0) : fremovexattr(fd, CHOWN_RECORD_XATTR);
	if (r == 0 || errno != EBADF)
		return r;
	char path[64];
	fd_path(fd, path, sizeof path);
	return v ? setxattr(path, CHOWN_RECORD_XATTR, v, len, 0)
		 : removexattr(path, CHOWN_RECORD_XATTR);
}

static int chmod_fd(int fd, mode_t mode)
{
	if (fchmod(fd, mode) == 0)
		return 0;
	if (errno != EBADF)
		return -1;
	char path[64];
	fd_path(fd, path, sizeof path);
	return chmod(path, mode);
}

/* A user xattr needs write permission, which the owner of a file still
 * mode 0 (dpkg chowns before its chmod) or 0555 lacks: given for the
 * write, taken back after. */
static int set_x_owned(int fd, const struct stat *st, const char *v, size_t len)
{
	if (set_x(fd, v, len) == 0)
		return 0;
	if (errno != EACCES || (st->st_mode & S_IWUSR))
		return -1;
	if (chmod_fd(fd, (st->st_mode & 07777) | S_IWUSR) < 0)
		return -1;
	int r = set_x(fd, v, len), saved = errno;
	if (chmod_fd(fd, st->st_mode & 07777) < 0 && r == 0)
		return -1;
	errno = saved;
	return r;
}

void chown_record_get(int fd, uint32_t *uid, uint32_t *gid)
{
	char v[32];
	*uid = *gid = 0;
	ssize_t n = get_x(fd, v, sizeof v - 1);
	if (n <= 0)
		return;
	v[n] = '\0';
	if (sscanf(v, "%" SCNu32 ":%" SCNu32, uid, gid) != 2)
		*uid = *gid = 0;
}

int chown_record_set(int fd, uint32_t uid, uint32_t gid)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISLNK(st.st_mode))
		return 0;
	uint32_t cur_uid, cur_gid;
	chown_record_get(fd, &cur_uid, &cur_gid);
	uid = uid == UINT32_MAX ? cur_uid : uid;
	gid = gid == UINT32_MAX ? cur_gid : gid;
	if (uid == 0 && gid == 0) {
		if (cur_uid == 0 && cur_gid == 0)
			return 0;
		return set_x_owned(fd, &st, NULL, 0) < 0 && errno != ENODATA ? -1 : 0;
	}
	char v[32];
	int n = snprintf(v, sizeof v, "%" PRIu32 ":%" PRIu32, uid, gid);
	return set_x_owned(fd, &st, v, (size_t)n);
}

/* The NUL-terminated string at addr in the memory of the process of
 * piddir, read page by page (the page after it may be unmapped). */
static bool read_string(int piddir, uint64_t addr, char *buf, size_t len)
{
	_cleanup_close_ int fd = openat(piddir, "mem", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t got = 0;
	while (got < len) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (size_t)(at % 4096);
		if (chunk > len - got)
			chunk = len - got;
		ssize_t n = pread(fd, buf + got, chunk, (off_t)at);
		if (n <= 0)
			return false;
		if (memchr(buf + got, '\0', (size_t)n))
			return true;
		got += (size_t)n;
	}
	return false;
}

/* The call's target and ids; false for a call this does not record (a
 * 32-bit one, or the family as another arch numbers it). */
struct chown_call {
	int dirfd;
	uint64_t path; /* 0: none (fchown) */
	uint32_t uid, gid;
	bool nofollow;
	bool empty_path; /* AT_EMPTY_PATH: "" names dirfd itself */
};

static bool decode(const struct seccomp_notif *req, struct chown_call *c)
{
	const __u64 *a = req->data.args;
	if (req->data.arch != seccomp_arch_native())
		return false;
	int nr = req->data.nr;
#ifdef __NR_chown
	if (nr == __NR_chown || nr == __NR_lchown) {
		*c = (struct chown_call){AT_FDCWD,	    a[0], (uint32_t)a[1], (uint32_t)a[2],
					 nr == __NR_lchown, false};
		return true;
	}
#endif
	if (nr == __NR_fchown) {
		*c = (struct chown_call){(int)a[0], 0, (uint32_t)a[1], (uint32_t)a[2], false, true};
		return true;
	}
	if (nr == __NR_fchownat) {
		*c = (struct chown_call){(int)a[0],
					 a[1],
					 (uint32_t)a[2],
					 (uint32_t)a[3],
					 (a[4] & AT_SYMLINK_NOFOLLOW) != 0,
					 (a[4] & AT_EMPTY_PATH) != 0};
		return true;
	}
	return false;
}

/* Where the call's path starts, opened through the caller's /proc dir:
 * its root for an absolute path, its cwd or dirfd for a relative one;
 * with no path, the file dirfd (or the cwd) is. */
static int open_base(int piddir, const struct chown_call *c, const char *path)
{
	char name[32];
	if (path && path[0] == '/')
		snprintf(name, sizeof name, "root");
	else if (c->dirfd == AT_FDCWD)
		snprintf(name, sizeof name, "cwd");
	else
		snprintf(name, sizeof name, "fd/%d", c->dirfd);
	return openat(piddir, name, O_PATH | O_CLOEXEC | (path ? O_DIRECTORY : 0));
}

/* The file a path names below base: an absolute one inside the caller's
 * root, a relative one below its dir (a ".." or link that climbs out of
 * that dir is not followed: then nothing is recorded); never through a
 * /proc magic link. */
static int open_target(int base, const char *path, bool nofollow)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
			       .resolve = RESOLVE_NO_MAGICLINKS |
					  (path[0] == '/' ? RESOLVE_IN_ROOT : RESOLVE_BENEATH)};
	return (int)syscall(SYS_openat2, base, path, &how, sizeof how);
}

static void record(int listener, const struct seccomp_notif *req)
{
	struct chown_call c;
	if (!decode(req, &c))
		return;
	char dir[32], path[PATH_MAX];
	snprintf(dir, sizeof dir, "/proc/%" PRIu32, req->pid);
	_cleanup_close_ int piddir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *p = NULL;
	if (piddir < 0 || (c.path && !read_string(piddir, c.path, path, sizeof path)))
		return;
	if (c.path && *path)
		p = path;
	else if (c.path && !c.empty_path)
		return; /* "" without AT_EMPTY_PATH: ENOENT, nothing to record */
	_cleanup_close_ int base = open_base(piddir, &c, p);
	/* everything of the caller's is open: if it still waits, the pid
	 * was its all along and not a reused one */
	if (base < 0 || seccomp_notify_id_valid(listener, req->id) != 0)
		return;
	int fd = p ? open_target(base, p, c.nofollow) : dup(base);
	if (fd < 0)
		return;
	(void)chown_record_set(fd, c.uid, c.gid);
	close(fd);
}

int chown_record_serve(int listener)
{
	/* POLLHUP alone: every process under the filter has exited, and a
	 * receive would wait for ever */
	struct pollfd p = {.fd = listener, .events = POLLIN};
	if (poll(&p, 1, 0) < 0 || !(p.revents & POLLIN))
		return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) ? -1 : 0;
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	/* unanswered, the call would stay pending and the listener ready:
	 * closing it fails the pending call (ENOSYS) instead of spinning */
	if (seccomp_notify_alloc(&req, &resp) < 0)
		return -1;
	errno = 0;
	int rc = seccomp_notify_receive(listener, req);
	int saved = errno;
	if (rc == 0) {
		record(listener, req);
		/* succeed without effect, as the fake chown of clan run does */
		*resp = (struct seccomp_notif_resp){.id = req->id, .val = 0, .error = 0};
		(void)seccomp_notify_respond(listener, resp);
	}
	seccomp_notify_free(req, resp);
	/* ENOENT: the caller died waiting; the listener serves on */
	return rc == 0 || saved == ENOENT || saved == EINTR ? 0 : -1;
}
