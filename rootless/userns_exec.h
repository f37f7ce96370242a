/* Doing host-side work as root of a user namespace with given maps, so
 * files owned by subordinate ids can be handled without real root. */
#ifndef CLAN_USERNS_EXEC_H
#define CLAN_USERNS_EXEC_H

#include <sys/types.h>

#include "error.h"
#include "idmap.h"
#include "userns.h"

/* clone(2) with namespace flags and fork semantics: 0 in the child. */
pid_t clone_ns(unsigned long flags);

/* Removes path as root of a new user namespace with these maps. */
int userns_remove_tree(const char *path, const struct idmap *uidmap, const struct idmap *gidmap,
		       struct clan_err *err);

#endif
