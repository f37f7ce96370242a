/* The supervisor's process and loop: started detached by `clan up`,
 * it starts the services in dependency order, reports to `up` when they
 * are ready (or what failed), then runs until `down`. */
#define _GNU_SOURCE
#include "supervisor/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/pages.h"
#include "base/fdio.h"
#include "supervisor/sup_answer.h"
#include "base/progress.h"
#include "base/paths.h"
#include "supervisor/stack_cli.h"
#include "base/strbuf.h"
#include "supervisor/sup_int.h"
#include "base/util.h"

#define RESTART_MAX_MS 30000
#define PORT_WAIT_MS 3000 /* for a published port to be bound, before `up` warns */
#define PORT_RECHECK_MS 100

int64_t sup_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Tells `up` how the start went (o, consumed: sup_answer.h's shape), once. */
static void report(struct sup *s, json_t *o)
{
	if (s->ready_fd < 0) {
		json_decref(o);
		return;
	}
	_cleanup_free_ char *text = sup_answer_dump(o);
	/* without memory `up` reads nothing, and says the supervisor died */
	if (text)
		write_all(s->ready_fd, text, strlen(text));
	close(s->ready_fd);
	s->ready_fd = -1;
	/* from now on it mostly waits: the code of the CLI and of the start
	 * need not stay resident */
	pages_trim();
}

/* What its health check last said, for `up`'s error: "" without one. */
static char *hc_output_lines(const struct svc_rt *r)
{
	if (!r->svc->has_health || !r->hc_output)
		return xstrdup("");
	struct strbuf b = {0};
	char head[96];
	snprintf(head, sizeof head, " its health check's last output (exit %d):", r->hc_exit);
	strbuf_adds(&b, head);
	const char *p = r->hc_output;
	if (!*p)
		strbuf_adds(&b, " (none)");
	while (*p) {
		size_t n = strcspn(p, "\n");
		strbuf_adds(&b, "\n  ");
		strbuf_adds(&b, r->svc->name);
		strbuf_adds(&b, " health | ");
		strbuf_addn(&b, p, n);
		p += n + (p[n] == '\n');
	}
	strbuf_adds(&b, "\n");
	return strbuf_steal(&b);
}

/* `up` learns of the failure once the stack is down again: when it
 * returns, nothing of the stack runs. */
static void fail_startup(struct sup *s, struct svc_rt *r, const char *why)
{
	if (s->failure)
		return;
	_cleanup_free_ char *lines = svc_last_lines(s, r, 10);
	_cleanup_free_ char *check = hc_output_lines(r);
	s->failure = xasprintf("service %s %s;%s%sits last log lines:%s", r->svc->name, why, check,
			       check[0] ? "" : " ", lines[0] ? lines : " (none)");
	s->down = true;
}

static void try_start_waiting(struct sup *s)
{
	for (size_t i = 0; i < s->n && !s->down; i++) {
		struct svc_rt *r = &s->svcs[i];
		if (r->state != SVC_WAITING || !svc_deps_ready(s, r))
			continue;
		struct clan_err err;
		if (svc_start(s, r, &err) < 0) {
			r->state = SVC_EXITED;
			r->exit_code = err.code;
			free(r->error);
			r->error = xstrdup(err.msg);
			log_line(&r->log, 'e', err.msg, strlen(err.msg));
			if (s->ready_fd >= 0) {
				_cleanup_free_ char *why =
				    xasprintf("could not start: %s", err.msg);
				fail_startup(s, r, why);
			}
		}
	}
}

/* compose's policies, while the supervisor lives; the delay doubles up to
 * 30 s and starts again at 1 s after 10 s of good running */
static bool wants_restart(const struct svc_rt *r)
{
	switch (r->svc->restart) {
	case RESTART_ALWAYS:
	case RESTART_UNLESS_STOPPED:
		return true;
	case RESTART_ON_FAILURE:
		return r->exit_code != 0;
	case RESTART_NO:
		break;
	}
	return false;
}

static void schedule_restart(struct svc_rt *r)
{
	int64_t now = sup_now_ms();
	if (now - r->started_ms > 10000)
		r->restarts = 0;
	int64_t delay = 1000;
	for (int i = 0; i < r->restarts && delay < RESTART_MAX_MS; i++)
		delay *= 2;
	r->restarts++;
	r->restart_at = now + (delay < RESTART_MAX_MS ? delay : RESTART_MAX_MS);
	r->state = SVC_RESTART_WAIT;
}

/* Why `up` warns about r, NULL when it does not. */
static char *warning(const struct sup *s, const struct svc_rt *r, bool ports)
{
	if (r->early_exits) {
		_cleanup_free_ char *lines = svc_last_lines(s, r, 10);
		return xasprintf("service %s exited with code %d before it was ready and is %s "
				 "(restarted %d time%s so far); its last log lines:%s",
				 r->svc->name, r->exit_code,
				 r->state == SVC_RUNNING ? "running again" : "restarting",
				 r->restart_count, r->restart_count == 1 ? "" : "s",
				 lines[0] ? lines : " (none)");
	}
	return ports && r->state == SVC_RUNNING ? svc_port_warning(r) : NULL;
}

/* A service `up SERVICE...` did not name (nor what they depend on): it
 * waits stopped, and `up` does not wait for it. */
static bool svc_left_stopped(const struct svc_rt *r)
{
	return r->state == SVC_STOPPED && r->want_stop;
}

/* Tells `up` the stack is up once every service is: ready (for `up -d`,
 * settled: svc_settled), or restarting after a crash (a warning). For
 * `up -d`, a published port nothing of its service listens on gets
 * PORT_WAIT_MS to be bound, then a warning; a foreground `up` shows the
 * logs at once instead. Otherwise sets when to look again. */
static void maybe_report(struct sup *s)
{
	if (s->ready_fd < 0 || s->failure || s->down)
		return;
	int64_t now = sup_now_ms();
	bool settle = s->o->settle;
	for (size_t i = 0; i < s->n; i++) {
		const struct svc_rt *r = &s->svcs[i];
		if (r->early_exits || svc_finished_well(r) || svc_left_stopped(r) ||
		    (settle ? svc_settled(r, now) : r->state == SVC_RUNNING))
			continue;
		if (r->state == SVC_RUNNING)
			s->recheck_at = r->ready_ms + SETTLE_MS;
		return;
	}
	if (!s->settled_at)
		s->settled_at = now;
	json_t *warnings = json_array();
	bool ports_wanting = false;
	for (size_t i = 0; i < s->n; i++) {
		_cleanup_free_ char *w = warning(s, &s->svcs[i], settle);
		if (!w)
			continue;
		ports_wanting |= !s->svcs[i].early_exits;
		json_array_append_new(warnings, sup_answer_text(w));
	}
	if (ports_wanting && now - s->settled_at < PORT_WAIT_MS) {
		s->recheck_at = now + PORT_RECHECK_MS;
		json_decref(warnings);
		return;
	}
	s->recheck_at = 0;
	json_t *o = sup_answer_ok();
	json_object_set_new(o, "warnings", warnings);
	report(s, o);
}

static bool is_needed(const struct sup *s, const struct svc_rt *r)
{
	for (size_t j = 0; j < s->n; j++)
		for (size_t i = 0; i < s->svcs[j].svc->depends_on.n; i++)
			if (strcmp(s->svcs[j].svc->depends_on.v[i], r->svc->name) == 0)
				return true;
	return false;
}

/* While `up` waits, a service that exits fails it, unless its restart
 * policy restarts it, it has no health check to wait on and nothing
 * waits on it: then `up` warns that it crashed before it was ready. */
static bool tolerate_early_exit(const struct sup *s, const struct svc_rt *r)
{
	return !r->error && !r->svc->has_health && !r->want_stop && wants_restart(r) &&
	       !is_needed(s, r);
}

void sup_service_changed(struct sup *s, struct svc_rt *r)
{
	if (r->state == SVC_EXITED && s->ready_fd >= 0 && !s->down) {
		if (tolerate_early_exit(s, r)) {
			r->early_exits++;
		} else if (!svc_finished_well(r)) {
			_cleanup_free_ char *why =
			    r->error ? xasprintf("failed: %s", r->error)
				     : xasprintf("exited with code %d before it was ready",
						 r->exit_code);
			fail_startup(s, r, why);
			return;
		}
	}
	if (r->unhealthy && r->state == SVC_STARTING && s->ready_fd >= 0) {
		_cleanup_free_ char *why =
		    xasprintf("did not become healthy (%s)",
			      r->error ? r->error : "its health check kept failing");
		fail_startup(s, r, why);
		return;
	}
	/* a restart, or a recreate once its new config is in */
	if (r->state == SVC_STOPPED && r->restart_after_stop && !s->down) {
		svc_apply_pending(r);
		r->restart_after_stop = false;
		r->want_stop = false;
		r->state = SVC_WAITING;
	}
	if (r->state == SVC_EXITED && !s->down && !r->want_stop && wants_restart(r))
		schedule_restart(r);
	try_start_waiting(s);
	maybe_report(s);
}

/* Stops, in reverse dependency order: a service once nothing active
 * depends on it. */
static void stop_in_order(struct sup *s)
{
	for (size_t k = s->n; k-- > 0;) {
		struct svc_rt *r = &s->svcs[k];
		if (r->state == SVC_STOPPING || r->state == SVC_STOPPED || r->state == SVC_EXITED)
			continue;
		bool needed = false;
		for (size_t j = 0; j < s->n && !needed; j++) {
			const struct svc_rt *d = &s->svcs[j];
			if (!svc_active(d))
				continue;
			for (size_t i = 0; i < d->svc->depends_on.n; i++)
				if (strcmp(d->svc->depends_on.v[i], r->svc->name) == 0)
					needed = true;
		}
		if (!needed) {
			r->want_stop = true;
			svc_stop(s, r);
		}
	}
}

static bool all_stopped(const struct sup *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (svc_active(&s->svcs[i]) || s->svcs[i].hc_pid > 0)
			return false;
	return true;
}

static void on_signals(struct sup *s)
{
	struct signalfd_siginfo si;
	while (read(s->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		s->down = true; /* SIGTERM, SIGINT, SIGHUP: stop the stack */
	}
	for (size_t i = 0; i < s->n; i++)
		while (svc_reap(s, &s->svcs[i]))
			;
}

static void on_timers(struct sup *s)
{
	int64_t now = sup_now_ms();
	for (size_t i = 0; i < s->n; i++) {
		struct svc_rt *r = &s->svcs[i];
		svc_timers(s, r, now);
		if (r->state == SVC_RESTART_WAIT && now >= r->restart_at && !s->down) {
			r->restart_count++;
			r->state = SVC_WAITING;
			try_start_waiting(s);
		}
	}
	if (s->recheck_at && now >= s->recheck_at) {
		s->recheck_at = 0;
		maybe_report(s);
	}
	if (s->ready_fd >= 0 && s->startup_deadline && now >= s->startup_deadline)
		for (size_t i = 0; i < s->n; i++)
			if (s->svcs[i].state != SVC_RUNNING && !s->svcs[i].early_exits &&
			    !svc_finished_well(&s->svcs[i]) && !svc_left_stopped(&s->svcs[i])) {
				fail_startup(s, &s->svcs[i], "was not ready in time");
				break;
			}
}

static int poll_timeout(const struct sup *s)
{
	int64_t now = sup_now_ms(), next = 0;
	for (size_t i = 0; i < s->n; i++) {
		int64_t d = svc_next_deadline(&s->svcs[i]);
		if (d && (!next || d < next))
			next = d;
	}
	if (s->ready_fd >= 0 && s->startup_deadline && (!next || s->startup_deadline < next))
		next = s->startup_deadline;
	if (s->ready_fd >= 0 && s->recheck_at && (!next || s->recheck_at < next))
		next = s->recheck_at;
	int64_t ctl = sup_ctl_next_deadline(s);
	if (ctl && (!next || ctl < next))
		next = ctl;
	if (s->trim_at && (!next || s->trim_at < next))
		next = s->trim_at;
	if (!next)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static bool ctl_busy(const struct sup *s)
{
	for (size_t i = 0; i < SUP_CTL_MAX; i++)
		if (s->ctl[i].phase != CTL_FREE)
			return true;
	return false;
}

/* A second after the last command served (ps, logs, exec...) or output
 * logged, and once `up` has its answer: the code that ran goes back to the
 * page cache until it runs again (base/pages.h). Not after each: `ps`
 * every 50 ms would pay for reading smaps each time. */
static void idle_trim(struct sup *s, bool active)
{
	int64_t now = sup_now_ms();
	if (active) {
		s->trim_at = now + 1000;
		return;
	}
	if (!s->trim_at || now < s->trim_at)
		return;
	if (ctl_busy(s) || s->ready_fd >= 0) {
		s->trim_at = now + 1000;
		return;
	}
	s->trim_at = 0;
	pages_trim();
}

enum { FD_SIG, FD_LISTEN, FD_NET, FD_HOLDER, FD_OUT, FD_ERR, FD_SYNC, FD_HC, FD_CTL };

static void loop(struct sup *s)
{
	size_t cap = 4 + s->n * 5 + SUP_CTL_MAX;
	struct pollfd *fds = xcalloc(cap, sizeof *fds);
	int *kind = xcalloc(cap, sizeof *kind);
	size_t *who = xcalloc(cap, sizeof *who);
	while (!(s->down && all_stopped(s))) {
		if (s->down)
			stop_in_order(s);
		size_t n = 0;
#define ADD(fd_, k_, w_)                                                 \
	do {                                                             \
		fds[n] = (struct pollfd){.fd = (fd_), .events = POLLIN}; \
		kind[n] = (k_);                                          \
		who[n++] = (w_);                                         \
	} while (0)
		int64_t now = sup_now_ms();
		ADD(s->sig_fd, FD_SIG, 0);
		ADD(s->listen_fd, FD_LISTEN, 0);
		if (pod_net_fd(&s->pod) >= 0)
			ADD(pod_net_fd(&s->pod), FD_NET, 0);
		if (pod_holder_fd(&s->pod) >= 0)
			ADD(pod_holder_fd(&s->pod), FD_HOLDER, 0);
		for (size_t i = 0; i < s->n; i++) {
			struct svc_rt *r = &s->svcs[i];
			for (int k = 0; k < 2; k++) {
				int fd = k ? r->err_fd : r->out_fd;
				if (fd < 0 || (!s->down && now < r->out_hold[k]))
					continue;
				r->out_hold[k] = 0; /* due: no deadline left behind */
				ADD(fd, k ? FD_ERR : FD_OUT, i);
			}
			if (r->ctr && container_sync_fd(r->ctr) >= 0)
				ADD(container_sync_fd(r->ctr), FD_SYNC, i);
			if (r->hc_fd >= 0)
				ADD(r->hc_fd, FD_HC, i);
		}
		for (size_t i = 0; i < SUP_CTL_MAX; i++)
			if (s->ctl[i].phase != CTL_FREE) {
				ADD(s->ctl[i].fd, FD_CTL, i);
				fds[n - 1].events = sup_ctl_events(s, i);
			}
#undef ADD
		int rc = poll(fds, (nfds_t)n, s->down ? 100 : poll_timeout(s));
		if (rc < 0 && errno != EINTR)
			break;
		bool accept_now = false, output = false;
		for (size_t i = 0; rc > 0 && i < n; i++) {
			if (!fds[i].revents)
				continue;
			struct svc_rt *r = kind[i] == FD_CTL ? NULL : &s->svcs[who[i]];
			switch (kind[i]) {
			case FD_SIG:
				on_signals(s);
				break;
			case FD_LISTEN:
				accept_now = true; /* after: it may reuse a slot polled here */
				break;
			case FD_NET:
				pod_on_net_exit(&s->pod);
				break;
			case FD_HOLDER:
				pod_on_holder_exit(&s->pod);
				break;
			case FD_OUT:
				output |= svc_on_output(r, 0);
				break;
			case FD_ERR:
				output |= svc_on_output(r, 1);
				break;
			case FD_SYNC:
				svc_on_sync(s, r);
				break;
			case FD_HC:
				svc_on_hc_output(r);
				break;
			case FD_CTL:
				sup_ctl_on_event(s, who[i], fds[i].revents);
				break;
			}
		}
		bool served = accept_now || ctl_busy(s);
		if (accept_now)
			sup_accept(s);
		on_timers(s);
		sup_settle(s);
		idle_trim(s, served || output);
	}
	free(fds);
	free(kind);
	free(who);
}

static int block_signals(struct sup *s, struct clan_err *err)
{
	static const int waited[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return clan_error(err, errno, "cannot ignore SIGPIPE");
	s->sig_fd = signals_to_fd(waited, ARRAY_SIZE(waited), NULL, err);
	return s->sig_fd < 0 ? -1 : 0;
}

static int make_pod(struct sup *s, struct clan_err *err)
{
	const struct stack *st = s->o->st;
	struct port_map *ports = NULL;
	size_t nports = 0;
	for (size_t i = 0; i < st->nsvcs; i++) {
		const struct service *svc = &st->svcs[i];
		ports = xrealloc(ports, (nports + svc->nports + 1) * sizeof *ports);
		if (svc->nports) /* a compose service without ports has none at all */
			memcpy(ports + nports, svc->ports, svc->nports * sizeof *ports);
		nports += svc->nports;
	}
	struct pod_opts po = {.userns = s->o->userns,
			      .ports = ports,
			      .nports = nports,
			      .id = s->o->ss->id,
			      .dir = s->o->ss->dir};
	int rc = pod_create(&po, &s->pod, err);
	free(ports);
	/* "run: port ... e.g. -p" names neither the service nor its line */
	if (rc < 0 && err->code == CLAN_EXIT_USAGE)
		stack_explain_port_error(st, err);
	return rc;
}

static void add_bound(struct svc_rt *r, const struct port_map *m)
{
	r->bound = xrealloc(r->bound, (r->nbound + 1) * sizeof *r->bound);
	r->bound[r->nbound++] = *m;
}

/* r's published ports as bound (svc_rt.bound). The pod's listeners come
 * in make_pod's order: service by service, map by map, port by port;
 * *next is the first of r's. With no listeners of clan's (no network,
 * slirp4netns forwarding) the file's ports are all there is to say. */
static void bound_ports(const struct sup *s, struct svc_rt *r, bool listened, size_t *next)
{
	const struct port_set *l = &s->pod.net.listeners;
	for (size_t k = 0; k < r->svc->nports; k++) {
		const struct port_map *m = &r->svc->ports[k];
		if (!listened || m->host_port != 0) {
			add_bound(r, m);
			*next += m->count;
			continue;
		}
		for (uint16_t i = 0; i < m->count; i++) {
			struct port_map one = *m;
			one.count = 1;
			one.container_port = (uint16_t)(m->container_port + i);
			one.host_port = l->v[(*next)++].host_port;
			add_bound(r, &one);
		}
	}
}

/* Whether the pod listens on each published port itself, one listener a
 * port in make_pod's order. */
static bool pod_listens(const struct sup *s)
{
	size_t want = 0;
	for (size_t i = 0; i < s->o->st->nsvcs; i++)
		for (size_t k = 0; k < s->o->st->svcs[i].nports; k++)
			want += s->o->st->svcs[i].ports[k].count;
	return want > 0 && s->pod.net.listeners.n == want;
}

static int sup_init(struct sup *s, struct clan_err *err)
{
	if (block_signals(s, err) < 0 || stack_write_pidfile(s->o->ss, err) < 0 ||
	    sup_listen(s, err) < 0 || make_pod(s, err) < 0)
		return -1;
	s->svcs = xcalloc(s->o->st->nsvcs, sizeof *s->svcs);
	bool listened = pod_listens(s);
	size_t listener = 0;
	for (size_t i = 0; i < s->o->st->nsvcs; i++) {
		struct svc_rt *r = &s->svcs[s->n++];
		r->svc = &s->o->st->svcs[i];
		bound_ports(s, r, listened, &listener);
		r->state = SVC_WAITING;
		r->stop_timeout_ms = -1;
		if (s->o->only && !s->o->only[i]) {
			r->state = SVC_STOPPED;
			r->want_stop = true;
		}
		r->no_deps = s->o->no_deps;
		if (svc_prepare(s, r, err) < 0)
			return -1;
	}
	s->startup_deadline = sup_now_ms() + (int64_t)s->o->startup_timeout_s * 1000;
	return 0;
}

static void sup_free(struct sup *s)
{
	sup_ctl_close_all(s, 1000);
	for (size_t i = 0; i < s->n; i++)
		svc_free(&s->svcs[i]);
	free(s->svcs);
	pod_destroy(&s->pod);
	for (size_t i = 0; i < s->nvol_holds; i++)
		close(s->vol_holds[i]);
	free(s->vol_holds);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(s->o->ss->sock);
	}
	unlink(s->o->ss->pidfile);
	free(s->storage);
}

static noreturn void supervisor_main(const struct sup_opts *o, int ready_fd)
{
	struct sup s = {.o = o, .sig_fd = -1, .listen_fd = -1, .ready_fd = ready_fd};
	struct clan_err err = {0};
	/* what `up` allocated and freed (image records, layers) stays in the
	 * heap this process inherited: give it back, it lives for days */
	malloc_trim(0);
	s.storage = paths_storage_dir();
	s.pod.pid = 0;
	if (sup_init(&s, &err) < 0) {
		report(&s, sup_answer_error(err.msg));
		sup_free(&s);
		_exit(1);
	}
	try_start_waiting(&s);
	maybe_report(&s);
	loop(&s);
	sup_settle(&s);
	sup_free(&s);
	report(&s,
	       sup_answer_error(s.failure ? s.failure : "the stack was stopped while it started"));
	free(s.failure);
	_exit(s.failure ? 1 : 0);
}

/* stdio of the supervisor: nothing in, its own log out */
static void detach_stdio(const struct stack_state *ss)
{
	_cleanup_free_ char *log = xasprintf("%s/supervisor.log", ss->dir);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(1);
	close(in);
	close(out);
}

/* Asks the supervisor to stop the stack (as SIGTERM does), once its pid
 * file names it: it may not have written it yet. */
static void stop_supervisor(const struct sup_opts *o)
{
	pid_t pid;
	if (stack_supervisor_alive(o->ss, &pid))
		kill(pid, SIGTERM);
}

int sup_stop_grace_ms(const struct sup_opts *o, const struct service *svc)
{
	if (o->stop_timeout_ms >= 0)
		return o->stop_timeout_ms;
	return svc->stop_grace_ms > 0 ? svc->stop_grace_ms : 10000;
}

/* Until the supervisor (pid) exits, bounded by its services' stop grace
 * periods, one after the other at worst: `up` says what it started is
 * stopped only once it is. */
static void wait_stopped(const struct sup_opts *o, pid_t pid)
{
	int64_t grace_ms = 0;
	for (size_t i = 0; i < o->st->nsvcs; i++)
		grace_ms += sup_stop_grace_ms(o, &o->st->svcs[i]);
	/* stack_wait_exit waits 5 s a call */
	for (int64_t waited = 0; waited <= grace_ms + 5000; waited += 5000)
		if (stack_wait_exit(pid) == 0)
			return;
}

/* What the supervisor reports on the ready pipe. A signal on o->stop_fd
 * meanwhile stops the stack; the report then comes once it is down. */
static char *wait_ready(const struct sup_opts *o, int fd, bool *interrupted)
{
	if (o->stop_fd <= 0)
		return read_to_eof(fd);
	char *text = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = o->stop_fd, .events = POLLIN}};
		/* after a signal, the pid file is read again every 100 ms until
		 * the supervisor has it */
		if (poll(p, 2, *interrupted ? 100 : -1) < 0 && errno != EINTR)
			break;
		struct signalfd_siginfo si;
		if (p[1].revents & POLLIN) {
			while (read(o->stop_fd, &si, sizeof si) == (ssize_t)sizeof si)
				*interrupted = true;
			progress_say("interrupted; stopping what this up started");
		}
		if (*interrupted)
			stop_supervisor(o);
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		if (read_append(fd, &text, &len, &cap) <= 0)
			break;
	}
	if (!text)
		text = xstrdup("");
	pid_t pid;
	/* the report may have said ok just before the signal */
	if (*interrupted && stack_supervisor_alive(o->ss, &pid))
		wait_stopped(o, pid);
	return text;
}

