/* libcrypto.so.3, loaded on first use: linking it would cost every clan
 * command its start-up (dozens of libraries mapped and relocated), and only
 * image pulls and extraction need it. Include this instead of the
 * library's own header; the names below then call through the table. */
#ifndef CLAN_DL_CRYPTO_H
#define CLAN_DL_CRYPTO_H

#include <openssl/evp.h>

#define DL_CRYPTO_FUNCS(X)    \
	X(EVP_DecodeBlock)    \
	X(EVP_Digest)         \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex)  \
	X(EVP_DigestUpdate)   \
	X(EVP_EncodeBlock)    \
	X(EVP_MD_CTX_free)    \
	X(EVP_MD_CTX_new)     \
	X(EVP_sha256)

#include "base/dl.h"

#define DL_MEMBER(f) __typeof__(&f) f;
struct dl_crypto {
	DL_CRYPTO_FUNCS(DL_MEMBER)
};
#undef DL_MEMBER

/* The table, loaded: an entry point asks dl_need(DL_CRYPTO, err) first and
 * returns the error (the package to install) up; see base/dl.h. */
const struct dl_crypto *dl_crypto(void);

#ifndef DL_NO_MACROS
#undef EVP_DecodeBlock
#define EVP_DecodeBlock (dl_crypto()->EVP_DecodeBlock)
#undef EVP_Digest
#define EVP_Digest (dl_crypto()->EVP_Digest)
#undef EVP_DigestFinal_ex
#define EVP_DigestFinal_ex (dl_crypto()->EVP_DigestFinal_ex)
#undef EVP_DigestInit_ex
#define EVP_DigestInit_ex (dl_crypto()->EVP_DigestInit_ex)
#undef EVP_DigestUpdate
#define EVP_DigestUpdate (dl_crypto()->EVP_DigestUpdate)
#undef EVP_EncodeBlock
#define EVP_EncodeBlock (dl_crypto()->EVP_EncodeBlock)
#undef EVP_MD_CTX_free
#define EVP_MD_CTX_free (dl_crypto()->EVP_MD_CTX_free)
#undef EVP_MD_CTX_new
#define EVP_MD_CTX_new (dl_crypto()->EVP_MD_CTX_new)
#undef EVP_sha256
#define EVP_sha256 (dl_crypto()->EVP_sha256)
#endif

#endif
