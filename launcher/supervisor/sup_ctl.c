/* The supervisor's control socket: the server side (in the supervisor's
 * loop) and the client side (every clan command that asks it). */
#define _GNU_SOURCE
#include "supervisor/sup_ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervisor/sup_answer.h"
#include "supervisor/sup_int.h"
#include "supervisor/sup_request.h"
#include "config/svc_config.h"
#include "base/util.h"

/* up's request carries the changed services' whole configs */
#define REQUEST_MAX (1024 * 1024)
#define OP_TIMEOUT_MS 300000
/* to send a whole request, and to take a whole answer: ours are one
 * short line each way */
#define CTL_IO_MS 2000

static int socket_addr(const char *path, struct sockaddr_un *a, struct clan_err *err)
{
	*a = (struct sockaddr_un){.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof a->sun_path)
		return clan_error(err, ENAMETOOLONG, "socket path %s", path);
	strcpy(a->sun_path, path);
	return 0;
}

int sup_listen(struct sup *s, struct clan_err *err)
{
	struct sockaddr_un a;
	if (socket_addr(s->o->ss->sock, &a, err) < 0)
		return -1;
	unlink(s->o->ss->sock);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(s->listen_fd, 16) < 0)
		return clan_error(err, errno, "cannot listen on %s", s->o->ss->sock);
	return 0;
}

static void ctl_drop(struct ctl_conn *c)
{
	if (c->phase == CTL_FREE)
		return;
	close(c->fd);
	free(c->buf);
	free(c->targets);
	*c = (struct ctl_conn){.phase = CTL_FREE, .fd = -1};
}

/* Writes what the socket takes now; the rest when poll says POLLOUT. */
static void ctl_write(struct ctl_conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break; /* the client is gone */
		c->off += (size_t)n;
	}
	ctl_drop(c);
}

/* Queues o (consumed) as c's answer and starts writing it. */
static void answer(struct ctl_conn *c, json_t *o)
{
	free(c->buf);
	c->buf = sup_answer_dump(o);
	if (!c->buf) {
		ctl_drop(c);
		return;
	}
	c->len = strlen(c->buf);
	c->cap = c->len;
	c->off = 0;
	c->phase = CTL_WRITE;
	c->deadline = sup_now_ms() + CTL_IO_MS;
	ctl_write(c);
}

static void answer_error(struct ctl_conn *c, const char *why)
{
	answer(c, sup_answer_error(why));
}

json_t *sup_ps_json(const struct sup *s)
{
	json_t *svcs = json_array();
	for (size_t i = 0; i < s->n; i++) {
		const struct svc_rt *r = &s->svcs[i];
		/* health and published ports are a running service's only */
		bool live = r->state == SVC_STARTING || r->state == SVC_RUNNING;
		json_t *ports = json_array();
		for (size_t k = 0; live && k < r->nbound; k++) {
			char buf[128];
			port_map_format(&r->bound[k], buf, sizeof buf);
			json_array_append_new(ports, json_string(buf));
		}
		const char *health = !r->svc->has_health || !live ? ""
				     : r->healthy		  ? "healthy"
				     : r->unhealthy		  ? "unhealthy"
								  : "starting";
		json_array_append_new(
		    svcs, json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:i,s:i,s:o,s:o?,s:o,s:s?}",
				    "service", r->svc->name, "name", r->spec.name, "state",
				    svc_state_name(r), "health", health, "pid", (int)r->pid,
				    "started", (json_int_t)r->started, "exit_code", r->exit_code,
				    "restarts", r->restart_count, "ports", ports, "error",
				    r->error ? sup_answer_text(r->error) : NULL, "image",
				    sup_answer_text(r->svc->image), "health_output", r->hc_output));
	}
	json_t *o = sup_answer_ok();
	json_object_set_new(o, "services", svcs);
	json_object_set_new(o, "pid", json_integer(getpid()));
	return o;
}

static void start_op(struct sup *s, const struct ctl_request *req)
{
	const char *op = req->op;
	for (size_t i = 0; i < s->n; i++) {
		struct svc_rt *r = &s->svcs[i];
		if (!req->targets[i])
			continue;
		if (req->timeout_s >= 0)
			r->stop_timeout_ms = req->timeout_s * 1000;
		if (strcmp(op, "stop") == 0) {
			/* a stop wins over a restart (or recreate) under way: the
			 * new config is dropped too, so a later start or restart
			 * runs the one it ran (the next up -d sees the change) */
			r->want_stop = true;
			r->restart_after_stop = false;
			svc_drop_pending(r);
			svc_stop(s, r);
		} else if (strcmp(op, "restart") == 0 && svc_active(r)) {
			r->want_stop = true;
			r->restart_after_stop = true;
			svc_stop(s, r);
		} else if (r->state == SVC_STOPPED || r->state == SVC_EXITED) {
			/* start, or restart of a service that is not running */
			r->want_stop = false;
			r->state = SVC_WAITING;
		}
	}
	sup_service_changed(s, &s->svcs[0]);
}

/* compose's kill: the signal to each named service's main process, at
 * once; what it then does (exit, and its restart policy) is the
 * service's. Answered at once with ps. */
