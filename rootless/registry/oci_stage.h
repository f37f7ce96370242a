/* The first pass of `clan image load`: every file of an archive copied
 * into a private dir of the store, hashed, and checked against what a
 * hostile archive could try. Nothing of it is used before oci_load has
 * checked how the files fit together. */
#ifndef CLAN_OCI_STAGE_H
#define CLAN_OCI_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/util.h"
#include "image/imgstore.h"

struct staged {
	char *name; /* the archive's name for it, cleaned ("blobs/sha256/<hex>") */
	char *path; /* where it is staged (shared by an alias) */
	uint64_t size;
	char digest[72]; /* the sha256 of its content */
};

struct stage {
	char *dir; /* blobs/sha256/.tmp-load-* of the store: gc sweeps a leftover */
	struct staged *v;
	size_t n;
	struct strv links; /* symlink entries: name, target (pairs) */
};

/* Reads the tar at in_fd into a new staging dir of st. Refuses, naming
 * the entry: absolute names or ".." components, hardlinks, devices, a
 * symlink that leaves the archive or names no file of it (one that does
 * is another name of that file: docker save's layer.tar links), a name
 * twice, a blobs/ name that is not blobs/sha256/<hex> of its content, a
 * declared size past the archive (uncompressed, in_size known) or the
 * free space, a data shorter than declared, more than max_entries. */
int oci_stage_read(struct stage *s, const struct imgstore *st, int in_fd, uint64_t in_size,
		   size_t max_entries, struct clan_err *err);

/* The staged file of that name (cleaned), or of blobs/sha256/<hex>. */
const struct staged *oci_stage_find(const struct stage *s, const char *name);
const struct staged *oci_stage_blob(const struct stage *s, const char *digest);

/* name -> an existing staged file (e.g. a docker layer under its digest). */
void oci_stage_alias(struct stage *s, const char *name, const struct staged *to);

/* Adds data as blobs/sha256/<its digest> (a manifest oci_load made). */
int oci_stage_put(struct stage *s, const char *data, size_t len, char digest[72],
		  struct clan_err *err);

/* A staged JSON file (at most max bytes) parsed; NULL with err. */
struct json_t *oci_stage_json(const struct staged *f, size_t max, struct clan_err *err);

/* Removes the dir and everything left in it. */
void oci_stage_free(struct stage *s);

#endif
