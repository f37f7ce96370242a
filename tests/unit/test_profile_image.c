/* Unit tests for launcher/config/profile_image: images: patterns against
 * references as Docker normalises them, the patterns a profile may hold,
 * the shipped profiles' patterns, and the lookup over the profile dirs. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/profile.h"
#include "config/profile_image.h"
#include "tap.h"
#include "base/util.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct match_case {
	const char *pattern, *image;
	bool want;
};

/* The reference forms are those of distribution/reference's normalize
 * tests (docker.io, library/, a registry with a port, localhost, digests). */
static const struct match_case match_table[] = {
    /* the official image, every way Docker writes it */
    {"postgres:*", "postgres", true}, /* :latest */
    {"postgres:*", "postgres:15", true},
    {"postgres:*", "library/postgres:15", true},
    {"postgres:*", "docker.io/library/postgres:15", true},
    {"postgres:*", "docker.io/postgres:15", true},
    {"postgres:*", "index.docker.io/library/postgres:15-alpine", true},
    {"postgres:*", "registry-1.docker.io/library/postgres:16", true},
    {"postgres:*", "postgres@" DIGEST, true},
    {"postgres:*", "postgres:15@" DIGEST, true},
    /* a tag pattern: the version matters */
    {"postgres:15*", "postgres:15.4-bookworm", true},
    {"postgres:15*", "postgres:16", false},
    {"postgres:15*", "postgres@" DIGEST, false}, /* which version is unknown */
    {"postgres:15", "postgres:15", true},
    {"postgres:15", "postgres:150", false},
    /* no tag in the pattern: every tag and digest */
    {"postgres", "postgres:9.6", true},
    {"postgres", "postgres@" DIGEST, true},
    /* not the official image */
    {"postgres:*", "mypostgres:1", false},
    {"postgres:*", "postgres-exporter:1", false},
    {"postgres:*", "bitnami/postgres:15", false},
    {"postgres:*", "127.0.0.1:5000/library/postgres:15", false},
    {"postgres:*", "ghcr.io/postgres:15", false},
    {"postgres:*", "postgresql:15", false},
    /* any registry, any namespace */
    {"*/postgres:*", "127.0.0.1:5000/library/postgres:15", true},
    {"*/postgres:*", "localhost/postgres:15", true},
    {"*/postgres:*", "mirror.example.com:443/library/postgres:15", true},
    {"*/postgres:*", "[::1]:5000/library/postgres:15", true},
    {"*/postgres:*", "postgres:15", true}, /* docker.io/library/postgres */
    {"*/postgres:*", "bitnami/postgres:15", true},
    {"*/postgres:*", "127.0.0.1:5000/library/postgres@" DIGEST, true},
    {"*/postgres:*", "mypostgres:1", false},
    {"*/postgres:*", "127.0.0.1:5000/library/mypostgres:1", false},
    {"*/postgres:*", "127.0.0.1:5000/postgres/pgadmin:1", false},
    {"*/postgres:*", "127.0.0.1:5000/library/postgres-exporter:1", false},
    /* a pattern naming its registry or namespace */
    {"127.0.0.1:5000/library/postgres:*", "127.0.0.1:5000/library/postgres:15", true},
    {"127.0.0.1:5000/library/postgres:*", "127.0.0.1:5001/library/postgres:15", false},
    {"127.0.0.1:5000/library/postgres:*", "postgres:15", false},
    {"bitnami/postgres:*", "docker.io/bitnami/postgres:15", true},
    {"bitnami/postgres:*", "postgres:15", false},
    {"docker.io/postgres:*", "postgres:15", true},
    {"index.docker.io/library/postgres:*", "postgres:15", true},
    {"?ostgres:*", "postgres:1", true},
    /* other profiles' */
    {"mysql:*", "mysql:8", true},
    {"mysql:*", "mariadb:11", false},
    {"redis:*", "redis:7-alpine", true},
    {"redis:*", "redis-stack:7", false},
    /* images that are no registry reference, or no reference at all */
    {"postgres:*", "deb:bookworm+postgresql-15", false},
    {"postgres:*", "dir:/srv/postgres", false},
    {"postgres:*", "host", false},
    {"postgres:*", "Postgres:15", false},
    {"postgres:*", "", false},
    {"*", "host", false},
};

