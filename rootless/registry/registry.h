/* Pulling images over the OCI distribution API v2 (libcurl, jansson,
 * OpenSSL's sha256): token and basic auth, manifest lists, parallel
 * verified and resumable blob downloads, mirrors and plain-HTTP
 * registries. */
#ifndef CLAN_REGISTRY_H
#define CLAN_REGISTRY_H

#include <stdbool.h>

#include "base/error.h"
#include "image/image_ref.h"
#include "image/imgstore.h"
#include "ns/userns.h"

struct registry_opts {
	const char *os;	  /* NULL: "linux" */
	const char *arch; /* NULL: this machine's, in OCI terms (amd64, arm64, ...) */
	bool progress;	  /* one progress bar per layer (a terminal); else plain lines */
	bool quiet;	  /* nothing on stdout */
	const struct userns_plan *userns; /* how layers are extracted (layer.h) */
};

/* Pulls ref into st: manifest (through an index to this platform),
 * config, every layer blob (verified against its digest, downloaded in
 * parallel, resumed or retried when a connection drops), every layer
 * extracted (layer_extract), then the image record saved and ref tagged.
 * Nothing is used before it is verified. */
int registry_pull(struct imgstore *st, const struct image_ref *ref, const struct registry_opts *o,
		  struct image_record *rec, struct clan_err *err);

/* Stores user:password for registry in $REGISTRY_AUTH_FILE, else
 * ~/.docker/config.json (mode 0600, docker's format). */
int registry_login(const char *registry, const char *user, const char *password,
		   struct clan_err *err);

/* This machine's architecture as OCI names it (uname -m x86_64 -> amd64). */
const char *registry_this_arch(void);

#endif
