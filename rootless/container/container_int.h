/* Internal to the container runtime: what is prepared before the clone
 * and the started container, shared by container_prep.c (prepare, record),
 * container_spawn.c (clone, network) and container.c (waiting). */
#ifndef CLAN_CONTAINER_INT_H
#define CLAN_CONTAINER_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "container/container.h"
#include "container/container_net.h"
#include "container/image.h"
#include "fs/mount_plan.h"
#include "ns/passwd.h"
#include "ns/seccomp_filter.h"
#include "container/store.h"
#include "base/sync.h"
#include "ns/userns.h"

/* Everything prepared before the clone, freed in one place. */
struct prepared {
	struct image img;
	struct user_ids user;
	struct userns_plan userns; /* maps as the host sees them */
	struct userns_plan nested; /* NET_POD: the same maps, inside the pod's */
	struct container_rec rec;
	struct mount_plan plan;
	struct seccomp_bpf seccomp; /* compiled here, loaded by the child */
	uint64_t caps;		    /* what the command keeps (caps_mask_for) */
	struct container_net net;
	struct strv env, argv;
	char *storage, *etc_dir;
	char *etc_texts[ETC_FILES];
	char hostname[256];
	bool have_rec;
};

struct container {
	const struct container_spec *spec;
	struct prepared p;
	pid_t child;
	int sync_fd;   /* -1 once the child exec'd (EOF) or after an error */
	int pty_fd;    /* -t: the terminal's master once the child sent it */
	int notify_fd; /* a build's RUN without subuid: the chown listener */
	bool failed;   /* the child reported an error */
	struct sync_msg error;
	bool reaped;
};

void prepared_free(struct prepared *p);
/* Everything that can be refused is checked here, before anything exists
 * on disk. */
int prepare(const struct container_spec *s, struct prepared *p, struct clan_err *err);
/* The container's record, dir and mount plan. */
int create_record(const struct container_spec *s, struct prepared *p, struct clan_err *err);
/* Started by root with an id range: makes the container's idmapped root
 * filesystem and binds and sends them to the child (before SYNC_GO). */
int container_send_idmapped(struct container *c, struct clan_err *err);
/* Clones the container's first process and starts its network. */
int spawn(struct container *c, struct clan_err *err);

#endif
