/* A service's health check in the supervisor: run it in the service
 * (its output kept), judge its result with compose's timing (hc_timing.c),
 * and check that a published port is answered by the service itself, not
 * by a sibling that shares the pod's network. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/debug.h"
#include "container/exec.h"
#include "supervisor/port_owner.h"
#include "supervisor/sup_int.h"
#include "base/termsafe.h"
#include "base/util.h"

void svc_run_health_check(struct svc_rt *r)
{
	int fd;
	pid_t pid = fork_piped(&fd);
	if (pid < 0)
		return; /* tried again at the next timer */
	if (pid == 0) {
		struct exec_spec e = {.out_fd = fd};
		struct clan_err err;
		for (size_t i = 0; i < r->svc->health.test.n; i++)
			strv_push(&e.argv, r->svc->health.test.v[i]);
		int code = container_exec(container_record(r->ctr), &e, &err);
		if (code < 0)
			dprintf(fd, "clan: %s\n", err.msg);
		_exit(code < 0 ? 1 : code);
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		close(fd);
		fd = -1; /* no output then, rather than a loop that blocks */
	}
	r->hc_fd = fd;
	r->hc_len = 0;
	r->hc_pid = pid;
	r->hc_timed_out = false;
	r->hc_deadline = sup_now_ms() + hc_timeout_ms(&r->svc->health);
	r->hc_next = 0;
	r->hc_listen_poll = 0;
}

/* Whether one of the TCP ports r listens on is listened on in its
 * network; true when none is known: nothing to wait for. */
static bool listened(const struct svc_rt *r)
{
	for (size_t i = 0; i < r->svc->nlisten_tcp; i++)
		if (port_listened(r->pid, r->svc->listen_tcp[i]))
			return true;
	return r->svc->nlisten_tcp == 0;
}

void svc_hc_wait_listen(struct svc_rt *r, int64_t now)
{
	r->hc_listen_poll = 0;
	if (r->state != SVC_STARTING || !r->hc_next || r->pid <= 0 || listened(r))
		return;
	int64_t latest = hc_interval_ms(&r->svc->health);
	if (latest > HC_UNLISTENED_MS)
		latest = HC_UNLISTENED_MS;
	if (r->hc_next < now + latest)
		r->hc_next = now + latest;
	r->hc_listen_poll = now + HC_LISTEN_POLL_MS;
}

void svc_hc_poll_listen(struct svc_rt *r, int64_t now)
{
	if (!r->hc_listen_poll || now < r->hc_listen_poll || r->hc_pid > 0)
		return;
	if (r->state != SVC_STARTING) {
		r->hc_listen_poll = 0;
		return;
	}
	if (listened(r)) {
		r->hc_listen_poll = 0;
		r->hc_next = now;
		clan_debug("health check of %s: a port it listens on is open now; checking",
			   r->svc->name);
		return;
	}
	r->hc_listen_poll = now + HC_LISTEN_POLL_MS;
}

/* Keeps the end: a check that writes megabytes costs HC_OUT_MAX. */
void svc_on_hc_output(struct svc_rt *r)
{
	char buf[4096];
	while (r->hc_fd >= 0) {
		ssize_t n = read(r->hc_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(r->hc_fd);
			r->hc_fd = -1;
			return;
		}
		size_t len = (size_t)n > HC_OUT_MAX ? HC_OUT_MAX : (size_t)n;
		const char *src = buf + (size_t)n - len;
		if (r->hc_len + len > HC_OUT_MAX) {
			size_t drop = r->hc_len + len - HC_OUT_MAX;
			memmove(r->hc_buf, r->hc_buf + drop, r->hc_len - drop);
			r->hc_len -= drop;
		}
		memcpy(r->hc_buf + r->hc_len, src, len);
		r->hc_len += len;
	}
}

/* The last HC_OUT_LINES lines of what the check wrote, safe to print. */
static char *last_lines(const char *buf, size_t len)
{
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	size_t start = len;
	for (int lines = 0; start > 0; start--)
		if (buf[start - 1] == '\n' && ++lines == HC_OUT_LINES)
			break;
	return term_safe(buf + start, len - start, true);
}

