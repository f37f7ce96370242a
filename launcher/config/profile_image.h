/* Profiles that recognise an image: a profile's `images:` patterns matched
 * against an image reference after Docker's normalisation, so postgres:15,
 * docker.io/library/postgres:15 and 127.0.0.1:5000/library/postgres:15 are
 * all PostgreSQL and mypostgres:1 is not.
 *
 * A pattern is NAME[:TAG] with '*' and '?' as in a shell, where a '*'
 * matches '/' too. NAME is normalised as a reference is: one without '/'
 * is an official image (docker.io/library/NAME), one whose first component
 * is no registry is on docker.io; one whose first component holds a
 * wildcard is matched against the whole registry/repository, so '*'
 * followed by "/postgres" is postgres under any registry and namespace.
 * Without a TAG every tag and digest of the name matches; a reference by
 * digest alone matches a TAG of "*" only (any version, unknown which). */
#ifndef CLAN_PROFILE_IMAGE_H
#define CLAN_PROFILE_IMAGE_H

#include <stdbool.h>

#include "base/error.h"
#include "config/profile.h"

/* 0 when pattern is one `images:` may hold; else -1 with why in err
 * (exit 2, no file position: the caller adds it). */
int profile_image_pattern_check(const char *pattern, struct clan_err *err);

/* Whether pattern matches image (a registry reference as `clan run` takes
 * it). false for an image that is no registry reference (deb:, dir:,
 * host, a malformed one) and for a pattern the check refuses. */
bool profile_image_pattern_match(const char *pattern, const char *image);

/* Whether one of p's images: patterns matches image. */
bool profile_match_image(const struct profile *p, const char *image);

/* The profile in dirs (profile_default_dirs' order) that recognises image:
 * 1 with it in *out (the caller frees it), 0 when none does, -1 when a
 * profile does not load (err as profile_load's: a broken profile is
 * named, not silently passed over). A profile in an earlier dir wins;
 * within one dir, the first by name. */
int profile_for_image(const char *const *dirs, const char *image, struct profile *out,
		      struct clan_err *err);

/* Every profile of dirs, loaded once, for a load that looks up several
 * images (profile_for_image's rules). */
struct profile_set {
	struct profile *p;
	size_t *rank; /* the index of the dir each came from */
	size_t n;
};
int profile_set_load(const char *const *dirs, struct profile_set *out, struct clan_err *err);
/* The profile of s that recognises image, NULL when none. */
const struct profile *profile_set_for_image(const struct profile_set *s, const char *image);
void profile_set_free(struct profile_set *s);

#endif
