/* Unit tests for rootless/safe_path (lexical cleaning, and resolving paths
 * inside a container root on a real tree of directories and symlinks) and
 * rootless/paths (where clan keeps its storage and runtime files). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/paths.h"
#include "base/safe_path.h"
#include "tap.h"
#include "base/util.h"

TEST(path_clean_table)
{
	static const char *const cases[][2] = {
	    {"/a/./b/../c/", "/a/c"},
	    {"/../x", "/x"},
	    {"//", "/"},
	    {"/", "/"},
	    {"", "/"},
	    {"/.", "/"},
	    {"/..", "/"},
	    {"/a/..", "/"},
	    {"/a/b/../../..", "/"},
	    {"/a/b/../../../c", "/c"},
	    {"/a//b", "/a/b"},
	    {"///a///b///", "/a/b"},
	    {"/a/.", "/a"},
	    {"/a/./", "/a"},
	    {"/data/", "/data"},
	    {"/data", "/data"},
	    {"/a/b/..", "/a"},
	    {"/...", "/..."},
	    {"/.a/..b/b..", "/.a/..b/b.."},
	    {"/a/../b/./c/..", "/b"},
	    {"/x/y/../../y", "/y"},
	    {"a/b", "/a/b"},
	    {"./a", "/a"},
	    {"../a", "/a"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = path_clean(cases[i][0]);
		if (!got || strcmp(got, cases[i][1]) != 0)
			printf("#   path_clean('%s')\n", cases[i][0]);
		CHECK_STR(got, cases[i][1]);
	}
}

TEST(path_clean_is_idempotent)
{
	static const char *const inputs[] = {"/a/./b/../c/", "//x//y/..", "/..", "/a/b/c"};
	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		_cleanup_free_ char *once = path_clean(inputs[i]);
		_cleanup_free_ char *twice = path_clean(once);
		CHECK_STR(once, twice);
	}
}

/* A container root under base, with a directory "outside" next to it that
 * no walk may reach. */
struct tree {
	char base[64];
	char root[96];
	int base_fd, root_fd;
};

static int count_entries(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int count_fds(void)
{
	return count_entries(AT_FDCWD, "/proc/self/fd");
}

static bool tree_make(struct tree *t)
{
	static const char *const links[][2] = {
	    {"/etc", "abs"},
	    {"/../../home/user", "data"},
	    {"../../x", "a"},
	    {"../outside", "up"},
	    {"loop2", "loop1"},
	    {"loop1", "loop2"},
	    {"self", "self"},
	    {".", "dot"},
	    {"/clan-test-made-by-link/sub/f", "dangle"},
	    {"../etc/file", "etc/rel"},
	    {"/etc/file", "etc/abs2"},
	    {"../../outside", "etc/up2"},
	    {"..", "etc/parent"},
	};
	snprintf(t->base, sizeof t->base, "/tmp/clan-test-paths-XXXXXX");
	if (!mkdtemp(t->base))
		return false;
	snprintf(t->root, sizeof t->root, "%s/root", t->base);
	t->base_fd = open(t->base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->base_fd < 0 || mkdirat(t->base_fd, "root", 0755) < 0 ||
	    mkdirat(t->base_fd, "outside", 0755) < 0)
		return false;
	t->root_fd = openat(t->base_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0 || mkdirat(t->root_fd, "etc", 0755) < 0)
		return false;
	int f = openat(t->root_fd, "etc/file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (f < 0 || write(f, "x", 1) != 1)
		return false;
	close(f);
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][0], t->root_fd, links[i][1]) < 0)
			return false;
	/* l0 -> l1 -> ... -> l39 -> /etc: 40 links; m0 .. m40: 41 */
	for (int i = 0; i < 41; i++) {
		char name[16], target[16];
		snprintf(name, sizeof name, "m%d", i);
		snprintf(target, sizeof target, "m%d", i + 1);
		if (symlinkat(i == 40 ? "/etc" : target, t->root_fd, name) < 0)
			return false;
		if (i < 40) {
			snprintf(name, sizeof name, "l%d", i);
			snprintf(target, sizeof target, "l%d", i + 1);
			if (symlinkat(i == 39 ? "/etc" : target, t->root_fd, name) < 0)
				return false;
		}
	}
	return true;
}

