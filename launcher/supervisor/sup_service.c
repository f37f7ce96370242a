/* One service's life in the supervisor: its container spec, start, output
 * into its log, health checks, stop (signal, grace period, SIGKILL) and
 * what its exit means. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container/devices.h"
#include "container/ulimit.h"
#include "fs/bind_source.h"
#include "fs/tmpfs_spec.h"
#include "supervisor/stack_state.h"
#include "container/store.h"
#include "supervisor/sup_int.h"
#include "base/util.h"
#include "supervisor/volume.h"

static int add_mounts(struct sup *s, const struct service *svc, struct container_spec *c,
		      struct clan_err *err)
{
	c->binds = xcalloc(svc->nmounts ? svc->nmounts : 1, sizeof *c->binds);
	for (size_t i = 0; i < svc->nmounts; i++) {
		const struct svc_mount *m = &svc->mounts[i];
		struct bind_spec *b = &c->binds[c->nbinds++];
		b->pin_fd = -1;
		b->dst = xstrdup(m->dst);
		b->ro = m->ro;
		_cleanup_free_ char *what = NULL;
		if (!m->volume) {
			/* compose's short form makes a missing source dir */
			if (m->create && access(m->src, F_OK) < 0 && mkdir_p(m->src, 0755, err) < 0)
				return clan_error_wrap(err, "service %s: bind source", svc->name);
			b->src = xstrdup(m->src);
			what = xasprintf("service %s: bind source %s", svc->name, m->src);
		} else {
			_cleanup_free_ char *name = stack_mount_volume(s->o->ss, m);
			if (m->external && !volume_exists(s->storage, name))
				return clan_error_code(
				    err, CLAN_EXIT_USAGE,
				    "service %s: volume %s is external (made outside "
				    "the project) and there is none called %s: clan "
				    "volume create %s makes it",
				    svc->name, m->volume, name, name);
			if (volume_ensure(s->storage, name, s->o->st->name, &b->src, err) < 0)
				return clan_error_wrap(err, "service %s: volume %s", svc->name,
						       m->volume);
			int hold = volume_hold(s->storage, name, err);
			if (hold < 0)
				return clan_error_wrap(err, "service %s", svc->name);
			s->vol_holds =
			    xrealloc(s->vol_holds, (s->nvol_holds + 1) * sizeof *s->vol_holds);
			s->vol_holds[s->nvol_holds++] = hold;
			b->populate = true;
			what = xasprintf("service %s: volume %s", svc->name, m->volume);
		}
		/* once, when the stack comes up: a restart after the service
		 * swapped a source for a symlink must not follow it */
		if (bind_source_pin(b, what, err) < 0)
			return -1;
	}
	return 0;
}

/* compose's tmpfs, read_only, cap_add/cap_drop, shm_size and ulimits, as
 * clan run's flags give them (the load checked each already). */
static int runtime_keys(const struct service *svc, struct container_spec *c, struct clan_err *err)
{
	if (svc->tmpfs.n)
		c->tmpfs = xcalloc(svc->tmpfs.n, sizeof *c->tmpfs);
	for (size_t i = 0; i < svc->tmpfs.n; i++) {
		if (tmpfs_spec_parse(svc->tmpfs.v[i], &c->tmpfs[c->ntmpfs], err) < 0)
			return clan_error_wrap(err, "service %s: tmpfs", svc->name);
		c->ntmpfs++;
	}
	for (size_t i = 0; i < svc->ulimits.n; i++) {
		struct ulimit_spec u;
		if (ulimit_parse(svc->ulimits.v[i], &u, err) < 0)
			return clan_error_wrap(err, "service %s: ulimits", svc->name);
		ulimit_put(&c->ulimits, &c->nulimits, &u);
	}
	c->read_only = svc->read_only;
	strv_extend(&c->cap_add, &svc->cap_add);
	strv_extend(&c->cap_drop, &svc->cap_drop);
	c->shm_size = svc->shm_size;
	return 0;
}

