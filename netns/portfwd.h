/* Published ports without slirp4netns in the data path: clan binds the
 * host side itself (so a busy or privileged port is refused before
 * anything starts), then a forwarder process joins the container's user
 * and network namespaces, keeping those host sockets. Each accepted
 * connection gets a socket made inside (to 127.0.0.1:PORT there) and the
 * bytes move between the two with splice(2), never through user space.
 * rootlesskit's builtin driver does the same with a helper inside that
 * passes sockets out over SCM_RIGHTS; holding the host sockets inside
 * saves that round trip per connection. */
#ifndef CLAN_PORTFWD_H
#define CLAN_PORTFWD_H

#include <sys/types.h>

#include "base/error.h"
#include "netns/portspec.h"

struct port_listener {
	int fd;
	uint16_t host_port, container_port;
	enum port_proto proto;
};

struct port_set {
	struct port_listener *v;
	size_t n;
};

/* Binds every host port of maps (one socket per port of a range). A port
 * the kernel picks (host_port 0) is written back into maps. Errors name
 * the port and what to do: in use, or below
 * net.ipv4.ip_unprivileged_port_start. */
int portfwd_bind(struct port_map *maps, size_t n, struct port_set *out, struct clan_err *err);
void port_set_close(struct port_set *s);

/* Starts the forwarder in the user and network namespaces ns_fds
 * (ns_open_user_net: a container's, or a stack's) and returns once it is
 * inside them, or with its error. It dies with its parent. */
pid_t portfwd_start(const struct port_set *s, const int ns_fds[2], struct clan_err *err);

/* Closes every fd but s's listeners and keep (which may be -1): what a
 * process that serves the ports keeps of clan's. */
void portfwd_keep_only(const struct port_set *s, int keep);

/* The forwarder's loop, inside the namespaces; returns only on a fatal
 * error. A stack's namespace holder runs it too (pod.h). It raises
 * its process's soft fd limit to the hard one and keeps its connections
 * under the caps of portfwd_limits.h (where its environment variables are
 * described). */
int portfwd_loop(const struct port_set *s, struct clan_err *err);

#endif
