/* clone_joined (rootless/ns/userns_exec.c), the one helper that joins
 * namespaces and clones with CLONE_PARENT for a container's start and for
 * exec: the clone is the caller's own child, and a failure of the join or
 * of the step after the clone comes back as errno. No namespaces needed:
 * the join here is a stand-in. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns/userns_exec.h"
#include "tap.h"

struct seen {
	int joins_rc, after_rc;
};

static int join_stub(void *arg)
{
	const struct seen *s = arg;
	return s->joins_rc;
}

static int after_stub(pid_t child, void *arg)
{
	const struct seen *s = arg;
	return child > 0 ? s->after_rc : -EINVAL;
}

TEST(the_clone_is_the_callers_child)
{
	struct seen s = {0, 0};
	struct clone_join j = {join_stub, after_stub, &s};
	pid_t pid = clone_joined(0, &j);
	if (pid == 0)
		_exit(7);
	CHECK(pid > 0);
	int status = 0;
	/* waitpid works only on one's own children: CLONE_PARENT made it so */
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

TEST(a_failed_join_is_errno_and_no_clone)
{
	struct seen s = {-EACCES, 0};
	struct clone_join j = {join_stub, NULL, &s};
	errno = 0;
	pid_t pid = clone_joined(0, &j);
	if (pid == 0)
		_exit(99); /* must not happen */
	CHECK(pid == -1);
	CHECK(errno == EACCES);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

TEST(a_failed_after_kills_the_clone)
{
	struct seen s = {0, -ENOSPC};
	struct clone_join j = {join_stub, after_stub, &s};
	pid_t pid = clone_joined(0, &j);
	if (pid == 0) {
		pause(); /* killed by the helper */
		_exit(99);
	}
	CHECK(pid == -1);
	CHECK(errno == ENOSPC);
	/* killed and reaped: a supervisor that lives for days keeps no zombie */
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}
