/* ADD of http(s) URLs: each file is fetched with libcurl into the store's
 * blobs under its sha256, and the sources become a context of their own,
 * one file per URL named after the URL's last path segment. With
 * --checksum the blob may be there already: then no request is made. */
#ifndef CLAN_BUILD_FETCH_H
#define CLAN_BUILD_FETCH_H

#include <stdbool.h>

#include "base/error.h"
#include "base/util.h"
#include "build/build_context.h"
#include "image/imgstore.h"

/* Whether ADD treats word as a URL. */
bool build_is_url(const char *word);

/* Fetches urls (checksum "sha256:<hex>" or NULL) and makes *dir (under
 * storage/build/) a context of them; names gets each file's name there,
 * in the order of urls. */
int build_url_context(const struct imgstore *st, const char *storage, const struct strv *urls,
		      const char *checksum, struct build_context *ctx, char **dir,
		      struct strv *names, struct clan_err *err);

#endif
