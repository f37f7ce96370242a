/* A stack's pod: one user namespace and one network namespace shared by
 * all its services (they reach each other on 127.0.0.1, by name through
 * /etc/hosts), held by a small process that also serves the published
 * ports (netns/portfwd.h), with slirp4netns attached to it. Each service
 * gets a user namespace nested in the pod's (NET_POD). */
#ifndef CLAN_POD_H
#define CLAN_POD_H

#include <stdbool.h>
#include <sys/types.h>

#include "container/container_net.h"
#include "base/error.h"
#include "container/spec.h"
#include "container/store.h"
#include "ns/userns.h"

struct pod {
	pid_t pid;	  /* the holder; 0 when none */
	int holder_pidfd; /* readable when it dies; -1 when none */
	int ns_fds[2];	  /* its user and network namespaces, kept to start another */
	int holder_restarts;
	bool created; /* pod_create ran: pod_destroy has something to undo */
	struct userns_plan userns;
	struct container_spec net_spec; /* its network, as a container's */
	struct container_rec net_rec;	/* where its slirp4netns log and socket go */
	struct container_net net;
};

struct pod_opts {
	enum userns_mode userns;      /* auto, single or subuid */
	const struct port_map *ports; /* the stack's published ports */
	size_t nports;
	bool allow_host_loopback;
	const char *id;	 /* names slirp4netns's API socket */
	const char *dir; /* a private dir for slirp4netns's log */
};

/* Binds the ports (busy or privileged ones are refused before anything
 * starts), creates the namespaces and starts the network. */
int pod_create(const struct pod_opts *o, struct pod *p, struct clan_err *err);

/* What a service needs to join it. */
void pod_ref(const struct pod *p, struct pod_ref *out);

/* Readable when slirp4netns died; then call pod_on_net_exit. */
int pod_net_fd(const struct pod *p);
void pod_on_net_exit(struct pod *p);

/* Readable when the holder, which serves the published ports, died; then
 * call pod_on_holder_exit, which starts another in the same namespaces
 * (a few times) and says so. */
int pod_holder_fd(const struct pod *p);
void pod_on_holder_exit(struct pod *p);

/* Kills the holder and slirp4netns. */
void pod_destroy(struct pod *p);

#endif
