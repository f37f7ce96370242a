/* Unit tests for deb: images: references, cache keys, names, the
 * architecture mapping and the mirror taken from the host's apt sources. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "debimage/debimage.h"
#include "debimage/debimage_int.h"
#include "tap.h"
#include "base/util.h"

/* Parses text and returns the packages joined with ',' (NULL on error). */
static char *parse_joined(const char *text, char **suite, struct clan_err *err)
{
	struct strv pk;
	if (debimage_parse(text, suite, &pk, err) < 0)
		return NULL;
	size_t len = 1;
	for (size_t i = 0; i < pk.n; i++)
		len += strlen(pk.v[i]) + 1;
	char *out = xcalloc(1, len);
	for (size_t i = 0; i < pk.n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, pk.v[i]);
	}
	strv_free(&pk);
	return out;
}

TEST(parse_suite_only)
{
	struct clan_err err;
	_cleanup_free_ char *suite = NULL;
	_cleanup_free_ char *pk = parse_joined("deb:bookworm", &suite, &err);
	CHECK_STR(suite, "bookworm");
	CHECK_STR(pk, "");
}

TEST(parse_packages_sorted_unique)
{
	struct clan_err err;
	_cleanup_free_ char *suite = NULL;
	_cleanup_free_ char *pk =
	    parse_joined("deb:bookworm+postgresql-15,curl,g++,curl,libstdc++6", &suite, &err);
	CHECK_STR(suite, "bookworm");
	CHECK_STR(pk, "curl,g++,libstdc++6,postgresql-15");
	_cleanup_free_ char *s2 = NULL;
	_cleanup_free_ char *pk2 = parse_joined("deb:bookworm-backports+hello", &s2, &err);
	CHECK_STR(s2, "bookworm-backports");
	CHECK_STR(pk2, "hello");
}

TEST(parse_errors_are_usage)
{
	static const char *const bad[] = {
	    "deb:",		  /* empty suite */
	    "deb:+curl",	  /* empty suite */
	    "deb:bookworm+",	  /* empty package list */
	    "deb:bookworm+a,,b",  /* empty package name */
	    "deb:bookworm+curl,", /* trailing comma */
	    "deb:bookworm+Curl",  /* uppercase */
	    "deb:bookworm+c",	  /* one character */
	    "deb:bookworm+cu rl", /* space */
	    "deb:-bookworm",	  /* would read as an option */
	    "deb:book/worm",	  /* not a suite */
	    "bookworm",		  /* no scheme */
	    "debian:bookworm",
	    "deb:bookworm+-x", /* would read as an option */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct clan_err err = {0};
		char *suite = (char *)"unset";
		struct strv pk = {0};
		int rc = debimage_parse(bad[i], &suite, &pk, &err);
		if (rc != -1 || err.code != CLAN_EXIT_USAGE || suite != NULL || pk.n != 0)
			printf("#   accepted or wrong code: %s (rc %d, code %d)\n", bad[i], rc,
			       err.code);
		CHECK(rc == -1);
		CHECK(err.code == CLAN_EXIT_USAGE);
		CHECK(suite == NULL);
		CHECK(strstr(err.msg, bad[i]) != NULL); /* the message names the input */
	}
}

