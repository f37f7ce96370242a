#define _GNU_SOURCE
#include "base/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

uint64_t parse_stat_start_time(const char *text)
{
	/* comm (field 2) may contain spaces and parens: count from the last ')' */
	const char *p = strrchr(text, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = *p ? strchr(p + 1, ' ') : NULL;
	if (!p)
		return 0;
	return strtoull(p + 1, NULL, 10);
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	struct clan_err err;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (read_file(path, 8192, &text, &err) < 0)
		return 0;
	/* a zombie has exited: nobody reaped it yet (a container's init, or
	 * a minimal pid 1, may be slow to) */
	const char *state = strrchr(text, ')');
	if (state && (state[1] == ' ') && (state[2] == 'Z' || state[2] == 'X'))
		return 0;
	return parse_stat_start_time(text);
}

pid_t parse_stat_ppid(const char *text)
{
	const char *p = strrchr(text, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return 0;
	long v = strtol(p + 4, NULL, 10);
	return v > 0 && v <= INT32_MAX ? (pid_t)v : 0;
}

static int open_ns_of(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* A child of pid whose namespace file opens, -1 with errno. */
static int open_ns_of_child(pid_t pid, const char *name)
{
	_cleanup_closedir_ DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		uint32_t n;
		if (!parse_u32(e->d_name, &n) || n == 0 || n > INT32_MAX)
			continue;
		pid_t child = (pid_t)n;
		char path[64];
		_cleanup_free_ char *text = NULL;
		struct clan_err err;
		snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
		if (read_file(path, 8192, &text, &err) < 0 || parse_stat_ppid(text) != pid)
			continue;
		int fd = open_ns_of(child, name);
		if (fd >= 0)
			return fd;
	}
	errno = EACCES;
	return -1;
}

int proc_ns_open(pid_t pid, const char *name)
{
	/* Tried again on every open, not once per container: its pid 1 turns
	 * non-dumpable while we look (a check, then an open, races it). */
	for (int tries = 0; tries < 200; tries++) {
		int fd = open_ns_of(pid, name);
		if (fd >= 0 || errno != EACCES)
			return fd;
		fd = open_ns_of_child(pid, name);
		if (fd >= 0)
			return fd;
		if (kill(pid, 0) < 0 && errno == ESRCH)
			break;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	errno = EACCES;
	return -1;
}

bool parse_status_mask(const char *text, const char *field, uint64_t *out)
{
	size_t flen = strlen(field);
	for (const char *line = text; line && *line;) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			char *end;
			*out = strtoull(line + flen + 1, &end, 16);
			return end != line + flen + 1;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

bool proc_signal_is_default(pid_t pid, int sig)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	struct clan_err err;
	uint64_t caught, ignored, blocked;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if (read_file(path, 1 << 16, &text, &err) < 0 ||
	    !parse_status_mask(text, "SigCgt", &caught) ||
	    !parse_status_mask(text, "SigIgn", &ignored) ||
	    !parse_status_mask(text, "SigBlk", &blocked))
		return false;
	uint64_t bit = 1ULL << (sig - 1);
	if ((caught | ignored | blocked) & bit)
		return false;
	/* sigwait() and friends unblock the signals they wait for while they
	 * sleep (SigBlk reads 0 then), yet they do take them */
	_cleanup_free_ char *wchan = NULL;
	snprintf(path, sizeof path, "/proc/%d/wchan", pid);
	return read_file(path, 256, &wchan, &err) < 0 || strstr(wchan, "sigtimedwait") == NULL;
}