static json_t *kill_op(struct sup *s, const struct ctl_request *req)
{
	for (size_t i = 0; i < s->n; i++) {
		struct svc_rt *r = &s->svcs[i];
		if (!req->targets[i] || (r->state != SVC_STARTING && r->state != SVC_RUNNING) ||
		    r->pid <= 0)
			continue;
		/* pid 1 drops a signal it has no handler for: then it is
		 * SIGKILLed and its exit means the signal, as under Docker's
		 * init-less kill of a default action */
		if (container_signal(r->pid, req->signal))
			r->emulated_sig = req->signal;
	}
	return sup_ps_json(s);
}

/* The operation now runs; c is answered by sup_settle when it is done. */
static void wait_op(struct ctl_conn *c, const char *op, bool *targets)
{
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
	snprintf(c->op, sizeof c->op, "%s", op);
	c->targets = targets;
	c->phase = CTL_OP;
	c->deadline = sup_now_ms() + OP_TIMEOUT_MS;
}

/* ps, with the config each service runs: what `up -d` and `restart`
 * compare the project's files with. */
static json_t *config_json(const struct sup *s)
{
	json_t *o = sup_ps_json(s);
	json_t *svcs = json_object_get(o, "services");
	for (size_t k = 0; k < json_array_size(svcs); k++) {
		json_t *e = json_array_get(svcs, k);
		const char *name = json_string_value(json_object_get(e, "service"));
		for (size_t i = 0; name && i < s->n; i++)
			if (strcmp(s->svcs[i].svc->name, name) == 0)
				json_object_set_new(e, "config", svc_config_json(s->svcs[i].svc));
	}
	return o;
}

static void handle(struct sup *s, struct ctl_conn *c)
{
	_cleanup_free_ const char **names = xcalloc(s->n ? s->n : 1, sizeof *names);
	for (size_t i = 0; i < s->n; i++)
		names[i] = s->svcs[i].svc->name;
	struct ctl_request req;
	char why[160];
	if (ctl_request_parse(c->buf, names, s->n, &req) < 0) {
		answer_error(c, req.error);
		return;
	}
	if (strcmp(req.op, "ps") == 0) {
		answer(c, sup_ps_json(s));
	} else if (strcmp(req.op, "config") == 0) {
		answer(c, config_json(s));
	} else if (strcmp(req.op, "down") == 0) {
		/* an `up` waiting for the start learns why it ends */
		if (s->ready_fd >= 0 && !s->failure)
			s->failure = xstrdup("error the stack was stopped by clan down while it "
					     "started\n");
		s->down = true;
		for (size_t i = 0; i < s->n && req.timeout_s >= 0; i++)
			s->svcs[i].stop_timeout_ms = req.timeout_s * 1000;
		wait_op(c, "down", NULL);
	} else if (strcmp(req.op, "up") == 0 && sup_up_prepare(s, &req, why, sizeof why) < 0) {
		answer_error(c, why);
	} else if (strcmp(req.op, "kill") == 0) {
		answer(c, kill_op(s, &req));
	} else if (strcmp(req.op, "up") == 0) {
		sup_up_op(s, &req);
		wait_op(c, req.op, req.targets);
		req.targets = NULL;
	} else {
		wait_op(c, req.op, req.targets);
		start_op(s, &req);
		req.targets = NULL;
	}
	ctl_request_free(&req);
}

/* Reads what the client sent so far; a whole line is the request. */
static void ctl_read(struct sup *s, struct ctl_conn *c)
{
	for (;;) {
		if (c->len + 1 >= c->cap) {
			if (c->cap >= REQUEST_MAX) {
				answer_error(c, "request too long");
				return;
			}
			c->cap = c->cap ? c->cap * 2 : 1024;
			c->buf = xrealloc(c->buf, c->cap);
		}
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - 1 - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			ctl_drop(c); /* gone, or closed before a whole request */
			return;
		}
		char *nl = memchr(c->buf + c->len, '\n', (size_t)n);
		c->len += (size_t)n;
		if (nl) {
			*nl = '\0';
			handle(s, c);
			return;
		}
	}
}

/* A free slot, or the oldest connection's, dropped. */
static struct ctl_conn *ctl_slot(struct sup *s)
{
	struct ctl_conn *oldest = &s->ctl[0];
	for (size_t i = 0; i < SUP_CTL_MAX; i++) {
		if (s->ctl[i].phase == CTL_FREE)
			return &s->ctl[i];
		if (s->ctl[i].seq < oldest->seq)
			oldest = &s->ctl[i];
	}
	ctl_drop(oldest);
	return oldest;
}

void sup_accept(struct sup *s)
{
	for (int k = 0; k < SUP_CTL_MAX; k++) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return; /* EAGAIN: no more waiting; else retried on the next poll */
		struct ctl_conn *c = ctl_slot(s);
		*c = (struct ctl_conn){.phase = CTL_READ,
				       .fd = fd,
				       .seq = ++s->ctl_seq,
				       .deadline = sup_now_ms() + CTL_IO_MS};
		ctl_read(s, c);
	}
}

