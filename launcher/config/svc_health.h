/* A service's health check when its files give none: the image's own
 * (Dockerfile HEALTHCHECK, config.Healthcheck), as the Docker engine runs
 * it, with the timings the files give over the image's. Known only once
 * the image is in the store, so `up` applies it after pulls and builds. */
#ifndef CLAN_SVC_HEALTH_H
#define CLAN_SVC_HEALTH_H

#include "base/error.h"
#include "config/stack.h"
#include "image/imgstore.h"

/* Takes h for s unless s has a check of its files or disables checks; an
 * image's check is preferred to a profile's guess (compose: a profile that
 * recognised the image; one a .clanrc names is chosen, and stays). */
void svc_health_from_image(struct service *s, const struct image_health *h);

/* Exit 2 when a service of only (NULL: all) waits for a dependency to be
 * healthy that has no check, from its files or its image. */
int svc_health_check_deps(const struct stack *st, const bool *only, struct clan_err *err);

#endif