int svc_build_spec(struct sup *s, const struct service *svc, struct container_spec *c,
		   struct clan_err *err)
{
	const struct stack *st = s->o->st;
	spec_init(c);
	c->image_ref = xstrdup(svc->image);
	strv_extend(&c->cmd, &svc->command);
	if (svc->entrypoint.n || svc->entrypoint_set) {
		c->entrypoint_set = true;
		strv_extend(&c->entrypoint, &svc->entrypoint);
	}
	strv_extend(&c->env, &svc->environment);
	c->workdir = svc->working_dir ? xstrdup(svc->working_dir) : NULL;
	const char *user = svc->user;
	/* one mapped id: the official image runs as its service user */
	if (!user && s->pod.userns.mode == USERNS_SINGLE)
		user = svc->single_user;
	c->user = user ? xstrdup(user) : NULL;
	c->hostname = xstrdup(svc->hostname ? svc->hostname : svc->name);
	c->name = stack_container_name(s->o->ss, st->name, svc->name);
	c->project = xstrdup(s->o->ss->id); /* unique: the name plus the dir's hash */
	c->service = xstrdup(svc->name);
	c->net = NET_POD;
	pod_ref(&s->pod, &c->pod);
	c->userns = s->pod.userns.mode;
	c->rm = true; /* a service's container goes with the run that made it */
	c->init = svc->init;
	strv_extend(&c->add_hosts, &svc->extra_hosts);
	if (runtime_keys(svc, c, err) < 0)
		return -1;
	c->seccomp = svc->seccomp ? xstrdup(svc->seccomp) : NULL;
	if (svc->nports) {
		c->ports = xmalloc(svc->nports * sizeof *c->ports);
		memcpy(c->ports, svc->ports, svc->nports * sizeof *c->ports);
		c->nports = svc->nports;
	}
	for (size_t i = 0; i < st->nsvcs; i++) {
		strv_push(&c->local_names, st->svcs[i].name);
		strv_extend(&c->local_names, &st->svcs[i].aliases);
	}
	if (add_mounts(s, svc, c, err) < 0)
		return -1;
	strv_extend(&c->devices, &svc->devices);
	if (devices_apply(c, err) < 0)
		return clan_error_wrap(err, "service %s", svc->name);
	return 0;
}

int svc_prepare(struct sup *s, struct svc_rt *r, struct clan_err *err)
{
	r->out_fd = r->err_fd = r->hc_fd = -1;
	if (svc_build_spec(s, r->svc, &r->spec, err) < 0)
		return -1;
	return log_open(s->o->ss->logdir, r->svc->name, &r->log, err);
}

void svc_free(struct svc_rt *r)
{
	container_free(r->ctr);
	r->ctr = NULL;
	for (int i = 0; i < 2; i++)
		free(r->part[i]);
	if (r->out_fd >= 0)
		close(r->out_fd);
	if (r->err_fd >= 0)
		close(r->err_fd);
	if (r->hc_fd >= 0)
		close(r->hc_fd);
	log_close(&r->log);
	spec_free(&r->spec);
	free(r->error);
	svc_drop_pending(r);
	if (r->own_svc)
		service_free(r->own_svc);
	free(r->own_svc);
	free(r->hc_output);
	free(r->bound);
}

bool svc_active(const struct svc_rt *r)
{
	return r->state == SVC_STARTING || r->state == SVC_RUNNING || r->state == SVC_STOPPING;
}

bool svc_finished_well(const struct svc_rt *r)
{
	return r->state == SVC_EXITED && r->exit_code == 0 && !r->error && r->ready_ms &&
	       !r->svc->has_health &&
	       (r->svc->restart == RESTART_NO || r->svc->restart == RESTART_ON_FAILURE);
}

/* Running is healthy already for a service with a health check. */
static bool dep_met(const struct svc_rt *d, enum dep_condition cond)
{
	if (cond == DEP_COMPLETED)
		return d->state == SVC_EXITED && d->exit_code == 0 && !d->error;
	/* compose's default condition, service_started: a one-shot that
	 * already ended well counts */
	return d->state == SVC_RUNNING || svc_finished_well(d);
}

bool svc_deps_ready(const struct sup *s, const struct svc_rt *r)
{
	const struct service *svc = r->svc;
	if (r->no_deps)
		return true;
	for (size_t i = 0; i < svc->depends_on.n; i++)
		for (size_t j = 0; j < s->n; j++)
			if (strcmp(s->svcs[j].svc->name, svc->depends_on.v[i]) == 0 &&
			    !dep_met(&s->svcs[j], svc->dep_conds ? svc->dep_conds[i] : DEP_STARTED))
				return false;
	return true;
}

const char *svc_state_name(const struct svc_rt *r)
{
	static const char *const names[] = {"waiting", "starting", "running",	"stopping",
					    "exited",  "stopped",  "restarting"};
	return names[r->state];
}

/* A container of this name left by a supervisor that was killed. */
static void remove_stale(struct sup *s, const char *name)
{
	struct container_rec old;
	struct clan_err ignored;
	if (store_find(s->storage, name, &old, &ignored) < 0)
		return;
	if (!store_is_running(&old))
		store_remove(s->storage, &old, &ignored);
	container_rec_free(&old);
}

