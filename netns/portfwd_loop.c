/* The forwarder's event loop: one epoll (edge-triggered: each socket is
 * registered once), TCP spliced through a pipe per direction, UDP relayed
 * per client address. Runs inside the container's network namespace with
 * the host listeners it inherited. A short connection costs a few system
 * calls more than loopback: pipes come from a pool, are held only while
 * bytes wait (or for a bulk transfer), and grow only for a connection that
 * fills one.
 *
 * Any local user can reach a published port, so none may take it down by
 * holding connections: TCP connections sit in three lists by state, each
 * ordered by last activity (silent: the client never sent a byte; active;
 * half-closed). The lists give the idle timeouts (silent and half-closed
 * only) and, when a cap of portfwd_limits.h is reached, the flow to evict
 * for the newcomer. Connecting inside never blocks the loop, and an EMFILE
 * on accept sheds the pending connection instead of spinning. */
#define _GNU_SOURCE
#include "base/pages.h"
#include "netns/portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns/portfwd_limits.h"
#include "base/util.h"

#define PIPE_START_BYTES (64 * 1024) /* the kernel's default */
#define PIPE_BIG_BYTES (1 << 20)
#define PIPE_POOL 32
#define UDP_IDLE_MS (60 * 1000)
#define UDP_MAX_FLOWS 256
/* expiries per wake-up: the loop answers events between batches */
#define EXPIRE_BUDGET 64
/* a silent flow younger than this may be a client whose bytes wait for
 * the connection inside: evicted only when it is the oldest of all */
#define EVICT_GRACE_MS 1000

enum conn_list { CL_SILENT, CL_ACTIVE, CL_HALF, CL_N };

enum ep_kind { EP_TCP_LISTEN, EP_UDP_LISTEN, EP_TCP, EP_UDP_FLOW };

struct endpoint {
	enum ep_kind kind;
	struct conn *conn; /* EP_TCP */
	int side;	   /* EP_TCP: 0 the host client, 1 the container's socket */
	const struct port_listener *l;
	struct udp_flow *flow; /* EP_UDP_FLOW */
};

/* One direction of a TCP connection: bytes from fd[from] wait in the pipe
 * until fd[!from] takes them. */
struct half {
	int pipe[2]; /* -1 until the first byte */
	size_t queued;
	bool eof, shut, grown;
};

struct conn {
	int fd[2];
	struct endpoint ep[2];
	struct half h[2]; /* h[i]: from fd[i] to fd[!i] */
	bool out_watched[2];
	bool connecting, dead;
	bool spoke; /* the client sent a byte */
	enum conn_list list;
	int64_t last; /* ms (CLOCK_MONOTONIC) of the last byte moved, or the accept */
	struct fwd_source *src;
	struct conn *next, *prev; /* in lp->head[list], then in lp->dead_conns */
};

struct udp_flow {
	int fd; /* connected to the service inside */
	const struct port_listener *l;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int64_t last; /* ms */
	bool dead;
	struct endpoint ep;
	struct udp_flow *next;
};

/* Closed connections and flows are freed after each batch of events: a
 * later event of the same batch may still point at them. */
struct loop {
	int ep;
	int spare; /* /dev/null, given up to shed a connection on EMFILE */
	int64_t now, udp_sweep_at;
	struct fwd_limits lim;
	struct fwd_sources sources;
	struct conn *head[CL_N], *tail[CL_N]; /* head: idle longest */
	size_t nconns;
	struct conn *dead_conns;
	struct udp_flow *flows, *dead_flows;
	size_t nflows;
	int pool[PIPE_POOL][2]; /* empty pipes of idle directions and closed connections */
	size_t npool;
	bool served;	 /* a connection or datagram came since the last trim */
	int64_t trim_at; /* when idle since a burst: pages_trim then (0: not due) */
	char buf[65536];
};

static int64_t now_ms(void)
{
	struct timespec t;
	/* the coarse clock is a vDSO read, and a tick is precise enough */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A socket connecting to 127.0.0.1:port inside, never blocking: *in_progress
 * says the loop learns the outcome from epoll (EPOLLOUT, or EPOLLERR). A
 * service whose backlog is full would otherwise stall every connection. */
static int inside_socket(int type, uint16_t port, bool *in_progress)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
	if (rc < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	*in_progress = rc < 0;
	return fd;
}

/* Edge-triggered: EPOLLOUT only once a write had to wait (or while
 * connecting), so small exchanges do not wake the loop for nothing. */
static int watch(struct loop *lp, struct conn *c, int side, bool out, int op)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0),
				 .data.ptr = &c->ep[side]};
	c->out_watched[side] = out;
	return epoll_ctl(lp->ep, op, c->fd[side], &ev);
}

