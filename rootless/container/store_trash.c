/* Removing a container without making its user wait for the disk. On a
 * disk mounted with online discard every freed block costs milliseconds
 * (about 3 ms per rmdir on this machine kind's ext4), and a container's
 * dir frees a dozen: that was most of `clan run --rm`'s time. The record
 * leaves containers/ at once, renamed into the storage's trash/, and a
 * detached process deletes it there. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/store.h"
#include "base/util.h"

/* A removal of entry by the maps its own record names (one that was
 * killed may have left a record of another mode than rec's), else rec's. */
static void remove_entry(const struct container_rec *rec, const char *path)
{
	_cleanup_free_ char *record = xasprintf("%s/container.json", path);
	struct container_rec own;
	struct clan_err ignored;
	if (access(record, F_OK) == 0 && store_load(path, &own, &ignored) == 0) {
		store_remove_tree(&own, path, &ignored);
		container_rec_free(&own);
		return;
	}
	store_remove_tree(rec, path, &ignored);
}

/* Every entry that no cleaner holds locked: one was killed meanwhile. */
static void sweep(const char *trash, const struct container_rec *rec)
{
	DIR *d = opendir(trash);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		int fd =
		    openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			_cleanup_free_ char *path = xasprintf("%s/%s", trash, e->d_name);
			remove_entry(rec, path);
		}
		close(fd);
	}
	closedir(d);
}

/* The cleaner holds nothing of its parent's: a pipe it kept open would
 * keep `$(clan run --rm ...)` waiting for its end. */
static void detach(int lock)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0 || (lock >= 0 && dup2(lock, 3) < 0) ||
	    close_range(lock >= 0 ? 4 : 3, ~0U, 0) < 0)
		_exit(1);
	/* the user's next command comes first */
	if (setpriority(PRIO_PROCESS, 0, 10) < 0)
		_exit(1);
}

/* path (NULL: none) and then what killed cleaners left */
static void clean(const char *trash, const char *path, const struct container_rec *rec)
{
	if (path)
		remove_entry(rec, path);
	sweep(trash, rec);
}

/* Two forks: the cleaner belongs to init, not to a supervisor that would
 * have to reap it. Without a process it is done here. */
static void start_cleaner(const char *trash, const char *path, const struct container_rec *rec,
			  int lock)
{
	pid_t pid = fork();
	if (pid < 0) {
		clean(trash, path, rec);
		return;
	}
	if (pid == 0) {
		if (fork() == 0) {
			detach(lock);
			clean(trash, path, rec);
		}
		_exit(0);
	}
	int status;
	wait_child(pid, &status);
}

/* A container whose writable layer was a tmpfs of its own (setup.c) left
 * its record and seccomp filter only: their removal costs less than the
 * forks of a cleaner. */
static bool layer_on_disk(const char *dir)
{
	_cleanup_free_ char *upper = xasprintf("%s/upper", dir);
	return access(upper, F_OK) == 0 || errno != ENOENT;
}

/* A dir a killed cleaner left in trash/: what sweep would take. Anything
 * else there (sweep never follows or removes it) must not bring the
 * cleaner's forks back to every run. */
static bool has_leftovers(const char *trash)
{
	DIR *d = opendir(trash);
	if (!d)
		return false;
	bool any = false;
	for (struct dirent *e; !any && (e = readdir(d));) {
		struct stat st;
		any = e->d_name[0] != '.' &&
		      (e->d_type == DT_DIR ||
		       (e->d_type == DT_UNKNOWN &&
			fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			S_ISDIR(st.st_mode)));
	}
	closedir(d);
	return any;
}

int store_remove_detached(const char *storage, const struct container_rec *rec,
			  struct clan_err *err)
{
	/* a Slurm step's end kills every process it started: the cleaner
	 * would die with the step and leave the tree to the next one */
	if (getenv("SLURM_JOB_ID"))
		return store_remove(storage, rec, err);
	_cleanup_free_ char *trash = xasprintf("%s/trash", storage);
	if (!layer_on_disk(rec->dir)) {
		int rc = store_remove(storage, rec, err);
		/* what a killed cleaner left still goes, in the background */
		if (has_leftovers(trash))
			start_cleaner(trash, NULL, rec, -1);
		return rc;
	}
	_cleanup_free_ char *path = xasprintf("%s/%s", trash, rec->id);
	_cleanup_close_ int lock = open(rec->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* locked before the move: no other cleaner's sweep takes it */
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0 ||
	    (mkdir(trash, 0700) < 0 && errno != EEXIST) || rename(rec->dir, path) < 0)
		return store_remove(storage, rec, err);
	int rc = store_release(storage, rec, err);
	start_cleaner(trash, path, rec, lock);
	return rc;
}
