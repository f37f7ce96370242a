#define _GNU_SOURCE
#include "container/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/child.h"
#include "container/container.h"
#include "container/foreground.h"
#include "ns/caps.h"
#include "container/ulimit.h"
#include "ns/idmap.h"
#include "ns/passwd.h"
#include "base/debug.h"
#include "base/procfs.h"
#include "ns/seccomp_filter.h"
#include "base/sync.h"
#include "ns/userns_exec.h"

extern char **environ;

static bool same_ns(int fd, const char *self)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* The network namespace first, from the user namespace that owns it (a
 * stack's is its pod's, the parent of the service's), then the
 * container's user namespace and the rest. The host's network (--network
 * host) is where we are already. */
static int join_container(pid_t pid, struct clan_err *err)
{
	int net = proc_ns_open(pid, "net");
	if (net < 0)
		return clan_error(err, errno, "cannot open the container's network namespace");
	if (!same_ns(net, "/proc/self/ns/net")) {
		int owner = ioctl(net, NS_GET_USERNS);
		if (owner < 0 || setns(owner, CLONE_NEWUSER) < 0 || setns(net, CLONE_NEWNET) < 0) {
			int e = errno;
			if (owner >= 0)
				close(owner);
			close(net);
			return clan_error(err, e, "cannot join the container's network namespace");
		}
		close(owner);
	}
	close(net);
	static const struct {
		const char *name;
		int type;
	} rest[] = {{"user", CLONE_NEWUSER},
		    {"ipc", CLONE_NEWIPC},
		    {"uts", CLONE_NEWUTS},
		    {"pid", CLONE_NEWPID},
		    {"mnt", CLONE_NEWNS}};
	for (size_t i = 0; i < ARRAY_SIZE(rest); i++) {
		int fd = proc_ns_open(pid, rest[i].name);
		if (fd < 0)
			return clan_error(err, errno, "cannot open the container's %s namespace",
					  rest[i].name);
		char self[64];
		snprintf(self, sizeof self, "/proc/self/ns/%s", rest[i].name);
		/* joined already with the network's owner */
		bool skip = rest[i].type == CLONE_NEWUSER && same_ns(fd, self);
		if (!skip && setns(fd, rest[i].type) < 0) {
			int e = errno;
			close(fd);
			return clan_error(err, e, "cannot join the container's %s namespace",
					  rest[i].name);
		}
		close(fd);
	}
	return 0;
}

static void resolve_exec_user(const struct container_rec *rec, const struct exec_spec *e,
			      int sync_fd, struct user_ids *u)
{
	struct clan_err err;
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	read_file("/etc/passwd", 1 << 20, &passwd, &err);
	read_file("/etc/group", 1 << 20, &group, &err);
	char spec[64];
	snprintf(spec, sizeof spec, "%u:%u", rec->uid, rec->gid);
	if (user_resolve(e->user ? e->user : spec, passwd, group, u, &err) < 0)
		child_die(sync_fd, CLAN_EXIT_USAGE, 0, "exec: %s", err.msg);
	/* single-uid mode maps one user: say so rather than EINVAL */
	_cleanup_free_ char *uid_text = NULL, *gid_text = NULL;
	struct idmap umap, gmap;
	uint32_t host;
	if (read_file("/proc/self/uid_map", 4096, &uid_text, &err) == 0 &&
	    read_file("/proc/self/gid_map", 4096, &gid_text, &err) == 0 &&
	    idmap_parse(uid_text, &umap) && idmap_parse(gid_text, &gmap) &&
	    (!idmap_to_host(&umap, u->uid, &host) || !idmap_to_host(&gmap, u->gid, &host)))
		child_die(sync_fd, CLAN_EXIT_USAGE, 0,
			  "exec: user %u:%u is not mapped in container %s (it runs with "
			  "--userns %s, which maps its own user only); give /etc/subuid and "
			  "/etc/subgid ranges to map every user",
			  u->uid, u->gid, rec->name, rec->userns);
}

static void attach_tty(int sync_fd, const struct user_ids *u)
{
	char slave[64];
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, slave, sizeof slave) != 0)
		child_die(sync_fd, CLAN_EXIT_SETUP, errno,
			  "cannot open a terminal in the container");
	if (sync_send(sync_fd, SYNC_PTY, 0, NULL, master) < 0)
		child_die(sync_fd, CLAN_EXIT_SETUP, errno, "cannot pass the terminal to clan");
	close(master);
	int fd = open(slave, O_RDWR);
	if (fd < 0 || setsid() < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
		child_die(sync_fd, CLAN_EXIT_SETUP, errno, "cannot attach the terminal");
	if (fchown(fd, u->uid, u->gid) < 0 && errno != EPERM && errno != EINVAL)
		child_die(sync_fd, CLAN_EXIT_SETUP, errno, "cannot hand the terminal to the user");
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			child_die(sync_fd, CLAN_EXIT_SETUP, errno, "cannot attach the terminal");
	if (fd > 2)
		close(fd);
}

