#define _GNU_SOURCE
#include "build/build_context.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "build/dockerignore.h"
#include "image/imgstore.h"

/* bounds on a hostile or mistaken context (a home dir as the context) */
#define CTX_MAX_ENTRIES 1000000
#define CTX_MAX_DEPTH 128

struct walk {
	struct build_context *c;
	const struct dockerignore *ignore;
	bool exceptions;
	json_t *seen;  /* the remembered stats and hashes, by path */
	json_t *now;   /* what this walk found, to remember */
	size_t hashed; /* files read this time */
	size_t cap;
};

static json_t *stat_json(const struct stat *st, const char *hash)
{
	return json_pack("[I,I,I,I,I,I,s]", (json_int_t)st->st_size, (json_int_t)st->st_mtim.tv_sec,
			 (json_int_t)st->st_mtim.tv_nsec, (json_int_t)st->st_ctim.tv_sec,
			 (json_int_t)st->st_ctim.tv_nsec, (json_int_t)st->st_ino, hash);
}

/* The hash remembered for path when its stat is as it was. */
static const char *remembered(json_t *seen, const char *path, const struct stat *st)
{
	json_t *a = json_object_get(seen, path);
	json_int_t v[6];
	for (size_t i = 0; i < 6; i++)
		v[i] = json_integer_value(json_array_get(a, i));
	const char *hash = json_string_value(json_array_get(a, 6));
	if (!hash || !digest_is_valid(hash) || v[0] != st->st_size || v[1] != st->st_mtim.tv_sec ||
	    v[2] != st->st_mtim.tv_nsec || v[3] != st->st_ctim.tv_sec ||
	    v[4] != st->st_ctim.tv_nsec || v[5] != (json_int_t)st->st_ino)
		return NULL;
	return hash;
}

static int hash_file(struct walk *w, int dirfd, const char *name, const char *path,
		     const struct stat *st, struct ctx_entry *e, struct clan_err *err)
{
	const char *known = remembered(w->seen, path, st);
	if (known) {
		snprintf(e->hash, sizeof e->hash, "%s", known);
	} else {
		_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || sha256_fd(fd, path, e->hash, err) < 0)
			return fd < 0 ? clan_error(err, errno,
						   "cannot read %s in the build context", path)
				      : -1;
		w->hashed++;
	}
	json_object_set_new(w->now, path, stat_json(st, e->hash));
	return 0;
}

static struct ctx_entry *add_entry(struct walk *w, const char *path, const struct stat *st,
				   struct clan_err *err)
{
	struct build_context *c = w->c;
	if (c->n == CTX_MAX_ENTRIES) {
		clan_error_code(err, CLAN_EXIT_USAGE,
				"the build context %s has more than %d files; leave some out "
				"with a .dockerignore",
				c->root, CTX_MAX_ENTRIES);
		return NULL;
	}
	if (c->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		c->v = xrealloc(c->v, w->cap * sizeof *c->v);
	}
	struct ctx_entry *e = &c->v[c->n++];
	*e = (struct ctx_entry){.path = xstrdup(path),
				.mode = st->st_mode,
				.mtime = st->st_mtim,
				.size = st->st_size,
				.ino = st->st_ino};
	return e;
}

static int walk_dir(struct walk *w, int dirfd, const char *prefix, int depth, struct clan_err *err);

