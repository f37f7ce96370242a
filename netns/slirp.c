#define _GNU_SOURCE
#include "netns/slirp.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

#define READY_TIMEOUT_MS 10000

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* posix_spawn, not fork: a copy of clan's page tables costs more than
 * slirp4netns's exec under a paravirtualised MMU. The exec's error comes
 * back as the return value. */
static int spawn_slirp(const char *prog, pid_t ns_pid, const struct slirp_opts *o, int log,
		       int ready_w, int exit_r, pid_t *pid)
{
	char nspid[32];
	snprintf(nspid, sizeof nspid, "%d", (int)ns_pid);
	const char *argv[16];
	size_t n = 0;
	argv[n++] = "slirp4netns";
	argv[n++] = "--configure";
	argv[n++] = "--mtu=65520";
	if (!o->allow_host_loopback)
		argv[n++] = "--disable-host-loopback";
	if (o->sandbox)
		argv[n++] = "--enable-sandbox";
	argv[n++] = "--enable-seccomp";
	argv[n++] = "--ready-fd=3";
	argv[n++] = "--exit-fd=4";
	argv[n++] = "--api-socket";
	argv[n++] = o->api_socket;
	argv[n++] = nspid;
	argv[n++] = "tap0";
	argv[n] = NULL;
	/* fds 3 and 4 for it (by way of 100 and 101, which no pipe of ours
	 * holds yet); everything else of clan's closed */
	posix_spawn_file_actions_t fa;
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0)
		return rc;
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, log, 1)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, log, 2)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, ready_w, 100)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, exit_r, 101)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, 100, 3)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, 101, 4)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 5)) == 0)
		rc = posix_spawn(pid, prog, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* The last non-empty line of its log, for error messages. */
static void last_log_line(const char *path, char *out, size_t len)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err ignored;
	out[0] = '\0';
	if (!path || read_file(path, 1 << 20, &text, &ignored) < 0)
		return;
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	char *line = strrchr(text, '\n');
	snprintf(out, len, "%s", line ? line + 1 : text);
}

void slirp_reap(struct slirp *s, char *why, size_t len)
{
	siginfo_t si = {0};
	char last[256];
	if (s->pid <= 0) {
		snprintf(why, len, "is not running");
		return;
	}
	if (waitid(P_PID, (id_t)s->pid, &si, WEXITED) < 0)
		si.si_code = 0;
	last_log_line(s->log_path, last, sizeof last);
	if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
		snprintf(why, len, "was killed by signal %d", si.si_status);
	else
		snprintf(why, len, "exited with status %d", si.si_status);
	/* a killed slirp4netns's log ends mid-conversation: no help */
	if (last[0] && si.si_code == CLD_EXITED) {
		size_t n = strlen(why);
		snprintf(why + n, len - n, " (its last words: %s)", last);
	}
	s->pid = 0;
}

