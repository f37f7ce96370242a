/* Starting a container: clone(2) into new namespaces (or joined ones),
 * id maps, then its network while it builds its root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/child.h"
#include "container/container_int.h"
#include "base/debug.h"
#include "base/procfs.h"
#include "ns/userns_exec.h"
#include "base/util.h"

static unsigned long clone_flags(const struct container_spec *s)
{
	unsigned long f = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (s->net == NET_CONTAINER)
		return f;   /* the user and network namespaces are joined */
	f |= CLONE_NEWUSER; /* in a pod: nested in the pod's */
	return s->net == NET_HOST || s->net == NET_POD ? f : f | CLONE_NEWNET;
}

/* What a container's clone into another process's user and network
 * namespaces needs (clone_joined). With nested (a pod), the clone makes a
 * user namespace inside the joined one and the helper, root there, writes
 * its maps. */
struct join_target {
	pid_t target;
	const struct userns_plan *nested;
};

static int join_user_net(void *arg)
{
	const struct join_target *t = arg;
	struct clan_err jerr;
	bool as_root = getuid() == 0; /* asked before the join hides it */
	if (ns_join_user_net(t->target, &jerr) < 0) {
		clan_debug("%s", jerr.msg);
		return jerr.sys_errno ? -jerr.sys_errno : -EPERM;
	}
	/* a new user namespace needs a creator with ids in the joined
	 * one: root's kuid 0 has none in a stack of root's id range */
	/* and the id change made it undumpable, which would give the
	 * clone's /proc/PID/uid_map to host root: the helper, now the
	 * joined namespace's root, could not write the maps */
	if (t->nested && as_root &&
	    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0))
		return -errno;
	return 0;
}

static int write_nested_maps(pid_t child, void *arg)
{
	const struct join_target *t = arg;
	struct clan_err err;
	if (t->nested && userns_write_maps(child, t->nested, &err) < 0)
		return err.sys_errno ? -err.sys_errno : -EPERM;
	return 0;
}

static pid_t clone_into(unsigned long flags, pid_t target, const struct userns_plan *nested)
{
	struct join_target t = {target, nested};
	struct clone_join j = {join_user_net, write_nested_maps, &t};
	return clone_joined(flags, &j);
}

/* The network comes up while the child builds its root; the child waits
 * for SYNC_NET before it runs the command. */
static int start_network(struct container *c, struct clan_err *err)
{
	if (container_net_start(c->spec, &c->p.net, c->child, &c->p.rec, err) < 0)
		return -1;
	/* a failed send means the child died: its error is on the socket */
	if (c->spec->net == NET_SLIRP)
		(void)sync_send(c->sync_fd, SYNC_NET, 0, NULL, -1);
	return 0;
}

/* When the child failed first (a refused mount), slirp4netns fails after
 * it for want of a process to join: the child's error is the one to tell. */
static void prefer_child_error(int sync_fd, struct clan_err *err)
{
	struct pollfd p = {.fd = sync_fd, .events = POLLIN};
	struct sync_msg m;
	while (poll(&p, 1, 0) == 1 && sync_recv(sync_fd, &m) == 1) {
		if (m.fd >= 0)
			close(m.fd);
		if (m.tag == SYNC_ERROR) {
			clan_error_code(err, m.code, "%s", m.text);
			return;
		}
	}
}

/* ps, exec and container:NAME find the container through its pid 1. */
static int record_started(const struct container_spec *s, struct prepared *p, pid_t child,
			  struct clan_err *err)
{
	p->rec.init_pid = child;
	p->rec.init_start = proc_start_time(child);
	for (size_t i = 0; i < p->env.n; i++)
		strv_push(&p->rec.env, p->env.v[i]);
	p->rec.workdir = xstrdup(s->workdir ? s->workdir : p->img.workdir ? p->img.workdir : "/");
	p->rec.uid = p->user.uid;
	p->rec.gid = p->user.gid;
	container_net_describe(&p->net, s, &p->rec);
	return store_save(&p->rec, err);
}

