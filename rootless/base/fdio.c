#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fdio.h"

bool pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0) {
			/* nothing written and no error: looping would spin */
			errno = ENOSPC;
			return false;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return true;
}

static int close_one(int fd)
{
	return close(fd) < 0 && errno != EINTR ? -1 : 0;
}

static int cloexec_one(int fd)
{
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Applies op to every fd >= first but keep that /proc/self/fd lists: for
 * kernels without close_range (< 5.9) or its CLOEXEC flag (< 5.11). An fd
 * gone meanwhile (EBADF) is no failure; the first other one is returned. */
static int walk_fds(int first, int keep, int (*op)(int fd))
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int self = dirfd(d), failed = 0;
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd < first || fd == keep || fd == self)
			continue;
		if (op(fd) < 0 && errno != EBADF && !failed)
			failed = errno;
	}
	closedir(d);
	errno = failed;
	return failed ? -1 : 0;
}

int close_fds_except(int keep)
{
	unsigned k = keep < 3 ? 2U : (unsigned)keep;
	/* ENOSYS before 5.9, EPERM under a seccomp profile older than it:
	 * either way the walk does the same */
	if ((k > 3 && close_range(3, k - 1, 0) < 0) || close_range(k + 1, ~0U, 0) < 0)
		return walk_fds(3, keep, close_one);
	return 0;
}

int cloexec_fds_from(int first)
{
	if (close_range((unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	return walk_fds(first, -1, cloexec_one);
}