static void pipe_release(struct loop *lp, struct half *h)
{
	if (h->pipe[0] < 0)
		return;
	if (h->queued == 0 && lp->npool < PIPE_POOL) {
		lp->pool[lp->npool][0] = h->pipe[0];
		lp->pool[lp->npool++][1] = h->pipe[1];
	} else {
		close(h->pipe[0]);
		close(h->pipe[1]);
	}
	h->pipe[0] = h->pipe[1] = -1;
}

static int pipe_acquire(struct loop *lp, struct half *h)
{
	if (lp->npool) {
		lp->npool--;
		h->pipe[0] = lp->pool[lp->npool][0];
		h->pipe[1] = lp->pool[lp->npool][1];
		return 0;
	}
	return pipe2(h->pipe, O_CLOEXEC | O_NONBLOCK);
}

static void list_unlink(struct loop *lp, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		lp->head[c->list] = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		lp->tail[c->list] = c->prev;
	c->next = c->prev = NULL;
}

static void list_append(struct loop *lp, struct conn *c, enum conn_list l)
{
	c->list = l;
	c->prev = lp->tail[l];
	c->next = NULL;
	if (lp->tail[l])
		lp->tail[l]->next = c;
	else
		lp->head[l] = c;
	lp->tail[l] = c;
}

/* After bytes moved (or a side shut): the flow goes to the tail, the
 * youngest end, of the list its state now says. */
static void conn_touch(struct loop *lp, struct conn *c)
{
	enum conn_list l = c->h[0].shut || c->h[1].shut ? CL_HALF
			   : c->spoke			? CL_ACTIVE
							: CL_SILENT;
	c->last = lp->now;
	if (c->list == l && lp->tail[l] == c)
		return;
	list_unlink(lp, c);
	list_append(lp, c, l);
}

static void conn_close(struct loop *lp, struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		close(c->fd[i]);
		pipe_release(lp, &c->h[i]);
	}
	list_unlink(lp, c);
	lp->nconns--;
	fwd_source_put(&lp->sources, c->src);
	c->dead = true;
	c->next = lp->dead_conns;
	lp->dead_conns = c;
}

static void free_dead(struct loop *lp)
{
	while (lp->dead_conns) {
		struct conn *c = lp->dead_conns;
		lp->dead_conns = c->next;
		free(c);
	}
	while (lp->dead_flows) {
		struct udp_flow *f = lp->dead_flows;
		lp->dead_flows = f->next;
		free(f);
	}
}

/* Moves what it can one way; -1 when the connection is broken. *moved
 * says bytes moved or the direction ended. */