static void tree_free(struct tree *t)
{
	struct clan_err err;
	close(t->root_fd);
	close(t->base_fd);
	if (remove_tree(t->base, &err) < 0)
		printf("# %s\n", err.msg);
}

/* Whether fd is the file at rel below dirfd (not following a last symlink). */
static bool same_file(int fd, int dirfd, const char *rel)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 &&
	       fstatat(dirfd, rel, &b, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Opens path; -1 and err on failure, else the fd. */
static int open_in(struct tree *t, const char *path, enum sp_create create, struct clan_err *err)
{
	int fd = -1;
	err->code = 0;
	err->msg[0] = '\0';
	if (safe_path_open(t->root_fd, path, create, &fd, err) < 0)
		return -1;
	return fd;
}

/* Everything the base dir should hold: root and an empty outside. */
static bool outside_untouched(struct tree *t)
{
	return count_entries(t->base_fd, ".") == 2 && count_entries(t->base_fd, "outside") == 0;
}

TEST(safe_path_plain_and_root)
{
	struct tree t;
	struct clan_err err;
	CHECK(tree_make(&t));
	int fd = open_in(&t, "/etc/file", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	fd = open_in(&t, "/", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, ""));
	close(fd);
	fd = open_in(&t, "//etc/./file", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	/* ".." that stays inside is fine */
	fd = open_in(&t, "/etc/../etc/file", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	/* the last component is not followed past being opened: O_PATH on the file */
	fd = open_in(&t, "/etc", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc"));
	close(fd);
	tree_free(&t);
}

TEST(safe_path_absolute_symlink_is_rerooted)
{
	struct tree t;
	struct clan_err err;
	CHECK(tree_make(&t));
	int fd = open_in(&t, "/abs/file", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	fd = open_in(&t, "/abs", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc"));
	close(fd);
	/* an absolute symlink found deeper also restarts at the root */
	fd = open_in(&t, "/etc/abs2", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	tree_free(&t);
}

TEST(safe_path_relative_symlink_inside)
{
	struct tree t;
	struct clan_err err;
	CHECK(tree_make(&t));
	int fd = open_in(&t, "/etc/rel", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	fd = open_in(&t, "/dot/dot/etc/file", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	fd = open_in(&t, "/etc/parent/etc/file", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	tree_free(&t);
}

TEST(safe_path_refuses_climbing_symlinks)
{
	static const char *const paths[] = {
	    "/data",	"/data/x",	  "/a",	 "/a/b",    "/up", "/up/x",
	    "/etc/up2", "/etc/parent/..", "/..", "/../etc",
	};
	struct tree t;
	struct clan_err err;
	CHECK(tree_make(&t));
	int before = count_fds();
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		for (int c = SP_NOCREATE; c <= SP_MKFILE; c++) {
			int fd = open_in(&t, paths[i], (enum sp_create)c, &err);
			if (fd >= 0 || err.code != 2)
				printf("#   %s (create %d): fd %d, code %d: %s\n", paths[i], c, fd,
				       err.code, err.msg);
			CHECK(fd < 0);
			CHECK(err.code == 2);
			if (fd >= 0)
				close(fd);
		}
	}
	CHECK(open_in(&t, "/data", SP_NOCREATE, &err) < 0);
	CHECK_STR(err.msg, "/data climbs above the container root through a symlink; refusing "
			   "to use it");
	CHECK(open_in(&t, "/a", SP_NOCREATE, &err) < 0);
	CHECK_STR(err.msg, "/a climbs above the container root through a symlink; refusing to "
			   "use it");
	CHECK(count_fds() == before);
	CHECK(outside_untouched(&t));
	tree_free(&t);
}

TEST(safe_path_mkdir_creates_inside)
{
	struct tree t;
	struct clan_err err;
	struct stat st;
	CHECK(tree_make(&t));
	int fd = open_in(&t, "/new/sub/dir", SP_MKDIR, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "new/sub/dir"));
	CHECK(fstatat(t.root_fd, "new/sub/dir", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISDIR(st.st_mode));
	close(fd);
	/* through an absolute symlink: created under the root's etc */
	fd = open_in(&t, "/abs/made", SP_MKDIR, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/made"));
	CHECK(fstatat(t.root_fd, "etc/made", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
	close(fd);
	/* existing: opened again, not an error */
	fd = open_in(&t, "/new/sub/dir", SP_MKDIR, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "new/sub/dir"));
	close(fd);
	/* refused ones create nothing outside, and the host's /home/user is untouched */
	CHECK(open_in(&t, "/up/made", SP_MKDIR, &err) < 0 && err.code == 2);
	CHECK(open_in(&t, "/data/made", SP_MKDIR, &err) < 0 && err.code == 2);
	CHECK(fstatat(t.base_fd, "outside/made", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
	CHECK(fstatat(AT_FDCWD, "/home/user/made", &st, AT_SYMLINK_NOFOLLOW) < 0);
	CHECK(outside_untouched(&t));
	tree_free(&t);
}

TEST(safe_path_mkfile_creates_inside)
{
	struct tree t;
	struct clan_err err;
	struct stat st;
	CHECK(tree_make(&t));
	int fd = open_in(&t, "/newdir/sub/f", SP_MKFILE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "newdir/sub/f"));
	close(fd);
	CHECK(fstatat(t.root_fd, "newdir/sub", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISDIR(st.st_mode));
	CHECK(fstatat(t.root_fd, "newdir/sub/f", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISREG(st.st_mode) && st.st_size == 0);
	/* an existing file is opened, not truncated */
	fd = open_in(&t, "/etc/file", SP_MKFILE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	CHECK(fstatat(t.root_fd, "etc/file", &st, 0) == 0 && st.st_size == 1);
	/* a dangling absolute symlink is followed inside the root, never on the host */
	fd = open_in(&t, "/dangle", SP_MKFILE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "clan-test-made-by-link/sub/f"));
	close(fd);
	CHECK(fstatat(t.root_fd, "clan-test-made-by-link/sub/f", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISREG(st.st_mode));
	CHECK(fstatat(AT_FDCWD, "/clan-test-made-by-link", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	      errno == ENOENT);
	CHECK(open_in(&t, "/up/f", SP_MKFILE, &err) < 0 && err.code == 2);
	CHECK(outside_untouched(&t));
	tree_free(&t);
}

TEST(safe_path_symlink_loops)
{
	struct tree t;
	struct clan_err err;
	CHECK(tree_make(&t));
	int before = count_fds();
	CHECK(open_in(&t, "/loop1", SP_NOCREATE, &err) < 0);
	CHECK(err.code == 1);
	CHECK_STR(err.msg, "cannot resolve /loop1: Too many levels of symbolic links");
	CHECK(open_in(&t, "/self/x", SP_MKDIR, &err) < 0);
	CHECK_STR(err.msg, "cannot resolve /self/x: Too many levels of symbolic links");
	CHECK(open_in(&t, "/loop2", SP_MKFILE, &err) < 0);
	CHECK(count_fds() == before);
	CHECK(outside_untouched(&t));
	tree_free(&t);
}

TEST(safe_path_forty_links_and_no_more)
{
	struct tree t;
	struct clan_err err;
	CHECK(tree_make(&t));
	int fd = open_in(&t, "/l0/file", SP_NOCREATE, &err);
	CHECK(fd >= 0 && same_file(fd, t.root_fd, "etc/file"));
	close(fd);
	CHECK(open_in(&t, "/m0/file", SP_NOCREATE, &err) < 0);
	CHECK_STR(err.msg, "cannot resolve /m0/file: Too many levels of symbolic links");
	tree_free(&t);
}

TEST(safe_path_file_in_the_middle)
{
	struct tree t;
	struct clan_err err;
	CHECK(tree_make(&t));
	int before = count_fds();
	CHECK(open_in(&t, "/etc/file/x", SP_NOCREATE, &err) < 0);
	CHECK(err.code == 1);
	CHECK_STR(err.msg, "cannot open /etc/file/x in the container: Not a directory");
	CHECK(open_in(&t, "/etc/file/x", SP_MKDIR, &err) < 0);
	CHECK_STR(err.msg, "cannot open /etc/file/x in the container: Not a directory");
	CHECK(open_in(&t, "/etc/rel/x", SP_MKFILE, &err) < 0);
	CHECK_STR(err.msg, "cannot open /etc/rel/x in the container: Not a directory");
	CHECK(count_fds() == before);
	tree_free(&t);
}

TEST(safe_path_missing_without_create)
{
	struct tree t;
	struct clan_err err;
	struct stat st;
	CHECK(tree_make(&t));
	CHECK(open_in(&t, "/nope/x", SP_NOCREATE, &err) < 0);
	CHECK(err.code == 1);
	CHECK_STR(err.msg, "cannot open /nope/x in the container: No such file or directory");
	CHECK(fstatat(t.root_fd, "nope", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
	tree_free(&t);
}

TEST(safe_path_too_deep)
{
	struct tree t;
	struct clan_err err;
	CHECK(tree_make(&t));
	char path[2 * 300 + 1];
	for (int i = 0; i < 300; i++)
		memcpy(path + 2 * i, "/d", 2);
	path[600] = '\0';
	int before = count_fds();
	CHECK(open_in(&t, path, SP_MKDIR, &err) < 0);
	CHECK(err.code == 1);
	CHECK(strstr(err.msg, "File name too long") != NULL);
	CHECK(count_fds() == before);
	tree_free(&t);
}

TEST(fd_path_text)
{
	char buf[64];
	fd_path(7, buf, sizeof buf);
	CHECK_STR(buf, "/proc/self/fd/7");
	fd_path(12345, buf, 10);
	CHECK_STR(buf, "/proc/sel");
}

/* Sets or (value NULL) unsets name. */
static void set_env(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

TEST(storage_dir)
{
	char *saved_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	struct passwd *pw = getpwuid(getuid());
	_cleanup_free_ char *pw_default =
	    xasprintf("%s/.local/share/clan", pw && pw->pw_dir ? pw->pw_dir : "/");

	set_env("CLAN_STORAGE", "/srv/clan");
	set_env("XDG_DATA_HOME", "/xdg");
	char *s = paths_storage_dir();
	CHECK_STR(s, "/srv/clan");
	free(s);

	set_env("CLAN_STORAGE", "");
	s = paths_storage_dir();
	CHECK_STR(s, "/xdg/clan");
	free(s);

	set_env("CLAN_STORAGE", NULL);
	set_env("XDG_DATA_HOME", "relative");
	set_env("HOME", "/home/someone");
	s = paths_storage_dir();
	CHECK_STR(s, "/home/someone/.local/share/clan");
	free(s);

	set_env("XDG_DATA_HOME", NULL);
	set_env("HOME", "not/absolute");
	s = paths_storage_dir();
	CHECK_STR(s, pw_default);
	free(s);

	set_env("HOME", NULL);
	s = paths_storage_dir();
	CHECK_STR(s, pw_default);
	free(s);

	set_env("HOME", saved_home);
	free(saved_home);
}

/* one rule for the storage dir and the registry's auth file: the
 * registry's copy took a relative HOME */
TEST(home_dir)
{
	char *saved_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	struct passwd *pw = getpwuid(getuid());
	const char *pw_home = pw && pw->pw_dir ? pw->pw_dir : "/";
	set_env("HOME", "/home/someone");
	CHECK_STR(paths_home_dir(), "/home/someone");
	set_env("HOME", "not/absolute");
	CHECK_STR(paths_home_dir(), pw_home);
	set_env("HOME", "");
	CHECK_STR(paths_home_dir(), pw_home);
	set_env("HOME", NULL);
	CHECK_STR(paths_home_dir(), pw_home);
	set_env("HOME", saved_home);
	free(saved_home);
}

TEST(runtime_dir)
{
	char *saved = getenv("XDG_RUNTIME_DIR") ? xstrdup(getenv("XDG_RUNTIME_DIR")) : NULL;
	_cleanup_free_ char *fallback = xasprintf("/tmp/clan-%u", (unsigned)getuid());
	char base[] = "/tmp/clan-test-rundir-XXXXXX";
	struct clan_err err;
	CHECK(mkdtemp(base) != NULL);
	/* no runtime-dir pointer from an earlier run in this storage */
	char *saved_storage = getenv("CLAN_STORAGE") ? xstrdup(getenv("CLAN_STORAGE")) : NULL;
	_cleanup_free_ char *storage = xasprintf("%s/storage", base);
	set_env("CLAN_STORAGE", storage);
	_cleanup_free_ char *own = xasprintf("%s/own", base);
	_cleanup_free_ char *link = xasprintf("%s/link", base);
	_cleanup_free_ char *want = xasprintf("%s/clan", own);
	CHECK(mkdir(own, 0700) == 0);
	CHECK(symlink(own, link) == 0);

	set_env("XDG_RUNTIME_DIR", own);
	char *s = paths_runtime_dir();
	CHECK_STR(s, want);
	free(s);

	CHECK(chmod(own, 0750) == 0);
	s = paths_runtime_dir();
	CHECK_STR(s, fallback);
	free(s);
	CHECK(chmod(own, 0701) == 0);
	s = paths_runtime_dir();
	CHECK_STR(s, fallback);
	free(s);
	CHECK(chmod(own, 0700) == 0);

	const char *others[] = {link, "relative/dir", "", "/nonexistent/clan-run"};
	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
		set_env("XDG_RUNTIME_DIR", others[i]);
		s = paths_runtime_dir();
		CHECK_STR(s, fallback);
		free(s);
	}
	set_env("XDG_RUNTIME_DIR", NULL);
	s = paths_runtime_dir();
	CHECK_STR(s, fallback);
	free(s);

	struct stat st;
	/* without a usable XDG_RUNTIME_DIR: a private mkdtemp dir, found again
	 * through the pointer in the storage dir */
	set_env("XDG_RUNTIME_DIR", NULL);
	char *made = NULL;
	CHECK(paths_runtime_dir_ensure(&made, &err) == 0);
	CHECK(made && strncmp(made, fallback, strlen(fallback)) == 0 &&
	      made[strlen(fallback)] == '.');
	CHECK(lstat(made, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	char *again = NULL;
	CHECK(paths_runtime_dir_ensure(&again, &err) == 0);
	CHECK_STR(again, made);
	s = paths_runtime_dir();
	CHECK_STR(s, made);
	free(s);
	/* gone (a reboot cleared /tmp): a new one */
	CHECK(rmdir(made) == 0);
	free(again);
	CHECK(paths_runtime_dir_ensure(&again, &err) == 0);
	CHECK(strcmp(again, made) != 0);
	rmdir(again);
	free(again);
	free(made);

	set_env("XDG_RUNTIME_DIR", saved);
	free(saved);
	set_env("CLAN_STORAGE", saved_storage);
	free(saved_storage);
	CHECK(remove_tree(base, &err) == 0);
}

/* XDG_RUNTIME_DIR 0700 but owned by someone else: not used. Root can make
 * such a dir, a user has /root. */
TEST(runtime_dir_foreign_owner)
{
	char *saved = getenv("XDG_RUNTIME_DIR") ? xstrdup(getenv("XDG_RUNTIME_DIR")) : NULL;
	char *saved_storage = getenv("CLAN_STORAGE") ? xstrdup(getenv("CLAN_STORAGE")) : NULL;
	_cleanup_free_ char *fallback = xasprintf("/tmp/clan-%u", (unsigned)getuid());
	char base[] = "/tmp/clan-test-rundir-XXXXXX";
	struct clan_err err;
	struct stat st;
	CHECK(mkdtemp(base) != NULL);
	_cleanup_free_ char *storage = xasprintf("%s/storage", base);
	_cleanup_free_ char *own = xasprintf("%s/own", base);
	CHECK(mkdir(own, 0700) == 0);
	const char *foreign = NULL;
	if (geteuid() == 0 && chown(own, 65534, 65534) == 0)
		foreign = own;
	else if (stat("/root", &st) == 0 && st.st_uid != getuid() && (st.st_mode & 0777) == 0700)
		foreign = "/root";
	if (foreign) {
		set_env("CLAN_STORAGE", storage);
		set_env("XDG_RUNTIME_DIR", foreign);
		char *s = paths_runtime_dir();
		CHECK_STR(s, fallback);
		free(s);
		set_env("XDG_RUNTIME_DIR", saved);
		set_env("CLAN_STORAGE", saved_storage);
	}
	free(saved);
	free(saved_storage);
	CHECK(remove_tree(base, &err) == 0);
	if (!foreign)
		SKIP("no 0700 directory of another user to point XDG_RUNTIME_DIR at");
}

TEST(ensure_private_dir)
{
	char base[] = "/tmp/clan-test-private-XXXXXX";
	struct clan_err err;
	struct stat st;
	CHECK(mkdtemp(base) != NULL);
	_cleanup_free_ char *deep = xasprintf("%s/a/b/run", base);
	CHECK(paths_ensure_private_dir(deep, &err) == 0);
	CHECK(lstat(deep, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);

	CHECK(chmod(deep, 0755) == 0);
	CHECK(paths_ensure_private_dir(deep, &err) == 0);
	CHECK(lstat(deep, &st) == 0 && (st.st_mode & 0777) == 0700);

	_cleanup_free_ char *link = xasprintf("%s/link", base);
	_cleanup_free_ char *want =
	    xasprintf("%s is not a directory owned by you (uid %u); remove it or set "
		      "XDG_RUNTIME_DIR/CLAN_STORAGE to a private directory",
		      link, (unsigned)getuid());
	CHECK(symlink(deep, link) == 0);
	CHECK(paths_ensure_private_dir(link, &err) < 0);
	CHECK_STR(err.msg, want);
	CHECK(remove_tree(base, &err) == 0);
}

/* A dir someone else made there (and left 0777) is refused, not taken. */
TEST(ensure_private_dir_foreign_owner)
{
	if (geteuid() != 0)
		SKIP("only root can make a directory owned by another user here");
	char base[] = "/tmp/clan-test-private-XXXXXX";
	struct clan_err err;
	struct stat st;
	CHECK(mkdtemp(base) != NULL);
	_cleanup_free_ char *squat = xasprintf("%s/squat", base);
	CHECK(mkdir(squat, 0700) == 0 && chmod(squat, 0777) == 0);
	CHECK(chown(squat, 65534, 65534) == 0);
	CHECK(paths_ensure_private_dir(squat, &err) < 0);
	CHECK(strstr(err.msg, "is not a directory owned by you") != NULL);
	CHECK(stat(squat, &st) == 0 && (st.st_mode & 0777) == 0777);
	CHECK(remove_tree(base, &err) == 0);
}