/* Without -t the command gets its own session, with no controlling
 * terminal: otherwise it could push keystrokes into the user's shell with
 * TIOCSTI on an inherited terminal fd or /dev/tty (CVE-2017-5226), which the
 * shell runs when clan exec returns. Its stdin: /dev/null, else in_fd (the
 * relay's pipe when clan's stdin is a terminal), else clan's own. */
static void plain_stdio(const struct exec_spec *e, int in_fd, int sync_fd)
{
	if (setsid() < 0)
		child_die(sync_fd, CLAN_EXIT_SETUP, errno,
			  "cannot start a session for the command");
	if (!e->interactive) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			child_die(sync_fd, CLAN_EXIT_SETUP, errno, "cannot open /dev/null");
	} else if (in_fd >= 0 && dup2(in_fd, 0) < 0) {
		child_die(sync_fd, CLAN_EXIT_SETUP, errno, "cannot attach the input");
	}
	if (e->out_fd >= 0 && (dup2(e->out_fd, 1) < 0 || dup2(e->out_fd, 2) < 0))
		child_die(sync_fd, CLAN_EXIT_SETUP, errno, "cannot attach the output");
}

/* The container's --ulimit values, as runc gives an exec'd process the
 * container's rlimits. */
static int apply_record_ulimits(const struct container_rec *rec, struct clan_err *err)
{
	for (size_t i = 0; i < rec->ulimits.n; i++) {
		struct ulimit_spec u;
		struct rlimit now;
		if (ulimit_parse(rec->ulimits.v[i], &u, err) < 0)
			return clan_error_wrap(err, "exec: the container's ulimit %s",
					       rec->ulimits.v[i]);
		/* this caller may be below the container's hard limit: as much
		 * of it as it can give, not a failed exec */
		if (getrlimit(u.resource, &now) == 0 && u.hard > now.rlim_max) {
			clan_debug("exec: ulimit %s: the hard limit is %llu here",
				   rec->ulimits.v[i], (unsigned long long)now.rlim_max);
			u.hard = now.rlim_max;
			if (u.soft > u.hard)
				u.soft = u.hard;
		}
		if (ulimits_apply(&u, 1, err) < 0)
			return clan_error_wrap(err, "exec: the container's ulimit %s",
					       rec->ulimits.v[i]);
	}
	return 0;
}

/* In the container's namespaces (and a child of clan): the user, the
 * directory, the environment, then exec. */
static noreturn void exec_in(const struct container_rec *rec, const struct exec_spec *e,
			     const struct seccomp_bpf *filter, int in_fd, int sync_fd)
{
	struct clan_err err;
	struct user_ids u;
	/* Until execve this is clan's code, holding clan's fds, in the
	 * container's pid namespace: keep the container's processes from
	 * ptracing it or opening its /proc/PID/fd. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_die(sync_fd, CLAN_EXIT_SETUP, errno, "cannot tie the process to clan");
	resolve_exec_user(rec, e, sync_fd, &u);
	if (e->tty)
		attach_tty(sync_fd, &u);
	else
		plain_stdio(e, in_fd, sync_fd);
	const char *dir = e->workdir ? e->workdir : rec->workdir ? rec->workdir : "/";
	if (chdir(dir) < 0)
		child_die(sync_fd, CLAN_EXIT_SETUP, errno, "exec: cannot enter %s", dir);
	struct strv env = {0};
	for (size_t i = 0; i < rec->env.n; i++)
		strv_push(&env, rec->env.v[i]);
	if (e->user) {
		struct strv home = {0};
		strv_push_owned(&home, xasprintf("HOME=%s", u.home));
		env_merge(&env, &home);
	}
	env_merge(&env, &e->env);
	uint64_t caps;
	if (apply_record_ulimits(rec, &err) < 0 ||
	    caps_mask_for(&rec->cap_add, &rec->cap_drop, &caps, &err) < 0 ||
	    process_become(&u, strcmp(rec->userns, "single") == 0, caps, &err) < 0)
		child_die_err(sync_fd, &err);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	environ = env.v;
	if (seccomp_bpf_apply(filter, NULL, &err) < 0) /* the container's, last */
		child_die_err(sync_fd, &err);
	execvp(e->argv.v[0], e->argv.v);
	int code = errno == ENOENT ? CLAN_EXIT_NOTFOUND : CLAN_EXIT_NOEXEC;
	child_die(sync_fd, code, errno, "exec: cannot run '%s' in the container", e->argv.v[0]);
}

struct join_exec {
	const struct container_rec *rec;
	int sync_fd;
};

/* A failure is told on the sync socket, where spawn_in reads it. */
static int join_for_exec(void *arg)
{
	const struct join_exec *x = arg;
	struct clan_err jerr;
	if (join_container(x->rec->init_pid, &jerr) < 0) {
		sync_send(x->sync_fd, SYNC_ERROR, CLAN_EXIT_SETUP, jerr.msg, -1);
		return jerr.sys_errno ? -jerr.sys_errno : -EPERM;
	}
	return 0;
}

