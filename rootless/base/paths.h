/* Where clan keeps things: the storage dir (images, containers, volumes)
 * and the runtime dir (locks, sockets). */
#ifndef CLAN_PATHS_H
#define CLAN_PATHS_H

#include "base/error.h"

/* $HOME when it is an absolute path (a relative one would move with the
 * cwd), else the passwd entry's home, else "/". Never NULL. */
const char *paths_home_dir(void);

/* Where the storage dir is, and why. */
struct storage_choice {
	char *dir;	  /* the one clan uses */
	char *configured; /* CLAN_STORAGE, clan.conf's [storage] path, else
			   * ${XDG_DATA_HOME:-$HOME/.local/share}/clan */
	char *origin;	  /* where configured came from: a variable, a file, "the default" */
	char *shared_fs;  /* NULL, or the network filesystem configured is on */
	char *skipped;	  /* NULL, or why node-local dirs were passed over */
};

/* A configured dir on a network filesystem (NFS, Lustre, GPFS, BeeGFS,
 * CephFS, FUSE...) is replaced by the first usable node-local dir of
 * $TMPDIR/clan-USER, /var/tmp/clan-USER, /dev/shm/clan-USER (memory: for
 * small images); none usable: the configured one, which
 * paths_check_storage_fs refuses with the fix. The same on every call on
 * one node, so a volume is found again. */
void paths_storage_choose(struct storage_choice *c);
void paths_storage_choice_free(struct storage_choice *c);

/* paths_storage_choose's dir; not created. */
char *paths_storage_dir(void);

/* One line for the user when the storage dir was moved to a node-local
 * one that does not exist yet (its first use on this node), else NULL.
 * Caller frees. */
char *paths_storage_notice(void);

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

/* Creates the storage dir private (paths_ensure_private_dir), refusing
 * first (exit 2, naming CLAN_STORAGE and the node-local dirs tried) one on
 * a network or shared filesystem (NFS, Lustre, GPFS, ...), so nothing is
 * written there, and then one without the user xattrs overlayfs needs:
 * layers, locks and ownership break there. */
int paths_storage_ensure(const char *storage, struct clan_err *err);

/* Creates dir (and parents) and checks that the last component is a real
 * directory owned by us with no group/other access, fixing the mode of one
 * we own. Refuses a dir someone else created (a /tmp squatter). */
int paths_ensure_private_dir(const char *dir, struct clan_err *err);

#endif
