/* deb: images: the user's cache of downloaded .deb files, so that a build
 * does not fetch again what an earlier one did (the base's packages, a
 * library two images share). It lives in the store (deb-cache/archives,
 * 0700, the user's), outside every build: a build gets hard links to it in
 * an archives dir of its own (apt locks its archives dir, so parallel
 * builds cannot share one), and what the build fetched is linked back once
 * it succeeded. apt checks every cached file against the archive's signed
 * hashes before it uses it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debimage/debimage_int.h"
#include "base/util.h"

char *debimage_cache_dir(const struct imgstore *st, struct clan_err *err)
{
	_cleanup_free_ char *top = xasprintf("%s/deb-cache", st->root);
	char *dir = xasprintf("%s/archives", top);
	if ((mkdir(top, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
		clan_error(err, errno, "cannot create %s", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

/* A file name apt gives a package: NAME_VERSION_ARCH.deb, nothing else
 * (no dot files, no partial downloads). */
bool debimage_is_deb_name(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && name[0] != '.' && strcmp(name + n - 4, ".deb") == 0 && !strchr(name, '/') &&
	       strchr(name, '_');
}

/* Links every .deb of from that is a regular file of ours into to, keeping
 * what to has; a file that cannot be linked is skipped (the cache is an
 * optimisation, never a reason to fail a build). Returns how many. */
static size_t link_debs(const char *from, const char *to)
{
	_cleanup_closedir_ DIR *d = opendir(from);
	_cleanup_close_ int to_fd = open(to, O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t n = 0;
	if (!d || to_fd < 0)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (!debimage_is_deb_name(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 06000))
			continue;
		if (linkat(dirfd(d), e->d_name, to_fd, e->d_name, 0) == 0 || errno == EEXIST)
			n++;
	}
	return n;
}

int debimage_cache_fill(const char *cache, const char *archives, struct clan_err *err)
{
	if (mkdir(archives, 0755) < 0)
		return clan_error(err, errno, "cannot create %s", archives);
	if (cache)
		link_debs(cache, archives);
	return 0;
}

void debimage_cache_own(const char *archives)
{
	_cleanup_closedir_ DIR *d = opendir(archives);
	for (struct dirent *e; d && (e = readdir(d));) {
		struct stat st;
		/* one that stays apt's is left out of the cache, nothing worse */
		if (debimage_is_deb_name(e->d_name) &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid != 0 &&
		    fchownat(dirfd(d), e->d_name, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
	}
}

void debimage_cache_keep(const char *archives, const char *cache)
{
	if (cache)
		link_debs(archives, cache);
}
