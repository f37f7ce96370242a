#define _GNU_SOURCE
#include "config/project_find.h"

#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/compose_files.h"

/* Whether dir is path or a parent of it. */
static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Whether the .clanrc at path is one the user can have written: theirs
 * or root's, a regular file, writable by no one else, in a dir (dst)
 * where no one else can replace it between this check and its read. */
static bool is_trusted(const char *path, const struct stat *st, const struct stat *dst, uid_t uid,
		       struct strv *skipped)
{
	const char *why = NULL;
	if (!S_ISREG(st->st_mode))
		why = "not a regular file";
	else if (st->st_uid != uid && st->st_uid != 0)
		why = "owned by another user";
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		why = "writable by other users";
	else if ((dst->st_uid != uid && dst->st_uid != 0) ||
		 ((dst->st_mode & (S_IWGRP | S_IWOTH)) && !(dst->st_mode & S_ISVTX)))
		why = "in a directory other users can change";
	if (why && skipped)
		strv_push_owned(skipped, xasprintf("ignored %s: %s (uid %u, mode %04o); a "
						   "project file must be yours",
						   path, why, (unsigned)st->st_uid,
						   (unsigned)(st->st_mode & 07777)));
	return !why;
}

/* The first of names that dir holds and may be used (see project_find),
 * or -1. */
static int find_in(const char *dir, const char *const *names, bool first, uid_t uid,
		   struct strv *skipped)
{
	for (int i = 0; names[i]; i++) {
		_cleanup_free_ char *file = path_join(dir, names[i]);
		struct stat st, dst;
		if (lstat(file, &st) == 0 &&
		    (first || (stat(dir, &dst) == 0 && is_trusted(file, &st, &dst, uid, skipped))))
			return i;
	}
	return -1;
}

char *project_find(const char *start, const char *home, uid_t uid, struct strv *skipped)
{
	/* .clanrc first: beside a compose file it is the one clan reads */
	const char *names[8] = {".clanrc"};
	size_t n = 1;
	for (size_t i = 0; compose_file_names[i] && n + 1 < ARRAY_SIZE(names); i++)
		names[n++] = compose_file_names[i];
	names[n] = NULL;
	return project_find_names(start, home, uid, names, NULL, skipped);
}

char *project_find_names(const char *start, const char *home, uid_t uid, const char *const *names,
			 int *which, struct strv *skipped)
{
	_cleanup_free_ char *dir = xstrdup(start);
	bool stop_at_home = home && *home == '/' && is_under(start, home);
	for (bool first = true;; first = false) {
		int i = find_in(dir, names, first, uid, skipped);
		if (i >= 0) {
			if (which)
				*which = i;
			return xstrdup(dir);
		}
		/* home is the last one looked at, as compose */
		if (strcmp(dir, "/") == 0 || (stop_at_home && is_under(home, dir)))
			return NULL;
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

bool project_file_trusted(const char *path, uid_t uid, struct strv *why)
{
	_cleanup_free_ char *dir = path_dir(path);
	struct stat st, dst;
	if (lstat(path, &st) < 0)
		return true; /* nothing there to read */
	if (stat(dir, &dst) < 0)
		return false;
	return is_trusted(path, &st, &dst, uid, why);
}
