/* Mounts whose files read through a container's user namespace (idmapped
 * mounts, Linux 5.12; overlayfs over idmapped layers, 5.19): what lets the
 * container of root run as a range of unprivileged host ids and still see
 * root's own files (project dirs, image layers) as its root's, and write
 * files that are host root's, as crun does.
 *
 * Made by host root outside the container, as detached mounts: the kernel
 * idmaps only mounts of a superblock the caller is privileged over (the
 * host's filesystems: init_user_ns), and only mounts never attached yet.
 * The container's first process then move_mount()s each fd into place. */
#ifndef CLAN_IDMOUNT_H
#define CLAN_IDMOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/util.h"

/* A detached copy of the mount at dirfd/path (AT_EMPTY_PATH when path is
 * ""; symlinks not followed), recursive when asked, whose ids read through
 * the user namespace userns_fd, nosuid and nodev, read-only when ro: *out
 * is its fd. */
int idmount_clone(int dirfd, const char *path, int userns_fd, bool recursive, bool ro, int *out,
		  struct clan_err *err);

struct idmount_overlay_req {
	const struct strv *lowers; /* top first, as in lowerdir= */
	const char *cdir;	   /* holds upper/ and work/ (one mount) */
	int userns_fd;
	uint32_t root_uid, root_gid; /* host ids of the container's root */
	bool ephemeral;		     /* --rm: volatile, no sync */
};

/* Whether this kernel takes overlay layers as O_PATH fds (6.13 took
 * fds, 6.15 O_PATH ones: what open_tree returns), which
 * idmount_overlay needs: asks without mounting anything. */
bool idmount_overlay_supported(void);

/* A detached overlay (userxattr, as clan's layers are made) of idmapped
 * copies of every layer and of cdir: *out is its fd. */
int idmount_overlay(const struct idmount_overlay_req *req, int *out, struct clan_err *err);

#endif
