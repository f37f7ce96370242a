/* slirp4netns: user-mode networking for a network namespace we own. It
 * runs as a separate program (never linked: its code parses guest
 * packets), sandboxed and seccomp-filtered, and dies with clan through
 * its exit fd. */
#ifndef CLAN_SLIRP_H
#define CLAN_SLIRP_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "netns/portspec.h"

/* slirp4netns --configure's fixed addresses */
#define SLIRP_GUEST_IP "10.0.2.100"
#define SLIRP_HOST_IP "10.0.2.2"
#define SLIRP_DNS_IP "10.0.2.3"

struct slirp_opts {
	bool allow_host_loopback; /* 10.0.2.2 reaches the host's 127.0.0.1 */
	/* --enable-sandbox: it needs root (uid and gid 0) mapped in the
	 * namespace it joins, which single mode with -u USER does not have */
	bool sandbox;
	const char *api_socket; /* path for --api-socket */
	const char *log_path;	/* its stderr; shown when it fails */
};

struct slirp {
	pid_t pid;
	int pidfd;  /* readable when it exits */
	int exit_w; /* closing it tells slirp4netns to exit */
	char *api_socket;
	char *log_path;
};

/* Starts slirp4netns for the network namespace of ns_pid and waits on
 * its ready fd (with a timeout, never a sleep). */
int slirp_start(pid_t ns_pid, const struct slirp_opts *o, struct slirp *s, struct clan_err *err);

/* slirp4netns's own port forwarding, through its API socket. */
int slirp_add_hostfwd(const struct slirp *s, const struct port_map *m, struct clan_err *err);

/* After pidfd became readable: reaps it and describes how it ended
 * ("was killed by signal 9"), with the last line of its log. */
void slirp_reap(struct slirp *s, char *why, size_t len);

/* Asks it to exit (closes the exit fd), waits a little, then kills it. */
void slirp_stop(struct slirp *s);
/* Asks it to exit and forgets it, without the wait: for a caller that
 * exits next (init reaps slirp4netns), as the kernel's teardown of
 * slirp4netns's namespaces takes milliseconds (10 to 17 measured). */
void slirp_release(struct slirp *s);

#endif
