/* Unit tests for the small pure pieces: the generated /etc texts, overlay
 * mount options, env merging, parse_u32, strv, mkdir_p/remove_tree and the
 * default capability mask. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns/caps.h"
#include "container/container.h"
#include "netns/hosts.h"
#include "fs/overlay.h"
#include "fs/overlay_kernel.h"
#include "tap.h"
#include "base/util.h"

TEST(hosts_text_own_network)
{
	struct hosts_input in = {.hostname = "web"};
	_cleanup_free_ char *t = hosts_file_text(&in);
	CHECK_STR(t, "127.0.0.1\tlocalhost\n"
		     "::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "127.0.1.1\tweb\n");
}

TEST(hosts_text_host_network)
{
	struct hosts_input in = {.hostname = "web",
				 .host_hosts = "127.0.0.1 localhost\n10.0.0.1 db\n"};
	_cleanup_free_ char *a = hosts_file_text(&in);
	CHECK_STR(a, "127.0.0.1 localhost\n10.0.0.1 db\n127.0.1.1\tweb\n");
	/* no final newline: one is added before our line */
	in.host_hosts = "127.0.0.1 localhost";
	_cleanup_free_ char *b = hosts_file_text(&in);
	CHECK_STR(b, "127.0.0.1 localhost\n127.0.1.1\tweb\n");
	in.host_hosts = "";
	_cleanup_free_ char *c = hosts_file_text(&in);
	CHECK_STR(c, "127.0.1.1\tweb\n");
}

TEST(hosts_text_slirp_names_and_extras)
{
	struct strv local = {0}, extra = {0};
	strv_push(&local, "db");
	strv_push(&local, "cache");
	strv_push(&extra, "192.0.2.7\tregistry.corp");
	struct hosts_input in = {.hostname = "web",
				 .own_ip = "10.0.2.100",
				 .local_names = &local,
				 .extra = &extra,
				 .host_gateway = true};
	_cleanup_free_ char *t = hosts_file_text(&in);
	CHECK_STR(t, "127.0.0.1\tlocalhost db cache\n"
		     "::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "10.0.2.100\tweb\n"
		     "10.0.2.2\thost.clan.internal\n"
		     "192.0.2.7\tregistry.corp\n");
	/* host.clan.internal only when asked for: it opens host loopback */
	in.host_gateway = false;
	in.extra = NULL;
	_cleanup_free_ char *u = hosts_file_text(&in);
	CHECK(strstr(u, "host.clan.internal") == NULL);
	strv_free(&local);
	strv_free(&extra);
}

TEST(resolv_text)
{
	_cleanup_free_ char *a = resolv_file_text(NULL, NULL);
	CHECK_STR(a, "# no network: this container has only loopback\n");
	const char *host = "nameserver 10.0.0.2\nsearch example.org\n";
	_cleanup_free_ char *b = resolv_file_text(host, NULL);
	CHECK_STR(b, host);
	CHECK(b != host); /* a copy the caller frees */
	_cleanup_free_ char *c = resolv_file_text("", NULL);
	CHECK_STR(c, "");
}

TEST(resolv_text_slirp_keeps_search_and_options)
{
	/* a 127.0.0.53 stub is unreachable from the namespace: slirp4netns's
	 * resolver stands in, the host's search domains stay */
	const char *host = "# managed\nnameserver 127.0.0.53\noptions edns0 trust-ad\n"
			   "search corp.example\nsearchx no\n";
	_cleanup_free_ char *a = resolv_file_text(host, "10.0.2.3");
	CHECK_STR(a, "nameserver 10.0.2.3\noptions edns0 trust-ad\nsearch corp.example\n");
	_cleanup_free_ char *b = resolv_file_text(NULL, "10.0.2.3");
	CHECK_STR(b, "nameserver 10.0.2.3\n");
	_cleanup_free_ char *c = resolv_file_text("search a.b", "10.0.2.3");
	CHECK_STR(c, "nameserver 10.0.2.3\nsearch a.b\n");
}

