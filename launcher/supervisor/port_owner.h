/* Who listens on a service's published TCP port. The services of a stack
 * share one network namespace, so a probe of 127.0.0.1:PORT may reach a
 * sibling: the listening socket is matched (its inode in
 * /proc/PID/net/tcp{,6}) against the sockets open in the processes of the
 * service's own pid namespace. */
#ifndef CLAN_PORT_OWNER_H
#define CLAN_PORT_OWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum port_owner {
	PORT_NONE,    /* nothing listens on it */
	PORT_OWN,     /* a process of the service listens on it */
	PORT_OTHER,   /* only something else does (another service of the pod) */
	PORT_UNKNOWN, /* /proc could not tell */
};

/* One line of /proc/PID/net/tcp or tcp6: whether it is a listening socket
 * on port, and its inode. Pure. */
bool port_line_listens(const char *line, uint16_t port, unsigned long *inode);

/* Whether anything listens on TCP port in the network namespace of pid
 * (a service's or a sibling's socket alike); true when /proc cannot tell. */
bool port_listened(pid_t pid, uint16_t port);

/* Who listens on TCP port in the network namespace of pid, a service's
 * first process: its own processes are those in pid's pid namespace. */
enum port_owner port_owner(pid_t pid, uint16_t port);

#endif
