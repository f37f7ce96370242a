/* A container's life after its preparation: started (container_start),
 * watched, finished; and `clan run`'s foreground wait with signals and a
 * terminal. */
#define _GNU_SOURCE
#include "container/container.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container/console.h"
#include "container/container_int.h"
#include "base/procfs.h"
#include "base/util.h"

int container_start(const struct container_spec *s, struct container **out, struct clan_err *err)
{
	struct container *c = xcalloc(1, sizeof *c);
	*c = (struct container){.spec = s, .sync_fd = -1, .pty_fd = -1};
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
	container_net_stop(&c->p.net);
	int code;
	if (c->failed) {
		clan_error_code(err, c->error.code, "%s", c->error.text);
		code = -1;
	} else if (emulated_sig && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		code = 128 + emulated_sig;
	} else {
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (!c->p.have_rec)
		return code;
	struct clan_err ferr;
	int rc;
	if (c->spec->rm) {
		rc = store_remove(c->p.storage, &c->p.rec, &ferr);
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
	prepared_free(&c->p);
	free(c);
}

/* ------------------------------------------------ clan run's foreground */

/* forwarded to pid 1; SIGCHLD and SIGWINCH are clan's own */
static const int waited_signals[] = {SIGINT,  SIGTERM, SIGHUP,	SIGQUIT,
				     SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH};

struct waiter {
	struct container *c;
	int sig_fd;
	struct console con;
	bool have_con, reaped;
	int status;
	int emulated_sig; /* we killed pid 1 in place of this signal */
};

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

static void on_signal(struct waiter *w)
{
	struct signalfd_siginfo si;
	while (read(w->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGWINCH) {
			if (w->have_con)
				console_resize(&w->con);
		} else if (si.ssi_signo != SIGCHLD && !w->reaped) {
			if (w->emulated_sig)
				kill(w->c->child, (int)si.ssi_signo);
			else if (container_signal(w->c->child, (int)si.ssi_signo))
				w->emulated_sig = (int)si.ssi_signo;
		}
	}
	if (!w->reaped && waitpid(w->c->child, &w->status, WNOHANG) == w->c->child)
		w->reaped = true;
}

static void on_sync(struct waiter *w)
{
	container_on_sync(w->c);
	if (w->c->pty_fd >= 0 && !w->have_con) {
		console_start(&w->con, w->c->pty_fd, w->c->spec->interactive);
		w->c->pty_fd = -1; /* the console owns it */
		w->have_con = true;
	}
}

static void wait_loop(struct waiter *w)
{
	struct container *c = w->c;
	while (!w->reaped || (w->have_con && w->con.master >= 0)) {
		struct pollfd fds[6];
		int n = 0;
		fds[n++] = (struct pollfd){.fd = w->sig_fd, .events = POLLIN};
		int sync_at = n, sync_fd = c->sync_fd;
		if (sync_fd >= 0)
			fds[n++] = (struct pollfd){.fd = sync_fd, .events = POLLIN};
		int net_at = n, net_fd = w->reaped ? -1 : container_net_fd(c);
		if (net_fd >= 0)
			fds[n++] = (struct pollfd){.fd = net_fd, .events = POLLIN};
		int fwd_at = n, fwd_fd = w->reaped ? -1 : container_net_fwd_fd(&c->p.net);
		if (fwd_fd >= 0)
			fds[n++] = (struct pollfd){.fd = fwd_fd, .events = POLLIN};
		int con_at = n;
		if (w->have_con && w->con.master >= 0) {
			fds[n++] = (struct pollfd){.fd = w->con.master, .events = POLLIN};
			if (w->con.stdin_open)
				fds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		}
		if (poll(fds, (nfds_t)n, w->reaped ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			on_signal(w);
		if (sync_fd >= 0 && fds[sync_at].revents)
			on_sync(w);
		if (net_fd >= 0 && fds[net_at].revents)
			container_on_net_exit(c);
		if (fwd_fd >= 0 && fds[fwd_at].revents)
			container_net_on_fwd_exit(&c->p.net, c->child, c->p.rec.name);
		if (con_at < n) {
			bool out_ready = fds[con_at].revents != 0;
			/* once the container is gone, a quiet master is drained */
			if ((out_ready && !console_pump_out(&w->con)) || (!out_ready && w->reaped))
				console_stop(&w->con);
			else if (con_at + 1 < n && fds[con_at + 1].revents)
				console_pump_in(&w->con);
		}
	}
	if (w->have_con)
		console_stop(&w->con);
}

int container_run(const struct container_spec *s, struct clan_err *err)
{
	struct waiter w = {.sig_fd = -1};
	sigset_t old;
	int code = -1;
	err->msg[0] = '\0';

	/* signals are blocked before anything is on disk: a Ctrl-C during
	 * the start is forwarded, not a half-created container left behind */
	w.sig_fd = signals_to_fd(waited_signals, ARRAY_SIZE(waited_signals), &old, err);
	if (w.sig_fd < 0)
		return -1;
	if (container_start(s, &w.c, err) == 0) {
		wait_loop(&w);
		code = container_finish(w.c, w.status, w.emulated_sig, err);
	}
	container_free(w.c);
	close(w.sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return code;
}
