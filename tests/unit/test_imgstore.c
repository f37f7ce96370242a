/* The image store: verified blobs, atomic layers, records, tags, gc. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/imgstore.h"
#include "image/imgstore_gc.h"
#include "tap.h"
#include "base/util.h"

static char *temp_store(struct imgstore *st)
{
	char *dir = xstrdup("/tmp/clan-test-imgstore-XXXXXX");
	struct clan_err err;
	if (!mkdtemp(dir) || imgstore_open(st, dir, &err) < 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

static void drop_store(struct imgstore *st, char *dir)
{
	struct clan_err err;
	imgstore_close(st);
	remove_tree(dir, &err);
	free(dir);
}

TEST(digest_validity)
{
	CHECK(digest_is_valid(
	    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	CHECK(!digest_is_valid(
	    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
	CHECK(!digest_is_valid("sha256:e3b0"));
	CHECK(!digest_is_valid(
	    "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	CHECK(!digest_is_valid(
	    "sha256:../../../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	CHECK(!digest_is_valid(NULL));
}

TEST(sha256_of_empty_and_abc)
{
	char d[72];
	if (sha256_digest("", 0, d, &(struct clan_err){0}) < 0)
		abort();
	CHECK_STR(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	if (sha256_digest("abc", 3, d, &(struct clan_err){0}) < 0)
		abort();
	CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_hex_of_bytes)
{
	unsigned char md[32];
	for (int i = 0; i < 32; i++)
		md[i] = (unsigned char)(i * 8 + 7);
	char d[72];
	memset(d, 'z', sizeof d);
	sha256_hex(md, d);
	CHECK_STR(d, "sha256:070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
}

TEST(blob_put_verifies)
{
	struct imgstore st;
	struct clan_err err;
	char *dir = temp_store(&st);
	CHECK(dir != NULL);
	if (!dir)
		return;
	const char *abc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	const char *other =
	    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	CHECK(imgstore_blob_put(&st, other, "abc", 3, &err) < 0);
	CHECK(strstr(err.msg, abc) != NULL); /* names what the content hashes to */
	CHECK(!imgstore_has_blob(&st, other));
	CHECK(imgstore_blob_put(&st, abc, "abc", 3, &err) == 0);
	CHECK(imgstore_has_blob(&st, abc));
	drop_store(&st, dir);
}

TEST(blob_commit_refuses_wrong_content)
{
	struct imgstore st;
	struct clan_err err;
	char *dir = temp_store(&st);
	CHECK(dir != NULL);
	if (!dir)
		return;
	const char *abc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	_cleanup_free_ char *partial = imgstore_blob_partial(&st, abc);
	CHECK(write_file(partial, "abd", 3, &err) == 0);
	CHECK(imgstore_blob_commit(&st, partial, abc, &err) < 0);
	CHECK(strstr(err.msg, "failed verification") != NULL);
	CHECK(access(partial, F_OK) < 0); /* a bad download is not kept */
	CHECK(!imgstore_has_blob(&st, abc));
	CHECK(write_file(partial, "abc", 3, &err) == 0);
	CHECK(imgstore_blob_commit(&st, partial, abc, &err) == 0);
	CHECK(imgstore_has_blob(&st, abc));
	drop_store(&st, dir);
}

TEST(layer_commit_is_atomic_and_first_wins)
{
	struct imgstore st;
	struct clan_err err;
	char *dir = temp_store(&st);
	CHECK(dir != NULL);
	if (!dir)
		return;
	const char *id = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	char *a = NULL, *b = NULL;
	CHECK(imgstore_layer_tmpdir(&st, &a, &err) == 0);
	CHECK(imgstore_layer_tmpdir(&st, &b, &err) == 0);
	CHECK(!imgstore_has_layer(&st, id));
	_cleanup_free_ char *fa = xasprintf("%s/first", a);
	_cleanup_free_ char *fb = xasprintf("%s/second", b);
	CHECK(write_file(fa, "1", 1, &err) == 0 && write_file(fb, "2", 1, &err) == 0);
	CHECK(imgstore_layer_commit(&st, a, id, &err) == 0);
	CHECK(imgstore_layer_commit(&st, b, id, &err) == 0);
	_cleanup_free_ char *layer = imgstore_layer_path(&st, id);
	_cleanup_free_ char *kept = xasprintf("%s/first", layer);
	_cleanup_free_ char *lost = xasprintf("%s/second", layer);
	CHECK(access(kept, F_OK) == 0);
	CHECK(access(lost, F_OK) < 0);
	CHECK(access(b, F_OK) < 0); /* the loser's temp dir is gone */
	free(a);
	free(b);
	drop_store(&st, dir);
}

