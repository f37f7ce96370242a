/* A service's image from its build: (compose) or build = (.clanrc): what
 * up builds when the image is missing (or always, with --build) and
 * `clan build` in a project builds. */
#ifndef CLAN_SVC_IMAGE_BUILD_H
#define CLAN_SVC_IMAGE_BUILD_H

#include <stdbool.h>

#include "base/error.h"
#include "build/build.h"
#include "config/stack.h"

/* Builds s's image when s has a build and (always, or its image is not in
 * the store yet), and sets s->image_id; 0 with nothing done for a service
 * without one. */
int svc_image_build(struct service *s, bool always, const struct build_opts *base,
		    struct clan_err *err);

#endif
