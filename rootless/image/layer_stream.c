#define _GNU_SOURCE
#include "image/layer_stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "image/imgstore.h"

#define STREAM_BUF (1 << 16)

int layer_stream_init(struct layer_stream *s, const char *id, struct layer_bounds *b,
		      struct clan_err *err)
{
	*s = (struct layer_stream){.id = id, .bounds = b};
	if (dl_need(DL_CRYPTO, err) < 0)
		return -1;
	s->md = EVP_MD_CTX_new();
	if (!s->md || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(s->md);
		s->md = NULL;
		return clan_error(err, ENOMEM, "cannot start a sha256");
	}
	return 0;
}

/* Counts n more uncompressed bytes: false past the bound. The count
 * stops the decompression there, before the writer gets the bytes. */
static bool count_bytes(struct layer_stream *s, la_ssize_t n)
{
	if (!s->bounds || n <= 0)
		return true;
	s->bounds->bytes += (uint64_t)n;
	if (s->bounds->max_bytes && s->bounds->bytes > s->bounds->max_bytes) {
		s->past = LAYER_PAST_BYTES;
		return false;
	}
	return true;
}

/* The tar reader's read callback: the next piece of the decompressed
 * blob, hashed on its way. */
static la_ssize_t stream_feed(struct archive *a, void *data, const void **out)
{
	struct layer_stream *s = data;
	la_ssize_t n = archive_read_data(s->raw, s->buf, STREAM_BUF);
	if (n < 0) {
		archive_set_error(a, archive_errno(s->raw), "%s", archive_error_string(s->raw));
		return -1;
	}
	if (!count_bytes(s, n)) {
		archive_set_error(a, EFBIG, "the layer expands past its bound");
		return -1;
	}
	if (n > 0 && EVP_DigestUpdate(s->md, s->buf, (size_t)n) != 1) {
		archive_set_error(a, ENOMEM, "cannot hash the layer");
		return -1;
	}
	*out = s->buf;
	return n;
}

static int open_raw(struct layer_stream *s, const char *blob_path, struct clan_err *err)
{
	if (dl_need(DL_ARCHIVE, err) < 0)
		return -1;
	s->raw = archive_read_new();
	if (!s->raw)
		return clan_error(err, ENOMEM, "cannot read layer %.19s", s->id);
	/* OCI layers are gzip, zstd or plain tars; nothing else is enabled, so
	 * another compression reaches the tar reader as is and fails there. */
	if (archive_read_support_filter_gzip(s->raw) == ARCHIVE_FATAL ||
	    archive_read_support_filter_zstd(s->raw) == ARCHIVE_FATAL ||
	    archive_read_support_format_raw(s->raw) != ARCHIVE_OK)
		return clan_error(err, 0, "cannot read layer %.19s: %s", s->id,
				  archive_error_string(s->raw));
	/* the raw format refuses an empty file here */
	if (archive_read_open_filename(s->raw, blob_path, STREAM_BUF) != ARCHIVE_OK)
		return clan_error(err, 0, "layer %.19s: cannot read %s: %s", s->id, blob_path,
				  archive_error_string(s->raw));
	struct archive_entry *e;
	int r = archive_read_next_header(s->raw, &e);
	if (r == ARCHIVE_EOF)
		return clan_error(err, 0, "layer %.19s: the blob %s is empty", s->id, blob_path);
	if (r != ARCHIVE_OK)
		return clan_error(err, 0, "layer %.19s: cannot read %s: %s", s->id, blob_path,
				  archive_error_string(s->raw));
	return 0;
}

static int tar_error(const struct layer_stream *s, struct clan_err *err)
{
	return clan_error(err, 0,
			  "layer %.19s: not a tar archive (gzip- or zstd-compressed or plain), "
			  "or a damaged one: %s",
			  s->id, archive_error_string(s->tar));
}

int layer_stream_open(struct layer_stream *s, const char *blob_path, struct clan_err *err)
{
	s->buf = xmalloc(STREAM_BUF);
	if (open_raw(s, blob_path, err) < 0)
		return -1;
	s->tar = archive_read_new();
	if (!s->tar)
		return clan_error(err, ENOMEM, "cannot read layer %.19s", s->id);
	/* ustar, pax and GNU tar; no filters: a tar inside the compression */
	if (archive_read_support_format_tar(s->tar) != ARCHIVE_OK ||
	    archive_read_open(s->tar, s, NULL, stream_feed, NULL) != ARCHIVE_OK)
		return tar_error(s, err);
	return 0;
}

int layer_stream_next(struct layer_stream *s, struct archive_entry **e, struct clan_err *err)
{
	int r = archive_read_next_header(s->tar, e);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return tar_error(s, err);
	/* WARN: e.g. a name not convertible to the locale; the writer copes */
	if (s->bounds && ++s->bounds->entries > s->bounds->max_entries && s->bounds->max_entries) {
		s->past = LAYER_PAST_ENTRIES;
		return layer_bounds_error(s->bounds, true, err);
	}
	return 1;
}

int layer_stream_verify(struct layer_stream *s, struct clan_err *err)
{
	la_ssize_t n;
	/* what follows the tar is hashed, not written, but a bomb could
	 * still have us decompress it for hours */
	while ((n = archive_read_data(s->raw, s->buf, STREAM_BUF)) > 0)
		if (!count_bytes(s, n))
			return layer_bounds_error(s->bounds, false, err);
		else if (EVP_DigestUpdate(s->md, s->buf, (size_t)n) != 1)
			return clan_error(err, ENOMEM, "cannot hash layer %.19s", s->id);
	if (n < 0)
		return clan_error(err, 0, "layer %.19s: cannot read the blob: %s", s->id,
				  archive_error_string(s->raw));
	unsigned char md[32];
	unsigned int len = 0;
	if (EVP_DigestFinal_ex(s->md, md, &len) != 1 || len != sizeof md)
		return clan_error(err, 0, "cannot hash layer %.19s", s->id);
	char got[72];
	sha256_hex(md, got);
	if (strcmp(got, s->id) != 0)
		return clan_error(err, 0,
				  "layer %s failed verification: its uncompressed tar hashes to %s",
				  s->id, got);
	return 0;
}

void layer_stream_past(const struct layer_stream *s, struct clan_err *err)
{
	if (s->past != LAYER_WITHIN)
		layer_bounds_error(s->bounds, s->past == LAYER_PAST_ENTRIES, err);
}

void layer_stream_close(struct layer_stream *s)
{
	if (s->tar)
		archive_read_free(s->tar);
	if (s->raw)
		archive_read_free(s->raw);
	/* no md: libcrypto may not even be loaded (base/dl.h) */
	if (s->md)
		EVP_MD_CTX_free(s->md);
	free(s->buf);
	*s = (struct layer_stream){0};
}
