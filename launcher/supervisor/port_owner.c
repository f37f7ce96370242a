/* Who listens on a published port: see port_owner.h. */
#define _GNU_SOURCE
#include "supervisor/port_owner.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

#define LISTEN_MAX 16 /* sockets on one port: SO_REUSEPORT, v4 and v6 */
#define TCP_LISTEN 0x0A

bool port_line_listens(const char *line, uint16_t port, unsigned long *inode)
{
	unsigned lport, st;
	unsigned long ino;
	/* "sl: local:port remote:port st tx:rx tr:when retr uid timeout inode" */
	if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*s %*s %*s %*s %*s %lu",
		   &lport, &st, &ino) != 3)
		return false;
	if (st != TCP_LISTEN || lport != port || ino == 0)
		return false;
	*inode = ino;
	return true;
}

/* The inodes of the sockets listening on port in pid's network namespace;
 * -1 when neither table could be read. */
static int listeners(pid_t pid, uint16_t port, unsigned long *inodes, size_t max)
{
	static const char *const tables[] = {"tcp", "tcp6"};
	int n = 0, read_any = 0;
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, tables[t]);
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		if (!f)
			continue;
		read_any = 1;
		char line[512];
		while (fgets(line, sizeof line, f))
			if ((size_t)n < max && port_line_listens(line, port, &inodes[n]))
				n++;
	}
	return read_any ? n : -1;
}

/* Whether process p holds one of the sockets: 1 yes, 0 no, -1 its fds
 * cannot be read (it is gone, or not ours to look at). */
static int holds_socket(const char *p, const unsigned long *inodes, int n)
{
	char path[300];
	snprintf(path, sizeof path, "/proc/%s/fd", p);
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		char target[64];
		ssize_t len = readlinkat(dirfd(d), e->d_name, target, sizeof target - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		unsigned long ino;
		if (sscanf(target, "socket:[%lu]", &ino) != 1)
			continue;
		for (int i = 0; i < n; i++)
			if (inodes[i] == ino)
				return 1;
	}
	return 0;
}

bool port_listened(pid_t pid, uint16_t port)
{
	unsigned long inodes[LISTEN_MAX];
	return listeners(pid, port, inodes, LISTEN_MAX) != 0;
}

enum port_owner port_owner(pid_t pid, uint16_t port)
{
	unsigned long inodes[LISTEN_MAX];
	int n = listeners(pid, port, inodes, LISTEN_MAX);
	if (n <= 0)
		return n < 0 ? PORT_UNKNOWN : PORT_NONE;
	char path[300];
	struct stat ns;
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	if (stat(path, &ns) < 0)
		return PORT_UNKNOWN;
	_cleanup_closedir_ DIR *proc = opendir("/proc");
	if (!proc)
		return PORT_UNKNOWN;
	struct dirent *e;
	bool blind = false; /* a process of the service we could not look into */
	while ((e = readdir(proc))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		struct stat other;
		snprintf(path, sizeof path, "/proc/%s/ns/pid", e->d_name);
		/* a process of the service: in its pid namespace (it has its
		 * own; `clan exec` and health checks join it) */
		if (stat(path, &other) < 0 || other.st_ino != ns.st_ino ||
		    other.st_dev != ns.st_dev)
			continue;
		int held = holds_socket(e->d_name, inodes, n);
		if (held > 0)
			return PORT_OWN;
		blind |= held < 0;
	}
	return blind ? PORT_UNKNOWN : PORT_OTHER;
}
