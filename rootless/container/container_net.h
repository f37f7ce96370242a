/* A container's network, the parent's side: published ports bound before
 * anything starts, slirp4netns and the port forwarder started once the
 * container's namespaces exist, and slirp4netns watched while it runs. */
#ifndef CLAN_CONTAINER_NET_H
#define CLAN_CONTAINER_NET_H

#include <stdbool.h>
#include <sys/types.h>

#include "netns/portfwd.h"
#include "netns/slirp.h"
#include "container/spec.h"
#include "container/store.h"

struct container_net {
	struct port_map *maps; /* the spec's, with kernel-picked ports filled in */
	size_t nmaps;
	struct port_set listeners;
	struct slirp slirp;
	struct slirp_opts opts;
	char *api_socket, *log_path;
	pid_t fwd_pid;
	int fwd_pidfd; /* readable when the forwarder exits; valid when fwd_pid > 0 */
	int slirp_restarts, fwd_restarts;
	bool slirp_ports;	     /* slirp4netns forwards the ports, not clan */
	bool holder_ports;	     /* a stack's namespace holder serves them (pod.h) */
	struct container_rec target; /* --network container:NAME */
	bool have_target;
};

/* Before the record: binds the host ports (refusing busy and privileged
 * ones) and, for container:NAME, finds that running container. */
int container_net_prepare(const struct container_spec *s, const char *storage,
			  struct container_net *n, struct clan_err *err);

/* After the container's namespaces exist (its pid 1 is child): starts
 * slirp4netns and the forwarder; returns when the network is up. */
int container_net_start(const struct container_spec *s, struct container_net *n, pid_t child,
			const struct container_rec *rec, struct clan_err *err);

/* The fd that becomes readable when slirp4netns exits, or -1. */
int container_net_watch_fd(const struct container_net *n);

/* slirp4netns exited under a running container: says so on stderr and
 * starts it again (a few times at most). */
void container_net_on_slirp_exit(const struct container_spec *s, struct container_net *n,
				 pid_t child, const char *name);

/* The fd that becomes readable when the port forwarder exits, or -1. */
int container_net_fwd_fd(const struct container_net *n);

/* The port forwarder exited under a running container: says so on stderr
 * and starts it again on the same listening sockets (a few times at most). */
void container_net_on_fwd_exit(struct container_net *n, pid_t child, const char *name);

/* Into rec, for ps and network ls: the published ports, who forwards
 * them, and for container:NAME whose network it is. */
void container_net_describe(const struct container_net *n, const struct container_spec *s,
			    struct container_rec *rec);

/* Stops the helpers and frees n; without wait slirp4netns is told to go
 * and not reaped (the caller exits next), unless it holds published
 * ports, which must be free when this returns. */
void container_net_stop(struct container_net *n, bool wait);

#endif
