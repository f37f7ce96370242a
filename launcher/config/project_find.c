#define _GNU_SOURCE
#include "config/project_find.h"

#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

char *project_find(const char *start, const char *home, uid_t uid, struct strv *skipped)
{
	_cleanup_free_ char *dir = xstrdup(start);
	bool stop_at_home = home && *home == '/' && is_under(start, home);
	for (bool first = true;; first = false) {
		_cleanup_free_ char *rc = xasprintf("%s/.clanrc", strcmp(dir, "/") ? dir : "");
		struct stat st, dst;
		if (lstat(rc, &st) == 0 &&
		    (first || (stat(dir, &dst) == 0 && is_trusted(rc, &st, &dst, uid, skipped))))
			return xstrdup(dir);
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
