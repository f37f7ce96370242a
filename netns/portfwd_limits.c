#define _GNU_SOURCE
#include "netns/portfwd_limits.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/util.h"

/* A TCP connection costs at most 6 fds: its two sockets and, while bytes
 * wait, a pipe (2 fds) per direction. An idle one holds only the sockets. */
#define FDS_PER_CONN 6
/* epoll, the spare fd for EMFILE, stdio, slack */
#define FDS_SPARE 16
/* 4096 is well above what a development service takes (PostgreSQL's
 * default max_connections is 100, nginx's worker_connections 512-1024) and
 * costs at most 24576 fds, below the usual hard limit (524288 with
 * systemd); a lower hard limit lowers it, with every connection at its
 * worst still inside the limit, so the forwarder never meets EMFILE. */
#define MAX_CONNS_CEILING 4096
/* however low the fd limit, a few connections at a time */
#define MAX_CONNS_FLOOR 16
/* One client address may hold a quarter: a single remote host (with -p
 * 0.0.0.0:...) cannot push everyone else out. On loopback a hostile user
 * picks any 127.x source, so this alone protects nothing there: eviction
 * under the total cap does. */
#define PER_SOURCE_DIVISOR 4
/* A client that connected and said nothing: tens of seconds, longer than
 * any real client takes to send its first bytes. An established flow that
 * went quiet (a psql session) has no timeout, like Docker's proxy: it goes
 * only when the total cap needs its place. A half-closed one (one side
 * sent FIN) waits for its last answer a minute. */
#define SILENT_MS (30 * 1000)
#define HALF_MS (60 * 1000)

void fwd_limits_for(struct fwd_limits *lim, uint64_t nofile, size_t nfixed)
{
	uint64_t spare = (uint64_t)nfixed + FDS_SPARE;
	uint64_t n = nofile > spare ? (nofile - spare) / FDS_PER_CONN : 0;
	if (n > MAX_CONNS_CEILING)
		n = MAX_CONNS_CEILING;
	if (n < MAX_CONNS_FLOOR)
		n = MAX_CONNS_FLOOR;
	lim->max_conns = (size_t)n;
	lim->per_source = lim->max_conns / PER_SOURCE_DIVISOR;
	if (lim->per_source == 0)
		lim->per_source = 1;
	lim->silent_ms = SILENT_MS;
	lim->half_ms = HALF_MS;
}

static bool env_u32(const char *name, uint32_t *v)
{
	const char *s = getenv(name);
	return s && parse_u32(s, v) && *v > 0;
}

void fwd_limits_init(struct fwd_limits *lim, size_t nfixed)
{
	struct rlimit r = {0};
	uint64_t nofile = 1024;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
		nofile = r.rlim_cur;
		/* a hard limit of "unlimited" cannot be the soft one (fs.nr_open
		 * caps it): stay with what we have then */
		struct rlimit up = {.rlim_cur = r.rlim_max, .rlim_max = r.rlim_max};
		if (r.rlim_max != RLIM_INFINITY && r.rlim_cur < r.rlim_max &&
		    setrlimit(RLIMIT_NOFILE, &up) == 0)
			nofile = r.rlim_max;
	}
	fwd_limits_for(lim, nofile, nfixed);
	uint32_t v;
	if (env_u32("CLAN_PORTFWD_MAX_CONNS", &v) && v < lim->max_conns) {
		lim->max_conns = v;
		lim->per_source = v / PER_SOURCE_DIVISOR ? v / PER_SOURCE_DIVISOR : 1;
	}
	if (env_u32("CLAN_PORTFWD_SILENT_SECONDS", &v) && (int64_t)v * 1000 < lim->silent_ms)
		lim->silent_ms = (int64_t)v * 1000;
	if (env_u32("CLAN_PORTFWD_HALF_SECONDS", &v) && (int64_t)v * 1000 < lim->half_ms)
		lim->half_ms = (int64_t)v * 1000;
}

static void source_key(const struct sockaddr_storage *peer, unsigned char key[16])
{
	memset(key, 0, 16);
	if (peer->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
	} else if (peer->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)peer)->sin_addr, 4);
	}
}

static size_t source_hash(const unsigned char key[16])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % FWD_SOURCE_BUCKETS;
}

struct fwd_source *fwd_source_get(struct fwd_sources *t, const struct sockaddr_storage *peer)
{
	unsigned char key[16];
	source_key(peer, key);
	struct fwd_source **b = &t->bucket[source_hash(key)];
	for (struct fwd_source *s = *b; s; s = s->next)
		if (memcmp(s->addr, key, 16) == 0) {
			s->n++;
			return s;
		}
	struct fwd_source *s = xcalloc(1, sizeof *s);
	memcpy(s->addr, key, 16);
	s->n = 1;
	s->next = *b;
	*b = s;
	return s;
}

void fwd_source_put(struct fwd_sources *t, struct fwd_source *s)
{
	if (--s->n > 0)
		return;
	for (struct fwd_source **link = &t->bucket[source_hash(s->addr)]; *link;
	     link = &(*link)->next)
		if (*link == s) {
			*link = s->next;
			free(s);
			return;
		}
}
