#define _GNU_SOURCE
#include "image/imgstore_ro.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

/* A dir another user could change under us is as good as theirs. */
static int check_dir(const char *path, const char *what, uid_t owner, bool may_miss,
		     struct clan_err *err)
{
	struct stat sb;
	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT && may_miss)
			return 0;
		return clan_error_code(err, CLAN_EXIT_USAGE, "CLAN_IMAGE_PATH: cannot read %s: %s",
				       path, strerror(errno));
	}
	if (!S_ISDIR(sb.st_mode))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CLAN_IMAGE_PATH: %s is not a directory%s", path,
				       S_ISLNK(sb.st_mode) ? " (a symlink)" : "");
	if (sb.st_uid != owner && sb.st_uid != 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CLAN_IMAGE_PATH: %s %s belongs to uid %u, not to the "
				       "store's owner (uid %u); refusing the store",
				       what, path, (unsigned)sb.st_uid, (unsigned)owner);
	if (sb.st_mode & (S_IWGRP | S_IWOTH))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CLAN_IMAGE_PATH: %s %s is writable by others than its "
				       "owner (chmod go-w it); refusing the store",
				       what, path);
	return 0;
}

int imgstore_open_ro(struct imgstore *st, const char *dir, struct clan_err *err)
{
	*st = (struct imgstore){.gc_fd = -1, .read_only = true};
	if (dir[0] != '/')
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CLAN_IMAGE_PATH: '%s' is not an absolute path", dir);
	if (strpbrk(dir, ",:"))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CLAN_IMAGE_PATH: '%s' contains ',' or ':' (overlay's "
				       "separators); link it from elsewhere",
				       dir);
	struct stat sb;
	/* the store dir itself may be reached through a link: the user named it */
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CLAN_IMAGE_PATH: %s is not an image store directory", dir);
	st->owner = sb.st_uid;
	_cleanup_free_ char *real = realpath(dir, NULL);
	if (!real)
		return clan_error_code(err, CLAN_EXIT_USAGE, "CLAN_IMAGE_PATH: cannot resolve %s",
				       dir);
	/* the layers are mounted by this path, in lowerdir=, which a ':' or
	 * ',' would split into other dirs */
	if (strpbrk(real, ",:"))
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "CLAN_IMAGE_PATH: %s resolves to %s, which contains ',' or ':' "
		    "(overlay's separators)",
		    dir, real);
	if (check_dir(real, "store", st->owner, false, err) < 0)
		return -1;
	static const char *const subdirs[] = {"images", "layers", "tags", "blobs", "blobs/sha256"};
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", real, subdirs[i]);
		if (check_dir(p, "store dir", st->owner, true, err) < 0)
			return -1;
	}
	st->root = steal_pointer(&real);
	return 0;
}

int imgstore_check_layer(const struct imgstore *st, const char *id, struct clan_err *err)
{
	if (!st->read_only)
		return 0;
	if (!digest_is_valid(id))
		return clan_error(err, 0, "store %s: bad layer id '%s'", st->root, id);
	_cleanup_free_ char *path = imgstore_layer_path(st, id);
	return check_dir(path, "layer", st->owner, true, err);
}
