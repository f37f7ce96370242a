/* Privilege hygiene: refusing to run with more privilege than the user has,
 * and reducing what the container's processes can do. */
#ifndef CLAN_CAPS_H
#define CLAN_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/util.h"

/* caps_from_name's answer for ALL. */
#define CAPS_ALL (-1)

/* clan must never be a setuid/setgid binary or carry file capabilities:
 * it would hand the caller's namespaces privileges they do not own. */
int caps_refuse_privileged_binary(struct clan_err *err);

/* Docker's default capability set as a bit mask (CapBnd 00000000a80425fb). */
uint64_t caps_default_mask(void);

/* A capability as --cap-add/--cap-drop name it: with or without "CAP_", in
 * any case, or ALL (*cap = CAPS_ALL). An unknown name is an exit-2 error
 * with a did-you-mean. */
int caps_from_name(const char *name, int *cap, struct clan_err *err);

/* The set a container gets from Docker's default with add and drop applied
 * in Docker's order (moby oci/caps TweakCapabilities): add ALL gives every
 * capability but the dropped ones; else drop ALL keeps only the added
 * ones; else the default less the dropped, plus the added. */
int caps_mask_for(const struct strv *add, const struct strv *drop, uint64_t *mask,
		  struct clan_err *err);

/* In the container, before exec: the bounding set reduced to keep,
 * effective/permitted/inheritable likewise, ambient cleared. */
int caps_apply(uint64_t keep, struct clan_err *err);
/* caps_apply in two steps, for a process that changes its ids between
 * them (as runc does with keepcaps): the bounding set and ambient first
 * (that needs CAP_SETPCAP, which a non-root uid no longer has), then the
 * effective/permitted/inheritable sets (a dropped CAP_SETUID or
 * CAP_SETGID must not stop the switch to the user). */
int caps_limit_bounding(uint64_t keep, struct clan_err *err);
int caps_limit_process(uint64_t keep, struct clan_err *err);

/* PR_SET_NO_NEW_PRIVS: setuid binaries inside gain nothing. */
int caps_set_no_new_privs(struct clan_err *err);

#endif
