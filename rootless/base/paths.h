/* Where clan keeps things: the storage dir (images, containers, volumes)
 * and the runtime dir (locks, sockets). */
#ifndef CLAN_PATHS_H
#define CLAN_PATHS_H

#include "base/error.h"

/* $HOME when it is an absolute path (a relative one would move with the
 * cwd), else the passwd entry's home, else "/". Never NULL. */
const char *paths_home_dir(void);

/* ${CLAN_STORAGE:-${XDG_DATA_HOME:-$HOME/.local/share}/clan}; not created. */
char *paths_storage_dir(void);

/* $XDG_RUNTIME_DIR/clan when XDG_RUNTIME_DIR is set and is ours (owned by
 * us, mode 0700), else the private dir paths_runtime_dir_ensure made
 * (named in the storage dir's runtime-dir file), else /tmp/clan-UID as a
 * description; not created. */
char *paths_runtime_dir(void);

/* RUNTIME/net/ID12.sock: the slirp4netns API socket of container id (the
 * short id: a socket path must fit in 108 bytes). */
char *paths_slirp_socket(const char *runtime, const char *id);

/* The runtime dir, created private if needed. Without a usable
 * XDG_RUNTIME_DIR (ssh, su, cron, Slurm) it is a new mkdtemp dir in /tmp,
 * never a predictable path someone else could have made first. */
int paths_runtime_dir_ensure(char **out, struct clan_err *err);

/* Refuses (exit 2, naming CLAN_STORAGE) a storage dir on a network or
 * shared filesystem (NFS, Lustre, GPFS, ...) or on one without the user
 * xattrs overlayfs needs: layers, locks and ownership break there. */
int paths_check_storage_fs(const char *storage, struct clan_err *err);

/* Creates dir (and parents) and checks that the last component is a real
 * directory owned by us with no group/other access, fixing the mode of one
 * we own. Refuses a dir someone else created (a /tmp squatter). */
int paths_ensure_private_dir(const char *dir, struct clan_err *err);

#endif
