/* Unit tests for image references: Docker's normalisation, the canonical
 * form, loopback detection and the refusals. */
#define _GNU_SOURCE
#include <string.h>

#include "image/image_ref.h"
#include "tap.h"
#include "base/util.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct good_case {
	const char *text, *registry, *repository, *tag, *digest, *canonical;
};

static const struct good_case good[] = {
    {"postgres", "docker.io", "library/postgres", "latest", NULL,
     "docker.io/library/postgres:latest"},
    {"postgres:15", "docker.io", "library/postgres", "15", NULL, "docker.io/library/postgres:15"},
    {"library/postgres", "docker.io", "library/postgres", "latest", NULL,
     "docker.io/library/postgres:latest"},
    {"bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", NULL, "docker.io/bitnami/redis:7.2"},
    {"docker.io/postgres", "docker.io", "library/postgres", "latest", NULL,
     "docker.io/library/postgres:latest"},
    {"index.docker.io/library/redis", "docker.io", "library/redis", "latest", NULL,
     "docker.io/library/redis:latest"},
    {"ghcr.io/o/n:tag", "ghcr.io", "o/n", "tag", NULL, "ghcr.io/o/n:tag"},
    {"localhost/x", "localhost", "x", "latest", NULL, "localhost/x:latest"},
    {"localhost:5000/x", "localhost:5000", "x", "latest", NULL, "localhost:5000/x:latest"},
    {"127.0.0.1:5000/lib/app:1", "127.0.0.1:5000", "lib/app", "1", NULL,
     "127.0.0.1:5000/lib/app:1"},
    {"[::1]:5000/app", "[::1]:5000", "app", "latest", NULL, "[::1]:5000/app:latest"},
    {"name@sha256:" D64, "docker.io", "library/name", NULL, "sha256:" D64,
     "docker.io/library/name@sha256:" D64},
    {"name:tag@sha256:" D64, "docker.io", "library/name", "tag", "sha256:" D64,
     "docker.io/library/name:tag@sha256:" D64},
    {"127.0.0.1:5000/x@sha256:" D64, "127.0.0.1:5000", "x", NULL, "sha256:" D64,
     "127.0.0.1:5000/x@sha256:" D64},
    {"python:3.12-slim", "docker.io", "library/python", "3.12-slim", NULL,
     "docker.io/library/python:3.12-slim"},
    {"a.b-c.io/e_f.g-h--i__j:_T.1-x", "a.b-c.io", "e_f.g-h--i__j", "_T.1-x", NULL,
     "a.b-c.io/e_f.g-h--i__j:_T.1-x"},
    {"Registry.Example.COM/app", "Registry.Example.COM", "app", "latest", NULL,
     "Registry.Example.COM/app:latest"},
    {"foo/bar/baz:1", "docker.io", "foo/bar/baz", "1", NULL, "docker.io/foo/bar/baz:1"},
};

TEST(parse_good_references)
{
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const struct good_case *c = &good[i];
		struct image_ref r;
		struct clan_err err = {0};
		int rc = image_ref_parse(c->text, &r, &err);
		if (rc != 0)
			printf("#   %s: %s\n", c->text, err.msg);
		CHECK(rc == 0);
		if (rc != 0)
			continue;
		CHECK_STR(r.registry, c->registry);
		CHECK_STR(r.repository, c->repository);
		if (c->tag)
			CHECK_STR(r.tag, c->tag);
		else
			CHECK(r.tag == NULL);
		if (c->digest)
			CHECK_STR(r.digest, c->digest);
		else
			CHECK(r.digest == NULL);
		_cleanup_free_ char *f = image_ref_format(&r);
		CHECK_STR(f, c->canonical);
		/* the canonical form parses to itself */
		struct image_ref again;
		CHECK(image_ref_parse(f, &again, &err) == 0);
		_cleanup_free_ char *g = image_ref_format(&again);
		CHECK_STR(g, c->canonical);
		image_ref_free(&again);
		image_ref_free(&r);
	}
}

struct bad_case {
	const char *text, *why;
};