/* Debian policy 5.6.7, one rule for deb: images and .clanrc's packages */
TEST(package_names)
{
	static const char *const good[] = {"curl", "g++", "libstdc++6", "postgresql-15",
					   "0ad",  "xz",  "python3.11"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		CHECK(debimage_is_package_name(good[i], strlen(good[i])));
	static const char *const bad[] = {"", "c", "Curl", "-x", "+x", ".x", "cu rl", "a_b", "a/b"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!debimage_is_package_name(bad[i], strlen(bad[i])));
	char long_name[130];
	memset(long_name, 'a', sizeof long_name);
	CHECK(debimage_is_package_name(long_name, 128));
	CHECK(!debimage_is_package_name(long_name, 129));
	/* n bounds the name: "curl" of "curl,vim" */
	CHECK(debimage_is_package_name("curl,vim", 4));
}

/* Only Debian's suites and codenames, with their pockets: a typo fails
 * at parse time (clan config -q) with a suggestion, not in mmdebstrap. */
TEST(suite_must_be_debian_s)
{
	static const char *const good[] = {"deb:bookworm",
					   "deb:trixie",
					   "deb:bullseye",
					   "deb:buster",
					   "deb:sid",
					   "deb:stable",
					   "deb:testing",
					   "deb:unstable",
					   "deb:oldstable",
					   "deb:bookworm-backports",
					   "deb:stable-updates",
					   "deb:trixie-security",
					   "deb:experimental+curl"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct clan_err err = {0};
		char *suite = NULL;
		struct strv pk = {0};
		int rc = debimage_parse(good[i], &suite, &pk, &err);
		if (rc != 0)
			printf("#   refused %s: %s\n", good[i], err.msg);
		CHECK(rc == 0);
		free(suite);
		strv_free(&pk);
	}
	static const char *const typo[][2] = {
	    {"deb:bookwrom", "did you mean deb:bookworm?"},
	    {"deb:bookwrom+curl", "did you mean deb:bookworm?"},
	    {"deb:trixy", "did you mean deb:trixie?"},
	    {"deb:bookwom-backports", "did you mean deb:bookworm-backports?"},
	    {"deb:stabel", "did you mean deb:stable?"},
	    {"deb:ubuntu", "not a Debian suite: write a codename"},
	    {"deb:bookworm-backport", "did you mean deb:bookworm-backports?"},
	    {"deb:bookworm-nonsense", "not a Debian suite: write a codename"},
	    {"deb:bookworm.1", "not a Debian suite"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(typo); i++) {
		struct clan_err err = {0};
		char *suite = NULL;
		struct strv pk = {0};
		int rc = debimage_parse(typo[i][0], &suite, &pk, &err);
		if (rc == 0 || !strstr(err.msg, typo[i][1]))
			printf("#   %s: got '%s', want '%s'\n", typo[i][0], rc ? err.msg : "(ok)",
			       typo[i][1]);
		CHECK(rc == -1);
		CHECK(err.code == CLAN_EXIT_USAGE);
		CHECK(strstr(err.msg, typo[i][1]) != NULL);
		free(suite);
		strv_free(&pk);
	}
}

/* Build messages name the packages, not only the hash of the image name. */
TEST(shown_names_the_packages)
{
	struct strv pk = {0};
	_cleanup_free_ char *bare = debimage_shown("bookworm", &pk);
	CHECK_STR(bare, "deb:bookworm");
	strv_push(&pk, "curl");
	strv_push(&pk, "python3");
	_cleanup_free_ char *two = debimage_shown("bookworm", &pk);
	CHECK_STR(two, "deb:bookworm+curl,python3");
	for (int i = 0; i < 40; i++)
		strv_push_owned(&pk, xasprintf("package-number-%02d", i));
	_cleanup_free_ char *many = debimage_shown("bookworm", &pk);
	CHECK(strlen(many) < 200);
	CHECK(strstr(many, "deb:bookworm+curl,python3,package-number-00") == many);
	CHECK(strstr(many, " more)") != NULL);
	strv_free(&pk);
}

TEST(key_is_sha256_of_the_text)
{
	/* printf 'bookworm\namd64\n' | sha256sum */
	struct strv none = {0};
	char id[72];
	debimage_key("bookworm", &none, "amd64", id);
	CHECK_STR(id, "sha256:39308946a3e9c484c98d5230554daec3a3312a5d250d06d1ed2d384f19eb348c");
}

TEST(key_ignores_package_order_and_depends_on_everything_else)
{
	struct strv a = {0}, b = {0}, c = {0}, none = {0};
	strv_push(&a, "curl");
	strv_push(&a, "postgresql-15");
	strv_push(&b, "postgresql-15");
	strv_push(&b, "curl");
	strv_push(&c, "curl");
	char ka[72], kb[72], kc[72], k1[72], k2[72], k3[72];
	debimage_key("bookworm", &a, "amd64", ka);
	debimage_key("bookworm", &b, "amd64", kb);
	debimage_key("bookworm", &c, "amd64", kc);
	debimage_key("bookworm", &none, "amd64", k1);
	debimage_key("bookworm", &a, "arm64", k2);
	debimage_key("trixie", &a, "amd64", k3);
	CHECK_STR(ka, kb);
	CHECK(strcmp(ka, kc) != 0);
	CHECK(strcmp(ka, k1) != 0);
	CHECK(strcmp(ka, k2) != 0);
	CHECK(strcmp(ka, k3) != 0);
	CHECK(strncmp(ka, "sha256:", 7) == 0 && strlen(ka) == 71);
	strv_free(&a);
	strv_free(&b);
	strv_free(&c);
}

TEST(name_has_twelve_hex)
{
	const char id[72] =
	    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	_cleanup_free_ char *n = debimage_name("bookworm", id);
	CHECK_STR(n, "deb:bookworm+0123456789ab");
}

TEST(arch_names)
{
	CHECK_STR(debimage_arch_of("x86_64"), "amd64");
	CHECK_STR(debimage_arch_of("aarch64"), "arm64");
	CHECK_STR(debimage_arch_of("armv7l"), "armhf");
	CHECK_STR(debimage_arch_of("i686"), "i386");
	CHECK_STR(debimage_arch_of("ppc64le"), "ppc64el");
	CHECK_STR(debimage_arch_of("s390x"), "s390x");
	CHECK_STR(debimage_arch_of("weird9"), "weird9");
	CHECK(debimage_this_arch()[0] != '\0');
}

static char *lines_of(const struct deb_sources *src, const char *suite)
{
	struct strv l = {0};
	debimage_mirror_lines(src, suite, &l);
	size_t len = 1;
	for (size_t i = 0; i < l.n; i++)
		len += strlen(l.v[i]) + 1;
	char *out = xcalloc(1, len);
	for (size_t i = 0; i < l.n; i++) {
		strcat(out, l.v[i]);
		strcat(out, "\n");
	}
	strv_free(&l);
	return out;
}

TEST(sources_deb822)
{
	const char *text = "# a comment\n"
			   "Types: deb deb-src\n"
			   "URIs: http://mirror.example/debian\n"
			   "Suites: bookworm bookworm-updates\n"
			   "Components: main\n"
			   "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
			   "\n"
			   "Types: deb\n"
			   "URIs: http://mirror.example/debian-security\n"
			   "Suites: bookworm-security\n"
			   "Components: main\n"
			   "\n"
			   "Types: deb\n"
			   "URIs: http://other.example/apt\n"
			   "Suites: cloud-sdk-bookworm\n";
	struct deb_sources s = {0};
	debimage_sources_scan(text, true, "bookworm", &s);
	CHECK_STR(s.archive, "http://mirror.example/debian");
	CHECK_STR(s.updates, "http://mirror.example/debian");
	CHECK_STR(s.security, "http://mirror.example/debian-security");
	_cleanup_free_ char *l = lines_of(&s, "bookworm");
	CHECK_STR(l, "deb http://mirror.example/debian bookworm main\n"
		     "deb http://mirror.example/debian bookworm-updates main\n"
		     "deb http://mirror.example/debian-security bookworm-security main\n");
	_cleanup_free_ char *sid = lines_of(&s, "sid");
	CHECK_STR(sid, "deb http://mirror.example/debian sid main\n");
	_cleanup_free_ char *bp = lines_of(&s, "bookworm-backports");
	CHECK_STR(bp, "deb http://mirror.example/debian bookworm-backports main\n");
	_cleanup_free_ char *tx = lines_of(&s, "trixie");
	CHECK_STR(tx, "deb http://mirror.example/debian trixie main\n"
		      "deb http://mirror.example/debian trixie-updates main\n"
		      "deb http://mirror.example/debian-security trixie-security main\n");
	debimage_sources_free(&s);
}

TEST(sources_deb822_disabled_and_continued)
{
	const char *text = "Types: deb\n"
			   "URIs: http://off.example/debian\n"
			   "Suites: bookworm\n"
			   "Enabled: no\n"
			   "\n"
			   "\n"
			   "Types: deb\r\n"
			   "URIs:\n"
			   " http://on.example/debian\n"
			   "Suites: bookworm\n";
	struct deb_sources s = {0};
	debimage_sources_scan(text, true, "bookworm", &s);
	CHECK_STR(s.archive, "http://on.example/debian");
	CHECK(s.updates == NULL && s.security == NULL);
	debimage_sources_free(&s);
}

TEST(sources_one_line)
{
	const char *text =
	    "deb-src http://src.example/debian bookworm main\n"
	    "# deb http://commented.example/debian bookworm main\n"
	    "deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n"
	    "deb http://m.example/debian bookworm-updates main # trailing\n"
	    "deb http://security.example/ bookworm/updates main\n"
	    "deb https://packages.example/apt cloud-sdk-bookworm main\n"
	    "deb http://second.example/debian bookworm main\n"
	    "deb [broken\n"
	    "deb\n";
	struct deb_sources s = {0};
	debimage_sources_scan(text, false, "bookworm", &s);
	CHECK_STR(s.archive, "http://m.example/debian");
	CHECK_STR(s.updates, "http://m.example/debian");
	CHECK_STR(s.security, "http://security.example/");
	debimage_sources_free(&s);
}

TEST(sources_none_means_no_lines)
{
	struct deb_sources s = {0};
	debimage_sources_scan("deb http://m.example/ubuntu jammy main\n", false, "bookworm", &s);
	CHECK(s.archive == NULL);
	_cleanup_free_ char *l = lines_of(&s, "bookworm");
	CHECK_STR(l, "");
	debimage_sources_free(&s);
}

static const struct deb_root_op *op_at(const struct deb_root_plan *p, const char *dst)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->ops[i].dst, dst) == 0)
			return &p->ops[i];
	return NULL;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return path && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The build's root: the user's home and the storage around the build's
 * own dirs are not in it; those two are, read-write; the host's programs
 * read-only. */