static int wait_ready(struct slirp *s, int ready_r, struct clan_err *err)
{
	struct pollfd fds[2] = {{.fd = ready_r, .events = POLLIN},
				{.fd = s->pidfd, .events = POLLIN}};
	int r;
	do
		r = poll(fds, 2, READY_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return clan_error(err, errno, "cannot wait for slirp4netns");
	char c;
	if (r > 0 && (fds[0].revents & POLLIN) && read(ready_r, &c, 1) == 1)
		return 0;
	char why[512];
	if (r == 0) {
		kill(s->pid, SIGKILL);
		slirp_reap(s, why, sizeof why);
		return clan_error_code(err, CLAN_EXIT_SETUP,
				       "slirp4netns did not get ready in %d s; its log: %s",
				       READY_TIMEOUT_MS / 1000, s->log_path);
	}
	slirp_reap(s, why, sizeof why);
	return clan_error_code(err, CLAN_EXIT_SETUP, "slirp4netns failed to start: it %s", why);
}

int slirp_start(pid_t ns_pid, const struct slirp_opts *o, struct slirp *s, struct clan_err *err)
{
	char prog[4096];
	*s = (struct slirp){.pid = 0, .pidfd = -1, .exit_w = -1};
	if (!find_program("slirp4netns", prog, sizeof prog))
		return clan_error_code(err, CLAN_EXIT_SETUP,
				       "slirp4netns is not installed: install the slirp4netns "
				       "package (it gives containers their network), or run with "
				       "--network none or --network host");
	int ready[2], exitp[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return clan_error(err, errno, "cannot create a pipe for slirp4netns");
	if (pipe2(exitp, O_CLOEXEC) < 0) {
		int e = errno;
		close(ready[0]);
		close(ready[1]);
		return clan_error(err, e, "cannot create a pipe for slirp4netns");
	}
	/* a socket left by a killed run would make slirp4netns fail */
	if (unlink(o->api_socket) < 0 && errno != ENOENT) {
		int e = errno;
		close(ready[0]);
		close(ready[1]);
		close(exitp[0]);
		close(exitp[1]);
		return clan_error(err, e, "cannot remove %s", o->api_socket);
	}
	int log = open(o->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int e = log < 0 ? errno : spawn_slirp(prog, ns_pid, o, log, ready[1], exitp[0], &s->pid);
	if (log >= 0)
		close(log);
	close(ready[1]);
	close(exitp[0]);
	if (e != 0) {
		close(ready[0]);
		close(exitp[1]);
		s->pid = 0;
		return clan_error_code(err, CLAN_EXIT_SETUP, "cannot start slirp4netns: %s: %s",
				       log < 0 ? o->log_path : prog, strerror(e));
	}
	s->exit_w = exitp[1];
	s->api_socket = xstrdup(o->api_socket);
	s->log_path = xstrdup(o->log_path);
	s->pidfd = pidfd_open_(s->pid);
	int rc = s->pidfd < 0 ? clan_error(err, errno, "cannot watch slirp4netns")
			      : wait_ready(s, ready[0], err);
	close(ready[0]);
	if (rc < 0)
		slirp_stop(s);
	return rc;
}

static int api_call(const char *path, json_t *req, json_t **resp, struct clan_err *err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof a.sun_path)
		return clan_error_code(err, CLAN_EXIT_SETUP,
				       "slirp4netns API socket path too long: %s", path);
	strcpy(a.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return clan_error(err, errno, "cannot reach slirp4netns at %s", path);
	_cleanup_free_ char *text = json_dumps(req, JSON_COMPACT);
	if (!text || !write_all(fd, text, strlen(text)) || shutdown(fd, SHUT_WR) < 0)
		return clan_error(err, errno, "cannot talk to slirp4netns");
	char buf[4096];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof buf - 1)
			break;
	}
	buf[n] = '\0';
	json_error_t je;
	*resp = json_loads(buf, 0, &je);
	if (!*resp)
		return clan_error_code(err, CLAN_EXIT_SETUP, "slirp4netns answered '%s'", buf);
	return 0;
}

int slirp_add_hostfwd(const struct slirp *s, const struct port_map *m, struct clan_err *err)
{
	for (uint16_t k = 0; k < m->count; k++) {
		json_t *req =
		    json_pack("{s:s,s:{s:s,s:s,s:i,s:i}}", "execute", "add_hostfwd", "arguments",
			      "proto", port_proto_name(m->proto), "host_addr", m->host_ip,
			      "host_port", m->host_port + k, "guest_port", m->container_port + k);
		json_t *resp = NULL;
		int rc = api_call(s->api_socket, req, &resp, err);
		json_decref(req);
		if (rc < 0)
			return -1;
		json_t *e = json_object_get(resp, "error");
		if (e) {
			const char *desc = json_string_value(json_object_get(e, "desc"));
			clan_error_code(err, CLAN_EXIT_SETUP,
					"slirp4netns cannot forward port %u: %s",
					(unsigned)(m->host_port + k), desc ? desc : "error");
			json_decref(resp);
			return -1;
		}
		json_decref(resp);
	}
	return 0;
}

static void forget(struct slirp *s)
{
	s->pid = 0;
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
	if (s->api_socket)
		unlink(s->api_socket);
	free(s->api_socket);
	free(s->log_path);
	s->api_socket = s->log_path = NULL;
}

void slirp_stop(struct slirp *s)
{
	if (s->exit_w >= 0)
		close(s->exit_w);
	s->exit_w = -1;
	if (s->pid > 0) {
		struct pollfd p = {.fd = s->pidfd, .events = POLLIN};
		if (s->pidfd < 0 || poll(&p, 1, 1000) <= 0)
			kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	forget(s);
}

void slirp_release(struct slirp *s)
{
	if (s->exit_w >= 0)
		close(s->exit_w);
	s->exit_w = -1;
	forget(s);
}
