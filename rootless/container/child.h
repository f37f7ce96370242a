/* What the container's first process (pid 1 in the new namespaces) needs:
 * prepared by the parent, copied into the child by clone. */
#ifndef CLAN_CHILD_H
#define CLAN_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/ioctl.h>

#include "container/image.h"
#include "fs/mount_plan.h"
#include "ns/passwd.h"
#include "ns/seccomp_filter.h"
#include "container/spec.h"
#include "ns/userns.h"

struct child_ctx {
	const struct container_spec *spec;
	const struct image *img;
	const struct userns_plan *userns;
	const struct mount_plan *plan;
	struct user_ids user; /* the command's uid/gid inside */
	const char *cdir;     /* the container's dir on the host */
	const char *hostname;
	const char *workdir;	      /* absolute, inside */
	char **env;		      /* final K=V list */
	char **argv;		      /* final command */
	int sync_fd;		      /* the child's end of the sync socket */
	const char *etc_dir;	      /* where the generated /etc files go */
	const char *const *etc_texts; /* their contents, ETC_FILES of them */
	struct winsize winsize;	      /* -t: the outer terminal's size at start */
	uint64_t caps;		      /* the capabilities the command keeps (caps_mask_for) */
	/* the compiled profile, loaded right before execve */
	const struct seccomp_bpf *seccomp;
	/* started by root with an id range (userns_needs_idmapped_mounts, as
	 * the parent saw it): the mounts below arrive before SYNC_GO */
	bool idmapped;
	int rootfs_fd;	  /* the root filesystem, or -1 */
	int *mount_fds;	  /* per op of plan: an idmapped bind, or -1 */
	bool *new_volume; /* per op of plan: a new named volume to fill */
};

/* The child: waits for the maps, builds the root, pivots, then becomes
 * init. Never returns; failures reach the parent over sync_fd. */
noreturn void child_main(struct child_ctx *c);

/* --init: pid 1 starts the command, forwards signals to it, reaps zombies
 * and exits with the command's status (128+N for signal N). */
noreturn void init_main(struct child_ctx *c);

/* The last steps before a container process execs: the container's
 * capability set (caps: Docker's default with --cap-add/--cap-drop), the
 * user's ids and groups, no_new_privs, fds >= 3 close-on-exec. The seccomp
 * filter comes after it (seccomp_bpf_apply), right before execve. */
int process_become(const struct user_ids *u, bool single_mode, uint64_t caps, struct clan_err *err);

/* Without --init: the command itself becomes pid 1, as in docker. */
noreturn void command_main(struct child_ctx *c);

#endif