TEST(build_root_plan_leaves_out_home_and_storage)
{
	const char *target = "/home/u/.local/share/clan/layers/.tmp-aaa";
	const char *work = "/home/u/.local/share/clan/layers/.tmp-bbb";
	struct deb_root_plan p;
	debimage_root_plan(target, work, "/usr/bin/mmdebstrap", NULL, &p);
	const struct deb_root_op *t = op_at(&p, target), *w = op_at(&p, work);
	CHECK(t && t->kind == DEB_ROOT_BIND_RW && strcmp(t->src, target) == 0);
	CHECK(w && w->kind == DEB_ROOT_BIND_RW && strcmp(w->src, work) == 0);
	const struct deb_root_op *usr = op_at(&p, "/usr"), *proc = op_at(&p, "/proc");
	CHECK(usr && usr->kind == DEB_ROOT_BIND_RO);
	CHECK(proc && proc->kind == DEB_ROOT_PROC);
	const char *home = getenv("HOME");
	for (size_t i = 0; i < p.n; i++) {
		const struct deb_root_op *o = &p.ops[i];
		if (o == t || o == w)
			continue;
		CHECK(!under(o->dst, "/home/u"));
		CHECK(!under(o->src, "/home/u"));
		CHECK(!under(o->dst, "/run") && !under(o->dst, "/var") && !under(o->dst, "/root"));
		if (home && strcmp(home, "/") != 0)
			CHECK(o->kind == DEB_ROOT_SYMLINK || !under(o->src, home));
		CHECK(o->kind != DEB_ROOT_BIND_RW);
	}
	debimage_root_plan_free(&p);
}

