/* Building an image from a Dockerfile, as `docker build` does, into the
 * image store: stages (only those the target needs), the instructions'
 * meaning, a step cache keyed by content, RUN in a clan container. */
#ifndef CLAN_BUILD_H
#define CLAN_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/util.h"
#include "ns/userns.h"

enum build_progress { BUILD_PROGRESS_AUTO, BUILD_PROGRESS_PLAIN, BUILD_PROGRESS_QUIET };

struct build_opts {
	const char *context;	 /* the context dir */
	const char *dockerfile;	 /* its path; NULL: CONTEXT/Dockerfile */
	const char *inline_text; /* compose's dockerfile_inline: instead of a file */
	struct strv tags;	 /* references to tag the result with */
	struct strv build_args;	 /* K=V, or K (its value from clan's environment) */
	const char *target;	 /* the stage to build; NULL: the last */
	bool no_cache, pull;
	enum build_progress progress;
	enum userns_mode userns;
};

/* Builds; id gets the image's id ("sha256:..."). Errors name
 * Dockerfile:LINE and the instruction; a failed RUN says its step, line
 * and exit code (err->code 1) after its output. */
int build_image(const struct build_opts *o, char id[72], struct clan_err *err);

/* Removes the build cache of storage: RUN --mount=type=cache dirs, the
 * contexts' remembered hashes and deb: builds' downloads (the layers go
 * with imgstore_gc); *bytes
 * says what that freed. */
int build_cache_prune(const char *storage, uint64_t *bytes, struct clan_err *err);

#endif