static void record_output(struct svc_rt *r, int status)
{
	svc_on_hc_output(r); /* what is left in the pipe */
	if (r->hc_fd >= 0) {
		close(r->hc_fd); /* something it started may hold it open */
		r->hc_fd = -1;
	}
	free(r->hc_output);
	r->hc_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (r->hc_timed_out)
		r->hc_output = xasprintf("(timed out after %d ms)", hc_timeout_ms(&r->svc->health));
	else if (!WIFEXITED(status))
		r->hc_output = xasprintf("(killed by signal %d)", WTERMSIG(status));
	else
		r->hc_output = last_lines(r->hc_buf, r->hc_len);
	r->hc_len = 0;
}

/* Why a passing check must not make r healthy: one of its published TCP
 * ports is answered by something else in the pod. NULL when none is. */
static char *port_taken(const struct svc_rt *r)
{
	for (size_t i = 0; i < r->svc->nports; i++) {
		const struct port_map *m = &r->svc->ports[i];
		if (m->proto != PORT_TCP || port_owner(r->pid, m->container_port) != PORT_OTHER)
			continue;
		return xasprintf("(the check passed, but port %u is answered by another process "
				 "of the stack, not by service %s: does another service listen on "
				 "it?)",
				 (unsigned)m->container_port, r->svc->name);
	}
	return NULL;
}

char *svc_port_warning(const struct svc_rt *r)
{
	if (!r->pid)
		return NULL;
	for (size_t i = 0; i < r->svc->nports; i++) {
		const struct port_map *m = &r->svc->ports[i];
		if (m->proto != PORT_TCP)
			continue;
		enum port_owner o = port_owner(r->pid, m->container_port);
		if (o == PORT_NONE)
			return xasprintf("service %s publishes port %u but nothing in it listens "
					 "there; is %u the port it listens on?",
					 r->svc->name, (unsigned)m->container_port,
					 (unsigned)m->container_port);
		if (o == PORT_OTHER)
			return xasprintf(
			    "service %s publishes port %u but another service of the "
			    "stack listens there, not %s: give each service its own port",
			    r->svc->name, (unsigned)m->container_port, r->svc->name);
	}
	return NULL;
}

void svc_on_health_result(struct sup *s, struct svc_rt *r, int status)
{
	int64_t now = sup_now_ms();
	const struct healthcheck *h = &r->svc->health;
	r->hc_pid = 0;
	record_output(r, status);
	if (r->state != SVC_STARTING && r->state != SVC_RUNNING)
		return;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	char *taken = ok && r->state == SVC_STARTING ? port_taken(r) : NULL;
	if (taken) {
		ok = false;
		free(r->hc_output);
		r->hc_output = taken;
	}
	switch (hc_on_result(&r->hc, h, ok, now)) {
	case HC_PASS:
		r->healthy = true;
		r->unhealthy = false;
		if (r->state == SVC_STARTING) {
			r->state = SVC_RUNNING;
			r->ready_ms = now;
			sup_service_changed(s, r);
		}
		break;
	case HC_FAIL_UNHEALTHY:
		if (r->unhealthy)
			break;
		r->unhealthy = true;
		r->healthy = false;
		free(r->error);
		r->error = xasprintf("its health check failed %d times in a row, %d ms apart; "
				     "healthcheck_interval, _retries and _start_period give it "
				     "more time",
				     r->hc.fails, hc_interval_ms(h));
		sup_service_changed(s, r);
		break;
	case HC_FAIL_IGNORED:
	case HC_FAIL_COUNTED:
		break;
	}
	r->hc_next = hc_next_at(h, r->state == SVC_STARTING, r->started_ms, now, r->hc_cpu_ms);
	svc_hc_wait_listen(r, now);
	clan_debug("health check of %s: %s, %lld ms of CPU; the next in %lld ms", r->svc->name,
		   ok ? "passed" : "failed", (long long)r->hc_cpu_ms,
		   (long long)(r->hc_next - now));
}

bool svc_settled(const struct svc_rt *r, int64_t now)
{
	if (r->state != SVC_RUNNING)
		return false;
	return r->svc->has_health || now - r->ready_ms >= SETTLE_MS;
}
