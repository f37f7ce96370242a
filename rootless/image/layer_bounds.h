/* How far a layer may expand when it is extracted. A registry's manifest
 * declares each layer blob's compressed size only, and a few MiB of gzip
 * or zstd can stand for terabytes of zeros or millions of empty files (a
 * decompression bomb that fills the disk or its inodes). The bounds below
 * derive from the declared sizes; CLAN_PULL_EXPAND_MIB raises them. */
#ifndef CLAN_LAYER_BOUNDS_H
#define CLAN_LAYER_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

/* Real layers compress 2-5x (binaries, libraries), text-heavy ones up to
 * ~10x: 20x their blob's size leaves room for any of them. */
#define LAYER_EXPAND_RATIO 20
/* Sparse or zero-filled files compress far more (gzip ~1000x, zstd more):
 * a small layer may still expand to this much, whatever its blob's size,
 * and a whole pull to this much past LAYER_EXPAND_RATIO x its blobs.
 * CLAN_PULL_EXPAND_MIB replaces it. */
#define LAYER_EXPAND_FLOOR_MIB 1024
/* A tar entry costs a 512-byte header, which gzip shrinks to ~50 bytes
 * when names differ; real layers take a KiB or more of blob per entry.
 * One entry per 64 blob bytes, and at least 256 per MiB of the floor
 * (262144 by default), bounds the inodes a layer can take. */
#define LAYER_BLOB_BYTES_PER_ENTRY 64
#define LAYER_ENTRIES_PER_FLOOR_MIB 256

/* The bounds of one layer's extraction, and (out) what it came to. */
struct layer_bounds {
	uint64_t max_bytes;	 /* of the uncompressed stream; 0: none */
	uint64_t max_entries;	 /* of tar entries; 0: none */
	const char *image;	 /* for the message: the image... */
	const char *blob;	 /* ...and the layer's blob digest */
	uint64_t floor_mib;	 /* the floor in force, for the hint */
	uint64_t bytes, entries; /* out: what the layer expanded to */
};

/* The floor from CLAN_PULL_EXPAND_MIB's value (NULL or "": the default):
 * a whole number of MiB, at least 1. */
int layer_bounds_floor(const char *env, uint64_t *mib, struct clan_err *err);

/* One layer whose blob has `compressed` bytes: max(ratio x compressed,
 * floor) bytes, max(compressed / 64, 256 x floor MiB) entries. Sets the
 * max_ and floor_mib fields only. */
void layer_bounds_for(int64_t compressed, uint64_t floor_mib, struct layer_bounds *b);

/* A whole pull whose blobs have `compressed` bytes together: ratio x
 * compressed + floor bytes, compressed / 64 + 256 x floor MiB entries.
 * Sizes past a PiB count as a PiB. */
void layer_bounds_pull(uint64_t compressed, uint64_t floor_mib, uint64_t *max_bytes,
		       uint64_t *max_entries);

/* "layer BLOB of IMAGE expands past N MiB (a decompression bomb?); ..."
 * (or holds more than N entries), with the setting that allows more. */
int layer_bounds_error(const struct layer_bounds *b, bool entries, struct clan_err *err);

/* The same for a pull's layers together. */
int layer_bounds_pull_error(const char *image, uint64_t max, bool entries, uint64_t floor_mib,
			    struct clan_err *err);

/* Whether err is one of the two above: a whole message, naming the layer
 * (or pull) and the image, which callers pass on without adding context. */
bool layer_bounds_is_error(const struct clan_err *err);

#endif