int svc_start(struct sup *s, struct svc_rt *r, struct clan_err *err)
{
	int out[2], errp[2];
	remove_stale(s, r->spec.name);
	if (pipe2(out, O_CLOEXEC) < 0)
		return clan_error(err, errno, "cannot create a pipe");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		return clan_error(err, e, "cannot create a pipe");
	}
	r->spec.out_fd = out[1];
	r->spec.err_fd = errp[1];
	container_free(r->ctr);
	r->ctr = NULL;
	pod_ref(&s->pod, &r->spec.pod); /* a holder started again has another pid */
	int rc = container_start(&r->spec, &r->ctr, err);
	close(out[1]);
	close(errp[1]);
	r->spec.out_fd = r->spec.err_fd = -1;
	if (r->out_fd >= 0)
		close(r->out_fd);
	if (r->err_fd >= 0)
		close(r->err_fd);
	r->out_fd = out[0];
	r->err_fd = errp[0];
	fcntl(r->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(r->err_fd, F_SETFL, O_NONBLOCK);
	if (rc < 0) {
		container_free(r->ctr);
		r->ctr = NULL;
		return clan_error_wrap(err, "service %s", r->svc->name);
	}
	r->pid = container_pid(r->ctr);
	r->state = SVC_STARTING;
	r->healthy = r->unhealthy = false;
	r->emulated_sig = 0;
	r->kill_at = 0;
	r->stop_timeout_ms = -1;
	r->no_deps = false;
	r->started = (int64_t)time(NULL);
	r->started_ms = sup_now_ms();
	r->ready_ms = 0;
	hc_track_start(&r->hc, &r->svc->health, r->started_ms);
	r->hc_next = r->svc->has_health ? r->started_ms + HC_FIRST_MS : 0;
	svc_hc_wait_listen(r, r->started_ms);
	free(r->error);
	r->error = NULL;
	return 0;
}

void svc_stop(const struct sup *s, struct svc_rt *r)
{
	if (r->state == SVC_STARTING || r->state == SVC_RUNNING) {
		int sig = r->svc->stop_signal ? r->svc->stop_signal : SIGTERM;
		if (container_signal(r->pid, sig))
			r->emulated_sig = sig;
		else
			r->kill_at = sup_now_ms() + (r->stop_timeout_ms >= 0
							 ? r->stop_timeout_ms
							 : sup_stop_grace_ms(s->o, r->svc));
		r->state = SVC_STOPPING;
	} else if (r->state != SVC_STOPPING) {
		r->state = SVC_STOPPED;
	}
	if (r->hc_pid > 0)
		kill(r->hc_pid, SIGKILL);
}

static void emit(struct svc_rt *r, int stream, const char *text, size_t len)
{
	log_add(&r->log, stream ? 'e' : 'o', text, len);
}

/* The pause after a read (sup_int.h, out_hold) and the pipe a service
 * that filled half of the default one gets: at 1 ms, 256 KiB hold a
 * quarter GB a second before the writer waits. A quiet service keeps the
 * default pipe and sees its next line logged at most 1 ms later. */
#define OUTPUT_HOLD_MS 1
#define CHATTY_PIPE_BYTES (256 * 1024)

/* The bytes read. */
static size_t read_output(struct svc_rt *r, int stream)
{
	int *fd = stream ? &r->err_fd : &r->out_fd;
	char buf[65536];
	size_t total = 0;
	for (int budget = 16; budget > 0 && *fd >= 0; budget--) {
		ssize_t n = read(*fd, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			if (r->partlen[stream])
				emit(r, stream, r->part[stream], r->partlen[stream]);
			r->partlen[stream] = 0;
			close(*fd);
			*fd = -1;
			break;
		}
		total += (size_t)n;
		size_t start = 0;
		const char *nl;
		while ((nl = memchr(buf + start, '\n', (size_t)n - start))) {
			size_t i = (size_t)(nl - buf), len = i - start;
			if (r->partlen[stream]) {
				r->part[stream] =
				    xrealloc(r->part[stream], r->partlen[stream] + len);
				memcpy(r->part[stream] + r->partlen[stream], buf + start, len);
				emit(r, stream, r->part[stream], r->partlen[stream] + len);
				r->partlen[stream] = 0;
			} else {
				emit(r, stream, buf + start, len);
			}
			start = i + 1;
		}
		size_t rest = (size_t)n - start;
		if (rest) {
			r->part[stream] = xrealloc(r->part[stream], r->partlen[stream] + rest);
			memcpy(r->part[stream] + r->partlen[stream], buf + start, rest);
			r->partlen[stream] += rest;
			/* a runaway line is cut, not kept forever */
			if (r->partlen[stream] >= LOG_LINE_MAX) {
				emit(r, stream, r->part[stream], r->partlen[stream]);
				r->partlen[stream] = 0;
			}
		}
		/* the lines of each read written together */
		log_flush(&r->log);
	}
	return total;
}

