/* The copy fallback's merge of overlayfs-layout layers. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs/layer_merge.h"
#include "tap.h"
#include "base/util.h"

static void put(const char *dir, const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	struct clan_err err;
	write_file(p, text, strlen(text), &err);
}

static char *get(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	char *text = NULL;
	struct clan_err err;
	return read_file(p, 4096, &text, &err) == 0 ? text : NULL;
}

static bool exists(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	struct stat st;
	return lstat(p, &st) == 0;
}

TEST(whiteout_is_a_0_0_char_device)
{
	struct stat st = {.st_mode = S_IFCHR | 0600, .st_rdev = makedev(0, 0)};
	CHECK(layer_is_whiteout(&st));
	st.st_rdev = makedev(1, 3); /* /dev/null */
	CHECK(!layer_is_whiteout(&st));
	st = (struct stat){.st_mode = S_IFREG | 0644};
	CHECK(!layer_is_whiteout(&st));
	st = (struct stat){.st_mode = S_IFBLK | 0600};
	CHECK(!layer_is_whiteout(&st));
}

TEST(merge_whiteouts_opaque_and_replacements)
{
	char base[] = "/tmp/clan-test-merge-XXXXXX";
	struct clan_err err;
	CHECK(mkdtemp(base) != NULL);
	_cleanup_free_ char *lower = xasprintf("%s/lower", base);
	_cleanup_free_ char *upper = xasprintf("%s/upper", base);
	_cleanup_free_ char *dest = xasprintf("%s/dest", base);
	CHECK(mkdir_p(lower, 0755, &err) == 0 && mkdir_p(upper, 0755, &err) == 0);
	CHECK(mkdir_p(dest, 0755, &err) == 0);
	/* what the bottom layer (already copied to dest) holds */
	for (const char *d = "a\0c\0dir2file\0"; *d; d += strlen(d) + 1) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dest, d);
		CHECK(mkdir(p, 0755) == 0);
	}
	put(dest, "a/x", "lower-x");
	put(dest, "b", "lower-b");
	put(dest, "c/old", "lower-old");
	put(dest, "dir2file/inner", "gone");
	/* the upper layer */
	_cleanup_free_ char *ua = xasprintf("%s/a", upper);
	_cleanup_free_ char *uc = xasprintf("%s/c", upper);
	_cleanup_free_ char *wb = xasprintf("%s/b", upper);
	CHECK(mkdir(ua, 0755) == 0 && mkdir(uc, 0755) == 0);
	put(upper, "a/y", "upper-y");
	put(upper, "a/x", "upper-x");
	put(upper, "c/new", "upper-new");
	put(upper, "dir2file", "now a file");
	_cleanup_free_ char *ulink = xasprintf("%s/link", upper);
	CHECK(symlink("a/y", ulink) == 0);
	CHECK(mknod(wb, S_IFCHR | 0000, makedev(0, 0)) == 0);
	CHECK(setxattr(uc, "user.overlay.opaque", "y", 1, 0) == 0);

	CHECK(layer_merge_onto(upper, dest, &err) == 0);
	_cleanup_free_ char *x = get(dest, "a/x"), *y = get(dest, "a/y"), *n = get(dest, "c/new");
	_cleanup_free_ char *f = get(dest, "dir2file"), *l = get(dest, "link");
	CHECK_STR(x, "upper-x");
	CHECK_STR(y, "upper-y");
	CHECK(!exists(dest, "b"));     /* whiteout */
	CHECK(!exists(dest, "c/old")); /* opaque dir */
	CHECK_STR(n, "upper-new");
	CHECK_STR(f, "now a file"); /* a file replaces a directory */
	CHECK_STR(l, "upper-y");    /* through the copied symlink */
	CHECK(remove_tree(base, &err) == 0);
}