TEST(overlay_options_text)
{
	struct strv lowers = {0};
	strv_push(&lowers, "/img/l1");
	_cleanup_free_ char *one = overlay_options(&lowers, "/c/upper", "/c/work", false);
	CHECK_STR(one, "lowerdir=/img/l1,upperdir=/c/upper,workdir=/c/work");
	strv_push(&lowers, "/img/l2");
	strv_push(&lowers, "/img/l3");
	_cleanup_free_ char *three = overlay_options(&lowers, "/c/upper", "/c/work", true);
	CHECK_STR(three, "lowerdir=/img/l1:/img/l2:/img/l3,upperdir=/c/upper,workdir=/c/work,"
			 "userxattr");
	strv_free(&lowers);
}

/* Past overlayfs's 500 lowers the bottom ones are merged into one below
 * 499 of their own; past what that holds there is no way. */
TEST(overlay_kernel_stack_split)
{
	CHECK(overlay_kernel_own_layers(1) == 1);
	CHECK(overlay_kernel_own_layers(OVL_MAX_LOWERS) == OVL_MAX_LOWERS);
	CHECK(overlay_kernel_own_layers(OVL_MAX_LOWERS + 1) == OVL_MAX_LOWERS - 1);
	CHECK(overlay_kernel_own_layers(2 * OVL_MAX_LOWERS - 1) == OVL_MAX_LOWERS - 1);
	CHECK(overlay_kernel_own_layers(2 * OVL_MAX_LOWERS) == 0);
	CHECK(overlay_kernel_own_layers(SIZE_MAX) == 0);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	CHECK(overlay_options_fit(page - 1));
	CHECK(!overlay_options_fit(page));
}

TEST(overlay_options_long_paths)
{
	struct strv lowers = {0};
	char *l = xmalloc(4001), *u = xmalloc(3001);
	memset(l, 'l', 4000);
	l[0] = '/';
	l[4000] = '\0';
	memset(u, 'u', 3000);
	u[0] = '/';
	u[3000] = '\0';
	strv_push(&lowers, l);
	strv_push(&lowers, l);
	_cleanup_free_ char *s = overlay_options(&lowers, u, "/w", true);
	_cleanup_free_ char *want =
	    xasprintf("lowerdir=%s:%s,upperdir=%s,workdir=/w,userxattr", l, l, u);
	CHECK_STR(s, want);
	free(l);
	free(u);
	strv_free(&lowers);
}

static struct strv strv_of(const char *const *items, size_t n)
{
	struct strv s = {0};
	for (size_t i = 0; i < n; i++)
		strv_push(&s, items[i]);
	return s;
}

TEST(env_merge_override_keeps_position)
{
	static const char *const base[] = {"A=1", "B=2", "C=3"};
	static const char *const add[] = {"B=20", "D=4", "A=10"};
	struct strv into = strv_of(base, 3), more = strv_of(add, 3);
	env_merge(&into, &more);
	static const char *const want[] = {"A=10", "B=20", "C=3", "D=4"};
	CHECK(into.n == ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want) && i < into.n; i++)
		CHECK_STR(into.v[i], want[i]);
	CHECK(into.v[into.n] == NULL);
	strv_free(&into);
	strv_free(&more);
}

TEST(env_merge_keys_are_whole)
{
	static const char *const base[] = {"AB=1", "PATH=/bin"};
	static const char *const add[] = {"A=2", "PATH=", "X=1", "X=2"};
	struct strv into = strv_of(base, 2), more = strv_of(add, 4);
	env_merge(&into, &more);
	/* A is not AB; an empty value still replaces; a repeated new key is added once */
	static const char *const want[] = {"AB=1", "PATH=", "A=2", "X=2"};
	CHECK(into.n == ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want) && i < into.n; i++)
		CHECK_STR(into.v[i], want[i]);
	strv_free(&into);
	strv_free(&more);

	struct strv empty = {0}, one = strv_of(add, 1);
	env_merge(&empty, &one);
	CHECK(empty.n == 1);
	CHECK_STR(empty.v[0], "A=2");
	struct strv none = {0};
	env_merge(&empty, &none);
	CHECK(empty.n == 1);
	strv_free(&empty);
	strv_free(&one);
}

