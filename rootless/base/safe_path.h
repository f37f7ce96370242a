/* Resolving paths inside a container root without ever leaving it. */
#ifndef CLAN_SAFE_PATH_H
#define CLAN_SAFE_PATH_H

#include "base/error.h"

enum sp_create {
	SP_NOCREATE,
	SP_MKDIR,  /* create missing components, the last one as a directory */
	SP_MKFILE, /* create missing directories and the last one as an empty file */
};

/* Lexically cleans an absolute path: collapses "//", drops ".", resolves
 * ".." (never above "/") and trailing slashes. "/a/./b/../c/" -> "/a/c". */
char *path_clean(const char *path);
/* path made absolute against base (an absolute dir) when it is relative,
 * then cleaned: a build's context or Dockerfile, a WORKDIR or COPY
 * destination against the current WORKDIR. */
char *path_under(const char *base, const char *path);

/* Opens path (absolute, as seen inside the root) below root_fd with
 * O_PATH. Absolute symlinks restart at the root; any ".." or symlink that
 * would climb above the root is refused, as is a symlink chain longer than
 * 40. Missing components are created when asked. The caller owns *out. */
int safe_path_open(int root_fd, const char *path, enum sp_create create, int *out,
		   struct clan_err *err);

/* Like safe_path_open, but any symlink on the way is refused (exit 2):
 * for the runtime's own mount points (/proc, /sys, /dev...), which an
 * image must not be able to redirect. */
int safe_path_open_strict(int root_fd, const char *path, enum sp_create create, int *out,
			  struct clan_err *err);

/* "/proc/self/fd/N": a path the old mount API can mount onto. */
void fd_path(int fd, char *buf, unsigned long len);

#endif