/* The report's "warnings", for the CLI to print. */
static void take_warnings(const json_t *report, struct strv *warnings)
{
	const json_t *list = json_object_get(report, "warnings");
	for (size_t i = 0; warnings && i < json_array_size(list); i++) {
		const char *w = json_string_value(json_array_get(list, i));
		if (w)
			strv_push(warnings, w);
	}
}

int supervisor_spawn(const struct sup_opts *o, pid_t *pid, struct clan_err *err)
{
	int ready;
	pid_t mid = fork_piped(&ready);
	if (mid < 0)
		return clan_error(err, errno, "cannot start the supervisor");
	if (mid == 0) {
		/* its own session, and not our child: it outlives this command;
		 * nothing of this command's: not the project lock, not a
		 * terminal's fds */
		if (close_fds_except(ready) < 0 || setsid() < 0)
			_exit(1);
		pid_t sup = fork();
		if (sup != 0)
			_exit(sup < 0);
		detach_stdio(o->ss);
		prctl(PR_SET_NAME, "clan-supervisor");
		supervisor_main(o, ready);
	}
	wait_child(mid, NULL);
	bool interrupted = false;
	char *text = wait_ready(o, ready, &interrupted);
	close(ready);
	int rc = 0;
	if (interrupted) {
		rc = clan_error_code(err, CLAN_EXIT_INTERRUPTED,
				     "up: interrupted; what it started is stopped");
	} else {
		_cleanup_free_ char *none =
		    xasprintf("the supervisor died while starting the stack; see %s/supervisor.log",
			      o->ss->dir);
		json_t *report = NULL;
		rc = sup_answer_parse(text, none, &report, err);
		if (rc == 0 && !stack_supervisor_alive(o->ss, pid))
			*pid = 0;
		take_warnings(report, o->warnings);
		json_decref(report);
	}
	free(text);
	return rc;
}