TEST(match_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(match_table); i++) {
		const struct match_case *c = &match_table[i];
		bool got = profile_image_pattern_match(c->pattern, c->image);
		if (got != c->want)
			printf("# '%s' against '%s': got %d, want %d\n", c->pattern, c->image, got,
			       c->want);
		CHECK(got == c->want);
	}
}

TEST(pattern_check)
{
	static const char *const good[] = {"postgres",	      "postgres:*",
					   "*/postgres:*",    "127.0.0.1:5000/library/postgres:1?",
					   "ghcr.io/org/*:*", "*"};
	static const char *const bad[] = {
	    "",		 "postgres@" DIGEST, "Postgres:*",  "postgres:[0-9]*", "post gres",
	    "postgres:", "-postgres",	     "postgres::*", "/postgres",       "postgres/"};
	struct clan_err err;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		int r = profile_image_pattern_check(good[i], &err);
		if (r < 0)
			printf("# '%s' refused: %s\n", good[i], err.msg);
		CHECK(r == 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err.msg[0] = '\0';
		int r = profile_image_pattern_check(bad[i], &err);
		if (r == 0)
			printf("# '%s' accepted\n", bad[i]);
		CHECK(r < 0 && err.code == CLAN_EXIT_USAGE && strstr(err.msg, "images: "));
		/* a refused pattern matches nothing */
		CHECK(!profile_image_pattern_match(bad[i], "postgres:15"));
	}
}

static int parse(const char *text, struct profile *p, struct clan_err *err)
{
	err->msg[0] = '\0';
	return profile_parse(text, "p.yaml", "p", p, err);
}

TEST(profile_key)
{
	struct profile p;
	struct clan_err err;
	CHECK(parse("images: [\"postgres:*\", \"*/postgres:*\"]\n", &p, &err) == 0);
	CHECK(p.images.n == 2);
	CHECK(profile_match_image(&p, "127.0.0.1:5000/library/postgres:15"));
	CHECK(!profile_match_image(&p, "mypostgres:1"));
	profile_free(&p);
	CHECK(parse("images: \"redis:* */redis:*\"\n", &p, &err) == 0);
	CHECK(p.images.n == 2 && profile_match_image(&p, "redis:7"));
	profile_free(&p);
	/* none: recognises nothing */
	CHECK(parse("image: postgres:15\n", &p, &err) == 0);
	CHECK(!profile_match_image(&p, "postgres:15"));
	profile_free(&p);
	/* a bad pattern is an error at load, with its line */
	CHECK(parse("description: d\nimages: [\"postgres:*\", \"Postgres:*\"]\n", &p, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE);
	CHECK(strncmp(err.msg, "p.yaml:2: images: 'Postgres:*'", 30) == 0);
	CHECK(parse("images: {a: b}\n", &p, &err) < 0);
	CHECK_STR(err.msg, "p.yaml:1: images must be a list");
	/* an unquoted * starts a YAML alias: refused by the YAML loader */
	CHECK(parse("images: [*/postgres:*]\n", &p, &err) < 0);
	CHECK(parse("imagess: [x]\n", &p, &err) < 0);
	CHECK(strstr(err.msg, "did you mean image") != NULL);
}

static char *shipped_dir(void)
{
	const char *root = getenv("CLAN_TEST_ROOT");
	return xasprintf("%s/profiles", root ? root : ".");
}

/* What the shipped profiles recognise (the official images' names). */
TEST(shipped_profiles)
{
	static const struct {
		const char *image, *profile; /* NULL: none */
	} table[] = {
	    {"postgres", "postgres"},
	    {"postgres:15", "postgres"},
	    {"docker.io/library/postgres:15", "postgres"},
	    {"127.0.0.1:5000/library/postgres:15", "postgres"},
	    {"postgres@" DIGEST, "postgres"},
	    {"mypostgres:1", NULL},
	    {"mariadb:11", "mariadb"},
	    {"mysql:8.0", "mariadb"},
	    {"127.0.0.1:5000/library/mysql:8", "mariadb"},
	    {"redis:7", "redis"},
	    {"localhost:5000/redis:7-alpine", "redis"},
	    {"redis-stack:7", NULL},
	    {"nginx:1.25", NULL},
	    {"deb:bookworm+postgresql-15", NULL},
	};
	_cleanup_free_ char *dir = shipped_dir();
	_cleanup_free_ char *pg = xasprintf("%s/postgres.yaml", dir);
	if (access(pg, R_OK) < 0)
		SKIP("no shipped profiles here: set CLAN_TEST_ROOT to the source tree");
	const char *dirs[] = {dir, NULL};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		struct profile p;
		struct clan_err err;
		int r = profile_for_image(dirs, table[i].image, &p, &err);
		if (r < 0)
			printf("# %s: %s\n", table[i].image, err.msg);
		CHECK(r == (table[i].profile ? 1 : 0));
		if (r == 1) {
			if (strcmp(p.name, table[i].profile) != 0)
				printf("# %s: got profile %s\n", table[i].image, p.name);
			CHECK_STR(p.name, table[i].profile);
			profile_free(&p);
		}
	}
}

