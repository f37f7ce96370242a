/* The forwarder's event loop: one epoll (edge-triggered: each socket is
 * registered once), TCP spliced through a pipe per direction, UDP relayed
 * per client address. Runs inside the container's network namespace with
 * the host listeners it inherited. A short connection costs a few system
 * calls more than loopback: pipes come from a pool and grow only for a
 * connection that fills one. */
#define _GNU_SOURCE
#include "portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define PIPE_START_BYTES (64 * 1024) /* the kernel's default */
#define PIPE_BIG_BYTES (1 << 20)
#define PIPE_POOL 32
#define UDP_IDLE_SECONDS 60
#define UDP_MAX_FLOWS 256

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
	struct conn *next, *prev;
};

struct udp_flow {
	int fd; /* connected to the service inside */
	const struct port_listener *l;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	time_t last;
	bool dead;
	struct endpoint ep;
	struct udp_flow *next;
};

/* Closed connections and flows are freed after each batch of events: a
 * later event of the same batch may still point at them. */
struct loop {
	int ep;
	struct conn *conns, *dead_conns;
	struct udp_flow *flows, *dead_flows;
	size_t nflows;
	int pool[PIPE_POOL][2]; /* empty pipes of closed connections */
	size_t npool;
	char buf[65536];
};

/* A connection to 127.0.0.1 completes inside connect(2) unless the
 * service's backlog is full: wait for it that long (not a round through
 * epoll per connection), but never stall the loop more than 20 ms. */
static int inside_socket(int type, uint16_t port, bool *in_progress)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval limit = {.tv_sec = 0, .tv_usec = 20000};
	*in_progress = false;
	int rc = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) < 0
		     ? -1
		     : connect(fd, (struct sockaddr *)&a, sizeof a);
	if (rc < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	*in_progress = rc < 0;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
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

static void conn_close(struct loop *lp, struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		close(c->fd[i]);
		pipe_release(lp, &c->h[i]);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		lp->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
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

/* Moves what it can one way; -1 when the connection is broken. */
static int pump(struct loop *lp, struct conn *c, int from)
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
	}
	if (h->eof && h->queued == 0 && !h->shut) {
		shutdown(c->fd[to], SHUT_WR);
		h->shut = true;
	}
	return 0;
}

static void tcp_event(struct loop *lp, struct conn *c, int side, uint32_t events);

