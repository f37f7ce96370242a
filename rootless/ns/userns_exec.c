#define _GNU_SOURCE
#include "ns/userns_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
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

int ns_join_user_net(pid_t ns_pid, struct clan_err *err)
{
	static const struct {
		const char *name;
		int type;
	} ns[] = {{"user", CLONE_NEWUSER}, {"net", CLONE_NEWNET}};
	int fds[2];
	for (size_t i = 0; i < 2; i++) {
		fds[i] = proc_ns_open(ns_pid, ns[i].name);
		if (fds[i] < 0) {
			int e = errno;
			if (i)
				close(fds[0]);
			return clan_error(err, e, "cannot open /proc/%d/ns/%s", (int)ns_pid,
					  ns[i].name);
		}
	}
	for (size_t i = 0; i < 2; i++) {
		if (setns(fds[i], ns[i].type) < 0) {
			int e = errno;
			close(fds[0]);
			close(fds[1]);
			return clan_error(err, e, "cannot join the %s namespace of pid %d",
					  ns[i].name, (int)ns_pid);
		}
	}
	close(fds[0]);
	close(fds[1]);
	return 0;
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
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return -1;
	pid_t helper = fork();
	if (helper < 0) {
		int e = errno;
		close(pp[0]);
		close(pp[1]);
		errno = e;
		return -1;
	}
	if (helper == 0) {
		close(pp[0]);
		return clone_helper(flags, j, pp[1]);
	}
	close(pp[1]);
	return clone_report_collect(pp[0], helper);
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
	int sv[2];
	if (sync_pair(sv, err) < 0)
		return -1;
	pid_t pid = clone_ns(CLONE_NEWUSER);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return clan_error(err, errno, "cannot create a user namespace to remove %s", path);
	}
	if (pid == 0) {
		struct sync_msg m;
		struct clan_err e;
		close(sv[0]);
		if (sync_recv(sv[1], &m) <= 0)
			_exit(1);
		if (remove_tree(path, &e) < 0)
			child_die(sv[1], 1, 0, "%s", e.msg);
		_exit(0);
	}
	close(sv[1]);
	int rc = userns_write_maps(pid, &plan, err);
	if (rc == 0 && sync_send(sv[0], SYNC_GO, 0, NULL, -1) < 0)
		rc = clan_error(err, errno, "cannot signal the cleanup process");
	if (rc < 0)
		kill(pid, SIGKILL);
	struct sync_msg m;
	bool failed = rc == 0 && sync_recv(sv[0], &m) > 0 && m.tag == SYNC_ERROR;
	close(sv[0]);
	int status;
	wait_child(pid, &status);
	if (failed)
		return clan_error(err, 0, "%s", m.text);
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		return clan_error(err, 0, "cannot remove %s", path);
	return rc;
}
