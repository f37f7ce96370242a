/* The host ids that containers started by root map to, so that the
 * container's root is not host root: root's own entry in /etc/subuid and
 * /etc/subgid where an admin added one (Debian adds none for root), else
 * 65536 ids that clan picks from 2^31 up, clear of every entry there, as
 * podman's --userns=auto does. Recorded in the storage dir on first use
 * and reused, so every container of that storage maps the same way. */
#ifndef CLAN_ROOT_RANGE_H
#define CLAN_ROOT_RANGE_H

#include <stdbool.h>

#include "base/error.h"
#include "ns/idmap.h"

#define ROOT_RANGE_FILE "root-idmap"
#define ROOT_RANGE_BASE 2147483648u
#define ROOT_RANGE_COUNT 65536u

/* From the texts of /etc/subuid and /etc/subgid (NULL: no such file):
 * root's entries when both exist and neither holds id 0, else the first
 * ROOT_RANGE_COUNT ids at or above ROOT_RANGE_BASE, on a multiple of the
 * count, that no entry of either file meets. False when none is free. */
bool root_range_pick(const char *subuid, const char *subgid, struct subid_range *uid,
		     struct subid_range *gid);

/* The record's text, and back ("uid START COUNT" and "gid START COUNT"
 * lines, '#' comments). Parse refuses id 0 and ranges past 2^32-2. */
char *root_range_format(const struct subid_range *uid, const struct subid_range *gid);
bool root_range_parse(const char *text, struct subid_range *uid, struct subid_range *gid);

/* STORAGE/ROOT_RANGE_FILE, picked from subuid_path and subgid_path and
 * written (0600, atomically) when missing. A record that is malformed, or
 * whose range an admin has since given to someone else, is refused with
 * the fix (exit 2). */
int root_range_get(const char *storage, const char *subuid_path, const char *subgid_path,
		   struct subid_range *uid, struct subid_range *gid, struct clan_err *err);

#endif