bool svc_on_output(struct svc_rt *r, int stream)
{
	size_t got = read_output(r, stream);
	log_flush(&r->log);
	int fd = stream ? r->err_fd : r->out_fd;
	if (got >= 32768 && fd >= 0 && fcntl(fd, F_GETPIPE_SZ) < CHATTY_PIPE_BYTES)
		(void)fcntl(fd, F_SETPIPE_SZ, CHATTY_PIPE_BYTES); /* else as it was */
	r->out_hold[stream] = got ? sup_now_ms() + OUTPUT_HOLD_MS : 0;
	return got > 0;
}

void svc_on_sync(struct sup *s, struct svc_rt *r)
{
	if (!r->ctr)
		return;
	container_on_sync(r->ctr);
	/* exec'd (EOF, no error): without a health check that is ready */
	if (container_sync_fd(r->ctr) < 0 && !container_failed(r->ctr) &&
	    r->state == SVC_STARTING && !r->svc->has_health) {
		r->state = SVC_RUNNING;
		r->ready_ms = sup_now_ms();
		sup_service_changed(s, r);
	}
}

bool svc_reap(struct sup *s, struct svc_rt *r)
{
	int status;
	struct rusage ru;
	if (r->hc_pid > 0 && wait4(r->hc_pid, &status, WNOHANG, &ru) == r->hc_pid) {
		r->hc_cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
			       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
		svc_on_health_result(s, r, status);
		return true;
	}
	if (!r->ctr || r->pid <= 0 || waitpid(r->pid, &status, WNOHANG) != r->pid)
		return false;
	svc_on_output(r, 0);
	svc_on_output(r, 1);
	struct clan_err err = {0};
	int code = container_finish(r->ctr, status, r->emulated_sig, &err);
	/* its exit was seen before its exec was: it did start */
	if (code >= 0 && r->state == SVC_STARTING && !r->svc->has_health)
		r->ready_ms = sup_now_ms();
	container_free(r->ctr);
	r->ctr = NULL;
	r->pid = 0;
	if (r->hc_pid > 0)
		kill(r->hc_pid, SIGKILL);
	/* health is a running service's: not kept past its end */
	r->healthy = r->unhealthy = false;
	r->exit_code = code >= 0 ? code : err.code;
	if (code < 0) {
		free(r->error);
		r->error = xstrdup(err.msg);
		char line[sizeof err.msg + 16];
		int n = snprintf(line, sizeof line, "clan: %s", err.msg);
		log_line(&r->log, 'e', line, (size_t)n);
	}
	r->state = r->state == SVC_STOPPING || r->want_stop ? SVC_STOPPED : SVC_EXITED;
	sup_service_changed(s, r);
	return true;
}

/* A health check runs only between checks, in a container that is starting
 * or running: one left scheduled when its service exited stays in the past. */
static bool checks_may_run(const struct svc_rt *r)
{
	return r->hc_pid <= 0 && r->ctr && (r->state == SVC_STARTING || r->state == SVC_RUNNING);
}

void svc_timers(struct sup *s, struct svc_rt *r, int64_t now)
{
	(void)s;
	if (r->state == SVC_STOPPING && r->kill_at && now >= r->kill_at) {
		kill(r->pid, SIGKILL);
		r->kill_at = 0;
	}
	if (r->hc_pid > 0 && now >= r->hc_deadline && !r->hc_timed_out) {
		kill(r->hc_pid, SIGKILL); /* counts as a failure when reaped */
		r->hc_timed_out = true;
	}
	svc_hc_poll_listen(r, now);
	if (checks_may_run(r) && r->hc_next && now >= r->hc_next)
		svc_run_health_check(r);
}

int64_t svc_next_deadline(const struct svc_rt *r)
{
	int64_t d = 0;
	/* as svc_timers runs them, else a stale check time would wake the
	 * loop at once, forever */
	bool checks = checks_may_run(r);
	int64_t cand[] = {r->out_fd >= 0 ? r->out_hold[0] : 0,
			  r->err_fd >= 0 ? r->out_hold[1] : 0,
			  r->state == SVC_STOPPING ? r->kill_at : 0,
			  r->hc_pid > 0 && !r->hc_timed_out ? r->hc_deadline : 0,
			  checks ? r->hc_next : 0,
			  checks ? r->hc_listen_poll : 0,
			  r->state == SVC_RESTART_WAIT ? r->restart_at : 0};
	for (size_t i = 0; i < ARRAY_SIZE(cand); i++)
		if (cand[i] && (!d || cand[i] < d))
			d = cand[i];
	return d;
}

char *svc_last_lines(const struct sup *s, const struct svc_rt *r, int lines)
{
	struct log_entry *v = NULL;
	size_t n = 0;
	log_read(s->o->ss->logdir, r->svc->name, 0, lines, 0, &v, &n, NULL);
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i].text) + 8 + strlen(r->svc->name);
	char *out = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		strcat(out, "\n  ");
		strcat(out, r->svc->name);
		strcat(out, " | ");
		strcat(out, v[i].text);
	}
	log_entries_free(v, n);
	return out;
}
