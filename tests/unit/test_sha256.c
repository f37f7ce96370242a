/* The SHA-256 that deb: keys use (rootless/base/sha256.c): the standard's
 * vectors, every length around the block and padding edges against
 * libcrypto's, and a deb: key computed without loading libcrypto. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "base/dl.h"
#include "base/dl_crypto.h"
#include "base/sha256.h"
#include "base/util.h"
#include "debimage/debimage.h"
#include "image/imgstore.h"
#include "tap.h"

static void hex_of(const void *data, size_t len, char out[72])
{
	unsigned char md[32];
	sha256_small(data, len, md);
	sha256_hex(md, out);
}

static bool maps_libcrypto(void)
{
	_cleanup_free_ char *maps = NULL;
	struct clan_err err;
	return read_file("/proc/self/maps", 1 << 22, &maps, &err) == 0 &&
	       strstr(maps, "libcrypto") != NULL;
}

/* First, while this process has not loaded libcrypto. */
TEST(deb_key_without_libcrypto)
{
	struct strv pk = {0};
	char id[72];
	strv_push(&pk, "postgresql-15");
	debimage_key("bookworm", &pk, "amd64", id);
	/* printf 'bookworm\namd64\npostgresql-15\n' | sha256sum: the key that
	 * stores made with libcrypto's hash have */
	CHECK_STR(id, "sha256:09ac79faef5180374c5b05b6d82fb730bf89de13efce2510a0cffadf65bbea15");
	CHECK(!dl_loaded(DL_CRYPTO) && !maps_libcrypto());
	strv_free(&pk);
}

TEST(standard_vectors)
{
	char d[72];
	hex_of("", 0, d);
	CHECK_STR(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, d);
	CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(two, strlen(two), d);
	CHECK_STR(d, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *million = xmalloc(1000000);
	memset(million, 'a', 1000000);
	hex_of(million, 1000000, d);
	CHECK_STR(d, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

TEST(same_as_libcrypto_at_every_length_to_300)
{
	struct clan_err err;
	CHECK(dl_need(DL_CRYPTO, &err) == 0);
	unsigned char buf[300];
	unsigned int seed = 7;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)rand_r(&seed);
	for (size_t len = 0; len <= sizeof buf; len++) {
		char mine[72], theirs[72];
		hex_of(buf, len, mine);
		CHECK(sha256_digest(buf, len, theirs, &err) == 0);
		if (strcmp(mine, theirs) != 0) {
			CHECK_STR(mine, theirs);
			break;
		}
	}
}
