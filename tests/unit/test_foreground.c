/* The one foreground waiter of clan run and clan exec
 * (rootless/container/foreground.c): exit codes as a shell says them,
 * signals forwarded, the sync socket and the helpers' fds handed to their
 * hooks, the sync socket read to its end. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "container/foreground.h"
#include "tap.h"

TEST(exit_codes_as_a_shell_says_them)
{
	CHECK(foreground_exit_code(3 << 8, 0) == 3);
	CHECK(foreground_exit_code(SIGTERM, 0) == 128 + SIGTERM);
	/* pid 1 killed in place of a Ctrl-C it had no handler for */
	CHECK(foreground_exit_code(SIGKILL, SIGINT) == 130);
	/* emulated, but it ended on its own */
	CHECK(foreground_exit_code(0, SIGINT) == 0);
	CHECK(foreground_exit_code(SIGSEGV, SIGINT) == 128 + SIGSEGV);
}

struct fake {
	int sync, extra;
	int sync_reads, extra_reads;
};

static int fake_sync_fd(void *arg)
{
	return ((struct fake *)arg)->sync;
}

static int fake_on_sync(void *arg)
{
	struct fake *f = arg;
	char b;
	if (read(f->sync, &b, 1) != 1) {
		close(f->sync);
		f->sync = -1;
	} else {
		f->sync_reads++;
	}
	return -1;
}

static void fake_extra_fds(void *arg, int fds[FG_MAX_EXTRA])
{
	fds[0] = ((struct fake *)arg)->extra;
}

static void fake_on_extra(void *arg, int fd)
{
	struct fake *f = arg;
	char b;
	if (fd == f->extra && read(fd, &b, 1) == 1)
		f->extra_reads++;
}

/* A child that waits for SIGTERM with the default action: the waiter
 * forwards the SIGTERM clan got, and reports 143. */
TEST(a_signal_is_forwarded_and_the_status_kept)
{
	static const int sigs[] = {SIGTERM, SIGCHLD, SIGWINCH};
	sigset_t old;
	struct clan_err err;
	int sig_fd = signals_to_fd(sigs, ARRAY_SIZE(sigs), &old, &err);
	CHECK(sig_fd >= 0);
	int sp[2], xp[2];
	CHECK(pipe(sp) == 0 && pipe(xp) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(sp[0]);
		close(xp[0]);
		if (write(sp[1], "s", 1) != 1 || write(xp[1], "x", 1) != 1)
			_exit(1);
		close(sp[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		for (;;)
			pause();
	}
	close(sp[1]);
	close(xp[1]);
	struct fake fk = {.sync = sp[0], .extra = xp[0]};
	struct foreground f = {
	    .pid = pid,
	    .sig_fd = sig_fd,
	    .hooks = {&fk, fake_sync_fd, fake_on_sync, fake_extra_fds, fake_on_extra},
	};
	alarm(20);		 /* a waiter that never forwards fails here, not hangs */
	kill(getpid(), SIGTERM); /* blocked: it waits on the signalfd */
	foreground_wait(&f);
	CHECK(f.reaped);
	CHECK(WIFSIGNALED(f.status) && WTERMSIG(f.status) == SIGTERM);
	CHECK(foreground_exit_code(f.status, f.emulated_sig) == 143);
	CHECK(fk.sync_reads == 1);
	CHECK(fk.sync == -1); /* read to its end */
	CHECK(fk.extra_reads == 1);
	close(xp[0]);
	alarm(0);
	close(sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
