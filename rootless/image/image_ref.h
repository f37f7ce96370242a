/* Image references as Docker writes them. Pure. */
#ifndef CLAN_IMAGE_REF_H
#define CLAN_IMAGE_REF_H

#include <stdbool.h>

#include "base/error.h"

struct image_ref {
	char *registry;	  /* "docker.io", "127.0.0.1:5000", "ghcr.io" */
	char *repository; /* "library/postgres", "lib/app" */
	char *tag;	  /* "15"; "latest" when neither tag nor digest is given */
	char *digest;	  /* "sha256:<64 hex>" or NULL */
};

/* "postgres:15" -> docker.io/library/postgres:15; "host:port/name:tag";
 * "name@sha256:..."; "name:tag@sha256:..." keeps both. A first component
 * with '.' or ':' or equal to "localhost" is a registry. Lowercase
 * repositories only, as Docker requires. Exit-2 errors name the problem. */
int image_ref_parse(const char *text, struct image_ref *out, struct clan_err *err);
void image_ref_free(struct image_ref *r);

/* The canonical form, "docker.io/library/postgres:15" (digest form
 * "...@sha256:..." when there is no tag). Caller frees. */
char *image_ref_format(const struct image_ref *r);

/* The host to talk to: docker.io is served by registry-1.docker.io. */
const char *image_ref_api_host(const struct image_ref *r);

/* Loopback registries (127.0.0.0/8, localhost, [::1]) need no TLS. */
bool image_ref_is_loopback(const char *registry);

/* Whether text looks like a registry reference rather than another image
 * source (dir:, deb:, host). */
bool image_ref_is_registry(const char *text);

#endif