TEST(parse_u32_cases)
{
	uint32_t v = 0;
	CHECK(parse_u32("0", &v) && v == 0);
	CHECK(parse_u32("1", &v) && v == 1);
	CHECK(parse_u32("01", &v) && v == 1);
	CHECK(parse_u32("000", &v) && v == 0);
	CHECK(parse_u32("65536", &v) && v == 65536);
	CHECK(parse_u32("4294967295", &v) && v == UINT32_MAX);
	v = 42;
	static const char *const bad[] = {"4294967296", "99999999999999999999999",
					  "",		"-1",
					  " 1",		"1 ",
					  "+1",		"0x10",
					  "1a",		"a",
					  "1.0",	"\t1",
					  "1\n"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		bool ok = parse_u32(bad[i], &v);
		if (ok)
			printf("#   accepted '%s'\n", bad[i]);
		CHECK(!ok);
	}
	CHECK(!parse_u32(NULL, &v));
	CHECK(v == 42); /* untouched on failure */
}

TEST(strv_push_free)
{
	struct strv s = {0};
	char buf[16] = "hello";
	strv_push(&s, buf);
	buf[0] = 'j'; /* strv_push copies */
	CHECK(s.n == 1);
	CHECK_STR(s.v[0], "hello");
	CHECK(s.v[1] == NULL);
	char *owned = xstrdup("owned");
	strv_push_owned(&s, owned);
	CHECK(s.v[1] == owned); /* strv_push_owned takes the pointer */
	for (int i = 0; i < 20; i++) {
		char item[16];
		snprintf(item, sizeof item, "item%d", i);
		strv_push(&s, item);
	}
	CHECK(s.n == 22);
	CHECK(s.cap >= s.n + 1);
	CHECK_STR(s.v[21], "item19");
	CHECK(s.v[22] == NULL);
	strv_free(&s);
	CHECK(s.v == NULL && s.n == 0 && s.cap == 0);
	strv_free(&s); /* twice is fine */
	CHECK(s.v == NULL);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static bool touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

TEST(mkdir_p_cases)
{
	char base[] = "/tmp/clan-test-misc-XXXXXX";
	struct clan_err err;
	CHECK(mkdtemp(base) != NULL);
	_cleanup_free_ char *deep = xasprintf("%s/a/b/c", base);
	CHECK(mkdir_p(deep, 0755, &err) == 0);
	CHECK(is_dir(deep));
	CHECK(mkdir_p(deep, 0755, &err) == 0); /* again: fine */
	_cleanup_free_ char *slashes = xasprintf("%s/x//y/", base);
	_cleanup_free_ char *y = xasprintf("%s/x/y", base);
	CHECK(mkdir_p(slashes, 0700, &err) == 0);
	CHECK(is_dir(y));
	struct stat st;
	CHECK(stat(y, &st) == 0 && (st.st_mode & 0777) == 0700);

	_cleanup_free_ char *file = xasprintf("%s/file", base);
	_cleanup_free_ char *under = xasprintf("%s/file/sub", base);
	_cleanup_free_ char *want = xasprintf("cannot create directory %s: Not a directory", under);
	CHECK(touch(file));
	CHECK(mkdir_p(under, 0755, &err) < 0);
	CHECK_STR(err.msg, want);
	CHECK(mkdir_p("/", 0755, &err) == 0);
	CHECK(remove_tree(base, &err) == 0);
	CHECK(!exists(base));
}

/* mkdir_p("") is an error (mkdir("") is ENOENT) and must not touch memory
 * past the empty string: a sanitizer build would abort, so it runs in a
 * child in an empty directory. */
TEST(mkdir_p_empty_path)
{
	char base[] = "/tmp/clan-test-misc-XXXXXX";
	struct clan_err err;
	CHECK(mkdtemp(base) != NULL);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct clan_err child_err;
		if (chdir(base) < 0)
			_exit(3);
		_exit(mkdir_p("", 0755, &child_err) < 0 ? 0 : 1);
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(remove_tree(base, &err) == 0);
}

TEST(remove_tree_cases)
{
	char base[] = "/tmp/clan-test-misc-XXXXXX";
	struct clan_err err;
	CHECK(mkdtemp(base) != NULL);
	_cleanup_free_ char *t = xasprintf("%s/t", base);
	_cleanup_free_ char *outside = xasprintf("%s/outside", base);
	_cleanup_free_ char *keep = xasprintf("%s/outside/keep", base);
	_cleanup_free_ char *locked = xasprintf("%s/t/locked", base);
	_cleanup_free_ char *locked_sub = xasprintf("%s/t/locked/inner", base);
	_cleanup_free_ char *locked_file = xasprintf("%s/t/locked/inner/f", base);
	_cleanup_free_ char *ro1 = xasprintf("%s/t/ro1", base);
	_cleanup_free_ char *ro2 = xasprintf("%s/t/ro1/ro2", base);
	_cleanup_free_ char *ro3 = xasprintf("%s/t/ro1/ro2/ro3", base);
	_cleanup_free_ char *ro_file = xasprintf("%s/t/ro1/ro2/ro3/f", base);
	_cleanup_free_ char *link_dir = xasprintf("%s/t/link-dir", base);
	_cleanup_free_ char *link_file = xasprintf("%s/t/link-file", base);
	_cleanup_free_ char *plain = xasprintf("%s/t/plain", base);

	CHECK(mkdir_p(locked_sub, 0755, &err) == 0 && mkdir_p(ro3, 0755, &err) == 0);
	CHECK(mkdir(outside, 0755) == 0 && touch(keep));
	CHECK(touch(locked_file) && touch(ro_file) && touch(plain));
	CHECK(symlink(outside, link_dir) == 0 && symlink(keep, link_file) == 0);
	/* overlay's work/work is mode 0000; images carry read-only dirs */
	CHECK(chmod(locked_sub, 0000) == 0 && chmod(locked, 0000) == 0);
	CHECK(chmod(ro3, 0555) == 0 && chmod(ro2, 0500) == 0 && chmod(ro1, 0555) == 0);

	CHECK(remove_tree(t, &err) == 0);
	CHECK(!exists(t));
	/* symlinks were removed, not followed */
	CHECK(is_dir(outside) && exists(keep));

	/* missing: nothing to do; a file: removed */
	CHECK(remove_tree(t, &err) == 0);
	CHECK(remove_tree(keep, &err) == 0);
	CHECK(!exists(keep));
	CHECK(remove_tree(base, &err) == 0);
	CHECK(!exists(base));
}

TEST(remove_tree_error_message)
{
	struct clan_err err;
	/* a path below a file cannot be inspected */
	char base[] = "/tmp/clan-test-misc-XXXXXX";
	CHECK(mkdtemp(base) != NULL);
	_cleanup_free_ char *file = xasprintf("%s/f", base);
	_cleanup_free_ char *below = xasprintf("%s/f/x", base);
	_cleanup_free_ char *want = xasprintf("cannot remove %s: Not a directory", below);
	CHECK(touch(file));
	CHECK(remove_tree(below, &err) < 0);
	CHECK_STR(err.msg, want);
	CHECK(remove_tree(base, &err) == 0);
}

TEST(default_caps_mask)
{
	CHECK(caps_default_mask() == 0xa80425fbULL);
}

TEST(path_dir_cases)
{
	static const char *const cases[][2] = {{"a.yml", "."},	 {"/a.yml", "/"},
					       {"x/a.yml", "x"}, {"/x/y/a", "/x/y"},
					       {"./a", "."},	 {"/", "/"}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *d = path_dir(cases[i][0]);
		CHECK_STR(d, cases[i][1]);
		free(d);
	}
}