/* Returns like fork: 0 in the process that runs the command (in the
 * container's namespaces, a child of clan through CLONE_PARENT), its pid
 * in clan, -1 with err. */
static pid_t spawn_in(const struct container_rec *rec, int sync_fd, struct clan_err *err)
{
	struct join_exec x = {rec, sync_fd};
	struct clone_join j = {join_for_exec, NULL, &x};
	/* the pid namespace applies to children: clone into it */
	pid_t pid = clone_joined(0, &j);
	if (pid >= 0)
		return pid;
	int e = errno;
	struct sync_msg m;
	struct pollfd p = {.fd = sync_fd, .events = POLLIN};
	if (poll(&p, 1, 0) == 1 && sync_recv(sync_fd, &m) == 1 && m.tag == SYNC_ERROR)
		return clan_error_code(err, m.code, "%s", m.text);
	return clan_error(err, e == ECHILD ? 0 : e, "cannot start a process in the container");
}

/* exec's side of the sync socket: the command's terminal, or its error
 * from before the execve. */
struct exec_sync {
	int fd;
	bool failed;
	struct sync_msg error;
};

static int exec_sync_fd(void *arg)
{
	const struct exec_sync *x = arg;
	return x->fd;
}

static int exec_on_sync(void *arg)
{
	struct exec_sync *x = arg;
	struct sync_msg m;
	if (sync_recv(x->fd, &m) <= 0) {
		close(x->fd);
		x->fd = -1;
		return -1;
	}
	if (m.tag == SYNC_PTY && m.fd >= 0)
		return m.fd;
	if (m.tag == SYNC_ERROR) {
		x->error = m;
		x->failed = true;
	} else if (m.fd >= 0) {
		close(m.fd);
	}
	return -1;
}

/* -i without -t, and clan's stdin a terminal: the command must not hold
 * the terminal itself (it could read what the user types into the shell
 * after clan exec returns, or change its modes). A process of clan's, on
 * the host, copies the terminal's lines into a pipe that the command gets
 * instead, as Docker's daemon copies stdin; it is killed when the command
 * ends. *in_fd: the pipe's read end, -1 when there is nothing to relay. */
static int start_relay(const struct exec_spec *e, pid_t *relay, int *in_fd, struct clan_err *err)
{
	*relay = 0;
	*in_fd = -1;
	if (!e->interactive || e->tty || !isatty(STDIN_FILENO))
		return 0;
	int fd;
	pid_t pid = fork_piped(&fd);
	if (pid < 0)
		return clan_error(err, errno, "exec: cannot start the input relay");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		char buf[4096];
		ssize_t n;
		while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
			if (n > 0 && !write_all(fd, buf, (size_t)n))
				break;
		_exit(0);
	}
	*relay = pid;
	*in_fd = fd;
	return 0;
}

static void stop_relay(pid_t relay, int in_fd)
{
	if (in_fd >= 0)
		close(in_fd);
	if (relay > 0) {
		kill(relay, SIGKILL);
		while (waitpid(relay, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

int container_exec(const struct container_rec *rec, const struct exec_spec *e, struct clan_err *err)
{
	if (!store_init_alive(rec))
		return clan_error_code(err, CLAN_EXIT_FAIL, "exec: container %s is not running",
				       rec->name);
	if (e->argv.n == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "exec: no command given");
	if (e->tty && e->interactive && !isatty(STDIN_FILENO))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "exec: -it: the input device is not a terminal; drop -t");
	__attribute__((cleanup(seccomp_bpf_free))) struct seccomp_bpf filter = {0};
	bool single = strcmp(rec->userns, "single") == 0;
	if (seccomp_filter_of_record(rec->dir, single, &filter, err) < 0)
		return -1;
	static const int waited[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGWINCH};
	sigset_t old;
	int sig_fd = signals_to_fd(waited, ARRAY_SIZE(waited), &old, err);
	if (sig_fd < 0)
		return -1;
	int sv[2] = {-1, -1};
	int code = -1;
	struct exec_sync x = {.fd = -1};
	pid_t relay = 0;
	int in_fd = -1;
	if (start_relay(e, &relay, &in_fd, err) == 0 && sync_pair(sv, err) == 0) {
		pid_t pid = spawn_in(rec, sv[1], err);
		if (pid == 0)
			exec_in(rec, e, &filter, in_fd, sv[1]);
		close(sv[1]);
		x.fd = sv[0];
		if (pid > 0) {
			struct foreground f = {
			    .pid = pid,
			    .interactive = e->interactive,
			    .resize_on_attach = true,
			    .sig_fd = sig_fd,
			    .hooks = {&x, exec_sync_fd, exec_on_sync, NULL, NULL},
			};
			foreground_wait(&f);
			if (x.failed)
				clan_error_code(err, x.error.code, "%s", x.error.text);
			else
				code = foreground_exit_code(f.status, 0);
		}
	}
	stop_relay(relay, in_fd);
	if (x.fd >= 0)
		close(x.fd);
	close(sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return code;
}