short sup_ctl_events(const struct sup *s, size_t i)
{
	switch (s->ctl[i].phase) {
	case CTL_READ:
		return POLLIN;
	case CTL_WRITE:
		return POLLOUT;
	case CTL_OP:   /* only a hangup: the client gave up waiting */
	case CTL_FREE: /* not polled */
		break;
	}
	return 0;
}

void sup_ctl_on_event(struct sup *s, size_t i, short revents)
{
	struct ctl_conn *c = &s->ctl[i];
	if (c->phase == CTL_READ)
		ctl_read(s, c);
	else if (c->phase == CTL_WRITE)
		ctl_write(c);
	else if (c->phase == CTL_OP && (revents & (POLLHUP | POLLERR)))
		ctl_drop(c); /* the operation goes on; nobody waits for its answer */
}

static bool op_done(const struct sup *s, const struct ctl_conn *p)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct svc_rt *r = &s->svcs[i];
		if (strcmp(p->op, "down") == 0) {
			if (svc_active(r))
				return false;
			continue;
		}
		if (!p->targets[i])
			continue;
		if (strcmp(p->op, "stop") == 0) {
			if (svc_active(r))
				return false;
		} else if (r->state == SVC_STARTING && r->unhealthy) {
			continue; /* failed: its health check kept failing */
		} else if (r->state != SVC_RUNNING && r->state != SVC_EXITED &&
			   r->state != SVC_STOPPED) {
			return false; /* start/restart: until it runs, or failed */
		} else if (r->state == SVC_STOPPED && r->restart_after_stop) {
			return false;
		}
	}
	return true;
}

void sup_settle(struct sup *s)
{
	int64_t now = sup_now_ms();
	for (size_t i = 0; i < SUP_CTL_MAX; i++) {
		struct ctl_conn *c = &s->ctl[i];
		if (c->phase == CTL_READ || c->phase == CTL_WRITE) {
			if (now >= c->deadline)
				ctl_drop(c); /* too slow to send its request or take its answer */
			continue;
		}
		if (c->phase != CTL_OP)
			continue;
		/* the stack going down ends every other operation */
		bool finished = op_done(s, c) || (s->down && strcmp(c->op, "down") != 0);
		if (finished)
			answer(c, sup_ps_json(s));
		else if (now >= c->deadline)
			answer_error(c, "timed out");
	}
}

int64_t sup_ctl_next_deadline(const struct sup *s)
{
	int64_t next = 0;
	for (size_t i = 0; i < SUP_CTL_MAX; i++)
		if (s->ctl[i].phase != CTL_FREE && (!next || s->ctl[i].deadline < next))
			next = s->ctl[i].deadline;
	return next;
}

void sup_ctl_close_all(struct sup *s, int timeout_ms)
{
	int64_t end = sup_now_ms() + timeout_ms;
	for (;;) {
		struct pollfd p[SUP_CTL_MAX];
		size_t who[SUP_CTL_MAX], n = 0;
		for (size_t i = 0; i < SUP_CTL_MAX; i++)
			if (s->ctl[i].phase == CTL_WRITE) {
				p[n] = (struct pollfd){.fd = s->ctl[i].fd, .events = POLLOUT};
				who[n++] = i;
			}
		int64_t left = end - sup_now_ms();
		if (n == 0 || left <= 0 || poll(p, (nfds_t)n, (int)left) <= 0)
			break;
		for (size_t k = 0; k < n; k++)
			if (p[k].revents)
				ctl_write(&s->ctl[who[k]]);
	}
	for (size_t i = 0; i < SUP_CTL_MAX; i++)
		ctl_drop(&s->ctl[i]);
}

/* The answer on fd, until EOF; NULL when stop_fd (>= 0) became readable
 * first. */
static char *read_answer(int fd, int stop_fd)
{
	if (stop_fd < 0)
		return read_to_eof(fd);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = stop_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			free(buf);
			return NULL;
		}
		if (read_append(fd, &buf, &len, &cap) <= 0)
			break;
	}
	return buf ? buf : xstrdup("");
}

int sup_request_until(const struct stack_state *ss, json_t *req, int stop_fd, json_t **answer_out,
		      struct clan_err *err)
{
	*answer_out = NULL;
	struct sockaddr_un a;
	if (socket_addr(ss->sock, &a, err) < 0)
		return -1;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return clan_error(err, errno, "cannot reach the stack's supervisor at %s",
				  ss->sock);
	_cleanup_free_ char *text = json_dumps(req, JSON_COMPACT);
	if (!text || !write_all(fd, text, strlen(text)) || !write_all(fd, "\n", 1))
		return clan_error(err, errno, "cannot talk to the stack's supervisor");
	char *buf = read_answer(fd, stop_fd);
	if (!buf)
		return 1;
	int rc = sup_answer_parse(buf, "the stack's supervisor gave no answer (did it die?)",
				  answer_out, err);
	free(buf);
	return rc;
}

int sup_request(const struct stack_state *ss, json_t *req, json_t **answer_out,
		struct clan_err *err)
{
	return sup_request_until(ss, req, -1, answer_out, err);
}
