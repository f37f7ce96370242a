/* deb: images: the user's cache of what apt downloads, so that a build
 * does not fetch again what an earlier one did: the .deb files (the
 * base's packages, a library two images share) and the package lists
 * (the next `apt-get update` then only asks whether they changed). It
 * lives in the store (deb-cache/, 0700, the user's), outside every build:
 * a build gets hard links to it in dirs of its own (apt locks its dirs,
 * so parallel builds cannot share one), and what a build fetched is
 * linked back once it succeeded. apt checks every cached file against
 * the archive's signed Release before it uses it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debimage/debimage_int.h"
#include "base/debug.h"
#include "base/util.h"

char *debimage_cache_dir(const struct imgstore *st, struct clan_err *err)
{
	char *top = xasprintf("%s/deb-cache", st->root);
	const char *subs[] = {"", "/archives", "/lists"};
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *dir = xasprintf("%s%s", top, subs[i]);
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			clan_error(err, errno, "cannot create %s", dir);
			free(top);
			return NULL;
		}
	}
	return top;
}

bool debimage_is_deb_name(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && name[0] != '.' && strcmp(name + n - 4, ".deb") == 0 && !strchr(name, '/') &&
	       strchr(name, '_');
}

/* A list apt keeps: SITE_PATH_InRelease, ..._Packages[.lz4]; not its lock,
 * not a dot file. */
static bool is_list_name(const char *name)
{
	return name[0] != '.' && strchr(name, '_') && !strchr(name, '/');
}

enum link_mode {
	LINK_KEEP,    /* a name already there stays (a .deb's name is its content) */
	LINK_REPLACE, /* the newer file replaces it (lists change in place) */
};

/* Links the files of from that pass is_name and are regular files of
 * ours into to; a file that cannot be linked is skipped (the cache is an
 * optimisation, never a reason to fail a build). */
static void link_files(const char *from, const char *to, bool (*is_name)(const char *),
		       enum link_mode mode)
{
	_cleanup_closedir_ DIR *d = opendir(from);
	_cleanup_close_ int to_fd = open(to, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!d || to_fd < 0)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (!is_name(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 06000))
			continue;
		_cleanup_free_ char *tmp = xasprintf(".new-%d-%s", (int)getpid(), e->d_name);
		const char *name = mode == LINK_KEEP ? e->d_name : tmp;
		/* EEXIST for a .deb: the same package is there */
		if (linkat(dirfd(d), e->d_name, to_fd, name, 0) < 0) {
			if (errno != EEXIST)
				clan_debug("deb cache: cannot link %s into %s: %s", e->d_name, to,
					   strerror(errno));
		} else if (mode == LINK_REPLACE && renameat(to_fd, tmp, to_fd, e->d_name) < 0 &&
			   unlinkat(to_fd, tmp, 0) < 0) {
			clan_debug("deb cache: cannot replace %s in %s", e->d_name, to);
		}
	}
}

int debimage_cache_fill(const char *cache, const char *archives, const char *lists,
			struct clan_err *err)
{
	const char *dirs[] = {archives, lists};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *partial = xasprintf("%s/partial", dirs[i]);
		if (mkdir(dirs[i], 0755) < 0 || mkdir(partial, 0700) < 0)
			return clan_error(err, errno, "cannot create %s", partial);
	}
	if (!cache)
		return 0;
	_cleanup_free_ char *c_archives = xasprintf("%s/archives", cache);
	_cleanup_free_ char *c_lists = xasprintf("%s/lists", cache);
	link_files(c_archives, archives, debimage_is_deb_name, LINK_KEEP);
	link_files(c_lists, lists, is_list_name, LINK_KEEP);
	return 0;
}

/* The regular files of dir that pass is_name, made root's. */
static void own_files(const char *dir, bool (*is_name)(const char *))
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		struct stat st;
		/* one that stays apt's is left out of the cache, nothing worse */
		if (is_name(e->d_name) &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid != 0 &&
		    fchownat(dirfd(d), e->d_name, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
	}
}

void debimage_cache_own(const char *archives, const char *lists)
{
	own_files(archives, debimage_is_deb_name);
	own_files(lists, is_list_name);
}

void debimage_cache_keep(const char *archives, const char *lists, const char *cache)
{
	if (!cache)
		return;
	_cleanup_free_ char *c_archives = xasprintf("%s/archives", cache);
	_cleanup_free_ char *c_lists = xasprintf("%s/lists", cache);
	link_files(archives, c_archives, debimage_is_deb_name, LINK_KEEP);
	link_files(lists, c_lists, is_list_name, LINK_REPLACE);
}
