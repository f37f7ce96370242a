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

#include "base/util.h"

/* f*xattr on fd; an O_PATH fd has none (EBADF): then through its magic
 * link, where /proc is (not in a build's copy jail, whose fds are real). */
static ssize_t get_x(int fd, void *v, size_t len)
{
	ssize_t n = fgetxattr(fd, CHOWN_RECORD_XATTR, v, len);
	if (n >= 0 || errno != EBADF)
		return n;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return getxattr(path, CHOWN_RECORD_XATTR, v, len);
}

static int set_x(int fd, const char *v, size_t len)
{
	int r =
	    v ? fsetxattr(fd, CHOWN_RECORD_XATTR, v, len, 0) : fremovexattr(fd, CHOWN_RECORD_XATTR);
	if (r == 0 || errno != EBADF)
		return r;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return v ? setxattr(path, CHOWN_RECORD_XATTR, v, len, 0)
		 : removexattr(path, CHOWN_RECORD_XATTR);
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
	if (uid == 0 && gid == 0)
		return set_x(fd, NULL, 0) < 0 && errno != ENODATA ? -1 : 0;
	char v[32];
	int n = snprintf(v, sizeof v, "%" PRIu32 ":%" PRIu32, uid, gid);
	return set_x(fd, v, (size_t)n);
}

/* The NUL-terminated string at addr in pid's memory, read page by page
 * (the page after it may be unmapped). */
static bool read_string(pid_t pid, uint64_t addr, char *buf, size_t len)
{
	char mem[64];
	snprintf(mem, sizeof mem, "/proc/%d/mem", (int)pid);
	_cleanup_close_ int fd = open(mem, O_RDONLY | O_CLOEXEC);
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

static int open_in(int dirfd, const char *path, bool nofollow, uint64_t resolve)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
			       .resolve = resolve | RESOLVE_NO_MAGICLINKS};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* The file a call names, opened O_PATH from outside: an absolute path
 * inside the caller's root, a relative one below its dir (a ".." or link
 * that climbs out of that dir is not followed: then nothing is
 * recorded), an fd as the caller holds it. */
static int target_of(pid_t pid, int dirfd, const char *path, bool nofollow)
{
	char proc[64];
	if (!path || !*path) {
		snprintf(proc, sizeof proc, "/proc/%d/fd/%d", (int)pid, dirfd);
		return open(proc, O_PATH | O_CLOEXEC);
	}
	if (path[0] == '/')
		snprintf(proc, sizeof proc, "/proc/%d/root", (int)pid);
	else if (dirfd == AT_FDCWD)
		snprintf(proc, sizeof proc, "/proc/%d/cwd", (int)pid);
	else
		snprintf(proc, sizeof proc, "/proc/%d/fd/%d", (int)pid, dirfd);
	_cleanup_close_ int base = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return -1;
	return open_in(base, path, nofollow, path[0] == '/' ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
}

/* The call's target and ids; false for a call this does not record (a
 * 32-bit one, or the family as another arch numbers it). */
struct chown_call {
	int dirfd;
	uint64_t path; /* 0: none (fchown, AT_EMPTY_PATH) */
	uint32_t uid, gid;
	bool nofollow;
};

static bool decode(const struct seccomp_notif *req, struct chown_call *c)
{
	const __u64 *a = req->data.args;
	if (req->data.arch != seccomp_arch_native())
		return false;
	*c = (struct chown_call){.dirfd = AT_FDCWD};
	int nr = req->data.nr;
#ifdef __NR_chown
	if (nr == __NR_chown || nr == __NR_lchown) {
		*c = (struct chown_call){AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2],
					 nr == __NR_lchown};
		return true;
	}
#endif
	if (nr == __NR_fchown) {
		*c = (struct chown_call){(int)a[0], 0, (uint32_t)a[1], (uint32_t)a[2], false};
		return true;
	}
	if (nr == __NR_fchownat) {
		*c = (struct chown_call){(int)a[0], a[1], (uint32_t)a[2], (uint32_t)a[3],
					 (a[4] & AT_SYMLINK_NOFOLLOW) != 0};
		return true;
	}
	return false;
}

static void record(int listener, const struct seccomp_notif *req)
{
	struct chown_call c;
	char path[PATH_MAX];
	if (!decode(req, &c))
		return;
	if (c.path && !read_string((pid_t)req->pid, c.path, path, sizeof path))
		return;
	/* the pid is the caller's still, and the path was its own */
	if (seccomp_notify_id_valid(listener, req->id) != 0)
		return;
	int fd = target_of((pid_t)req->pid, c.dirfd, c.path ? path : NULL, c.nofollow);
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
	if (seccomp_notify_alloc(&req, &resp) < 0)
		return 0;
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
