#define _GNU_SOURCE
#include "base/pages.h"
#include "netns/portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns/userns_exec.h"
#include "base/util.h"

static int unprivileged_port_start(void)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err ignored;
	uint32_t v = 1024;
	if (read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 64, &text, &ignored) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (!parse_u32(text, &v))
			v = 1024;
	}
	return (int)v;
}

static int bind_error(const struct port_map *m, uint16_t port, int e, struct clan_err *err)
{
	char shown[80];
	bool v6 = strchr(m->host_ip, ':') != NULL;
	snprintf(shown, sizeof shown, "%s%s%s:%u/%s", v6 ? "[" : "", m->host_ip, v6 ? "]" : "",
		 (unsigned)port, port_proto_name(m->proto));
	if (e == EADDRINUSE)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "port %s is already in use on this machine: stop what "
				       "listens there (ss -ltnup | grep :%u) or publish another "
				       "host port, e.g. -p %u:%u",
				       shown, (unsigned)port, (unsigned)port + 1,
				       (unsigned)m->container_port);
	if (e == EACCES)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "port %s is below net.ipv4.ip_unprivileged_port_start "
				       "(%d) and only root may bind it: publish a high port "
				       "instead, e.g. -p 8080:%u (the service still listens on "
				       "%u inside), or ask an admin to lower that sysctl",
				       shown, unprivileged_port_start(),
				       (unsigned)m->container_port, (unsigned)m->container_port);
	if (e == EADDRNOTAVAIL)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "cannot publish %s: %s is not an address of this machine",
				       shown, m->host_ip);
	return clan_error(err, e, "cannot bind %s", shown);
}

static int bind_one(const struct port_map *m, uint16_t port, uint16_t *bound, struct clan_err *err)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} a = {0};
	socklen_t alen;
	int family;
	if (inet_pton(AF_INET, m->host_ip, &a.in.sin_addr) == 1) {
		family = a.in.sin_family = AF_INET;
		a.in.sin_port = htons(port);
		alen = sizeof a.in;
	} else if (inet_pton(AF_INET6, m->host_ip, &a.in6.sin6_addr) == 1) {
		family = a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons(port);
		alen = sizeof a.in6;
	} else {
		return clan_error_code(err, CLAN_EXIT_USAGE, "bad host address '%s'", m->host_ip);
	}
	int type = m->proto == PORT_UDP ? SOCK_DGRAM : SOCK_STREAM;
	_cleanup_close_ int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return clan_error(err, errno, "cannot open a socket for port %u", (unsigned)port);
	int one = 1;
	/* a restarted stack must not wait out TIME_WAIT on its own port */
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		return clan_error(err, errno, "cannot set SO_REUSEADDR");
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return clan_error(err, errno, "cannot set IPV6_V6ONLY");
	if (bind(fd, &a.sa, alen) < 0)
		return bind_error(m, port, errno, err);
	if (type == SOCK_STREAM && listen(fd, 512) < 0)
		return clan_error(err, errno, "cannot listen on port %u", (unsigned)port);
	if (getsockname(fd, &a.sa, &alen) < 0)
		return clan_error(err, errno, "cannot read the bound port");
	*bound = ntohs(family == AF_INET ? a.in.sin_port : a.in6.sin6_port);
	return steal_fd(&fd);
}

int portfwd_bind(struct port_map *maps, size_t n, struct port_set *out, struct clan_err *err)
{
	*out = (struct port_set){0};
	for (size_t i = 0; i < n; i++) {
		struct port_map *m = &maps[i];
		for (uint16_t k = 0; k < m->count; k++) {
			uint16_t bound = 0;
			int fd = bind_one(m, m->host_port ? (uint16_t)(m->host_port + k) : 0,
					  &bound, err);
			if (fd < 0) {
				port_set_close(out);
				return -1;
			}
			if (m->host_port == 0)
				m->host_port = bound;
			out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
			out->v[out->n++] = (struct port_listener){
			    .fd = fd,
			    .host_port = bound,
			    .container_port = (uint16_t)(m->container_port + k),
			    .proto = m->proto};
		}
	}
	return 0;
}

void port_set_close(struct port_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].fd >= 0)
			close(s->v[i].fd);
	free(s->v);
	*s = (struct port_set){0};
}

/* The forwarder keeps the listeners and the status pipe, nothing else of
 * clan's: not the sync socket, not slirp4netns's exit pipe. */
void portfwd_keep_only(const struct port_set *s, int keep)
{
	int max = keep > 2 ? keep : 2;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].fd > max)
			max = s->v[i].fd;
	for (int fd = 3; fd <= max; fd++) {
		bool kept = fd == keep;
		for (size_t i = 0; i < s->n && !kept; i++)
			kept = s->v[i].fd == fd;
		if (!kept)
			close(fd);
	}
	close_range((unsigned)max + 1, ~0U, 0);
}

static noreturn void forwarder_main(const struct port_set *s, pid_t parent, const int ns_fds[2],
				    int status_fd)
{
	struct clan_err err = {0};
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	if (ns_join_fds(ns_fds, &err) == 0) {
		portfwd_keep_only(s, status_fd);
		write_all(status_fd, "", 1);
		close(status_fd);
		pages_trim();
		portfwd_loop(s, &err);
	} else {
		write_all(status_fd, err.msg, strlen(err.msg) + 1);
	}
	_exit(1);
}

pid_t portfwd_start(const struct port_set *s, const int ns_fds[2], struct clan_err *err)
{
	int status;
	pid_t parent = getpid();
	pid_t pid = fork_piped(&status);
	if (pid < 0)
		return clan_error(err, errno, "cannot start the port forwarder");
	if (pid == 0)
		forwarder_main(s, parent, ns_fds, status);
	char msg[sizeof err->msg];
	ssize_t n;
	do
		n = read(status, msg, sizeof msg - 1);
	while (n < 0 && errno == EINTR);
	close(status);
	if (n == 1 && msg[0] == '\0')
		return pid;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (n > 1) {
		msg[n] = '\0';
		return clan_error_code(err, CLAN_EXIT_SETUP, "port forwarder: %s", msg);
	}
	return clan_error_code(err, CLAN_EXIT_SETUP, "the port forwarder exited before it started");
}
