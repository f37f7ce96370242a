/* A container's life after its preparation: started (container_start),
 * watched, finished; and `clan run`'s foreground wait with signals and a
 * terminal. */
#define _GNU_SOURCE
#include "container/container.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container/container_int.h"
#include "container/foreground.h"
#include "base/procfs.h"
#include "base/util.h"
#include "ns/chown_record.h"

int container_start(const struct container_spec *s, struct container **out, struct clan_err *err)
{
	struct container *c = xcalloc(1, sizeof *c);
	*c = (struct container){.spec = s, .sync_fd = -1, .pty_fd = -1, .notify_fd = -1};
	err->msg[0] = '\0';
	*out = c;
	if (prepare(s, &c->p, err) < 0 || create_record(s, &c->p, err) < 0 || spawn(c, err) < 0) {
		/* what exists on disk goes again */
		struct clan_err ignored;
		if (c->p.have_rec)
			store_remove(c->p.storage, &c->p.rec, &ignored);
		c->p.have_rec = false;
		return -1;
	}
	return 0;
}

pid_t container_pid(const struct container *c)
{
	return c->child;
}

int container_sync_fd(const struct container *c)
{
	return c->sync_fd;
}

int container_net_fd(const struct container *c)
{
	return c->reaped ? -1 : container_net_watch_fd(&c->p.net);
}

bool container_failed(const struct container *c)
{
	return c->failed;
}

const struct container_rec *container_record(const struct container *c)
{
	return &c->p.rec;
}

void container_on_sync(struct container *c)
{
	struct sync_msg m;
	if (c->sync_fd < 0)
		return;
	int r = sync_recv(c->sync_fd, &m);
	if (r <= 0) {
		close(c->sync_fd);
		c->sync_fd = -1;
		return;
	}
	if (m.tag == SYNC_PTY && m.fd >= 0 && c->pty_fd < 0) {
		c->pty_fd = m.fd;
	} else if (m.tag == SYNC_NOTIFY && m.fd >= 0 && c->notify_fd < 0) {
		c->notify_fd = m.fd;
	} else if (m.tag == SYNC_ERROR) {
		c->error = m;
		c->failed = true;
	} else if (m.fd >= 0) {
		close(m.fd);
	}
}

void container_on_net_exit(struct container *c)
{
	container_net_on_slirp_exit(c->spec, &c->p.net, c->child, c->p.rec.name);
}

int container_finish(struct container *c, int status, int emulated_sig, struct clan_err *err)
{
	c->reaped = true;
	while (c->sync_fd >= 0)
		container_on_sync(c);
	container_net_stop(&c->p.net, !c->spec->exits_after);
	int code;
	if (c->failed) {
		clan_error_code(err, c->error.code, "%s", c->error.text);
		code = -1;
	} else {
		code = foreground_exit_code(status, emulated_sig);
	}
	if (!c->p.have_rec)
		return code;
	struct clan_err ferr;
	int rc;
	if (c->spec->rm) {
		rc = store_remove_detached(c->p.storage, &c->p.rec, &ferr);
	} else {
		snprintf(c->p.rec.state, sizeof c->p.rec.state, "exited");
		c->p.rec.exit_code = code >= 0 ? code : err->code;
		c->p.rec.finished = (int64_t)time(NULL);
		rc = store_save(&c->p.rec, &ferr);
	}
	c->p.have_rec = false;
	if (rc < 0 && code >= 0) {
		*err = ferr;
		return -1;
	}
	return code;
}

void container_free(struct container *c)
{
	if (!c)
		return;
	if (c->sync_fd >= 0)
		close(c->sync_fd);
	if (c->pty_fd >= 0)
		close(c->pty_fd);
	if (c->notify_fd >= 0)
		close(c->notify_fd);
	prepared_free(&c->p);
	free(c);
}

bool container_signal(pid_t pid1, int sig)
{
	/* The kernel drops signals to a namespace's pid 1 that it has no
	 * handler for, so `sh` as pid 1 would ignore Ctrl-C and SIGTERM. Do
	 * what the default action would have done: kill it. */
	if (proc_signal_is_default(pid1, sig)) {
		kill(pid1, SIGKILL);
		return true;
	}
	kill(pid1, sig);
	return false;
}

/* ------------------------------------------------ clan run's foreground */

/* forwarded to pid 1; SIGCHLD and SIGWINCH are clan's own */
static const int waited_signals[] = {SIGINT,  SIGTERM, SIGHUP,	SIGQUIT,
				     SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH};

static int run_sync_fd(void *arg)
{
	const struct container *c = arg;
	return c->sync_fd;
}

static int run_on_sync(void *arg)
{
	struct container *c = arg;
	container_on_sync(c);
	int master = c->pty_fd;
	c->pty_fd = -1; /* the waiter's now */
	return master;
}

/* What the foreground also waits on: slirp4netns, the port forwarder,
 * and the chown listener of a build's RUN without subuid. */
static void run_extra_fds(void *arg, int fds[FG_MAX_EXTRA])
{
	struct container *c = arg;
	fds[0] = container_net_fd(c);
	fds[1] = container_net_fwd_fd(&c->p.net);
	fds[2] = c->notify_fd;
}

static void run_on_extra(void *arg, int fd)
{
	struct container *c = arg;
	if (fd == c->notify_fd) {
		if (chown_record_serve(fd) < 0) {
			close(fd);
			c->notify_fd = -1;
		}
	} else if (fd == container_net_fd(c)) {
		container_on_net_exit(c);
	} else if (fd == container_net_fwd_fd(&c->p.net)) {
		container_net_on_fwd_exit(&c->p.net, c->child, c->p.rec.name);
	}
}

int container_run(const struct container_spec *s, struct clan_err *err)
{
	struct container *c = NULL;
	sigset_t old;
	int code = -1;
	err->msg[0] = '\0';

	/* signals are blocked before anything is on disk: a Ctrl-C during
	 * the start is forwarded, not a half-created container left behind */
	int sig_fd = signals_to_fd(waited_signals, ARRAY_SIZE(waited_signals), &old, err);
	if (sig_fd < 0)
		return -1;
	if (container_start(s, &c, err) == 0) {
		struct foreground f = {
		    .pid = c->child,
		    .pid1 = true,
		    .interactive = s->interactive,
		    .sig_fd = sig_fd,
		    .hooks = {c, run_sync_fd, run_on_sync, run_extra_fds, run_on_extra},
		};
		foreground_wait(&f);
		code = container_finish(c, f.status, f.emulated_sig, err);
	}
	container_free(c);
	close(sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return code;
}