/* A mmdebstrap outside the system dirs comes along, that file alone. */
TEST(build_root_plan_binds_a_private_mmdebstrap)
{
	struct deb_root_plan p;
	debimage_root_plan("/s/t", "/s/w", "/opt/mm/mmdebstrap", NULL, &p);
	const struct deb_root_op *m = op_at(&p, "/opt/mm/mmdebstrap");
	CHECK(m && m->kind == DEB_ROOT_BIND_RO);
	CHECK(op_at(&p, "/opt/mm") == NULL && op_at(&p, "/opt") == NULL);
	debimage_root_plan_free(&p);
}

/* A file: mirror's dir comes along read-only; an http one adds nothing. */
TEST(build_root_plan_binds_a_local_mirror)
{
	struct strv lines = {0};
	strv_push(&lines, "deb file:///usr/share bookworm main");
	strv_push(&lines, "deb http://mirror.invalid/debian bookworm-updates main");
	struct deb_root_plan p;
	debimage_root_plan("/s/t", "/s/w", "/usr/bin/mmdebstrap", &lines, &p);
	size_t binds = 0;
	for (size_t i = 0; i < p.n; i++)
		if (strcmp(p.ops[i].dst, "/usr/share") == 0 && p.ops[i].kind == DEB_ROOT_BIND_RO)
			binds++;
	CHECK(binds == 1);
	CHECK(p.n > 0 && strcmp(p.ops[p.n - 1].dst, "/s/w") == 0); /* nothing after */
	debimage_root_plan_free(&p);
	strv_free(&lines);
}
