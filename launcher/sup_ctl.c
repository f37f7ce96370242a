/* The supervisor's control socket: the server side (in the supervisor's
 * loop) and the client side (every clan command that asks it). */
#define _GNU_SOURCE
#include "sup_ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sup_int.h"
#include "util.h"

#define REQUEST_MAX 65536
#define OP_TIMEOUT_MS 300000

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

static void answer(int fd, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	if (text) {
		write_all(fd, text, strlen(text));
		write_all(fd, "\n", 1);
	}
	free(text);
	json_decref(o);
	close(fd);
}

json_t *sup_ps_json(const struct sup *s)
{
	json_t *svcs = json_array();
	for (size_t i = 0; i < s->n; i++) {
		const struct svc_rt *r = &s->svcs[i];
		json_t *ports = json_array();
		for (size_t k = 0; k < r->svc->nports; k++) {
			char buf[128];
			port_map_format(&r->svc->ports[k], buf, sizeof buf);
			json_array_append_new(ports, json_string(buf));
		}
		const char *health = !r->svc->has_health ? ""
				     : r->healthy	  ? "healthy"
				     : r->unhealthy	  ? "unhealthy"
							  : "starting";
		json_array_append_new(
		    svcs, json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:i,s:i,s:o,s:s?,s:s}", "service",
				    r->svc->name, "name", r->spec.name, "state", svc_state_name(r),
				    "health", health, "pid", (int)r->pid, "started",
				    (json_int_t)r->started, "exit_code", r->exit_code, "restarts",
				    r->restarts, "ports", ports, "error", r->error, "image",
				    r->svc->image));
	}
	return json_pack("{s:b,s:o,s:i}", "ok", 1, "services", svcs, "pid", (int)getpid());
}

/* Which services a request names; unknown names make it fail. */
static bool *targets_of(const struct sup *s, json_t *names, char *bad, size_t badlen)
{
	bool *t = xcalloc(s->n ? s->n : 1, sizeof *t);
	if (json_array_size(names) == 0) {
		for (size_t i = 0; i < s->n; i++)
			t[i] = true;
		return t;
	}
	for (size_t k = 0; k < json_array_size(names); k++) {
		const char *name = json_string_value(json_array_get(names, k));
		size_t i = 0;
		while (i < s->n && (!name || strcmp(s->svcs[i].svc->name, name) != 0))
			i++;
		if (i == s->n) {
			snprintf(bad, badlen, "%s", name ? name : "?");
			free(t);
			return NULL;
		}
		t[i] = true;
	}
	return t;
}

static void start_op(struct sup *s, const char *op, bool *t)
{
	for (size_t i = 0; i < s->n; i++) {
		struct svc_rt *r = &s->svcs[i];
		if (!t[i])
			continue;
		if (strcmp(op, "stop") == 0) {
			r->want_stop = true;
			svc_stop(r);
		} else if (strcmp(op, "restart") == 0 && svc_active(r)) {
			r->want_stop = true;
			r->restart_after_stop = true;
			svc_stop(r);
		} else if (r->state == SVC_STOPPED || r->state == SVC_EXITED) {
			/* start, or restart of a service that is not running */
			r->want_stop = false;
			r->state = SVC_WAITING;
		}
	}
	sup_service_changed(s, &s->svcs[0]);
}

static void handle(struct sup *s, int fd, const char *text)
{
	json_error_t je;
	json_t *req = json_loads(text, 0, &je);
	const char *op = json_string_value(json_object_get(req, "op"));
	if (!op) {
		answer(fd, json_pack("{s:b,s:s}", "ok", 0, "error", "bad request"));
	} else if (strcmp(op, "ps") == 0) {
		answer(fd, sup_ps_json(s));
	} else if (strcmp(op, "down") == 0) {
		s->down = true;
		struct pending *p = xcalloc(1, sizeof *p);
		*p = (struct pending){.fd = fd, .deadline = sup_now_ms() + OP_TIMEOUT_MS,
				      .next = s->pending};
		snprintf(p->op, sizeof p->op, "down");
		s->pending = p;
	} else if (strcmp(op, "stop") == 0 || strcmp(op, "start") == 0 ||
		   strcmp(op, "restart") == 0) {
		char bad[128];
		bool *t = targets_of(s, json_object_get(req, "services"), bad, sizeof bad);
		if (!t) {
			_cleanup_free_ char *msg = xasprintf("no such service: %s", bad);
			answer(fd, json_pack("{s:b,s:s}", "ok", 0, "error", msg));
		} else {
			struct pending *p = xcalloc(1, sizeof *p);
			*p = (struct pending){.fd = fd, .targets = t,
					      .deadline = sup_now_ms() + OP_TIMEOUT_MS,
					      .next = s->pending};
			snprintf(p->op, sizeof p->op, "%s", op);
			s->pending = p;
			start_op(s, op, t);
		}
	} else {
		answer(fd, json_pack("{s:b,s:s}", "ok", 0, "error", "unknown operation"));
	}
	json_decref(req);
}

void sup_accept(struct sup *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* one short request per connection; a client that sends nothing in
	 * 2 s is dropped rather than stalling the loop */
	char buf[REQUEST_MAX];
	size_t len = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (len < sizeof buf - 1 && !memchr(buf, '\n', len) && poll(&p, 1, 2000) == 1) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (!memchr(buf, '\n', len)) {
		close(fd);
		return;
	}
	handle(s, fd, buf);
}

static bool op_done(const struct sup *s, const struct pending *p)
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
	for (struct pending **link = &s->pending; *link;) {
		struct pending *p = *link;
		/* the stack going down ends every other operation */
		bool finished = op_done(s, p) || (s->down && strcmp(p->op, "down") != 0);
		if (!finished && now < p->deadline) {
			link = &p->next;
			continue;
		}
		answer(p->fd, finished ? sup_ps_json(s)
				       : json_pack("{s:b,s:s}", "ok", 0, "error", "timed out"));
		*link = p->next;
		free(p->targets);
		free(p);
	}
}

int sup_request(const struct stack_state *ss, json_t *req, json_t **answer_out,
		struct clan_err *err)
{
	*answer_out = NULL;
	struct sockaddr_un a;
	if (socket_addr(ss->sock, &a, err) < 0)
		return -1;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return clan_error(err, errno, "cannot reach the stack's supervisor at %s", ss->sock);
	_cleanup_free_ char *text = json_dumps(req, JSON_COMPACT);
	if (!text || !write_all(fd, text, strlen(text)) || !write_all(fd, "\n", 1))
		return clan_error(err, errno, "cannot talk to the stack's supervisor");
	char *buf = read_to_eof(fd);
	json_error_t je;
	json_t *o = json_loads(buf, 0, &je);
	free(buf);
	if (!o)
		return clan_error(err, 0, "the stack's supervisor gave no answer (did it die?)");
	if (!json_is_true(json_object_get(o, "ok"))) {
		const char *e = json_string_value(json_object_get(o, "error"));
		clan_error(err, 0, "%s", e ? e : "the supervisor refused");
		json_decref(o);
		return -1;
	}
	*answer_out = o;
	return 0;
}
