/* Internals of deb: images shared by debimage.c (references, the cache),
 * debimage_build.c (mmdebstrap in a user namespace) and debimage_sources.c
 * (the host's Debian mirror). */
#ifndef CLAN_DEBIMAGE_INT_H
#define CLAN_DEBIMAGE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "debimage.h"

/* One image to build. */
struct debimage_req {
	struct imgstore *st;
	const char *suite;
	const char *name;		/* debimage_name: what the user sees */
	const char *id;			/* the key: image id and layer id */
	const struct strv *packages;	/* sorted, unique */
	const struct userns_plan *plan; /* maps with the user as root (uid 0) */
	bool debug;			/* mmdebstrap's output on stderr */
};

/* Builds layer r->id with mmdebstrap and commits it atomically; *size is
 * its disk usage. Nothing of it is left on failure; SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT are held during the build and raised again once the
 * temp dirs are gone. */
int debimage_build(const struct debimage_req *r, uint64_t *size, struct clan_err *err);

/* du(1): bytes allocated under root, hard links counted once, not crossing
 * mounts; what cannot be read is skipped. */
uint64_t debimage_disk_usage(const char *root);

/* The sources.list lines for suite from the host's apt sources; none when
 * the host is not Debian or has no Debian archive (mmdebstrap's default
 * mirror then applies). */
void debimage_host_mirror_lines(const char *suite, struct strv *lines);

#endif
