/* Which filesystem a path lives on: clan keeps layers and overlay upper
 * dirs in the storage dir, and network/shared filesystems (NFS, Lustre,
 * GPFS, ...) break overlay, locking and ownership there. */
#ifndef CLAN_FSINFO_H
#define CLAN_FSINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

/* statfs(2) f_type magic numbers of the filesystems clan must not store on. */
#define FSINFO_NFS 0x6969u
#define FSINFO_LUSTRE 0x0BD00BD0u
#define FSINFO_GPFS 0x47504653u
#define FSINFO_CIFS 0xFF534D42u
#define FSINFO_SMB2 0xFE534D42u
#define FSINFO_BEEGFS 0x19830326u
#define FSINFO_FUSE 0x65735546u
#define FSINFO_CEPH 0x00C36400u
#define FSINFO_AFS 0x5346414Fu

/* A short name for an f_type ("ext4", "nfs", ...); "unknown (0x...)" is
 * written to buf (at least 32 bytes) for one we do not know. Pure. */
const char *fsinfo_name(uint32_t f_type, char *buf, unsigned long len);

/* Whether f_type is a network or shared filesystem (or FUSE, which is
 * usually one: sshfs, s3fs, gcsfuse). Pure. */
bool fsinfo_is_shared(uint32_t f_type);

/* statfs on path or, when it does not exist yet, on its nearest existing
 * ancestor (the filesystem it would be created on). *where (optional) gets
 * the path that was examined, owned by the caller. */
int fsinfo_statfs_nearest(const char *path, uint32_t *f_type, char **where, struct clan_err *err);

/* The nearest existing ancestor of path (path itself when it exists);
 * relative paths are taken from the current directory. Never fails: "/"
 * exists. Caller frees. */
char *fsinfo_nearest_existing(const char *path);

#endif