static int pump(struct loop *lp, struct conn *c, int from, bool *moved)
{
	struct half *h = &c->h[from];
	int to = !from;
	if (h->pipe[0] < 0 && !h->eof && pipe_acquire(lp, h) < 0)
		return -1;
	for (;;) {
		bool progress = false;
		if (h->queued == 0 && !h->eof) {
			ssize_t n = splice(c->fd[from], NULL, h->pipe[1], NULL, PIPE_BIG_BYTES,
					   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				h->queued += (size_t)n;
				progress = true;
				c->spoke |= from == 0;
				/* a bulk transfer: fewer, larger splices */
				if (!h->grown && (size_t)n >= PIPE_START_BYTES) {
					(void)fcntl(h->pipe[1], F_SETPIPE_SZ, PIPE_BIG_BYTES);
					h->grown = true;
				}
			} else if (n == 0) {
				h->eof = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (h->queued > 0) {
			ssize_t n = splice(h->pipe[0], NULL, c->fd[to], NULL, h->queued,
					   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				h->queued -= (size_t)n;
				progress = true;
			} else if (n < 0 && errno == EAGAIN && !c->out_watched[to] &&
				   watch(lp, c, to, true, EPOLL_CTL_MOD) < 0) {
				return -1;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (!progress)
			break;
		*moved = true;
	}
	if (h->eof && h->queued == 0 && !h->shut) {
		shutdown(c->fd[to], SHUT_WR);
		h->shut = true;
		*moved = true;
	}
	/* an idle direction holds no pipe (two fds): back to the pool, no
	 * system call; a grown one stays with its bulk transfer */
	if (h->queued == 0 && !h->grown)
		pipe_release(lp, h);
	return 0;
}

/* The oldest flow of list l, of source src only when src is given (a walk
 * along the list then, done only when one address reached its cap). */
static struct conn *oldest_in(struct loop *lp, enum conn_list l, const struct fwd_source *src)
{
	struct conn *c = lp->head[l];
	while (c && src && c->src != src)
		c = c->next;
	return c;
}

/* The flow to drop for a newcomer: a silent one past the grace time, else
 * the one idle longest, so that a fresh client always gets through. */
static void evict_one(struct loop *lp, const struct fwd_source *src)
{
	struct conn *best = NULL;
	for (int l = 0; l < CL_N; l++) {
		struct conn *c = oldest_in(lp, (enum conn_list)l, src);
		if (c && l == CL_SILENT && lp->now - c->last >= EVICT_GRACE_MS) {
			best = c;
			break;
		}
		if (c && (!best || c->last < best->last))
			best = c;
	}
	if (best)
		conn_close(lp, best);
}

static bool is_out_of_fds(int e)
{
	return e == EMFILE || e == ENFILE;
}

/* EMFILE or ENFILE on accept (the caps keep the forwarder below its fd
 * limit, unless that limit was lowered under it or is tiny): the pending
 * connection would wake the level-triggered listener forever. An idle flow
 * makes room for it when there is one; else give up the spare fd, take the
 * connection and close it, take the spare back (libev's and nginx's way). */
static void make_room_or_shed(struct loop *lp, const struct port_listener *l)
{
	if (lp->nconns > 0) {
		evict_one(lp, NULL);
		return;
	}
	if (lp->spare >= 0)
		close(lp->spare);
	int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	lp->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void tcp_event(struct loop *lp, struct conn *c, int side, uint32_t events);

/* A new connection from peer: room made under the caps first (the caps
 * keep the forwarder below its fd limit), then the socket inside. */
static void conn_open(struct loop *lp, const struct port_listener *l, int client,
		      const struct sockaddr_storage *peer)
{
	struct fwd_source *src = fwd_source_get(&lp->sources, peer);
	if (src->n > lp->lim.per_source)
		evict_one(lp, src);
	if (lp->nconns >= lp->lim.max_conns)
		evict_one(lp, NULL);
	bool pending;
	int inside = inside_socket(SOCK_STREAM, l->container_port, &pending);
	if (inside < 0 && is_out_of_fds(errno) && lp->nconns > 0) {
		evict_one(lp, NULL);
		inside = inside_socket(SOCK_STREAM, l->container_port, &pending);
	}
	if (inside < 0) {
		close(client);
		fwd_source_put(&lp->sources, src);
		return;
	}
	struct conn *c = xcalloc(1, sizeof *c);
	c->fd[0] = client;
	c->fd[1] = inside;
	c->connecting = pending;
	c->src = src;
	c->last = lp->now;
	for (int i = 0; i < 2; i++) {
		c->ep[i] = (struct endpoint){.kind = EP_TCP, .conn = c, .side = i};
		c->h[i].pipe[0] = c->h[i].pipe[1] = -1;
	}
	int one = 1;
	setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(inside, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	list_append(lp, c, CL_SILENT);
	lp->nconns++;
	bool ok = true;
	for (int i = 0; i < 2 && ok; i++)
		ok = watch(lp, c, i, i == 1 && c->connecting, EPOLL_CTL_ADD) == 0;
	if (!ok) {
		conn_close(lp, c);
		return;
	}
	/* a client that spoke first: its bytes wait in the socket, and
	 * edge-triggered epoll will not say so again */
	if (!c->connecting)
		tcp_event(lp, c, 0, 0);
}

static void tcp_accept(struct loop *lp, const struct port_listener *l)
{
	for (int budget = 64; budget > 0; budget--) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		int client =
		    accept4(l->fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (client >= 0)
			conn_open(lp, l, client, &peer);
		else if (is_out_of_fds(errno))
			make_room_or_shed(lp, l);
		else if (errno != EINTR && errno != ECONNABORTED)
			return;
	}
}

static void tcp_event(struct loop *lp, struct conn *c, int side, uint32_t events)
{
	if (c->dead)
		return;
	if (c->connecting) {
		if (side != 1)
			return; /* the inside socket's turn comes when it connects */
		/* connected: EPOLLOUT; refused or timed out: EPOLLERR (no
		 * getsockopt(SO_ERROR) needed to tell them apart) */
		if (events & EPOLLERR) {
			/* nothing listens inside (yet): the client sees the refusal */
			conn_close(lp, c);
			return;
		}
		c->connecting = false;
	}
	bool moved = false;
	if (pump(lp, c, 0, &moved) < 0 || pump(lp, c, 1, &moved) < 0 ||
	    (c->h[0].shut && c->h[1].shut)) {
		conn_close(lp, c);
		return;
	}
	/* a peer that hung up with nothing left to move */
	if ((events & (EPOLLERR | EPOLLHUP)) && c->h[0].queued == 0 && c->h[1].queued == 0 &&
	    (c->h[side].eof || (events & EPOLLERR))) {
		conn_close(lp, c);
		return;
	}
	if (moved)
		conn_touch(lp, c);
}

static void flow_free(struct loop *lp, struct udp_flow **link)
{
	struct udp_flow *f = *link;
	*link = f->next;
	close(f->fd);
	f->dead = true;
	f->next = lp->dead_flows;
	lp->dead_flows = f;
	lp->nflows--;
}

static void udp_sweep(struct loop *lp, bool evict_oldest)
{
	struct udp_flow **oldest = NULL;
	for (struct udp_flow **link = &lp->flows; *link;) {
		if (lp->now - (*link)->last > UDP_IDLE_MS) {
			flow_free(lp, link);
			continue;
		}
		if (!oldest || (*link)->last < (*oldest)->last)
			oldest = link;
		link = &(*link)->next;
	}
	if (evict_oldest && oldest)
		flow_free(lp, oldest);
}

static struct udp_flow *udp_flow_for(struct loop *lp, const struct port_listener *l,
				     const struct sockaddr_storage *peer, socklen_t plen)
{
	for (struct udp_flow *f = lp->flows; f; f = f->next)
		if (f->l == l && f->peer_len == plen && memcmp(&f->peer, peer, plen) == 0)
			return f;
	if (lp->nflows >= UDP_MAX_FLOWS)
		udp_sweep(lp, true);
	bool pending;
	int fd = inside_socket(SOCK_DGRAM, l->container_port, &pending);
	if (fd < 0)
		return NULL;
	struct udp_flow *f = xcalloc(1, sizeof *f);
	*f = (struct udp_flow){.fd = fd, .l = l, .peer = *peer, .peer_len = plen, .last = lp->now};
	f->ep = (struct endpoint){.kind = EP_UDP_FLOW, .flow = f, .l = l};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &f->ep};
	if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		free(f);
		return NULL;
	}
	f->next = lp->flows;
	lp->flows = f;
	lp->nflows++;
	return f;
}

static void udp_from_host(struct loop *lp, const struct port_listener *l)
{
	for (int budget = 64; budget > 0; budget--) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		ssize_t n =
		    recvfrom(l->fd, lp->buf, sizeof lp->buf, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return;
		struct udp_flow *f = udp_flow_for(lp, l, &peer, plen);
		if (!f)
			continue;
		f->last = lp->now;
		(void)send(f->fd, lp->buf, (size_t)n, 0); /* UDP: a lost datagram is lost */
	}
}

static void udp_from_inside(struct loop *lp, struct udp_flow *f)
{
	if (f->dead)
		return;
	for (int budget = 64; budget > 0; budget--) {
		ssize_t n = recv(f->fd, lp->buf, sizeof lp->buf, 0);
		if (n < 0)
			return;
		f->last = lp->now;
		(void)sendto(f->l->fd, lp->buf, (size_t)n, 0, (struct sockaddr *)&f->peer,
			     f->peer_len);
	}
}

static int64_t min_due(int64_t a, int64_t b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* Closes the flows past their idle time, at most EXPIRE_BUDGET a call (the
 * lists are ordered, so only heads are looked at); returns the ms until
 * the next is due, 0 when some were left for the next round, or -1. */
static int expire(struct loop *lp)
{
	int budget = EXPIRE_BUDGET;
	int64_t due = -1;
	const struct {
		enum conn_list l;
		int64_t ms;
	} timed[] = {{CL_SILENT, lp->lim.silent_ms}, {CL_HALF, lp->lim.half_ms}};
	for (size_t i = 0; i < ARRAY_SIZE(timed); i++) {
		struct conn *c;
		while ((c = lp->head[timed[i].l]) && lp->now - c->last >= timed[i].ms &&
		       budget > 0) {
			conn_close(lp, c);
			budget--;
		}
		if (c)
			due = min_due(due, budget ? c->last + timed[i].ms - lp->now : 0);
	}
	if (lp->flows) {
		if (lp->now >= lp->udp_sweep_at) {
			udp_sweep(lp, false);
			lp->udp_sweep_at = lp->now + UDP_IDLE_MS;
		}
		due = min_due(due, lp->udp_sweep_at - lp->now);
	}
	return due > INT_MAX ? INT_MAX : (int)due;
}

static int loop_init(struct loop *lp, const struct port_set *s, struct clan_err *err)
{
	/* fds held besides TCP connections: listeners, UDP flows, pooled pipes */
	fwd_limits_init(&lp->lim, s->n + UDP_MAX_FLOWS + 2 * PIPE_POOL);
	lp->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (lp->spare < 0)
		return clan_error(err, errno, "cannot open /dev/null");
	lp->ep = epoll_create1(EPOLL_CLOEXEC);
	if (lp->ep < 0)
		return clan_error(err, errno, "cannot create an epoll instance");
	struct endpoint *listeners = xcalloc(s->n ? s->n : 1, sizeof *listeners);
	for (size_t i = 0; i < s->n; i++) {
		listeners[i] = (struct endpoint){.kind = s->v[i].proto == PORT_UDP ? EP_UDP_LISTEN
										   : EP_TCP_LISTEN,
						 .l = &s->v[i]};
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listeners[i]};
		if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, s->v[i].fd, &ev) < 0)
			return clan_error(err, errno, "cannot watch port %u",
					  (unsigned)s->v[i].host_port);
	}
	lp->now = now_ms();
	return 0;
}

/* A second idle after a burst of connections: the code pages it ran go
 * again (pages.h), so the forwarder's RSS between bursts is what waiting
 * takes. Not after each connection: the next would fault them back in. */
#define IDLE_TRIM_MS 1000

static int idle_trim(struct loop *lp, int timeout)
{
	if (lp->nconns || lp->nflows || !lp->served) {
		lp->trim_at = 0;
		return timeout;
	}
	if (!lp->trim_at)
		lp->trim_at = lp->now + IDLE_TRIM_MS;
	if (lp->now >= lp->trim_at) {
		pages_trim();
		lp->served = false;
		lp->trim_at = 0;
		return timeout;
	}
	int64_t left = lp->trim_at - lp->now;
	return timeout < 0 || left < timeout ? (int)left : timeout;
}

int portfwd_loop(const struct port_set *s, struct clan_err *err)
{
	struct loop *lp = xcalloc(1, sizeof *lp);
	if (loop_init(lp, s, err) < 0)
		return -1;
	/* runs until clan kills it or dies (PR_SET_PDEATHSIG) */
	for (;;) {
		struct epoll_event evs[64];
		int timeout = idle_trim(lp, expire(lp));
		free_dead(lp);
		int n = epoll_wait(lp->ep, evs, 64, timeout);
		if (n < 0 && errno != EINTR)
			return clan_error(err, errno, "epoll_wait");
		lp->now = now_ms();
		for (int i = 0; i < n; i++) {
			struct endpoint *e = evs[i].data.ptr;
			lp->served |= e->kind == EP_TCP_LISTEN || e->kind == EP_UDP_LISTEN;
			if (e->kind == EP_TCP_LISTEN)
				tcp_accept(lp, e->l);
			else if (e->kind == EP_UDP_LISTEN)
				udp_from_host(lp, e->l);
			else if (e->kind == EP_UDP_FLOW)
				udp_from_inside(lp, e->flow);
			else
				tcp_event(lp, e->conn, e->side, evs[i].events);
		}
		free_dead(lp);
	}
}