static void tcp_accept(struct loop *lp, const struct port_listener *l)
{
	for (int budget = 64; budget > 0; budget--) {
		int client = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (client < 0)
			return;
		bool pending;
		int inside = inside_socket(SOCK_STREAM, l->container_port, &pending);
		if (inside < 0) {
			close(client);
			continue;
		}
		struct conn *c = xcalloc(1, sizeof *c);
		c->fd[0] = client;
		c->fd[1] = inside;
		c->connecting = pending;
		bool ok = true;
		for (int i = 0; i < 2; i++) {
			c->ep[i] = (struct endpoint){.kind = EP_TCP, .conn = c, .side = i};
			c->h[i].pipe[0] = c->h[i].pipe[1] = -1;
		}
		int one = 1;
		setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(inside, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->next = lp->conns;
		if (lp->conns)
			lp->conns->prev = c;
		lp->conns = c;
		for (int i = 0; i < 2 && ok; i++)
			ok = watch(lp, c, i, i == 1 && c->connecting, EPOLL_CTL_ADD) == 0;
		if (!ok) {
			conn_close(lp, c);
			continue;
		}
		/* a client that spoke first: its bytes wait in the socket, and
		 * edge-triggered epoll will not say so again */
		if (!c->connecting)
			tcp_event(lp, c, 0, 0);
	}
}

static void tcp_event(struct loop *lp, struct conn *c, int side, uint32_t events)
{
	if (c->dead)
		return;
	if (c->connecting) {
		if (side != 1)
			return; /* the inside socket's turn comes when it connects */
		int e = 0;
		socklen_t len = sizeof e;
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e) {
			/* nothing listens inside (yet): the client sees the refusal */
			conn_close(lp, c);
			return;
		}
		c->connecting = false;
	}
	if (pump(lp, c, 0) < 0 || pump(lp, c, 1) < 0 || (c->h[0].shut && c->h[1].shut)) {
		conn_close(lp, c);
		return;
	}
	/* a peer that hung up with nothing left to move */
	if ((events & (EPOLLERR | EPOLLHUP)) && c->h[0].queued == 0 && c->h[1].queued == 0 &&
	    (c->h[side].eof || (events & EPOLLERR)))
		conn_close(lp, c);
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

static void udp_sweep(struct loop *lp, time_t now, bool evict_oldest)
{
	struct udp_flow **oldest = NULL;
	for (struct udp_flow **link = &lp->flows; *link;) {
		if (now - (*link)->last > UDP_IDLE_SECONDS) {
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
				     const struct sockaddr_storage *peer, socklen_t plen,
				     time_t now)
{
	for (struct udp_flow *f = lp->flows; f; f = f->next)
		if (f->l == l && f->peer_len == plen && memcmp(&f->peer, peer, plen) == 0)
			return f;
	if (lp->nflows >= UDP_MAX_FLOWS)
		udp_sweep(lp, now, true);
	bool pending;
	int fd = inside_socket(SOCK_DGRAM, l->container_port, &pending);
	if (fd < 0)
		return NULL;
	struct udp_flow *f = xcalloc(1, sizeof *f);
	*f = (struct udp_flow){.fd = fd, .l = l, .peer = *peer, .peer_len = plen, .last = now};
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

static void udp_from_host(struct loop *lp, const struct port_listener *l, char *buf, size_t len)
{
	for (int budget = 64; budget > 0; budget--) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		ssize_t n = recvfrom(l->fd, buf, len, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return;
		time_t now = time(NULL);
		struct udp_flow *f = udp_flow_for(lp, l, &peer, plen, now);
		if (!f)
			continue;
		f->last = now;
		(void)send(f->fd, buf, (size_t)n, 0); /* UDP: a lost datagram is lost */
	}
}

static void udp_from_inside(struct udp_flow *f, char *buf, size_t len)
{
	if (f->dead)
		return;
	for (int budget = 64; budget > 0; budget--) {
		ssize_t n = recv(f->fd, buf, len, 0);
		if (n < 0)
			return;
		f->last = time(NULL);
		(void)sendto(f->l->fd, buf, (size_t)n, 0, (struct sockaddr *)&f->peer,
			     f->peer_len);
	}
}

int portfwd_loop(const struct port_set *s, struct clan_err *err)
{
	struct loop *lp = xcalloc(1, sizeof *lp);
	lp->ep = epoll_create1(EPOLL_CLOEXEC);
	if (lp->ep < 0)
		return clan_error(err, errno, "cannot create an epoll instance");
	struct endpoint *listeners = xcalloc(s->n ? s->n : 1, sizeof *listeners);
	for (size_t i = 0; i < s->n; i++) {
		listeners[i] = (struct endpoint){
		    .kind = s->v[i].proto == PORT_UDP ? EP_UDP_LISTEN : EP_TCP_LISTEN, .l = &s->v[i]};
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listeners[i]};
		if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, s->v[i].fd, &ev) < 0)
			return clan_error(err, errno, "cannot watch port %u",
					  (unsigned)s->v[i].host_port);
	}
	/* runs until clan kills it or dies (PR_SET_PDEATHSIG) */
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(lp->ep, evs, 64, lp->flows ? UDP_IDLE_SECONDS * 1000 : -1);
		if (n < 0 && errno != EINTR)
			return clan_error(err, errno, "epoll_wait");
		if (n <= 0)
			udp_sweep(lp, time(NULL), false);
		for (int i = 0; i < n; i++) {
			struct endpoint *e = evs[i].data.ptr;
			if (e->kind == EP_TCP_LISTEN)
				tcp_accept(lp, e->l);
			else if (e->kind == EP_UDP_LISTEN)
				udp_from_host(lp, e->l, lp->buf, sizeof lp->buf);
			else if (e->kind == EP_UDP_FLOW)
				udp_from_inside(e->flow, lp->buf, sizeof lp->buf);
			else
				tcp_event(lp, e->conn, e->side, evs[i].events);
		}
		free_dead(lp);
	}
}
