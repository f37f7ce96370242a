#define _GNU_SOURCE
#include "container/foreground.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/container.h"

int foreground_exit_code(int status, int emulated_sig)
{
	if (emulated_sig && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return 128 + emulated_sig;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void forward(struct foreground *f, int sig)
{
	/* once pid 1 was killed in place of one signal, the rest go as they are */
	if (!f->pid1 || f->emulated_sig)
		kill(f->pid, sig);
	else if (container_signal(f->pid, sig))
		f->emulated_sig = sig;
}

static void on_signal(struct foreground *f)
{
	struct signalfd_siginfo si;
	while (read(f->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGWINCH) {
			if (f->have_con)
				console_resize(&f->con);
		} else if (sig != SIGCHLD && !f->reaped) {
			forward(f, sig);
		}
	}
	if (!f->reaped && waitpid(f->pid, &f->status, WNOHANG) == f->pid)
		f->reaped = true;
}

static void on_sync(struct foreground *f)
{
	int master = f->hooks.on_sync(f->hooks.arg);
	if (master < 0)
		return;
	if (f->have_con) {
		close(master);
		return;
	}
	console_start(&f->con, master, f->interactive);
	if (f->resize_on_attach)
		console_resize(&f->con);
	f->have_con = true;
}

static bool console_open(const struct foreground *f)
{
	return f->have_con && f->con.master >= 0;
}

void foreground_wait(struct foreground *f)
{
	while (!f->reaped || console_open(f)) {
		struct pollfd fds[4 + FG_MAX_EXTRA];
		int n = 0;
		fds[n++] = (struct pollfd){.fd = f->sig_fd, .events = POLLIN};
		int sync_at = n, sync_fd = f->hooks.sync_fd(f->hooks.arg);
		if (sync_fd >= 0)
			fds[n++] = (struct pollfd){.fd = sync_fd, .events = POLLIN};
		/* the helpers (slirp4netns, the port forwarder, a chown
		 * listener) matter while it runs */
		int extra[FG_MAX_EXTRA], extra_at = n;
		for (size_t i = 0; i < FG_MAX_EXTRA; i++)
			extra[i] = -1;
		if (!f->reaped && f->hooks.extra_fds)
			f->hooks.extra_fds(f->hooks.arg, extra);
		for (size_t i = 0; i < FG_MAX_EXTRA; i++)
			if (extra[i] >= 0)
				fds[n++] = (struct pollfd){.fd = extra[i], .events = POLLIN};
		int con_at = n;
		if (console_open(f)) {
			fds[n++] = (struct pollfd){.fd = f->con.master, .events = POLLIN};
			if (f->con.stdin_open)
				fds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		}
		if (poll(fds, (nfds_t)n, f->reaped ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			on_signal(f);
		if (sync_fd >= 0 && fds[sync_at].revents)
			on_sync(f);
		for (int i = extra_at; i < con_at; i++)
			if (fds[i].revents)
				f->hooks.on_extra(f->hooks.arg, fds[i].fd);
		if (con_at < n) {
			bool out_ready = fds[con_at].revents != 0;
			/* once the process is gone, a quiet master is drained */
			if ((out_ready && !console_pump_out(&f->con)) || (!out_ready && f->reaped))
				console_stop(&f->con);
			else if (con_at + 1 < n && fds[con_at + 1].revents)
				console_pump_in(&f->con);
		}
	}
	if (f->have_con)
		console_stop(&f->con);
	while (f->hooks.sync_fd(f->hooks.arg) >= 0) {
		int late = f->hooks.on_sync(f->hooks.arg);
		if (late >= 0)
			close(late);
	}
}
