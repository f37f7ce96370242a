/* Image archives: `clan image save` writes an OCI image layout as a tar
 * (oci-layout, index.json naming each image, blobs/sha256/...; plus
 * docker's manifest.json so `docker load` reads it too), `clan image
 * load` reads one (or a `docker save` archive) into the store. */
#ifndef CLAN_OCI_ARCHIVE_H
#define CLAN_OCI_ARCHIVE_H

#include <stdint.h>

#include "base/error.h"
#include "base/util.h"
#include "image/imgstore.h"
#include "ns/userns.h"

#define OCI_ANNOT_REF "org.opencontainers.image.ref.name"
#define OCI_ANNOT_CONTAINERD "io.containerd.image.name"

/* One image to save: its record, the store it is in, and the names it
 * goes under (canonical references; none: saved by id only). */
struct oci_save_image {
	const struct imgstore *st;
	const struct image_record *rec;
	struct strv names;
};

/* Writes the archive of images to out_fd (written as a stream: a pipe
 * is fine). Each image's layers go as uncompressed tars made from its
 * layer dirs (layer_tar.h: the store keeps no layer blob once extracted),
 * with a config made from its record: the same image gives the same
 * bytes, but a pulled one gets new diff ids, so a new id. tmp_dir holds
 * each layer's tar while it is hashed. */
int oci_save(const struct oci_save_image *images, size_t n, const struct userns_plan *userns,
	     const char *tmp_dir, int out_fd, struct clan_err *err);

/* Bounds of a load: what a hostile archive may not exceed. */
#define OCI_LOAD_MAX_ENTRIES 100000
#define OCI_LOAD_MAX_JSON (4u << 20) /* index.json, manifests, configs */

struct oci_load_opts {
	const struct userns_plan *userns; /* how layers are extracted */
	uint64_t floor_mib;		  /* layer bounds (CLAN_PULL_EXPAND_MIB) */
	/* called with each image loaded: its id and the name it was tagged
	 * (NULL: none) */
	void (*loaded)(const char *id, const char *name, void *arg);
	void *arg;
};

/* Reads the archive at in_fd (a tar, maybe gzip/zstd/xz-compressed; a
 * pipe is fine) into st: every blob checked against its digest and size,
 * every layer against its diff id, each image recorded and tagged with
 * the name its index (or manifest.json) gives. Refused, with the entry
 * named and nothing added to the store: names that are absolute or hold
 * "..", links and devices, a blob whose content does not match its name,
 * an entry larger than the archive (uncompressed) or the free space, more
 * than OCI_LOAD_MAX_ENTRIES entries. in_size: the archive file's size,
 * 0 when unknown (a pipe). */
int oci_load(struct imgstore *st, int in_fd, uint64_t in_size, const struct oci_load_opts *o,
	     struct clan_err *err);

#endif
