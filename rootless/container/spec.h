/* What one container should be: the plain data `clan run` (and later the
 * stack supervisor) fills in and the runtime executes. */
#ifndef CLAN_SPEC_H
#define CLAN_SPEC_H

#include <stdbool.h>

#include <sys/types.h>

#include "ns/idmap.h"
#include "fs/mount_plan.h"
#include "fs/overlay.h"
#include "ns/userns.h"
#include "netns/portspec.h"
#include "base/util.h"
#include "container/ulimit.h"

/* slirp (the default, as podman's rootless default): a network namespace
 * of its own with slirp4netns; none: loopback only; host: the host's;
 * container: join another container's user and network namespaces. */
enum net_mode { NET_SLIRP, NET_NONE, NET_HOST, NET_CONTAINER, NET_POD };

/* NET_POD: a stack's services share one network namespace (like a
 * Kubernetes pod), owned by a user namespace that a holder process keeps;
 * each service gets a user namespace nested in it. */
struct pod_ref {
	pid_t pid;	       /* the holder */
	enum userns_mode mode; /* single or subuid */
	struct idmap uid, gid; /* the holder's maps (outside: host ids) */
};

struct image;

struct container_spec {
	char *image_ref;
	/* an image already resolved (a build's stage so far; borrowed): used
	 * instead of resolving image_ref, which only names it */
	const struct image *image;
	/* a build's RUN in single-id mode: setuid and the rest of the id
	 * calls succeed without effect too, as chown does (what package
	 * installs need) */
	bool fake_ids;
	struct strv cmd;
	/* --entrypoint: replaces the image's (and then the image's command is
	 * not used either, as in docker) */
	bool entrypoint_set;
	struct strv entrypoint;
	struct strv env; /* K=V, later entries win */
	char *workdir;	 /* NULL: the user's home or / */
	char *user;	 /* NULL: root; else NAME|UID[:GROUP|GID] */
	char *hostname;	 /* NULL: the short id */
	char *name;	 /* NULL: generated */
	enum net_mode net;
	char *net_container;	  /* NET_CONTAINER: its name or id */
	bool port_handler_slirp;  /* slirp4netns forwards ports, not clan */
	bool allow_host_loopback; /* host.clan.internal reaches host 127.0.0.1 */
	struct port_map *ports;
	size_t nports;
	struct strv add_hosts; /* "NAME IP" lines for /etc/hosts */
	struct pod_ref pod;    /* NET_POD */
	/* more names for 127.0.0.1 in /etc/hosts: a stack's services and
	 * their aliases */
	struct strv local_names;
	/* a stack's service: its output goes to these (the supervisor's log
	 * pipes) instead of clan's; -1: clan's own */
	int out_fd, err_fd;
	char *project, *service; /* for the record: which stack and service */
	enum userns_mode userns;
	enum overlay_kind overlay;
	bool tty, interactive, rm;
	/* --rm of `clan run`: the writable layer and the generated /etc
	 * files go on a tmpfs of this size (tmpfs's size=) in the container's
	 * own mount namespace, where the kernel keeps overlayfs's user xattrs
	 * on tmpfs (6.6+); nothing of them reaches the disk, and they go with
	 * the namespace. NULL: on disk. */
	char *rm_layer_size;
	/* clan exits once the container has: its network helpers are told
	 * to go, not waited for (init reaps them) */
	bool exits_after;
	bool init; /* --init: a reaping init is pid 1, the command pid 2 */
	/* --security-opt seccomp=: NULL for clan's default profile,
	 * "unconfined", or the path of a profile in Docker's JSON format */
	char *seccomp;
	struct bind_spec *binds;
	size_t nbinds;
	/* --device and compose's devices as given (device_req_check has
	 * checked each): devices_apply makes them binds and environment */
	struct strv devices;
	/* --tmpfs and compose's tmpfs volumes (short and long form): mounted
	 * like volumes, targets resolved inside the root */
	struct tmpfs_spec *tmpfs;
	size_t ntmpfs;
	/* --read-only: the root filesystem only; volumes, tmpfs, /dev, /proc
	 * and the generated /etc files stay as they are (docker's meaning) */
	bool read_only;
	/* --cap-add/--cap-drop as given (names checked by caps_from_name),
	 * applied to Docker's default set in Docker's order (caps_mask_for) */
	struct strv cap_add, cap_drop;
	uint64_t shm_size; /* --shm-size in bytes; 0: docker's 64m */
	/* --ulimit, one per resource (ulimit_put) */
	struct ulimit_spec *ulimits;
	size_t nulimits;
};

void spec_free(struct container_spec *s);

const char *net_mode_name(enum net_mode m);
/* A spec with no fds to use: out_fd and err_fd -1. */
void spec_init(struct container_spec *s);

#endif
