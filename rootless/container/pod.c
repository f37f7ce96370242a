#define _GNU_SOURCE
#include "base/pages.h"
#include "container/pod.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fdio.h"
#include "netns/loopback.h"
#include "base/paths.h"
#include "base/progress.h"
#include "base/sync.h"
#include "ns/userns_exec.h"
#include "base/util.h"

/* A holder that keeps dying is given up on, as a forwarder is. */
#define POD_HOLDER_MAX_RESTARTS 3

/* The holder: waits for its maps, brings up lo, says so, then serves
 * the published ports, whose host sockets it inherited (one process less
 * than a forwarder of its own; it is in the namespaces already), or
 * sleeps; until the supervisor dies (PR_SET_PDEATHSIG) or kills it. */
static noreturn void holder_main(int sync_fd, const struct port_set *ports)
{
	struct clan_err err;
	struct sync_msg m;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(1);
	portfwd_keep_only(ports, sync_fd);
	if (sync_recv(sync_fd, &m) <= 0 || m.tag != SYNC_GO)
		_exit(1);
	if (loopback_up(&err) < 0 || netns_allow_low_ports(&err) < 0)
		child_die_err(sync_fd, &err);
	sync_send(sync_fd, SYNC_NET, 0, NULL, -1);
	close(sync_fd);
	pages_trim();
	if (ports->n > 0) {
		portfwd_loop(ports, &err);
		_exit(1);
	}
	for (;;)
		pause();
}

static int start_holder(struct pod *p, struct clan_err *err)
{
	int sv[2];
	if (sync_pair(sv, err) < 0)
		return -1;
	p->pid = clone_ns(CLONE_NEWUSER | CLONE_NEWNET);
	if (p->pid < 0) {
		int e = errno;
		p->pid = 0;
		close(sv[0]);
		close(sv[1]);
		return clan_error_code(err, CLAN_EXIT_SETUP,
				       "cannot create the stack's namespaces: %s", strerror(e));
	}
	if (p->pid == 0) {
		close(sv[0]);
		holder_main(sv[1], &p->net.listeners);
	}
	close(sv[1]);
	struct sync_msg m;
	int rc = 0;
	if (userns_write_maps(p->pid, &p->userns, err) < 0 ||
	    sync_send(sv[0], SYNC_GO, 0, NULL, -1) < 0)
		rc = -1;
	else if (sync_recv(sv[0], &m) <= 0 || m.tag != SYNC_NET)
		rc =
		    clan_error_code(err, CLAN_EXIT_SETUP, "the stack's namespace holder failed: %s",
				    m.tag == SYNC_ERROR ? m.text : "it exited");
	close(sv[0]);
	return rc;
}

int pod_create(const struct pod_opts *o, struct pod *p, struct clan_err *err)
{
	*p = (struct pod){.holder_pidfd = -1, .ns_fds = {-1, -1}, .created = true};
	spec_init(&p->net_spec);
	p->net.slirp = (struct slirp){.pidfd = -1, .exit_w = -1};
	/* root of the pod is the user (single) or the user and the subuid
	 * range (subuid), as for a container run as root */
	_cleanup_free_ char *storage = paths_storage_dir();
	if (userns_plan_container(o->userns, storage, 0, 0, &p->userns, err) < 0)
		return -1;
	struct container_spec *s = &p->net_spec;
	s->net = NET_SLIRP;
	s->allow_host_loopback = o->allow_host_loopback;
	s->ports = xmalloc((o->nports ? o->nports : 1) * sizeof *s->ports);
	memcpy(s->ports, o->ports, o->nports * sizeof *s->ports);
	s->nports = o->nports;
	snprintf(p->net_rec.id, sizeof p->net_rec.id, "%s", o->id);
	p->net_rec.dir = xstrdup(o->dir);
	p->net_rec.uidmap = p->userns.uid;
	p->net_rec.gidmap = p->userns.gid;
	if (container_net_prepare(s, NULL, &p->net, err) < 0 || start_holder(p, err) < 0 ||
	    ns_open_user_net(p->pid, p->ns_fds, err) < 0) {
		pod_destroy(p);
		return -1;
	}
	p->net.holder_ports = true;
	/* Without a pidfd (Linux < 5.3) its death goes unnoticed. */
	p->holder_pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (container_net_start(s, &p->net, p->pid, &p->net_rec, err) < 0) {
		pod_destroy(p);
		return -1;
	}
	return 0;
}

void pod_ref(const struct pod *p, struct pod_ref *out)
{
	*out = (struct pod_ref){
	    .pid = p->pid, .mode = p->userns.mode, .uid = p->userns.uid, .gid = p->userns.gid};
}

int pod_net_fd(const struct pod *p)
{
	return p->pid > 0 ? container_net_watch_fd(&p->net) : -1;
}

void pod_on_net_exit(struct pod *p)
{
	container_net_on_slirp_exit(&p->net_spec, &p->net, p->pid, p->net_rec.id);
}

int pod_holder_fd(const struct pod *p)
{
	return p->pid > 0 ? p->holder_pidfd : -1;
}

void pod_on_holder_exit(struct pod *p)
{
	wait_child(p->pid, NULL);
	close(p->holder_pidfd);
	p->holder_pidfd = -1;
	p->pid = 0;
	if (p->holder_restarts >= POD_HOLDER_MAX_RESTARTS) {
		progress_warn(
		    "the stack's namespace holder, which also serves its published ports, "
		    "died %d times: the published ports answer no more, and a service "
		    "that restarts cannot join the stack (clan down, then clan up)",
		    p->holder_restarts + 1);
		return;
	}
	p->holder_restarts++;
	/* A forwarder in the namespaces the supervisor kept open is a holder
	 * like the first: services and slirp4netns join through its pid. */
	struct clan_err err;
	pid_t pid = portfwd_start(&p->net.listeners, p->ns_fds, &err);
	if (pid < 0) {
		progress_warn(
		    "the stack's namespace holder, which also serves its published ports, "
		    "died and could not be started again (%s): the published ports answer "
		    "no more (clan down, then clan up)",
		    err.msg);
		return;
	}
	p->pid = pid;
	p->holder_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	progress_warn("the stack's namespace holder, which also serves its published ports, "
		      "died; started it again (connections open through it were lost)");
}

void pod_destroy(struct pod *p)
{
	/* one never created is all zeros, whose fds 0 are not its own */
	if (!p->created)
		return;
	p->created = false;
	if (p->holder_pidfd >= 0)
		close(p->holder_pidfd);
	p->holder_pidfd = -1;
	for (size_t i = 0; i < 2; i++)
		if (p->ns_fds[i] >= 0)
			close(p->ns_fds[i]);
	p->ns_fds[0] = p->ns_fds[1] = -1;
	container_net_stop(&p->net, true);
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		wait_child(p->pid, NULL);
		p->pid = 0;
	}
	spec_free(&p->net_spec);
	free(p->net_rec.dir);
	p->net_rec.dir = NULL;
}
