/* Privilege hygiene: refusing to run with more privilege than the user has,
 * and reducing what the container's processes can do. */
#ifndef CLAN_CAPS_H
#define CLAN_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

/* clan must never be a setuid/setgid binary or carry file capabilities:
 * it would hand the caller's namespaces privileges they do not own. */
int caps_refuse_privileged_binary(struct clan_err *err);

/* Docker's default capability set as a bit mask (CapBnd 00000000a80425fb). */
uint64_t caps_default_mask(void);

/* In the container, before exec: the bounding set reduced to Docker's
 * default, effective/permitted/inheritable likewise, ambient cleared. */
int caps_apply_default(struct clan_err *err);

/* PR_SET_NO_NEW_PRIVS: setuid binaries inside gain nothing. */
int caps_set_no_new_privs(struct clan_err *err);

#endif
