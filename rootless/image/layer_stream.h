/* Reading a layer blob in one pass: decompressed (gzip, zstd or none, told
 * apart by content), hashed as it passes, and parsed as a tar. */
#ifndef CLAN_LAYER_STREAM_H
#define CLAN_LAYER_STREAM_H

#include "base/dl_archive.h"
#include "base/dl_crypto.h"

#include "base/error.h"
#include "image/layer_bounds.h"

struct layer_stream {
	const char *id;	     /* the expected diff id, "sha256:<hex>" */
	EVP_MD_CTX *md;	     /* sha256 of every byte raw has produced */
	struct archive *raw; /* the blob, decompressed: one "raw" entry */
	struct archive *tar; /* the tar entries, read from raw's output */
	unsigned char *buf;
	struct layer_bounds *bounds; /* NULL: none; its bytes and entries count */
	enum { LAYER_WITHIN, LAYER_PAST_BYTES, LAYER_PAST_ENTRIES } past;
};

/* Starts the sha256; b (NULL: no bounds) is counted into while reading,
 * and a read past one of its bounds fails (see layer_stream_past). */
int layer_stream_init(struct layer_stream *s, const char *id, struct layer_bounds *b,
		      struct clan_err *err);
/* Call it before forking: OpenSSL looks the algorithm up under its global
 * locks, which another thread of a multi-threaded parent may hold at the
 * fork; updating and finishing take none. */

/* Opens blob_path. Messages name the layer by id. */
int layer_stream_open(struct layer_stream *s, const char *blob_path, struct clan_err *err);

/* The next tar entry (data with archive_read_data_block(s->tar, ...)):
 * 1 an entry, 0 the end of the tar, -1 an error. */
int layer_stream_next(struct layer_stream *s, struct archive_entry **e, struct clan_err *err);

/* Hashes whatever follows the tar's end and checks that the whole
 * uncompressed stream hashes to id; the message names both digests. */
int layer_stream_verify(struct layer_stream *s, struct clan_err *err);

/* After a failure: when the stream went past a bound, err becomes the
 * bound's message (whatever reader or writer error it caused). */
void layer_stream_past(const struct layer_stream *s, struct clan_err *err);

void layer_stream_close(struct layer_stream *s);

#endif