static const struct bad_case bad[] = {
    {"", "empty image reference"},
    {"Postgres", "must be lowercase"},
    {"ghcr.io/Owner/app", "must be lowercase"},
    {"name@sha256:abc", "64 lowercase hex"},
    {"name@sha256:" D64 "00", "64 lowercase hex"},
    {"name@sha256:"
     "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
     "64 lowercase hex"},
    {"name@sha512:" D64, "only sha256"},
    {"name@", "only sha256"},
    {"@sha256:" D64, "no repository name"},
    {"::", "empty tag"},
    {"name:", "empty tag"},
    {"name:-x", "a tag is"},
    {"name:t/x", "host name or host:port"},
    {"a b", "spaces"},
    {"a\tb", "spaces"},
    {"-name", "a repository name is"},
    {"name-", "a repository name is"},
    {"na..me", "a repository name is"},
    {"na___me", "a repository name is"},
    {"a//b", "a repository name is"},
    {"ghcr.io/", "no repository name"},
    {"ghcr.io:99999/x", "host name or host:port"},
    {"-bad.io/x", "host name or host:port"},
    {"[zz]:5000/x", "host name or host:port"},
    {D64, "image id"},
};

TEST(parse_bad_references)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct image_ref r;
		struct clan_err err = {0};
		int rc = image_ref_parse(bad[i].text, &r, &err);
		if (rc == 0 || !strstr(err.msg, bad[i].why))
			printf("#   '%s' -> rc %d '%s' (want '%s')\n", bad[i].text, rc, err.msg,
			       bad[i].why);
		CHECK(rc == -1);
		CHECK(err.code == CLAN_EXIT_USAGE);
		CHECK(strstr(err.msg, bad[i].why) != NULL);
		CHECK(r.registry == NULL && r.repository == NULL && r.tag == NULL &&
		      r.digest == NULL);
	}
}

TEST(tag_length_limit)
{
	char text[200] = "app:";
	memset(text + 4, 'a', 128);
	struct image_ref r;
	struct clan_err err;
	CHECK(image_ref_parse(text, &r, &err) == 0);
	image_ref_free(&r);
	text[4 + 128] = 'a';
	CHECK(image_ref_parse(text, &r, &err) == -1);
}

/* The 255-character limit counts the name as normalised (found by fuzzing:
 * "library/" pushed a name that parsed over the limit). */
TEST(name_length_after_normalising)
{
	char text[300];
	memset(text, 'a', 240);
	text[240] = '\0';
	struct image_ref r;
	struct clan_err err;
	CHECK(image_ref_parse(text, &r, &err) == -1);
	CHECK(strstr(err.msg, "longer than 255") != NULL);
	text[230] = '\0'; /* docker.io/library/ + 230 = 248 */
	CHECK(image_ref_parse(text, &r, &err) == 0);
	image_ref_free(&r);
}

TEST(api_host)
{
	struct image_ref r;
	struct clan_err err;
	CHECK(image_ref_parse("redis", &r, &err) == 0);
	CHECK_STR(image_ref_api_host(&r), "registry-1.docker.io");
	image_ref_free(&r);
	CHECK(image_ref_parse("127.0.0.1:5000/redis", &r, &err) == 0);
	CHECK_STR(image_ref_api_host(&r), "127.0.0.1:5000");
	image_ref_free(&r);
}

TEST(loopback)
{
	CHECK(image_ref_is_loopback("127.0.0.1:5000"));
	CHECK(image_ref_is_loopback("127.1.2.3"));
	CHECK(image_ref_is_loopback("localhost"));
	CHECK(image_ref_is_loopback("LocalHost:443"));
	CHECK(image_ref_is_loopback("[::1]:5000"));
	CHECK(image_ref_is_loopback("[::1]"));
	CHECK(!image_ref_is_loopback("128.0.0.1:5000"));
	CHECK(!image_ref_is_loopback("127.0.0.1.evil.com"));
	CHECK(!image_ref_is_loopback("localhost.evil.com"));
	CHECK(!image_ref_is_loopback("docker.io"));
	CHECK(!image_ref_is_loopback("[::2]:5000"));
	CHECK(!image_ref_is_loopback(NULL));
}

TEST(is_registry)
{
	CHECK(image_ref_is_registry("postgres:15"));
	CHECK(image_ref_is_registry("127.0.0.1:5000/lib/app:1"));
	CHECK(image_ref_is_registry("hostname/app"));
	CHECK(!image_ref_is_registry("dir:/srv/rootfs"));
	CHECK(!image_ref_is_registry("deb:bookworm"));
	CHECK(!image_ref_is_registry("host"));
	CHECK(!image_ref_is_registry(""));
}