static int walk_one(struct walk *w, int dirfd, const char *name, const char *path, int depth,
		    struct clan_err *err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return clan_error(err, errno, "cannot stat %s in the build context", path);
	bool excluded = dockerignore_excludes(w->ignore, path);
	if (S_ISDIR(st.st_mode)) {
		if (excluded && !w->exceptions)
			return 0;
		if (!excluded && !add_entry(w, path, &st, err))
			return -1;
		_cleanup_close_ int fd =
		    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return clan_error(err, errno, "cannot open %s in the build context", path);
		return walk_dir(w, fd, path, depth + 1, err);
	}
	/* sockets, fifos and devices are not copied (as Docker skips them) */
	if (excluded || !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
		return 0;
	struct ctx_entry *e = add_entry(w, path, &st, err);
	if (!e)
		return -1;
	if (S_ISREG(st.st_mode))
		return hash_file(w, dirfd, name, path, &st, e, err);
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
	if (n < 0)
		return clan_error(err, errno, "cannot read the link %s in the build context", path);
	e->link = xstrndup(target, (size_t)n);
	return 0;
}

static int walk_dir(struct walk *w, int dirfd, const char *prefix, int depth, struct clan_err *err)
{
	if (depth > CTX_MAX_DEPTH)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "the build context is nested more than %d dirs deep at %s",
				       CTX_MAX_DEPTH, prefix);
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return clan_error(err, errno, "cannot list %s in the build context",
				  *prefix ? prefix : ".");
	}
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d));) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *path =
		    *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		rc = walk_one(w, dirfd, de->d_name, path, depth, err);
	}
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct ctx_entry *)a)->path, ((const struct ctx_entry *)b)->path);
}

static char *memory_path(const char *storage, const char *root, struct clan_err *err)
{
	char key[72];
	if (sha256_digest(root, strlen(root), key, err) < 0)
		return NULL;
	return xasprintf("%s/build/contexts/%.32s.json", storage, key + 7);
}

/* Best effort: a memory that cannot be written costs a rehash next time. */
static void remember(const char *path, json_t *now)
{
	_cleanup_free_ char *dir = path_dir(path);
	struct clan_err ignored;
	if (mkdir_p(dir, 0700, &ignored) < 0)
		return;
	_cleanup_free_ char *tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
	if (json_dump_file(now, tmp, JSON_COMPACT) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

static int read_ignore(int root_fd, const char *root, struct dockerignore *ig, struct clan_err *err)
{
	*ig = (struct dockerignore){0};
	_cleanup_close_ int fd =
	    openat(root_fd, ".dockerignore", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
			   ? 0
			   : clan_error(err, errno, "cannot read %s/.dockerignore", root);
	_cleanup_free_ char *text = read_to_eof(fd);
	if (!text)
		return clan_error(err, errno, "cannot read %s/.dockerignore", root);
	return dockerignore_parse(text, strlen(text), ".dockerignore", ig, err);
}

int build_context_load(const char *dir, const char *storage, struct build_context *c,
		       struct clan_err *err)
{
	*c = (struct build_context){.root_fd = -1};
	char real[PATH_MAX];
	if (!realpath(dir, real))
		return clan_error_code(err, CLAN_EXIT_USAGE, "build context %s: %s", dir,
				       strerror(errno));
	c->root = xstrdup(real);
	c->root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->root_fd < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "build context %s: %s", dir,
				       strerror(errno));
	struct dockerignore ig;
	if (read_ignore(c->root_fd, real, &ig, err) < 0)
		return -1;
	_cleanup_free_ char *mem = storage ? memory_path(storage, real, err) : NULL;
	json_error_t je;
	struct walk w = {.c = c,
			 .ignore = &ig,
			 .exceptions = dockerignore_has_exceptions(&ig),
			 .seen = mem ? json_load_file(mem, 0, &je) : NULL,
			 .now = json_object()};
	int rc = storage && !mem ? -1 : walk_dir(&w, c->root_fd, "", 0, err);
	if (rc == 0 && c->n)
		qsort(c->v, c->n, sizeof *c->v, by_path);
	if (rc == 0 && mem && (w.hashed || json_object_size(w.now) != json_object_size(w.seen)))
		remember(mem, w.now);
	json_decref(w.seen);
	json_decref(w.now);
	dockerignore_free(&ig);
	return rc;
}

const struct ctx_entry *build_context_find(const struct build_context *c, const char *path)
{
	struct ctx_entry key = {.path = (char *)path};
	return c->n ? bsearch(&key, c->v, c->n, sizeof *c->v, by_path) : NULL;
}

void build_context_free(struct build_context *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].link);
	}
	free(c->v);
	free(c->root);
	if (c->root_fd >= 0)
		close(c->root_fd);
	*c = (struct build_context){.root_fd = -1};
}
