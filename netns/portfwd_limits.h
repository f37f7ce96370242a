/* What the port forwarder may hold, so that no local user can take a
 * published port down by opening connections and sitting on them: caps on
 * TCP connections in total and per client address (the loop evicts the
 * flow idle longest to stay under them, never refusing the newcomer), idle
 * timeouts, and the fd limit those caps are measured against. Also the
 * count of connections per client address.
 *
 * Two environment variables, read only by the forwarder, lower the limits
 * (for tests, or a machine where the defaults are too generous):
 *   CLAN_PORTFWD_MAX_CONNS=N       at most N TCP connections (never above
 *                                  what the fd limit allows)
 *   CLAN_PORTFWD_SILENT_SECONDS=S  close a connection whose client has not
 *                                  sent a byte after S seconds of quiet
 *   CLAN_PORTFWD_HALF_SECONDS=S    close a half-closed connection after S
 *                                  seconds of quiet */
#ifndef CLAN_PORTFWD_LIMITS_H
#define CLAN_PORTFWD_LIMITS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct fwd_limits {
	size_t max_conns;  /* TCP connections in total */
	size_t per_source; /* TCP connections from one client address */
	int64_t silent_ms; /* quiet time before a client that never spoke is cut */
	int64_t half_ms;   /* quiet time before a half-closed connection is cut */
};

/* The limits for an fd limit of nofile with nfixed fds held for other
 * things (listeners, UDP flows, pooled pipes). Pure, for the unit test. */
void fwd_limits_for(struct fwd_limits *lim, uint64_t nofile, size_t nfixed);

/* Raises this process's soft fd limit to its hard limit, then sets lim
 * from the result and the environment. Never fails: with a limit it cannot
 * raise it uses the one it has. */
void fwd_limits_init(struct fwd_limits *lim, size_t nfixed);

/* Connections per client address (IPv4 or IPv6, port ignored). */
struct fwd_source {
	unsigned char addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	size_t n;
	struct fwd_source *next;
};

#define FWD_SOURCE_BUCKETS 1024

struct fwd_sources {
	struct fwd_source *bucket[FWD_SOURCE_BUCKETS];
};

/* Counts one more connection from peer's address; the entry lives while
 * its count is above zero. */
struct fwd_source *fwd_source_get(struct fwd_sources *t, const struct sockaddr_storage *peer);
void fwd_source_put(struct fwd_sources *t, struct fwd_source *s);

#endif
