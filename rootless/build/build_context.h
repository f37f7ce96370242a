/* The build context: the files under the context dir that .dockerignore
 * leaves in, each with what a COPY of it depends on (path, type, mode,
 * content hash or link target; never its times or owner). Hashing is
 * the only work of a rebuild: a file whose size, mtime, ctime and inode
 * are as last time (remembered per context under STORAGE/build/contexts/)
 * is not read again, but hits are decided on the hashes. */
#ifndef CLAN_BUILD_CONTEXT_H
#define CLAN_BUILD_CONTEXT_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "base/error.h"

struct ctx_entry {
	char *path; /* relative to the context, '/'-separated */
	mode_t mode;
	char *link;    /* a symlink's target */
	char hash[72]; /* a regular file's content, "sha256:..." */
	struct timespec mtime;
	off_t size;
	ino_t ino; /* with size and mtime: the copy checks the file is what was hashed */
};

struct build_context {
	char *root; /* its real path */
	int root_fd;
	struct ctx_entry *v; /* sorted by path */
	size_t n;
};

/* Walks dir with its .dockerignore. storage NULL: nothing remembered. */
int build_context_load(const char *dir, const char *storage, struct build_context *c,
		       struct clan_err *err);
/* The entry at path (cleaned, relative), or NULL. */
const struct ctx_entry *build_context_find(const struct build_context *c, const char *path);
void build_context_free(struct build_context *c);

#endif
