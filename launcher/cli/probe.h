/* Probes of what this machine lets an unprivileged user do: user
 * namespaces, kernel overlayfs inside one, the devices the fallbacks need.
 * Each probe runs the real operation (in a throw-away child where it
 * changes namespaces), returns 0 when it works or -1 with the reason in
 * err, and never exits. clan doctor prints them; the runtime can use them
 * to choose a mode. */
#ifndef CLAN_PROBE_H
#define CLAN_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

/* A sysctl that can turn unprivileged user namespaces off. */
struct probe_sysctl {
	const char *path;      /* under /proc/sys */
	const char *name;      /* as sysctl(8) spells it */
	bool blocks_when_zero; /* else: blocks when non-zero */
	const char *fix;       /* the exact command that lifts the block */
};

/* kernel.unprivileged_userns_clone (Debian/Ubuntu patch),
 * user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns
 * (Ubuntu >= 23.10), in that order. */
extern const struct probe_sysctl probe_userns_sysctls[3];

/* Whether text (the file's contents; NULL when the file does not exist)
 * says the sysctl blocks unprivileged user namespaces. Text that is not a
 * number does not block: the real probe decides then. Pure. */
bool probe_sysctl_blocks(const struct probe_sysctl *s, const char *text);

/* Creates a user and mount namespace in a child and changes mount
 * propagation there, which needs the namespace's capabilities (an
 * AppArmor-restricted namespace has none). */
int probe_userns(struct clan_err *err);

/* In a child: a user+mount namespace with a single-id map of our own ids,
 * then overlay with userxattr on lower/upper/work/merged dirs made under
 * base (which must exist and be ours), plus a write and a whiteout through
 * it. err says which step failed and with which errno (overlayfs logs
 * its detailed reason to dmesg only). base's temporary subdirectory is
 * removed again. */
int probe_overlay_userns(const char *base, struct clan_err *err);

/* Opens a device read-write (/dev/fuse, /dev/net/tun) and closes it again;
 * err: "cannot open PATH (strerror)". *errno_out gets the errno. */
int probe_device(const char *path, int *errno_out, struct clan_err *err);

/* The start of a free 65536-id range for a new /etc/subuid entry, given
 * the file's text: 100000, or the first id after every
 * existing range. Pure. */
uint32_t probe_free_subid_start(const char *text);

#endif
