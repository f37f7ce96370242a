/* Unit tests for the build context and the keys of COPY steps: what a
 * key depends on (path, mode, content) and what it does not (times, files
 * .dockerignore leaves out), the remembered hashes, and the refusals. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "build/build_context.h"
#include "build/build_copy.h"
#include "tap.h"

static char root[] = "/tmp/clan-test-ctx.XXXXXX";

static void put(const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	_cleanup_free_ char *d = path_dir(p);
	struct clan_err err;
	mkdir_p(d, 0755, &err);
	write_file(p, text, strlen(text), &err);
}

/* The key of COPY srcs (comma-separated) on the context as it is now;
 * "" when it fails. */
static char *key_of(const char *storage, const char *srcs)
{
	struct build_context c;
	struct clan_err err = {0};
	char out[72] = "";
	struct strv v = {0};
	_cleanup_free_ char *copy = xstrdup(srcs);
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		strv_push(&v, t);
	if (build_context_load(root, storage, &c, &err) == 0 &&
	    copy_sources_key(&c, &v, false, out, &err) < 0)
		out[0] = '\0';
	build_context_free(&c);
	strv_free(&v);
	return xstrdup(out);
}

TEST(context_entries_and_dockerignore)
{
	CHECK(mkdtemp(root) != NULL);
	put("Dockerfile", "FROM x\n");
	put("app/main.py", "print(1)\n");
	put("app/debug.log", "noise\n");
	put("keep.log", "kept\n");
	put("node_modules/a/b.js", "x\n");
	put(".dockerignore", "*.log\n**/*.log\n!keep.log\nnode_modules\n");
	_cleanup_free_ char *link = xasprintf("%s/link", root);
	CHECK(symlink("/etc/hostname", link) == 0);
	struct build_context c;
	struct clan_err err = {0};
	CHECK(build_context_load(root, NULL, &c, &err) == 0);
	CHECK(build_context_find(&c, "app/main.py") != NULL);
	CHECK(build_context_find(&c, "app") != NULL);
	CHECK(build_context_find(&c, "keep.log") != NULL);
	CHECK(build_context_find(&c, "app/debug.log") == NULL);
	CHECK(build_context_find(&c, "node_modules") == NULL);
	CHECK(build_context_find(&c, "node_modules/a/b.js") == NULL);
	const struct ctx_entry *l = build_context_find(&c, "link");
	CHECK(l && S_ISLNK(l->mode) && strcmp(l->link, "/etc/hostname") == 0);
	/* sorted, so a dir's entries follow it */
	for (size_t i = 1; i < c.n; i++)
		CHECK(strcmp(c.v[i - 1].path, c.v[i].path) < 0);
	build_context_free(&c);
}

TEST(copy_keys)
{
	char storage[] = "/tmp/clan-test-ctx-store.XXXXXX";
	CHECK(mkdtemp(storage) != NULL);
	_cleanup_free_ char *all = key_of(storage, ".");
	_cleanup_free_ char *req = key_of(storage, "app/main.py");
	CHECK(strlen(all) == 71 && strlen(req) == 71);
	_cleanup_free_ char *again = key_of(storage, ".");
	CHECK_STR(again, all); /* same inputs, same key */
	/* times are no input */
	_cleanup_free_ char *p = xasprintf("%s/app/main.py", root);
	struct timespec ts[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
	CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
	_cleanup_free_ char *touched = key_of(storage, ".");
	CHECK_STR(touched, all);
	/* a file left out is no input */
	put("app/debug.log", "more noise\n");
	_cleanup_free_ char *ignored = key_of(storage, ".");
	CHECK_STR(ignored, all);
	/* another file is no input to a COPY of one file */
	put("keep.log", "changed\n");
	_cleanup_free_ char *other = key_of(storage, "app/main.py");
	CHECK_STR(other, req);
	_cleanup_free_ char *all2 = key_of(storage, ".");
	CHECK(strcmp(all2, all) != 0);
	/* content: the same size, the same mtime, another byte; the
	 * remembered hash is not trusted when ctime moved */
	put("app/main.py", "print(2)\n");
	CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
	_cleanup_free_ char *edited = key_of(storage, "app/main.py");
	CHECK(strcmp(edited, req) != 0);
	/* mode */
	CHECK(chmod(p, 0755) == 0);
	_cleanup_free_ char *mode = key_of(storage, "app/main.py");
	CHECK(strcmp(mode, edited) != 0);
	/* a wildcard names the same files as listing them */
	_cleanup_free_ char *glob = key_of(storage, "app/*.py");
	_cleanup_free_ char *dir = key_of(storage, "app");
	CHECK(strlen(glob) == 71 && strlen(dir) == 71);
	/* refusals */
	_cleanup_free_ char *missing = key_of(storage, "nope.txt");
	CHECK_STR(missing, "");
	_cleanup_free_ char *out = key_of(storage, "../x");
	CHECK_STR(out, "");
	_cleanup_free_ char *none = key_of(storage, "*.none");
	CHECK_STR(none, "");
	struct clan_err err;
	remove_tree(storage, &err);
	remove_tree(root, &err);
}
