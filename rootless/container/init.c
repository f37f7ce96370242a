/* pid 1 of the container, and the exec of its command. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fdio.h"
#include "ns/caps.h"
#include "container/child.h"
#include "ns/seccomp_filter.h"
#include "base/sync.h"
#include "base/util.h"
#include "container/ulimit.h"

extern char **environ;

static void noop_handler(int sig)
{
	(void)sig;
}

/* pid 1 only receives signals it has a handler for: install a no-op one
 * for everything catchable, then block them all and take them with
 * sigwaitinfo. */
static void catch_all_signals(sigset_t *all)
{
	struct sigaction sa = {.sa_handler = noop_handler};
	sigfillset(all);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sigprocmask(SIG_BLOCK, all, NULL);
}

static void restore_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int open_pty(struct child_ctx *c, char *slave, size_t len)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot open /dev/ptmx");
	if (unlockpt(master) < 0 || ptsname_r(master, slave, len) != 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot set up the terminal");
	/* sized before the command starts: clan gets the master only later */
	if (c->winsize.ws_row && ioctl(master, TIOCSWINSZ, &c->winsize) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot size the terminal");
	if (sync_send(c->sync_fd, SYNC_PTY, 0, NULL, master) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot pass the terminal to clan");
	return master;
}

static void setup_stdio(struct child_ctx *c, const char *slave)
{
	if (slave) {
		int fd = open(slave, O_RDWR);
		/* pid 1 is a session leader already; the command under --init is not */
		if (fd < 0 || (getsid(0) != getpid() && setsid() < 0) ||
		    ioctl(fd, TIOCSCTTY, 0) < 0)
			child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot attach the terminal");
		if (fchown(fd, c->user.uid, c->user.gid) < 0 && errno != EPERM)
			child_die(c->sync_fd, CLAN_EXIT_SETUP, errno,
				  "cannot hand the terminal to the user");
		for (int i = 0; i < 3; i++)
			if (dup2(fd, i) < 0)
				child_die(c->sync_fd, CLAN_EXIT_SETUP, errno,
					  "cannot attach the terminal");
		if (fd > 2)
			close(fd);
	} else if (!c->spec->interactive) {
		/* docker without -i: the command reads nothing */
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot open /dev/null");
		if (fd > 0)
			close(fd);
	}
}

static void enter_workdir(struct child_ctx *c)
{
	struct clan_err err;
	struct stat st;
	if (stat(c->workdir, &st) < 0 && mkdir_p(c->workdir, 0755, &err) < 0)
		child_die_err(c->sync_fd, &err);
	if (chdir(c->workdir) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot enter working directory %s",
			  c->workdir);
}

int process_become(const struct user_ids *u, bool single_mode, uint64_t caps, struct clan_err *err)
{
	if (caps_limit_bounding(caps, err) < 0)
		return -1;
	/* single mode denies setgroups: there is one gid inside anyway */
	if (!single_mode && setgroups(u->ngroups, u->groups) < 0)
		return clan_error(err, errno, "cannot set the supplementary groups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return clan_error(err, errno, "cannot switch to gid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return clan_error(err, errno, "cannot switch to uid %u", u->uid);
	if (caps_limit_process(caps, err) < 0)
		return -1;
	/* a change of uid clears the parent-death signal; pid 1 needs it back */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return clan_error(err, errno, "cannot tie the process to clan");
	if (caps_set_no_new_privs(err) < 0)
		return -1;
	if (cloexec_fds_from(3) < 0)
		return clan_error(err, errno, "cannot mark fds close-on-exec");
	return 0;
}

static void become_user(struct child_ctx *c)
{
	struct clan_err err;
	bool single = c->userns->mode == USERNS_SINGLE && !c->userns->host_root;
	if (ulimits_apply(c->spec->ulimits, c->spec->nulimits, &err) < 0 ||
	    process_become(&c->user, single, c->caps, &err) < 0)
		child_die_err(c->sync_fd, &err);
}

static noreturn void exec_command(struct child_ctx *c, const char *slave)
{
	restore_signals();
	setup_stdio(c, slave);
	enter_workdir(c);
	become_user(c);
	/* last: only the user's command runs under the filter */
	struct clan_err err;
	int listener;
	if (seccomp_bpf_apply(c->seccomp, &listener, &err) < 0)
		child_die_err(c->sync_fd, &err);
	/* clan answers the recorded chowns: it gets the listener, we keep none
	 * (a process that waits on its own listener would hang) */
	if (listener >= 0 &&
	    (sync_send(c->sync_fd, SYNC_NOTIFY, 0, NULL, listener) < 0 || close(listener) < 0))
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno,
			  "cannot hand over the seccomp listener");
	environ = c->env;
	execvp(c->argv[0], c->argv);
	int code = errno == ENOENT ? CLAN_EXIT_NOTFOUND : CLAN_EXIT_NOEXEC;
	child_die(c->sync_fd, code, errno, "cannot run '%s' in the container", c->argv[0]);
}

noreturn void command_main(struct child_ctx *c)
{
	char slave[64];
	int master = c->spec->tty ? open_pty(c, slave, sizeof slave) : -1;
	if (master >= 0)
		close(master);
	exec_command(c, master >= 0 ? slave : NULL);
}

static int status_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

noreturn void init_main(struct child_ctx *c)
{
	char slave[64];
	sigset_t all;
	int master = c->spec->tty ? open_pty(c, slave, sizeof slave) : -1;

	struct clan_err err;
	/* the command starts only once pid 1 holds nothing but 0-2 */
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot start the command");
	catch_all_signals(&all);
	pid_t cmd = fork();
	if (cmd < 0)
		child_die(c->sync_fd, CLAN_EXIT_SETUP, errno, "cannot start the command");
	if (cmd == 0) {
		char b;
		close(gate[1]);
		if (read(gate[0], &b, 1) != 1)
			_exit(CLAN_EXIT_SETUP);
		close(gate[0]);
		exec_command(c, master >= 0 ? slave : NULL);
	}
	close(gate[0]);
	/* pid 1 keeps running in the container: no more privilege than its
	 * command (it only waits and kills). After the fork: the command
	 * needs its capabilities until it has switched to its user (with
	 * --cap-drop ALL it would have none left for that). Before the gate:
	 * the command could ptrace pid 1 (same user, and Docker's profile
	 * allows ptrace) and make it call what the filter refuses. */
	if (caps_apply(c->caps, &err) < 0 || caps_set_no_new_privs(&err) < 0 ||
	    seccomp_bpf_apply(c->seccomp, NULL, &err) < 0) {
		kill(cmd, SIGKILL);
		child_die_err(c->sync_fd, &err);
	}
	close(c->sync_fd);
	if (master >= 0)
		close(master);
	if (write(gate[1], "g", 1) != 1)
		kill(cmd, SIGKILL);
	close(gate[1]);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(cmd, sig);
			continue;
		}
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			if (p == cmd)
				_exit(status_code(status));
	}
}
