/* Unit tests for project_find: the .clanrc of the current dir, else of
 * the nearest parent up to home or /, never one another user could have
 * written (a planted /tmp/.clanrc on a shared machine). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/project_find.h"
#include "tap.h"

static char root[64];

static char *path_of(const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static void mkdirs(const char *rel)
{
	struct clan_err err;
	_cleanup_free_ char *p = path_of(rel);
	mkdir_p(p, 0755, &err);
}

static void put(const char *rel, mode_t mode)
{
	struct clan_err err;
	_cleanup_free_ char *p = path_of(rel);
	write_file(p, "[service.a]\nimage = x\n", 22, &err);
	chmod(p, mode);
}

static void setup(void)
{
	snprintf(root, sizeof root, "/tmp/clan-test-pfind.XXXXXX");
	if (!mkdtemp(root))
		abort();
	chmod(root, 0755);
}

static void teardown(void)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", root);
}

static char *find(const char *rel, const char *home_rel, struct strv *skipped)
{
	_cleanup_free_ char *start = path_of(rel);
	_cleanup_free_ char *home = home_rel ? path_of(home_rel) : NULL;
	return project_find(start, home, getuid(), skipped);
}

TEST(here_then_parents)
{
	setup();
	mkdirs("proj/src/deep");
	put("proj/.clanrc", 0644);
	_cleanup_free_ char *want = path_of("proj");
	_cleanup_free_ char *a = find("proj", NULL, NULL);
	_cleanup_free_ char *b = find("proj/src/deep", NULL, NULL);
	CHECK_STR(a, want);
	CHECK_STR(b, want);
	/* the nearest wins */
	put("proj/src/.clanrc", 0644);
	_cleanup_free_ char *near = path_of("proj/src");
	_cleanup_free_ char *c = find("proj/src/deep", NULL, NULL);
	CHECK_STR(c, near);
	teardown();
}

TEST(stops_at_home)
{
	setup();
	mkdirs("home/me/proj/src");
	put(".clanrc", 0644); /* above home: not looked at */
	_cleanup_free_ char *a = find("home/me/proj/src", "home/me", NULL);
	CHECK(a == NULL);
	put("home/me/.clanrc", 0644); /* home itself is */
	_cleanup_free_ char *b = find("home/me/proj/src", "home/me/", NULL);
	_cleanup_free_ char *want = path_of("home/me");
	CHECK_STR(b, want);
	/* outside home: up to / */
	mkdirs("elsewhere/x");
	_cleanup_free_ char *c = find("elsewhere/x", "home/me", NULL);
	_cleanup_free_ char *top = xstrdup(root);
	CHECK_STR(c, top);
	teardown();
}

/* A parent's file writable by others, not a regular file, or another
 * user's is skipped and named; the current dir's own is taken. */
TEST(skips_files_others_could_write)
{
	setup();
	mkdirs("shared/mine/sub");
	put("shared/.clanrc", 0666);
	struct strv skipped = {0};
	_cleanup_free_ char *a = find("shared/mine/sub", NULL, &skipped);
	CHECK(a == NULL);
	CHECK(skipped.n == 1);
	CHECK(skipped.n && strstr(skipped.v[0], "writable by other users") != NULL);
	CHECK(skipped.n && strstr(skipped.v[0], "shared/.clanrc") != NULL);
	strv_free(&skipped);
	/* in the dir itself it is the user's choice */
	_cleanup_free_ char *b = find("shared", NULL, NULL);
	_cleanup_free_ char *want = path_of("shared");
	CHECK_STR(b, want);

	/* a symlink planted as .clanrc */
	_cleanup_free_ char *link = path_of("shared/mine/.clanrc");
	_cleanup_free_ char *target = path_of("shared/.clanrc");
	CHECK(symlink(target, link) == 0);
	_cleanup_free_ char *c = find("shared/mine/sub", NULL, &skipped);
	CHECK(c == NULL);
	CHECK(skipped.n == 2 && strstr(skipped.v[0], "not a regular file") != NULL);
	strv_free(&skipped);
	teardown();
}

/* The user's own file in a dir others may write (not sticky): another
 * user could swap it for theirs between the check and the read */
TEST(skips_a_file_in_a_dir_others_can_change)
{
	setup();
	mkdirs("open/proj");
	put("open/.clanrc", 0644);
	_cleanup_free_ char *dir = path_of("open");
	CHECK(chmod(dir, 0777) == 0);
	struct strv skipped = {0};
	_cleanup_free_ char *a = find("open/proj", NULL, &skipped);
	CHECK(a == NULL);
	CHECK(skipped.n == 1 && strstr(skipped.v[0], "other users can change") != NULL);
	strv_free(&skipped);
	/* sticky, as /tmp: others cannot replace what is ours */
	CHECK(chmod(dir, 01777) == 0);
	_cleanup_free_ char *b = find("open/proj", NULL, NULL);
	CHECK_STR(b, dir);
	teardown();
}

TEST(skips_another_users_file)
{
	setup();
	mkdirs("tmp/alice/proj");
	put("tmp/.clanrc", 0644);
	_cleanup_free_ char *planted = path_of("tmp/.clanrc");
	_cleanup_free_ char *start = path_of("tmp/alice/proj");
	uid_t me = getuid();
	struct strv skipped = {0};
	char *got;
	if (me == 0) {
		/* as root: the file becomes another user's */
		CHECK(chown(planted, 4242, 4242) == 0);
		got = project_find(start, NULL, 0, &skipped);
	} else {
		/* as a user: the file is ours (not root's); ask as someone else */
		got = project_find(start, NULL, me + 1, &skipped);
	}
	CHECK(got == NULL);
	CHECK(skipped.n == 1 && strstr(skipped.v[0], "owned by another user") != NULL);
	free(got);
	strv_free(&skipped);
	teardown();
}
