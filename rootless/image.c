#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int image_read_file(const struct image *img, const char *rel, size_t max, char **out)
{
	for (size_t i = 0; i < img->lowers.n; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", img->lowers.v[i], rel);
		struct clan_err err;
		if (access(path, F_OK) < 0)
			continue;
		return read_file(path, max, out, &err);
	}
	errno = ENOENT;
	return -1;
}
