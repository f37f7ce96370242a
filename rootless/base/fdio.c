#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
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

/* Linux < 5.9 has no close_range: close what /proc/self/fd lists. */
static int close_by_walk(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int self = dirfd(d), failed = 0;
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd < 3 || fd == keep || fd == self)
			continue;
		if (close(fd) < 0 && errno != EBADF && errno != EINTR && !failed)
			failed = errno;
	}
	closedir(d);
	errno = failed;
	return failed ? -1 : 0;
}

int close_fds_except(int keep)
{
	unsigned k = keep < 3 ? 2U : (unsigned)keep;
	if ((k > 3 && close_range(3, k - 1, 0) < 0) || close_range(k + 1, ~0U, 0) < 0)
		return errno == ENOSYS ? close_by_walk(keep) : -1;
	return 0;
}