static void fill_record(struct image_record *r, const char *id)
{
	*r = (struct image_record){0};
	snprintf(r->id, sizeof r->id, "%s", id);
	strv_push(&r->layers,
		  "sha256:1111111111111111111111111111111111111111111111111111111111111111");
	strv_push(&r->env, "PATH=/bin");
	strv_push(&r->cmd, "/bin/sh");
	r->workdir = xstrdup("/app");
	r->created = 1700000000;
	r->size = 1234;
	r->source = xstrdup("registry");
	strv_push(&r->health.test, "CMD");
	strv_push(&r->health.test, "true");
	r->health.timeout_ns = 3000000000LL;
	r->health.retries = 2;
}

TEST(record_round_trip_and_prefix)
{
	struct imgstore st;
	struct clan_err err;
	char *dir = temp_store(&st);
	CHECK(dir != NULL);
	if (!dir)
		return;
	const char *id = "sha256:abcdef0000000000000000000000000000000000000000000000000000000000";
	struct image_record in, out;
	fill_record(&in, id);
	CHECK(imgstore_save_image(&st, &in, &err) == 0);
	CHECK(imgstore_load_image(&st, "abcdef", &out, &err) == 0);
	CHECK_STR(out.id, id);
	CHECK(out.layers.n == 1 && out.cmd.n == 1 && out.env.n == 1);
	CHECK_STR(out.workdir, "/app");
	CHECK(out.user == NULL);
	CHECK(out.created == 1700000000 && out.size == 1234);
	CHECK(out.health.test.n == 2 && strcmp(out.health.test.v[1], "true") == 0);
	CHECK(out.health.timeout_ns == 3000000000LL && out.health.retries == 2);
	CHECK(out.health.interval_ns == 0);
	image_record_free(&out);
	CHECK(imgstore_load_image(&st, "abcdee", &out, &err) < 0);
	CHECK(imgstore_load_image(&st, "../etc", &out, &err) < 0);
	image_record_free(&in);
	drop_store(&st, dir);
}

static int count_tag(const char *ref, const char *id, void *arg)
{
	(void)id;
	if (strcmp(ref, "127.0.0.1:5000/lib/app:1") == 0)
		(*(int *)arg)++;
	return 0;
}

TEST(tags_with_slashes_round_trip)
{
	struct imgstore st;
	struct clan_err err;
	char *dir = temp_store(&st);
	CHECK(dir != NULL);
	if (!dir)
		return;
	const char *id = "sha256:abcdef0000000000000000000000000000000000000000000000000000000000";
	char got[72];
	int seen = 0;
	CHECK(!imgstore_lookup_tag(&st, "127.0.0.1:5000/lib/app:1", got));
	CHECK(imgstore_tag(&st, "127.0.0.1:5000/lib/app:1", id, &err) == 0);
	CHECK(imgstore_lookup_tag(&st, "127.0.0.1:5000/lib/app:1", got));
	CHECK_STR(got, id);
	CHECK(!imgstore_lookup_tag(&st, "127.0.0.1:5000/lib%2Fapp:1", got));
	CHECK(imgstore_list_tags(&st, count_tag, &seen, &err) == 0);
	CHECK(seen == 1);
	CHECK(imgstore_untag(&st, "127.0.0.1:5000/lib/app:1", &err) == 0);
	CHECK(!imgstore_lookup_tag(&st, "127.0.0.1:5000/lib/app:1", got));
	drop_store(&st, dir);
}

TEST(gc_keeps_what_records_use)
{
	struct imgstore st;
	struct clan_err err;
	char *dir = temp_store(&st);
	CHECK(dir != NULL);
	if (!dir)
		return;
	const char *used =
	    "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	const char *unused =
	    "sha256:2222222222222222222222222222222222222222222222222222222222222222";
	struct image_record r;
	fill_record(&r, "sha256:abcdef0000000000000000000000000000000000000000000000000000000000");
	CHECK(imgstore_save_image(&st, &r, &err) == 0);
	image_record_free(&r);
	for (int i = 0; i < 2; i++) {
		char *t = NULL;
		CHECK(imgstore_layer_tmpdir(&st, &t, &err) == 0);
		CHECK(imgstore_layer_commit(&st, t, i ? unused : used, &err) == 0);
		free(t);
	}
	CHECK(imgstore_blob_put(
		  &st, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		  "abc", 3, &err) == 0);
	struct gc_result res;
	CHECK(imgstore_gc(&st, &res, &err) == 0);
	CHECK(res.layers == 1 && res.blobs == 1);
	CHECK(imgstore_has_layer(&st, used));
	CHECK(!imgstore_has_layer(&st, unused));
	drop_store(&st, dir);
}
