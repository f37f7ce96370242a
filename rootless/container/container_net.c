#define _GNU_SOURCE
#include "container/container_net.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/debug.h"
#include "base/paths.h"
#include "base/util.h"
#include "ns/userns_exec.h"

#define SLIRP_MAX_RESTARTS 3
#define FWD_MAX_RESTARTS 3

static int find_target(const struct container_spec *s, const char *storage, struct container_net *n,
		       struct clan_err *err)
{
	if (store_find(storage, s->net_container, &n->target, err) < 0) {
		struct clan_err why = *err;
		return clan_error_code(err, CLAN_EXIT_USAGE, "run: --network container:%s: %s",
				       s->net_container, why.msg);
	}
	n->have_target = true;
	if (!store_await_init(&n->target))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: --network container:%s: that container is not "
				       "running (clan ps -a)",
				       s->net_container);
	return 0;
}

int container_net_prepare(const struct container_spec *s, const char *storage,
			  struct container_net *n, struct clan_err *err)
{
	*n = (struct container_net){.fwd_pid = 0, .fwd_pidfd = -1};
	n->slirp = (struct slirp){.pidfd = -1, .exit_w = -1};
	if (s->net == NET_CONTAINER)
		return find_target(s, storage, n, err);
	if (s->net != NET_SLIRP || s->nports == 0)
		return 0;
	n->nmaps = s->nports;
	n->maps = xmalloc(s->nports * sizeof *n->maps);
	memcpy(n->maps, s->ports, s->nports * sizeof *n->maps);
	if (portfwd_bind(n->maps, n->nmaps, &n->listeners, err) < 0)
		return clan_error_wrap(err, "run");
	return 0;
}

static int slirp_paths(struct container_net *n, const struct container_rec *rec,
		       struct clan_err *err)
{
	_cleanup_free_ char *runtime = NULL;
	if (paths_runtime_dir_ensure(&runtime, err) < 0)
		return -1;
	_cleanup_free_ char *dir = xasprintf("%s/net", runtime);
	if (paths_ensure_private_dir(dir, err) < 0)
		return -1;
	n->api_socket = paths_slirp_socket(runtime, rec->id);
	n->log_path = xasprintf("%s/slirp4netns.log", rec->dir);
	return 0;
}

static int publish(struct container_net *n, pid_t child, struct clan_err *err)
{
	if (n->listeners.n == 0)
		return 0;
	int ns[2];
	if (ns_open_user_net(child, ns, err) < 0)
		return -1;
	n->fwd_pid = portfwd_start(&n->listeners, ns, err);
	close(ns[0]);
	close(ns[1]);
	if (n->fwd_pid < 0) {
		n->fwd_pid = 0;
		return -1;
	}
	/* The listeners stay open here too: a forwarder that dies (kill -9,
	 * the OOM killer) is started again on them, and the published ports
	 * never close under a running container. Without a pidfd (Linux <
	 * 5.3) its death goes unnoticed, as before. */
	n->fwd_pidfd = (int)syscall(SYS_pidfd_open, n->fwd_pid, 0);
	return 0;
}

static int publish_with_slirp(struct container_net *n, struct clan_err *err)
{
	/* the ports were bound to check them; slirp4netns binds them itself */
	port_set_close(&n->listeners);
	for (size_t i = 0; i < n->nmaps; i++)
		if (slirp_add_hostfwd(&n->slirp, &n->maps[i], err) < 0)
			return -1;
	return 0;
}

int container_net_start(const struct container_spec *s, struct container_net *n, pid_t child,
			const struct container_rec *rec, struct clan_err *err)
{
	if (s->net != NET_SLIRP)
		return 0;
	if (slirp_paths(n, rec, err) < 0)
		return -1;
	uint32_t host;
	n->opts = (struct slirp_opts){.allow_host_loopback = s->allow_host_loopback,
				      .sandbox = idmap_to_host(&rec->uidmap, 0, &host) &&
						 idmap_to_host(&rec->gidmap, 0, &host),
				      .api_socket = n->api_socket,
				      .log_path = n->log_path};
	if (!n->opts.sandbox)
		clan_debug("slirp4netns without --enable-sandbox: uid 0 is not mapped (single "
			   "mode with -u); --enable-seccomp still applies");
	if (slirp_start(child, &n->opts, &n->slirp, err) < 0)
		return -1;
	n->slirp_ports = s->port_handler_slirp;
	if (s->port_handler_slirp)
		return publish_with_slirp(n, err);
	return n->holder_ports ? 0 : publish(n, child, err);
}

