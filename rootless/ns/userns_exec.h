/* Doing host-side work as root of a user namespace with given maps, so
 * files owned by subordinate ids can be handled without real root. */
#ifndef CLAN_USERNS_EXEC_H
#define CLAN_USERNS_EXEC_H

#include <sys/types.h>

#include "base/error.h"
#include "ns/idmap.h"
#include "ns/userns.h"

/* clone(2) with namespace flags and fork semantics: 0 in the child. */
pid_t clone_ns(unsigned long flags);

/* Joins the user namespace of pid, then its network namespace (both
 * opened first): the way into a container's or pod's network for a
 * process of its owner. */
int ns_join_user_net(pid_t pid, struct clan_err *err);

/* The parent's side of a helper process that joins namespaces, clones
 * with CLONE_PARENT and writes what clone returned (its pid, or -errno)
 * as an int on a pipe: reads it from rfd (closing it) and reaps the
 * helper. Returns the pid, or -1 with errno set (ECHILD when the helper
 * said nothing). */
pid_t clone_report_collect(int rfd, pid_t helper);

/* Removes path as root of a new user namespace with these maps. */
int userns_remove_tree(const char *path, const struct idmap *uidmap, const struct idmap *gidmap,
		       struct clan_err *err);

#endif
