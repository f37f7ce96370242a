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

/* The same in two steps: fds[0] and fds[1] become pid's user and network
 * namespaces (O_CLOEXEC; they keep them alive while open), and a process
 * joins them with ns_join_fds, even once pid is gone. */
int ns_open_user_net(pid_t pid, int fds[2], struct clan_err *err);
int ns_join_fds(const int fds[2], struct clan_err *err);

/* What the helper of clone_joined does around its clone. Both run in the
 * helper, a fork of the caller, and return 0 or -errno. */
struct clone_join {
	int (*join)(void *arg);		      /* enter the namespaces */
	int (*after)(pid_t child, void *arg); /* NULL, or with the clone (its maps);
						  on failure the clone is killed */
	void *arg;
};

/* clone(2) into another process's namespaces: a forked helper runs
 * j->join, clones with flags | CLONE_PARENT (so the new process is the
 * caller's own child: waitpid, PR_SET_PDEATHSIG; and a joined pid
 * namespace applies to children only), runs j->after and reports the pid
 * on a pipe. Returns like fork: 0 in the new process, its pid in the
 * caller, -1 with errno (join's or after's, clone's; ECHILD when the
 * helper died without a word). The helper is reaped before this returns,
 * and so is a clone that j->after failed for: nothing is left to reap. */
pid_t clone_joined(unsigned long flags, const struct clone_join *j);

/* Work to do as root of a user namespace: fn(arg) in a forked child
 * whose maps are p's, so it may chown to the container's ids. fn's error
 * comes back in err; what it writes to out (up to 1023 bytes) comes back
 * in out (NULL: nothing). what names the work in messages ("extract layer
 * X"). */
struct userns_call {
	int (*fn)(void *arg, char *out, size_t outlen, struct clan_err *err);
	void *arg;
	const char *what;
	char *out;
	size_t outlen;
};
int userns_call(const struct userns_plan *p, const struct userns_call *c, struct clan_err *err);

/* Removes path as root of a new user namespace with these maps. */
int userns_remove_tree(const char *path, const struct idmap *uidmap, const struct idmap *gidmap,
		       struct clan_err *err);

#endif
