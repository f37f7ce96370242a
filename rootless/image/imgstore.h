/* The image store under the storage dir: content-addressed blobs, layers
 * extracted once and shared between images, image records and tags.
 *
 *   blobs/sha256/<hex>          verified blobs (manifests, configs, layers)
 *   blobs/sha256/.partial-<hex> a download in progress (resumable)
 *   layers/<hex>/               an extracted layer, <hex> = the digest it
 *                               was made from (diff id, or a deb: key)
 *   layers/.tmp-*               an extraction in progress, never used
 *   images/<hex>/image.json     an image record, <hex> = its id
 *   tags/<escaped ref>          symlink -> image id
 *   locks/<name>                flock(2) files
 *
 * Every write is a temp file or dir renamed into place, so an interrupted
 * pull or build never leaves a half layer that a later run would use. */
#ifndef CLAN_IMGSTORE_H
#define CLAN_IMGSTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/util.h"

struct imgstore {
	char *root;	/* the storage dir */
	int gc_fd;	/* locks/gc, held shared while open: gc waits for pulls and builds */
	bool read_only; /* a store of CLAN_IMAGE_PATH (imgstore_ro.h) */
	uid_t owner;	/* read_only: who owns it (its layers must be theirs or root's) */
};

/* Creates the dirs (private, 0700) under storage. */
int imgstore_open(struct imgstore *st, const char *storage, struct clan_err *err);
void imgstore_close(struct imgstore *st);

/* "sha256:<64 lowercase hex>"; false for anything else. */
bool digest_is_valid(const char *digest);

/* Blobs. Paths are allocated; digest is "sha256:<hex>". */
char *imgstore_blob_path(const struct imgstore *st, const char *digest);
bool imgstore_has_blob(const struct imgstore *st, const char *digest);
/* Where a download of digest goes until it is verified: a stable name, so
 * a later pull can resume it. */
char *imgstore_blob_partial(const struct imgstore *st, const char *digest);
/* Verifies that the file at partial hashes to digest (sha256) and renames
 * it into place; removes it and fails (naming both digests) otherwise. */
int imgstore_blob_commit(const struct imgstore *st, const char *partial, const char *digest,
			 struct clan_err *err);
/* Stores data (a manifest or config already in memory) under its digest,
 * verifying it. */
int imgstore_blob_put(const struct imgstore *st, const char *digest, const void *data, size_t len,
		      struct clan_err *err);
/* sha256 of data as "sha256:<hex>" into out (72 bytes); -1 with err when
 * libcrypto cannot be loaded. */
int sha256_digest(const void *data, size_t len, char out[72], struct clan_err *err);
/* A 32-byte sha256 as a digest: "sha256:" + 64 lowercase hex. */
void sha256_hex(const unsigned char md[32], char out[72]);
/* sha256 of a file. */
int sha256_file(const char *path, char out[72], struct clan_err *err);
/* sha256 of what is left to read from fd (path names it in messages). */
int sha256_fd(int fd, const char *path, char out[72], struct clan_err *err);

/* Layers. id is a digest ("sha256:<hex>"). */
char *imgstore_layer_path(const struct imgstore *st, const char *id);
bool imgstore_has_layer(const struct imgstore *st, const char *id);
/* A fresh private temp dir under layers/ to extract into. */
int imgstore_layer_tmpdir(const struct imgstore *st, char **tmp, struct clan_err *err);
/* Renames tmp into place as layer id; when another process made the same
 * layer first, keeps theirs and removes tmp. */
int imgstore_layer_commit(const struct imgstore *st, const char *tmp, const char *id,
			  struct clan_err *err);

/* An image's own health check (Dockerfile HEALTHCHECK, config.Healthcheck):
 * test as the config has it ("CMD", ARG... | "CMD-SHELL", TEXT | "NONE");
 * empty: the image has none. Durations in ns, 0: not set. */
struct image_health {
	struct strv test;
	int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns;
	int retries; /* 0: not set */
};
void image_health_copy(const struct image_health *from, struct image_health *to);
/* From an image config's Healthcheck object (jansson's json_t; NULL or
 * not an object: none). */
struct json_t;
void image_health_parse(struct json_t *o, struct image_health *h);
/* h as an image config's Healthcheck object (a new reference). */
struct json_t *image_health_json(const struct image_health *h);
/* A list as a JSON array of strings (a new reference). */
struct json_t *imgstore_strv_json(const struct strv *s);

/* What an image is: the record under images/<hex>/image.json. */
struct image_record {
	char id[72];	    /* "sha256:<hex>": the config digest, or the deb: key */
	char *manifest;	    /* manifest digest, NULL for deb: images */
	struct strv layers; /* layer ids, bottom first */
	struct strv env;    /* config: Env */
	struct strv entrypoint;
	struct strv cmd;
	char *workdir;	      /* NULL: "/" */
	char *user;	      /* NULL: root */
	int64_t created;      /* unix seconds the image was made/pulled */
	uint64_t size;	      /* bytes of its layers on disk */
	char *source;	      /* "registry", "deb" or "build" */
	struct strv packages; /* deb: the package list */
	/* the rest of an image's config, as a build sets it (a pull keeps
	 * none of it yet) */
	struct strv labels;  /* K=V */
	struct strv exposed; /* "80/tcp" */
	struct strv volumes; /* "/data" */
	struct strv shell;   /* SHELL, empty: ["/bin/sh", "-c"] */
	char *stop_signal;   /* NULL: SIGTERM */
	struct image_health health;
};

int imgstore_save_image(const struct imgstore *st, const struct image_record *rec,
			struct clan_err *err);
/* By id ("sha256:<hex>"), full or a unique prefix of the hex. */
int imgstore_load_image(const struct imgstore *st, const char *id, struct image_record *rec,
			struct clan_err *err);
void image_record_free(struct image_record *rec);

/* Tags: canonical ref -> image id (the only record of an image's names).
 * Replaces an existing tag atomically. */
int imgstore_tag(const struct imgstore *st, const char *ref, const char *id, struct clan_err *err);
int imgstore_untag(const struct imgstore *st, const char *ref, struct clan_err *err);
/* The image id a ref points at; false when untagged. */
bool imgstore_lookup_tag(const struct imgstore *st, const char *ref, char id[72]);

/* Calls fn for every tag with the image id it points at. */
int imgstore_list_tags(const struct imgstore *st,
		       int (*fn)(const char *ref, const char *id, void *), void *arg,
		       struct clan_err *err);

/* Calls fn for every image record. */
int imgstore_list_images(const struct imgstore *st, int (*fn)(const struct image_record *, void *),
			 void *arg, struct clan_err *err);

/* An exclusive flock on locks/<name>; *fd to close to release. Blocks. */
int imgstore_lock(const struct imgstore *st, const char *name, int *fd, struct clan_err *err);

#endif
