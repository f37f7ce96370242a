#define _GNU_SOURCE
#include "base/safe_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

#define MAX_DEPTH 256
#define MAX_LINKS 40

char *path_under(const char *base, const char *path)
{
	_cleanup_free_ char *joined =
	    path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", base, path);
	return path_clean(joined);
}

char *path_clean(const char *path)
{
	size_t len = strlen(path);
	char *out = xmalloc(len + 2);
	size_t o = 0;

	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

void fd_path(int fd, char *buf, unsigned long len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

struct walk {
	int stack[MAX_DEPTH];
	int depth;
	int links;
	bool strict;	  /* refuse every symlink */
	const char *path; /* for messages */
};

static void walk_close(struct walk *w)
{
	for (int i = 0; i <= w->depth; i++)
		if (w->stack[i] >= 0)
			close(w->stack[i]);
}

/* Opens one component, creating it when asked and missing. */
static int open_component(int dirfd, const char *name, bool last, enum sp_create create)
{
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || create == SP_NOCREATE)
		return fd;
	if (!last || create == SP_MKDIR) {
		if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
			return -1;
	} else {
		int f =
		    openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0 && errno != EEXIST)
			return -1;
		if (f >= 0)
			close(f);
	}
	return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Replaces rest with "target/rest"; an absolute target restarts at the root. */
static int follow_link(struct walk *w, int fd, char **rest, struct clan_err *err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
	if (n < 0)
		return clan_error(err, errno, "cannot read symlink in %s", w->path);
	target[n] = '\0';
	if (++w->links > MAX_LINKS)
		return clan_error(err, ELOOP, "cannot resolve %s", w->path);
	if (target[0] == '/')
		while (w->depth > 0)
			close(w->stack[w->depth--]);
	char *joined = xasprintf("%s/%s", target, *rest);
	free(*rest);
	*rest = joined;
	return 0;
}

static int walk_step(struct walk *w, const char *name, char **rest, enum sp_create create,
		     struct clan_err *err)
{
	if (strcmp(name, "..") == 0) {
		if (w->depth == 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s climbs above the container root through a "
					       "symlink; refusing to use it",
					       w->path);
		close(w->stack[w->depth--]);
		return 0;
	}
	bool last = **rest == '\0';
	_cleanup_close_ int fd = open_component(w->stack[w->depth], name, last, create);
	if (fd < 0)
		return clan_error(err, errno, "cannot open %s in the container", w->path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return clan_error(err, errno, "cannot stat %s in the container", w->path);
	if (S_ISLNK(st.st_mode) && w->strict)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s is a symlink in the image; the runtime mounts only on "
				       "real directories there",
				       w->path);
	if (S_ISLNK(st.st_mode))
		return follow_link(w, fd, rest, err);
	if (!last && !S_ISDIR(st.st_mode))
		return clan_error(err, ENOTDIR, "cannot open %s in the container", w->path);
	if (w->depth + 1 >= MAX_DEPTH)
		return clan_error(err, ENAMETOOLONG, "cannot open %s in the container", w->path);
	w->stack[++w->depth] = steal_fd(&fd);
	return 0;
}

static int walk_path(int root_fd, const char *path, enum sp_create create, bool strict, int *out,
		     struct clan_err *err)
{
	struct walk w = {.depth = 0, .path = path, .strict = strict};
	w.stack[0] = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w.stack[0] < 0)
		return clan_error(err, errno, "cannot open the container root");

	char *rest = xstrdup(path);
	int rc = 0;
	while (rc == 0 && *rest) {
		char *p = rest + strspn(rest, "/");
		size_t n = strcspn(p, "/");
		char *name = xstrndup(p, n);
		char *tail = xstrdup(p + n + strspn(p + n, "/"));
		free(rest);
		rest = tail;
		if (n > 0 && strcmp(name, ".") != 0)
			rc = walk_step(&w, name, &rest, create, err);
		free(name);
	}
	free(rest);
	if (rc == 0) {
		*out = steal_fd(&w.stack[w.depth]);
		w.depth--;
	}
	walk_close(&w);
	return rc;
}

int safe_path_open(int root_fd, const char *path, enum sp_create create, int *out,
		   struct clan_err *err)
{
	return walk_path(root_fd, path, create, false, out, err);
}

int safe_path_open_strict(int root_fd, const char *path, enum sp_create create, int *out,
			  struct clan_err *err)
{
	return walk_path(root_fd, path, create, true, out, err);
}