int container_net_watch_fd(const struct container_net *n)
{
	return n->slirp.pid > 0 ? n->slirp.pidfd : -1;
}

void container_net_on_slirp_exit(const struct container_spec *s, struct container_net *n,
				 pid_t child, const char *name)
{
	char why[768];
	slirp_reap(&n->slirp, why, sizeof why);
	slirp_stop(&n->slirp);
	if (n->slirp_restarts >= SLIRP_MAX_RESTARTS) {
		progress_warn("slirp4netns, the network of container %s, %s; it failed %d times, "
			      "so %s has no outbound network now (restart the container)",
			      name, why, n->slirp_restarts + 1, name);
		return;
	}
	n->slirp_restarts++;
	struct clan_err err;
	if (slirp_start(child, &n->opts, &n->slirp, &err) < 0 ||
	    (s->port_handler_slirp && publish_with_slirp(n, &err) < 0)) {
		progress_warn("slirp4netns, the network of container %s, %s, and could not be "
			      "restarted (%s): %s has no outbound network now",
			      name, why, err.msg, name);
		return;
	}
	progress_warn("slirp4netns, the network of container %s, %s; restarted it (connections "
		      "open through it were lost)",
		      name, why);
}

int container_net_fwd_fd(const struct container_net *n)
{
	return n->fwd_pid > 0 ? n->fwd_pidfd : -1;
}

void container_net_on_fwd_exit(struct container_net *n, pid_t child, const char *name)
{
	wait_child(n->fwd_pid, NULL);
	close(n->fwd_pidfd);
	n->fwd_pid = 0;
	n->fwd_pidfd = -1;
	if (n->fwd_restarts >= FWD_MAX_RESTARTS) {
		progress_warn("the port forwarder of %s exited %d times, so its published ports "
			      "answer no more (restart it)",
			      name, n->fwd_restarts + 1);
		return;
	}
	n->fwd_restarts++;
	struct clan_err err;
	if (publish(n, child, &err) < 0) {
		progress_warn(
		    "the port forwarder of %s exited and could not be restarted (%s): its "
		    "published ports answer no more (restart it)",
		    name, err.msg);
		return;
	}
	progress_warn("the port forwarder of %s exited; restarted it (connections open through "
		      "it were lost)",
		      name);
}

static void describe_ports(const struct port_map *maps, size_t n, struct container_rec *rec)
{
	for (size_t i = 0; i < n; i++) {
		char buf[128];
		port_map_format(&maps[i], buf, sizeof buf);
		strv_push(&rec->ports, buf);
	}
}

void container_net_describe(const struct container_net *n, const struct container_spec *s,
			    struct container_rec *rec)
{
	if (s->net == NET_POD) {
		/* the stack's network: its pod forwards the service's ports */
		snprintf(rec->network, sizeof rec->network, "slirp4netns");
		free(rec->net_owner);
		rec->net_owner = xstrdup(s->project ? s->project : "?");
		describe_ports(s->ports, s->nports, rec);
		if (s->nports)
			snprintf(rec->port_handler, sizeof rec->port_handler, "clan");
		return;
	}
	describe_ports(n->maps, n->nmaps, rec);
	if (n->nmaps)
		snprintf(rec->port_handler, sizeof rec->port_handler, "%s",
			 n->slirp_ports ? "slirp4netns" : "clan");
	if (n->have_target) {
		/* joined: its network is the target's, owned by whoever owns that */
		const struct container_rec *t = &n->target;
		snprintf(rec->network, sizeof rec->network, "%s", t->network);
		free(rec->net_owner);
		rec->net_owner = xstrdup(t->net_owner ? t->net_owner : t->name);
	}
}

void container_net_stop(struct container_net *n, bool wait)
{
	/* the forwarder is reaped even so: its death frees the published
	 * ports, which a next `clan run -p` right after may bind again */
	if (n->fwd_pid > 0) {
		kill(n->fwd_pid, SIGKILL);
		waitpid(n->fwd_pid, NULL, 0);
		if (n->fwd_pidfd >= 0)
			close(n->fwd_pidfd);
		n->fwd_pid = 0;
	}
	/* and so is slirp4netns when it holds the ports itself */
	if (wait || n->slirp_ports)
		slirp_stop(&n->slirp);
	else
		slirp_release(&n->slirp);
	port_set_close(&n->listeners);
	free(n->maps);
	free(n->api_socket);
	free(n->log_path);
	if (n->have_target)
		container_rec_free(&n->target);
	*n = (struct container_net){.fwd_pid = 0, .fwd_pidfd = -1};
	n->slirp = (struct slirp){.pidfd = -1, .exit_w = -1};
}
