/* Which user namespace a container gets and how its id maps are written:
 * the parent's half of the clone handshake. */
#ifndef CLAN_USERNS_H
#define CLAN_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "ns/idmap.h"

/* USERNS_HOST (root only, only when asked for): the container's root is
 * host root, every id mapped to itself. */
enum userns_mode { USERNS_AUTO, USERNS_SINGLE, USERNS_SUBUID, USERNS_HOST };
const char *userns_mode_name(enum userns_mode m);

struct userns_plan {
	enum userns_mode mode; /* SINGLE or SUBUID after planning */
	bool host_root;	       /* started by root: identity map */
	struct idmap uid, gid;
	bool use_helpers; /* newuidmap/newgidmap write the maps */
	struct subid_range subuid, subgid;
	char newuidmap[256], newgidmap[256];
};

/* Decides the mode (auto: subuid when the user has ranges in /etc/subuid
 * and /etc/subgid and newuidmap/newgidmap exist) and builds the maps so
 * that container uid/gid (the -u user, or 0) is the host user in single
 * mode. Errors are exit 2 with the fix. */
int userns_plan_make(enum userns_mode requested, uint32_t cuid, uint32_t cgid,
		     struct userns_plan *out, struct clan_err *err);

/* userns_plan_make for a container's (or a stack's) own user namespace.
 * Started by root, unless --userns host or single: the range of
 * root_range.h (recorded in storage), container id N = host id START+N,
 * so the container's root is not host root. Root's storage stays owned by
 * host ids; such a container sees it through idmapped mounts (idmount.h). */
int userns_plan_container(enum userns_mode requested, const char *storage, uint32_t cuid,
			  uint32_t cgid, struct userns_plan *out, struct clan_err *err);

/* Started by root with a range (not the identity map): host files (root's
 * storage, bind sources) must reach the container through idmapped mounts
 * made by host root. */
bool userns_needs_idmapped_mounts(const struct userns_plan *p);

/* Writes the maps of process pid (which has just unshared its user ns). */
int userns_write_maps(pid_t pid, const struct userns_plan *p, struct clan_err *err);

/* Whether gid is mapped inside (e.g. tty's 5, for devpts). */
bool userns_gid_mapped(const struct userns_plan *p, uint32_t gid);

#endif
