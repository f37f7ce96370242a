#define _GNU_SOURCE
#include "ns/userns_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/debug.h"
#include "base/procfs.h"
#include "base/sync.h"
#include "base/util.h"

pid_t clone_ns(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

static const struct {
	const char *name;
	int type;
} user_net[2] = {{"user", CLONE_NEWUSER}, {"net", CLONE_NEWNET}};

int ns_open_user_net(pid_t ns_pid, int fds[2], struct clan_err *err)
{
	for (size_t i = 0; i < 2; i++) {
		fds[i] = proc_ns_open(ns_pid, user_net[i].name);
		if (fds[i] < 0) {
			int e = errno;
			if (i)
				close(fds[0]);
			fds[0] = -1;
			return clan_error(err, e, "cannot open /proc/%d/ns/%s", (int)ns_pid,
					  user_net[i].name);
		}
	}
	return 0;
}

int ns_join_fds(const int fds[2], struct clan_err *err)
{
	for (size_t i = 0; i < 2; i++)
		if (setns(fds[i], user_net[i].type) < 0)
			return clan_error(err, errno, "cannot join the %s namespace",
					  user_net[i].name);
	return 0;
}

int ns_join_user_net(pid_t ns_pid, struct clan_err *err)
{
	int fds[2];
	if (ns_open_user_net(ns_pid, fds, err) < 0)
		return -1;
	int rc = ns_join_fds(fds, err);
	close(fds[0]);
	close(fds[1]);
	if (rc < 0)
		clan_error_wrap(err, "pid %d", (int)ns_pid);
	return rc;
}

/* What the helper reports: the clone's pid (0: none) and the result,
 * the pid or -errno. */
struct clone_report {
	pid_t clone;
	int result;
};

/* The caller's side: what the helper wrote (closing rfd), the helper
 * reaped, and a clone the helper killed reaped too: it is the caller's
 * child (CLONE_PARENT), and nobody else knows its pid. */
static pid_t clone_report_collect(int rfd, pid_t helper)
{
	struct clone_report rep = {0, 0};
	ssize_t n;
	do
		n = read(rfd, &rep, sizeof rep);
	while (n < 0 && errno == EINTR);
	close(rfd);
	wait_child(helper, NULL);
	bool whole = n == (ssize_t)sizeof rep;
	if (whole && rep.result > 0)
		return rep.result;
	if (whole && rep.clone > 0)
		wait_child(rep.clone, NULL);
	errno = whole && rep.result < 0 ? -rep.result : ECHILD;
	return -1;
}

/* The helper: never returns but in the clone. */
static pid_t clone_helper(unsigned long flags, const struct clone_join *j, int wfd)
{
	struct clone_report rep = {0, j->join(j->arg)};
	if (rep.result == 0) {
		pid_t c = clone_ns(flags | CLONE_PARENT);
		if (c == 0) {
			close(wfd);
			return 0;
		}
		rep.result = c > 0 ? c : -errno;
		if (c < 0)
			clan_debug("clone into joined namespaces: %s", strerror(errno));
		rep.clone = c > 0 ? c : 0;
		if (c > 0 && j->after) {
			int a = j->after(c, j->arg);
			if (a < 0) {
				kill(c, SIGKILL);
				rep.result = a;
			}
		}
	}
	(void)write_all(wfd, &rep, sizeof rep);
	_exit(rep.result > 0 ? 0 : 1);
}

pid_t clone_joined(unsigned long flags, const struct clone_join *j)
{
	int fd;
	pid_t helper = fork_piped(&fd);
	if (helper < 0)
		return -1;
	if (helper == 0)
		return clone_helper(flags, j, fd);
	return clone_report_collect(fd, helper);
}

/* The child of userns_call: a user namespace of its own, its maps from
 * the parent, then fn. fork, not clone: glibc's fork leaves malloc usable
 * in the child even when another thread held it. */
static noreturn void call_child(int fd, const struct userns_call *c)
{
	/* the parent's handlers and blocked signals are not for us: Ctrl-C
	 * should just end us, and the parent then reports it */
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (signal(sigs[i], SIG_DFL) == SIG_ERR)
			child_die(fd, 1, errno, "cannot reset signal %d", sigs[i]);
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_die(fd, 1, errno, "cannot unblock signals");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_die(fd, 1, errno, "cannot set the parent-death signal");
	if (unshare(CLONE_NEWUSER) < 0)
		child_die(fd, 1, errno, "cannot create a user namespace to %s", c->what);
	/* SYNC_GO the other way round: "my namespace exists, write its maps" */
	struct sync_msg m;
	if (sync_send(fd, SYNC_GO, 0, NULL, -1) < 0 || sync_recv(fd, &m) <= 0 || m.tag != SYNC_GO)
		_exit(1);
	struct clan_err err;
	char out[sizeof m.text] = "";
	if (c->fn(c->arg, out, sizeof out, &err) < 0)
		child_die(fd, err.code > 0 && err.code < 256 ? err.code : CLAN_EXIT_FAIL, 0, "%s",
			  err.msg);
	if (out[0] && sync_send(fd, SYNC_GO, 0, out, -1) < 0)
		_exit(1);
	_exit(0);
}

/* The parent's half: the child's maps once it has unshared, then its
 * verdict and its answer. */
static int call_parent(pid_t pid, int fd, const struct userns_plan *p, const struct userns_call *c,
		       struct clan_err *err)
{
	struct sync_msg m;
	int r = sync_recv(fd, &m);
	if (r > 0 && m.tag == SYNC_ERROR)
		return clan_error(err, 0, "%s", m.text);
	if (r <= 0 || m.tag != SYNC_GO)
		return clan_error(err, r < 0 ? errno : 0, "the process to %s stopped", c->what);
	if (userns_write_maps(pid, p, err) < 0)
		return -1;
	if (sync_send(fd, SYNC_GO, 0, NULL, -1) < 0)
		return clan_error(err, errno, "cannot signal the process to %s", c->what);
	r = sync_recv(fd, &m);
	/* fn's error with its exit code (2: the input was bad) */
	if (r > 0 && m.tag == SYNC_ERROR)
		return clan_error_code(err, m.code > 0 ? m.code : CLAN_EXIT_FAIL, "%s", m.text);
	if (r > 0 && m.tag == SYNC_GO && c->out)
		snprintf(c->out, c->outlen, "%s", m.text);
	return 0;
}

int userns_call(const struct userns_plan *p, const struct userns_call *c, struct clan_err *err)
{
	if (c->out && c->outlen)
		c->out[0] = '\0';
	int sv[2];
	if (sync_pair(sv, err) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return clan_error(err, errno, "cannot fork to %s", c->what);
	}
	if (pid == 0) {
		close(sv[0]);
		call_child(sv[1], c);
	}
	close(sv[1]);
	int rc = call_parent(pid, sv[0], p, c, err);
	if (rc < 0)
		kill(pid, SIGKILL);
	close(sv[0]);
	int status;
	if (wait_child(pid, &status) < 0 && rc == 0)
		return clan_error(err, errno, "cannot wait for the process to %s", c->what);
	if (rc == 0 && WIFSIGNALED(status))
		return clan_error(err, 0, "the process to %s was killed (signal %d)", c->what,
				  WTERMSIG(status));
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		return clan_error(err, 0, "the process to %s failed", c->what);
	return rc;
}

static int remove_fn(void *arg, char *out, size_t outlen, struct clan_err *err)
{
	(void)out;
	(void)outlen;
	return remove_tree(arg, err);
}

int userns_remove_tree(const char *path, const struct idmap *uidmap, const struct idmap *gidmap,
		       struct clan_err *err)
{
	struct userns_plan plan = {
	    .mode = USERNS_SUBUID, .use_helpers = true, .uid = *uidmap, .gid = *gidmap};
	if (!find_program("newuidmap", plan.newuidmap, sizeof plan.newuidmap) ||
	    !find_program("newgidmap", plan.newgidmap, sizeof plan.newgidmap))
		return clan_error(err, 0,
				  "cannot remove %s: files belong to subordinate ids and "
				  "newuidmap is missing (apt-get install uidmap)",
				  path);
	_cleanup_free_ char *what = xasprintf("remove %s", path);
	struct userns_call c = {.fn = remove_fn, .arg = (void *)path, .what = what};
	return userns_call(&plan, &c, err);
}
