/* A tmpfs mount as a container asks for it: docker's --tmpfs DST[:OPTS],
 * or a compose volume of type tmpfs (size and mode). Pure data and its
 * parser; mounts.c mounts it like a volume, resolved inside the root. */
#ifndef CLAN_TMPFS_SPEC_H
#define CLAN_TMPFS_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

struct tmpfs_spec {
	char *dst;     /* absolute container path, no ".." */
	uint64_t size; /* bytes, when has_size (0: no limit, as the kernel's) */
	bool has_size; /* else the kernel's default: half of RAM */
	uint32_t mode; /* when has_mode, else the kernel's 1777 */
	bool has_mode;
	unsigned long flags; /* MS_RDONLY, MS_NOEXEC, MS_NOSUID, MS_NODEV */
};

/* dst with docker's defaults (runc/moby, podman's docs): rw, noexec,
 * nosuid, nodev, the kernel's size and mode. dst is copied. */
void tmpfs_spec_init(struct tmpfs_spec *t, const char *dst);
void tmpfs_spec_free(struct tmpfs_spec *t);

/* "DST[:OPTS]", OPTS comma-separated: size=N[k|m|g] (docker's sizes,
 * base/format.h), mode=OCTAL (at most 07777), ro, rw, exec, noexec, suid,
 * nosuid, dev, nodev; a later option wins. Exit 2 on anything else. On
 * error t needs no freeing. */
int tmpfs_spec_parse(const char *text, struct tmpfs_spec *t, struct clan_err *err);

/* dst is absolute and has no ".." component (exit 2 otherwise). */
int tmpfs_check_target(const char *dst, struct clan_err *err);

/* The tmpfs data options for mount(2): "mode=1777,size=65536" or "".
 * Caller frees. */
char *tmpfs_spec_data(const struct tmpfs_spec *t);

#endif
