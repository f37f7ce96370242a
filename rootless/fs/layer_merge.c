#define _GNU_SOURCE
#include "fs/layer_merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/util.h"

#define MAX_DEPTH 512

bool layer_is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

static bool is_opaque(int fd)
{
	char v[4];
	ssize_t n = fgetxattr(fd, "user.overlay.opaque", v, sizeof v);
	return n == 1 && v[0] == 'y';
}

/* Owners and times as in the layer; chown to an id the namespace does not
 * map fails, and the user's own is then the right answer. */
static int copy_meta(int dstdir, const char *name, const struct stat *st)
{
	if (fchownat(dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EINVAL && errno != EPERM)
		return -1;
	if (!S_ISLNK(st->st_mode) && fchmodat(dstdir, name, st->st_mode & 07777, 0) < 0)
		return -1;
	struct timespec t[2] = {st->st_atim, st->st_mtim};
	return utimensat(dstdir, name, t, AT_SYMLINK_NOFOLLOW);
}

static int copy_file(int srcdir, int dstdir, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	if (in < 0)
		return -1;
	out = openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -1;
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n <= 0) {
			char buf[1 << 16];
			n = read(in, buf, sizeof buf);
			if (n <= 0 || !write_all(out, buf, (size_t)n))
				return -1;
		}
		left -= n;
	}
	return 0;
}

static int merge_dir(int srcfd, int dstfd, int depth);

static int merge_entry(int srcfd, int dstfd, const char *name, int depth)
{
	struct stat st, old;
	if (fstatat(srcfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	bool exists = fstatat(dstfd, name, &old, AT_SYMLINK_NOFOLLOW) == 0;
	/* a directory merges into a directory; anything else replaces */
	if (exists && !(S_ISDIR(st.st_mode) && S_ISDIR(old.st_mode)) &&
	    remove_tree_at(dstfd, name) < 0)
		return -1;
	if (layer_is_whiteout(&st))
		return 0;
	int rc = 0;
	if (S_ISDIR(st.st_mode)) {
		if (!(exists && S_ISDIR(old.st_mode)) && mkdirat(dstfd, name, 0700) < 0)
			return -1;
		_cleanup_close_ int s =
		    openat(srcfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d =
		    openat(dstfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = s < 0 || d < 0 ? -1 : merge_dir(s, d, depth + 1);
	} else if (S_ISREG(st.st_mode)) {
		rc = copy_file(srcfd, dstfd, name, &st);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(srcfd, name, target, sizeof target - 1);
		if (n < 0)
			return -1;
		target[n] = '\0';
		rc = symlinkat(target, dstfd, name);
	} else if (S_ISFIFO(st.st_mode)) {
		rc = mkfifoat(dstfd, name, 0600);
	} else {
		return 0; /* devices: the runtime provides /dev */
	}
	return rc == 0 ? copy_meta(dstfd, name, &st) : rc;
}

/* Calls fn(name) for every entry of dirfd but . and .., stopping at the
 * first failure. */
static int each_entry(int dirfd, int (*fn)(const char *name, void *arg), void *arg)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rc = fn(e->d_name, arg);
	closedir(d);
	return rc;
}

struct merge_step {
	int srcfd, dstfd, depth;
};

static int remove_in_dst(const char *name, void *arg)
{
	return remove_tree_at(((struct merge_step *)arg)->dstfd, name);
}

static int merge_one(const char *name, void *arg)
{
	struct merge_step *m = arg;
	return merge_entry(m->srcfd, m->dstfd, name, m->depth);
}

static int merge_dir(int srcfd, int dstfd, int depth)
{
	struct merge_step m = {srcfd, dstfd, depth};
	if (depth > MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	/* an opaque directory replaces, rather than merges with, what is below */
	if (is_opaque(srcfd) && each_entry(dstfd, remove_in_dst, &m) < 0)
		return -1;
	return each_entry(srcfd, merge_one, &m);
}

int layer_merge_onto(const char *layer, const char *dest, struct clan_err *err)
{
	_cleanup_close_ int s = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int d = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0 || d < 0)
		return clan_error(err, errno, "copy: cannot open %s or %s", layer, dest);
	if (merge_dir(s, d, 0) < 0)
		return clan_error(err, errno, "copy: cannot merge %s into %s", layer, dest);
	return 0;
}
