#define _GNU_SOURCE
#include "supervisor/stack_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/paths.h"
#include "base/procfs.h"
#include "base/util.h"

uint32_t stack_dir_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

int stack_state_open(const struct stack *st, struct stack_state *out, struct clan_err *err)
{
	*out = (struct stack_state){0};
	/* a long name is cut, and its hash keeps two names that differ only
	 * at the end (a Slurm job's -jobID) apart; a short one is as before */
	if (strlen(st->name) <= 80)
		snprintf(out->id, sizeof out->id, "%s-%08" PRIx32, st->name,
			 stack_dir_hash(st->dir));
	else
		snprintf(out->id, sizeof out->id, "%.71s-%08" PRIx32 "-%08" PRIx32, st->name,
			 stack_dir_hash(st->name), stack_dir_hash(st->dir));
	_cleanup_free_ char *runtime = NULL;
	if (paths_runtime_dir_ensure(&runtime, err) < 0)
		return -1;
	_cleanup_free_ char *stacks = xasprintf("%s/stacks", runtime);
	out->dir = xasprintf("%s/%s", stacks, out->id);
	out->sock = xasprintf("%s/supervisor.sock", out->dir);
	out->pidfile = xasprintf("%s/supervisor.pid", out->dir);
	out->lockfile = xasprintf("%s/lock", out->dir);
	out->logdir = xasprintf("%s/logs", out->dir);
	if (paths_ensure_private_dir(stacks, err) < 0 ||
	    paths_ensure_private_dir(out->dir, err) < 0 ||
	    paths_ensure_private_dir(out->logdir, err) < 0) {
		stack_state_free(out);
		return -1;
	}
	return 0;
}

void stack_state_free(struct stack_state *s)
{
	free(s->dir);
	free(s->sock);
	free(s->pidfile);
	free(s->lockfile);
	free(s->logdir);
	*s = (struct stack_state){0};
}

/* The state dir and its logs dir, again after a down removed them. */
static int make_dirs(const struct stack_state *s, struct clan_err *err)
{
	if (paths_ensure_private_dir(s->dir, err) < 0 ||
	    paths_ensure_private_dir(s->logdir, err) < 0)
		return -1;
	return 0;
}

/* The lock file, made when missing (with its dir: a down removes the
 * state dir, lock included). */
static int open_lock(const struct stack_state *s, struct clan_err *err)
{
	int fd = open(s->lockfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		if (make_dirs(s, err) < 0)
			return -1;
		fd = open(s->lockfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return clan_error(err, errno, "cannot open %s", s->lockfile);
	return fd;
}

static int lock_once(const struct stack_state *s, struct clan_err *err)
{
	int fd = open_lock(s, err);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (errno != EWOULDBLOCK) {
		int e = errno;
		close(fd);
		return clan_error(err, e, "cannot lock %s", s->lockfile);
	}
	progress_say("another clan command is changing this project; waiting for it");
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return clan_error(err, e, "cannot lock %s", s->lockfile);
		}
	}
	return fd;
}

/* Whether fd is still the file at path: down removes the state dir, lock
 * included, while another command may wait on the old lock. */
static bool lock_is_current(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int stack_lock(const struct stack_state *s, struct clan_err *err)
{
	for (;;) {
		int fd = lock_once(s, err);
		if (fd < 0 || lock_is_current(fd, s->lockfile))
			return fd;
		/* a down removed the dir while we waited: make it again, lock anew */
		close(fd);
		if (make_dirs(s, err) < 0)
			return -1;
	}
}

int stack_lock_try(const struct stack_state *s, int *fd, struct clan_err *err)
{
	for (;;) {
		*fd = open_lock(s, err);
		if (*fd < 0)
			return -1;
		if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(*fd);
			*fd = -1;
			return e == EWOULDBLOCK ? 0
						: clan_error(err, e, "cannot lock %s", s->lockfile);
		}
		if (lock_is_current(*fd, s->lockfile))
			return 0;
		/* a down removed the dir between our open and flock: lock anew */
		close(*fd);
		*fd = -1;
		if (make_dirs(s, err) < 0)
			return -1;
	}
}

bool stack_supervisor_alive(const struct stack_state *s, pid_t *pid)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err ignored;
	long long p = 0;
	unsigned long long start = 0;
	if (read_file(s->pidfile, 128, &text, &ignored) < 0 ||
	    sscanf(text, "%lld %llu", &p, &start) != 2 || p <= 0 || p > INT_MAX)
		return false;
	if (kill((pid_t)p, 0) < 0 && errno == ESRCH)
		return false;
	if (proc_start_time((pid_t)p) != start)
		return false;
	if (pid)
		*pid = (pid_t)p;
	return true;
}

int stack_write_pidfile(const struct stack_state *s, struct clan_err *err)
{
	char text[64];
	snprintf(text, sizeof text, "%d %llu\n", (int)getpid(),
		 (unsigned long long)proc_start_time(getpid()));
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", s->pidfile);
	if (write_file(tmp, text, strlen(text), err) < 0)
		return -1;
	if (rename(tmp, s->pidfile) < 0)
		return clan_error(err, errno, "cannot write %s", s->pidfile);
	return 0;
}

char *stack_container_name(const struct stack_state *s, const char *project, const char *svc)
{
	const char *hash = strrchr(s->id, '-');
	return xasprintf("%s-%s-%.6s", project, svc, hash ? hash + 1 : "0");
}

char *stack_volume_name(const struct stack_state *s, const char *volume)
{
	return xasprintf("%s_%s", s->id, volume);
}

char *stack_mount_volume(const struct stack_state *s, const struct svc_mount *m)
{
	return m->volume_name ? xstrdup(m->volume_name) : stack_volume_name(s, m->volume);
}

/* Every entry of the dir at dfd but a subdir and `keep`. Never follows a
 * symlink: a link in the state dir is removed as a link. */
static void remove_entries(int dfd, const char *keep)
{
	int fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_type != DT_DIR && (!keep || strcmp(e->d_name, keep) != 0))
			unlinkat(dfd, e->d_name, 0);
	closedir(d);
}

void stack_state_remove(const struct stack_state *s)
{
	int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	int lfd = openat(dfd, "logs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd >= 0) {
		remove_entries(lfd, NULL);
		close(lfd);
		unlinkat(dfd, "logs", AT_REMOVEDIR);
	}
	/* the lock last: a command waiting on it finds it gone (stack_lock) */
	remove_entries(dfd, "lock");
	unlinkat(dfd, "lock", 0);
	close(dfd);
	/* fails, leaving it, when something unknown is still in it */
	rmdir(s->dir);
}