static pid_t clone_container(const struct container_spec *s, struct prepared *p)
{
	if (s->net == NET_CONTAINER)
		return clone_into(clone_flags(s), p->net.target.init_pid, NULL);
	if (s->net == NET_POD)
		return clone_into(clone_flags(s), s->pod.pid, &p->nested);
	return clone_ns(clone_flags(s));
}

int spawn(struct container *c, struct clan_err *err)
{
	const struct container_spec *s = c->spec;
	struct prepared *p = &c->p;
	int sv[2];
	/* asked here: in the child, getuid() is no longer 0 */
	bool idmapped = userns_needs_idmapped_mounts(&p->userns);
	if (sync_pair(sv, err) < 0)
		return -1;
	c->child = clone_container(s, p);
	if (c->child < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		if (s->net == NET_CONTAINER)
			return clan_error_code(err, CLAN_EXIT_SETUP,
					       "cannot join the namespaces of container %s: %s",
					       p->net.target.name, strerror(e));
		if (s->net == NET_POD && s->pod.pid == 0)
			return clan_error_code(err, CLAN_EXIT_SETUP,
					       "the stack's namespace holder is gone, so nothing "
					       "can join the stack (clan down, then clan up)");
		if (s->net == NET_POD)
			return clan_error_code(err, CLAN_EXIT_SETUP,
					       "cannot join the stack's namespaces (pid %d): %s",
					       (int)s->pod.pid, strerror(e));
		if (e == EPERM || e == ENOSPC || e == EINVAL || e == EUSERS)
			return clan_error_code(err, CLAN_EXIT_SETUP,
					       "cannot create a user namespace (%s): they look "
					       "disabled or exhausted on this machine; run clan "
					       "doctor for the fix",
					       strerror(e));
		return clan_error_code(err, CLAN_EXIT_SETUP,
				       "cannot create the container's namespaces: %s", strerror(e));
	}
	if (c->child == 0) {
		close(sv[0]);
		struct child_ctx cc = {.spec = s,
				       .img = &p->img,
				       .userns = &p->userns,
				       .plan = &p->plan,
				       .user = p->user,
				       .cdir = p->rec.dir,
				       .hostname = p->hostname,
				       .workdir = s->workdir	   ? s->workdir
						  : p->img.workdir ? p->img.workdir
								   : "/",
				       .env = p->env.v,
				       .argv = p->argv.v,
				       .sync_fd = sv[1],
				       .etc_dir = p->etc_dir,
				       .etc_texts = (const char *const *)p->etc_texts,
				       .caps = p->caps,
				       .seccomp = &p->seccomp,
				       .idmapped = idmapped};
		if (s->tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &cc.winsize) < 0)
			ioctl(STDOUT_FILENO, TIOCGWINSZ, &cc.winsize);
		child_main(&cc);
	}
	close(sv[1]);
	c->sync_fd = sv[0];
	/* joined namespaces have their maps (a pod's nested one got them
	 * from the helper that cloned it) */
	bool own_userns = s->net != NET_CONTAINER && s->net != NET_POD;
	if ((own_userns && userns_write_maps(c->child, &p->userns, err) < 0) ||
	    container_send_idmapped(c, err) < 0 ||
	    sync_send(c->sync_fd, SYNC_GO, 0, NULL, -1) < 0 || start_network(c, err) < 0 ||
	    record_started(s, p, c->child, err) < 0) {
		if (err->msg[0] == '\0')
			clan_error(err, errno, "cannot start the container");
		kill(c->child, SIGKILL);
		waitpid(c->child, NULL, 0);
		c->child = 0;
		prefer_child_error(c->sync_fd, err);
		close(c->sync_fd);
		c->sync_fd = -1;
		return -1;
	}
	return 0;
}
