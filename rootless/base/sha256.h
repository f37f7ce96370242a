/* SHA-256 (FIPS 180-4) of a short buffer in memory, without libcrypto.
 *
 * Why a second implementation beside libcrypto's (which pulls, builds and
 * layer checks keep using): a deb: image's key is the sha256 of a few
 * dozen bytes, computed for each service on every `up` and `run`. Loading
 * libcrypto for it cost 7 ms per process, and the stack's helpers that
 * `up` forks afterwards each kept 400 KiB of libcrypto's relocated data
 * for as long as the stack ran. tests/unit/test_sha256.c checks this one
 * against the standard's vectors and against libcrypto. */
#ifndef CLAN_SHA256_H
#define CLAN_SHA256_H

#include <stddef.h>

void sha256_small(const void *data, size_t len, unsigned char md[32]);

#endif
