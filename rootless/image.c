#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_path.h"

static int resolve_dir(const char *ref, const char *path, struct image *img, struct clan_err *err)
{
	char real[PATH_MAX];
	struct stat st;
	if (!*path || !realpath(path, real) || stat(real, &st) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "image %s: no such directory; give the path of a root "
				       "filesystem, e.g. dir:$HOME/rootfs",
				       ref);
	if (!S_ISDIR(st.st_mode))
		return clan_error_code(err, CLAN_EXIT_USAGE, "image %s: %s is not a directory", ref,
				       real);
	if (strchr(real, ',') || strchr(real, ':'))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "image %s: the path may not contain ',' or ':' (overlay "
				       "options); move or link it elsewhere",
				       ref);
	strv_push(&img->lowers, real);
	return 0;
}

int image_resolve(const char *ref, struct image *img, struct clan_err *err)
{
	*img = (struct image){.ref = xstrdup(ref)};
	int rc;
	if (strncmp(ref, "dir:", 4) == 0) {
		rc = resolve_dir(ref, ref + 4, img, err);
	} else if (strcmp(ref, "host") == 0) {
		img->is_host = true;
		strv_push(&img->lowers, "/");
		rc = 0;
	} else {
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "image '%s': unknown image source; use dir:/path/to/rootfs "
				     "or host",
				     ref);
	}
	if (rc < 0)
		image_free(img);
	return rc;
}

void image_free(struct image *img)
{
	free(img->ref);
	strv_free(&img->lowers);
	strv_free(&img->cmd);
	strv_free(&img->env);
	*img = (struct image){0};
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

/* Reads rel from one layer, resolved inside it (symlinks cannot reach the
 * host), only if it is a regular file (a FIFO or device would hang or
 * leak). 1: read; 0: not in this layer; -1: hidden by a whiteout. */
static int read_in_layer(const char *layer, const char *rel, size_t max, char **out)
{
	_cleanup_close_ int root = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *abs = xasprintf("/%s", rel);
	struct clan_err err;
	struct stat st;
	char path[64];
	if (root < 0 || safe_path_open(root, abs, SP_NOCREATE, &fd, &err) < 0 || fstat(fd, &st) < 0)
		return 0;
	if (is_whiteout(&st))
		return -1;
	if (!S_ISREG(st.st_mode))
		return 0;
	fd_path(fd, path, sizeof path);
	return read_file(path, max, out, &err) == 0 ? 1 : 0;
}

int image_read_file(const struct image *img, const char *rel, size_t max, char **out)
{
	for (size_t i = 0; i < img->lowers.n; i++) {
		int r = read_in_layer(img->lowers.v[i], rel, max, out);
		if (r > 0)
			return 0;
		if (r < 0)
			break;
	}
	errno = ENOENT;
	return -1;
}