static int put(const char *dir, const char *name, const char *text)
{
	struct clan_err err;
	_cleanup_free_ char *path = xasprintf("%s/%s.yaml", dir, name);
	return write_file(path, text, strlen(text), &err);
}

/* An earlier dir wins (a project's profile over the installed one, even
 * when it recognises the image under another name); a profile shadowed by
 * one of its name that recognises nothing recognises nothing; within a
 * dir the first name wins; a broken profile is an error. */
TEST(lookup_order)
{
	char root[] = "/tmp/clan-test-profile-image.XXXXXX";
	struct clan_err err;
	CHECK(mkdtemp(root) != NULL);
	_cleanup_free_ char *a = xasprintf("%s/a", root), *b = xasprintf("%s/b", root);
	CHECK(mkdir(a, 0755) == 0 && mkdir(b, 0755) == 0);
	CHECK(put(b, "postgres", "images: [\"postgres:*\"]\n") == 0);
	CHECK(put(b, "pg2", "images: [\"postgres:*\"]\n") == 0);
	CHECK(put(b, "zzz", "images: [\"postgres:*\"]\n") == 0);
	CHECK(put(b, "redis", "images: [\"redis:*\"]\n") == 0);
	CHECK(put(a, "mydb", "images: [\"*/postgres:*\"]\n") == 0);
	CHECK(put(a, "redis", "description: mine, recognising nothing\n") == 0);
	const char *dirs[] = {a, "/nonexistent", b, NULL};
	const char *only_b[] = {b, NULL};
	struct profile p;
	CHECK(profile_for_image(dirs, "postgres:15", &p, &err) == 1);
	CHECK_STR(p.name, "mydb");
	profile_free(&p);
	CHECK(profile_for_image(only_b, "postgres:15", &p, &err) == 1);
	CHECK_STR(p.name, "pg2");
	profile_free(&p);
	CHECK(profile_for_image(dirs, "redis:7", &p, &err) == 0);
	CHECK(profile_for_image(only_b, "redis:7", &p, &err) == 1);
	profile_free(&p);
	CHECK(profile_for_image(dirs, "nginx", &p, &err) == 0);
	CHECK(put(b, "broken", "images: [\"Bad:*\"]\n") == 0);
	CHECK(profile_for_image(dirs, "postgres:15", &p, &err) < 0);
	CHECK(strstr(err.msg, "broken.yaml:1: images: 'Bad:*'") != NULL);
	const char *none[] = {NULL};
	CHECK(profile_for_image(none, "postgres:15", &p, &err) == 0);
	remove_tree(root, &err);
}
