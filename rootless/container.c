#define _GNU_SOURCE
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "console.h"
#include "container_net.h"
#include "hosts.h"
#include "image.h"
#include "mount_plan.h"
#include "paths.h"
#include "procfs.h"
#include "store.h"
#include "sync.h"
#include "userns_exec.h"
#include "util.h"

/* Everything container_run prepares before the clone, freed in one place. */
struct prepared {
	struct image img;
	struct user_ids user;
	struct userns_plan userns;
	struct container_rec rec;
	struct mount_plan plan;
	struct container_net net;
	struct strv env, argv;
	char *storage, *etc_dir;
	char *etc_texts[ETC_FILES];
	char hostname[256];
	bool have_rec;
};

static void prepared_free(struct prepared *p)
{
	image_free(&p->img);
	container_rec_free(&p->rec);
	mount_plan_free(&p->plan);
	container_net_stop(&p->net);
	strv_free(&p->env);
	strv_free(&p->argv);
	free(p->storage);
	free(p->etc_dir);
	for (size_t i = 0; i < ETC_FILES; i++)
		free(p->etc_texts[i]);
}

void env_merge(struct strv *into, const struct strv *add)
{
	for (size_t i = 0; i < add->n; i++) {
		size_t klen = strcspn(add->v[i], "=");
		size_t j = 0;
		for (; j < into->n; j++)
			if (strncmp(into->v[j], add->v[i], klen) == 0 && into->v[j][klen] == '=')
				break;
		if (j < into->n) {
			free(into->v[j]);
			into->v[j] = xstrdup(add->v[i]);
		} else {
			strv_push(into, add->v[i]);
		}
	}
}

static int resolve_user(const struct container_spec *s, struct prepared *p, struct clan_err *err)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	const char *user = s->user ? s->user : p->img.user;
	image_read_file(&p->img, "etc/passwd", 1 << 20, &passwd);
	image_read_file(&p->img, "etc/group", 1 << 20, &group);
	if (user_resolve(user ? user : "0", passwd, group, &p->user, err) < 0)
		return clan_error_wrap(err, "run");
	if (!user && strcmp(p->user.home, "/") == 0)
		snprintf(p->user.home, sizeof p->user.home, "/root");
	return 0;
}

static void build_env(const struct container_spec *s, struct prepared *p, const char *hostname)
{
	struct strv base = {0};
	strv_push(&base, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push_owned(&base, xasprintf("HOSTNAME=%s", hostname));
	strv_push_owned(&base, xasprintf("HOME=%s", p->user.home));
	if (s->tty)
		strv_push(&base, "TERM=xterm");
	env_merge(&p->env, &base);
	env_merge(&p->env, &p->img.env);
	env_merge(&p->env, &s->env);
	strv_free(&base);
}

/* The texts of /etc/hosts, resolv.conf and hostname; the child writes
 * them (into its private tmpfs for --rm). */
static void make_etc_texts(const struct container_spec *s, struct prepared *p)
{
	_cleanup_free_ char *host_hosts = NULL, *host_resolv = NULL;
	struct clan_err ignored;
	/* container:NAME has NAME's network, which answers to its name on
	 * loopback */
	const char *net = s->net == NET_CONTAINER ? p->net.target.network : net_mode_name(s->net);
	bool slirp = strcmp(net, "slirp4netns") == 0, host = strcmp(net, "host") == 0;
	if (host)
		read_file("/etc/hosts", 1 << 20, &host_hosts, &ignored);
	if (host || slirp)
		read_file("/etc/resolv.conf", 1 << 20, &host_resolv, &ignored);
	struct strv local = {0};
	if (s->net == NET_CONTAINER)
		strv_push(&local, p->net.target.name);
	struct hosts_input hi = {.hostname = p->hostname,
				 .host_hosts = host_hosts,
				 .own_ip = slirp ? SLIRP_GUEST_IP : NULL,
				 .local_names = &local,
				 .extra = &s->add_hosts,
				 .host_gateway = slirp && s->allow_host_loopback};
	p->etc_texts[0] = hosts_file_text(&hi);
	strv_free(&local);
	p->etc_texts[1] = resolv_file_text(host_resolv, slirp ? SLIRP_DNS_IP : NULL);
	p->etc_texts[2] = xasprintf("%s\n", p->hostname);
	p->etc_dir = xasprintf("%s/etc", p->rec.dir);
}

static void debug_userns(const struct prepared *p)
{
	char u[128], g[128];
	idmap_format(&p->userns.uid, u, sizeof u);
	idmap_format(&p->userns.gid, g, sizeof g);
	for (char *c = u; *c; c++)
		if (*c == '\n')
			*c = c[1] ? ',' : '\0';
	for (char *c = g; *c; c++)
		if (*c == '\n')
			*c = c[1] ? ',' : '\0';
	fprintf(stderr, "clan: debug: userns %s%s: uid_map %s; gid_map %s\n",
		userns_mode_name(p->userns.mode), p->userns.host_root ? " (host root)" : "", u, g);
}

/* container:NAME shares NAME's user namespace (a network namespace can
 * only be joined from the user namespace that owns it): its maps, and the
 * user must be one of them. */
static int join_target_userns(struct prepared *p, struct clan_err *err)
{
	const struct container_rec *t = &p->net.target;
	p->userns.mode = strcmp(t->userns, "subuid") == 0 ? USERNS_SUBUID : USERNS_SINGLE;
	p->userns.uid = t->uidmap;
	p->userns.gid = t->gidmap;
	uint32_t host;
	if (!idmap_to_host(&t->uidmap, p->user.uid, &host) ||
	    !idmap_to_host(&t->gidmap, p->user.gid, &host))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: user %u:%u is not mapped in the user namespace of "
				       "container %s; pick a -u it has (it was started with "
				       "--userns %s)",
				       p->user.uid, p->user.gid, t->name, t->userns);
	return 0;
}

/* Everything that can be refused is checked here, before anything exists
 * on disk. */
static int prepare(const struct container_spec *s, struct prepared *p, struct clan_err *err)
{
	struct image_resolve_opts ro = {
	    .userns = s->userns, .progress = isatty(STDERR_FILENO), .debug = s->debug};
	if (image_resolve(s->image_ref, &ro, &p->img, err) < 0)
		return clan_error_wrap(err, "run");
	/* docker's rule: the entrypoint, then the given command or the image's */
	const struct strv *cmd = s->cmd.n ? &s->cmd : &p->img.cmd;
	for (size_t i = 0; i < p->img.entrypoint.n; i++)
		strv_push(&p->argv, p->img.entrypoint.v[i]);
	for (size_t i = 0; i < cmd->n; i++)
		strv_push(&p->argv, cmd->v[i]);
	if (p->argv.n == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: no command given and image %s has none; add one, "
				       "e.g. clan run %s /bin/sh",
				       s->image_ref, s->image_ref);
	p->storage = paths_storage_dir();
	if (resolve_user(s, p, err) < 0 ||
	    userns_plan_make(s->userns, p->user.uid, p->user.gid, &p->userns, err) < 0 ||
	    container_net_prepare(s, p->storage, &p->net, err) < 0 ||
	    (p->net.have_target && join_target_userns(p, err) < 0))
		return -1;
	if (s->debug)
		debug_userns(p);
	if (s->hostname && (strlen(s->hostname) > 64 || !*s->hostname))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad --hostname '%s': 1 to 64 characters", s->hostname);
	if (s->tty && s->interactive && !isatty(STDIN_FILENO))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: -it: the input device is not a terminal; drop -t to "
				       "pipe input (clan run -i ...)");
	struct mount_plan_input check = {.binds = s->binds, .nbinds = s->nbinds};
	if (mount_plan_build(&check, &p->plan, err) < 0)
		return -1;
	mount_plan_free(&p->plan);
	return 0;
}

/* The container's record, dir and mount plan: from here on there is
 * something on disk to finish or remove, so signals are blocked. */
static int create_record(const struct container_spec *s, struct prepared *p, struct clan_err *err)
{
	if (store_create(p->storage, s, p->img.id, userns_mode_name(p->userns.mode), &p->userns.uid,
			 &p->userns.gid, &p->rec, err) < 0)
		return -1;
	p->have_rec = true;
	/* docker's default hostname: the short id */
	snprintf(p->hostname, sizeof p->hostname, "%.*s", s->hostname ? 255 : 12,
		 s->hostname ? s->hostname : p->rec.id);
	build_env(s, p, p->hostname);
	make_etc_texts(s, p);
	struct mount_plan_input in = {
	    .binds = s->binds,
	    .nbinds = s->nbinds,
	    .new_netns = s->net != NET_HOST,
	    .gid5_mapped = userns_gid_mapped(&p->userns, 5),
	    .etc_dir = p->etc_dir,
	};
	return mount_plan_build(&in, &p->plan, err);
}

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* State of the foreground wait: the child, its sync channel, the console. */
struct waiter {
	pid_t child;
	int sync_fd, sig_fd;
	struct console con;
	bool have_con, reaped;
	int status;
	struct sync_msg error;
	bool failed;
	int emulated_sig; /* we killed pid 1 in place of this signal */
};

static void on_sync(struct waiter *w, const struct container_spec *s)
{
	struct sync_msg m;
	int r = sync_recv(w->sync_fd, &m);
	if (r <= 0) {
		close(w->sync_fd);
		w->sync_fd = -1;
		return;
	}
	if (m.tag == SYNC_PTY && m.fd >= 0 && !w->have_con) {
		console_start(&w->con, m.fd, s->interactive);
		w->have_con = true;
	} else if (m.tag == SYNC_ERROR) {
		w->error = m;
		w->failed = true;
	} else if (m.fd >= 0) {
		close(m.fd);
	}
}

/* The kernel drops signals to a namespace's pid 1 that it has no handler
 * for, so `sh` as pid 1 would ignore Ctrl-C and SIGTERM. Do what the
 * default action would have done: kill it, and report that signal. */
static void forward_signal(struct waiter *w, int sig)
{
	if (!w->emulated_sig && proc_signal_is_default(w->child, sig)) {
		w->emulated_sig = sig;
		kill(w->child, SIGKILL);
		return;
	}
	kill(w->child, sig);
}

static void on_signal(struct waiter *w)
{
	struct signalfd_siginfo si;
	while (read(w->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGWINCH) {
			if (w->have_con)
				console_resize(&w->con);
		} else if (si.ssi_signo != SIGCHLD) {
			forward_signal(w, (int)si.ssi_signo);
		}
	}
	if (!w->reaped && waitpid(w->child, &w->status, WNOHANG) == w->child)
		w->reaped = true;
}

static void wait_loop(struct waiter *w, const struct container_spec *s, struct prepared *p)
{
	while (!w->reaped || (w->have_con && w->con.master >= 0)) {
		struct pollfd fds[5];
		int n = 0;
		fds[n++] = (struct pollfd){.fd = w->sig_fd, .events = POLLIN};
		if (w->sync_fd >= 0)
			fds[n++] = (struct pollfd){.fd = w->sync_fd, .events = POLLIN};
		int net_at = n, net_fd = w->reaped ? -1 : container_net_watch_fd(&p->net);
		if (net_fd >= 0)
			fds[n++] = (struct pollfd){.fd = net_fd, .events = POLLIN};
		int con_at = n;
		if (w->have_con && w->con.master >= 0) {
			fds[n++] = (struct pollfd){.fd = w->con.master, .events = POLLIN};
			if (w->con.stdin_open)
				fds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		}
		if (poll(fds, (nfds_t)n, w->reaped ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			on_signal(w);
		if (w->sync_fd >= 0 && fds[1].revents)
			on_sync(w, s);
		if (net_fd >= 0 && fds[net_at].revents)
			container_net_on_slirp_exit(s, &p->net, w->child, p->rec.name);
		if (con_at < n) {
			bool out_ready = fds[con_at].revents != 0;
			/* once the container is gone, a quiet master is drained */
			if ((out_ready && !console_pump_out(&w->con)) || (!out_ready && w->reaped))
				console_stop(&w->con);
			else if (con_at + 1 < n && fds[con_at + 1].revents)
				console_pump_in(&w->con);
		}
	}
	if (w->have_con)
		console_stop(&w->con);
	while (w->sync_fd >= 0)
		on_sync(w, s);
}

static unsigned long clone_flags(const struct container_spec *s)
{
	unsigned long f = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (s->net == NET_CONTAINER)
		return f; /* the user and network namespaces are joined */
	f |= CLONE_NEWUSER;
	return s->net == NET_HOST ? f : f | CLONE_NEWNET;
}

/* clone(2) into another container's user and network namespaces: a
 * helper joins them and clones with CLONE_PARENT, so the container is
 * clan's own child (waitpid, PR_SET_PDEATHSIG) as in the normal path.
 * Returns like fork: 0 in the container, its pid in clan. */
static pid_t clone_joined(unsigned long flags, pid_t target)
{
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return -1;
	pid_t middle = fork();
	if (middle < 0) {
		int e = errno;
		close(pp[0]);
		close(pp[1]);
		errno = e;
		return -1;
	}
	if (middle == 0) {
		close(pp[0]);
		int r = -EINVAL;
		static const char *const ns[] = {"user", "net"};
		for (size_t i = 0; i < 2; i++) {
			char path[64];
			snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)target, ns[i]);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, 0) < 0) {
				r = -errno;
				write_all(pp[1], &r, sizeof r);
				_exit(1);
			}
			close(fd);
		}
		pid_t c = clone_ns(flags | CLONE_PARENT);
		if (c == 0) {
			close(pp[1]);
			return 0;
		}
		r = c > 0 ? c : -errno;
		write_all(pp[1], &r, sizeof r);
		_exit(0);
	}
	close(pp[1]);
	int r = 0;
	ssize_t n;
	do
		n = read(pp[0], &r, sizeof r);
	while (n < 0 && errno == EINTR);
	close(pp[0]);
	while (waitpid(middle, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof r || r < 0) {
		errno = n == (ssize_t)sizeof r ? -r : ECHILD;
		return -1;
	}
	return r;
}

/* The network comes up while the child builds its root; the child waits
 * for SYNC_NET before it runs the command. */
static int start_network(const struct container_spec *s, struct prepared *p, struct waiter *w,
			 struct clan_err *err)
{
	if (container_net_start(s, &p->net, w->child, &p->rec, err) < 0)
		return -1;
	/* a failed send means the child died: its error is on the socket */
	if (s->net == NET_SLIRP)
		(void)sync_send(w->sync_fd, SYNC_NET, 0, NULL, -1);
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
static int record_started(struct prepared *p, pid_t child, struct clan_err *err)
{
	p->rec.init_pid = child;
	p->rec.init_start = proc_start_time(child);
	container_net_describe(&p->net, &p->rec);
	return store_save(&p->rec, err);
}

static int spawn(const struct container_spec *s, struct prepared *p, struct waiter *w,
		 struct clan_err *err)
{
	int sv[2];
	if (sync_pair(sv, err) < 0)
		return -1;
	w->child = s->net == NET_CONTAINER ? clone_joined(clone_flags(s), p->net.target.init_pid)
					    : clone_ns(clone_flags(s));
	if (w->child < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		if (s->net == NET_CONTAINER)
			return clan_error_code(err, 125,
					       "cannot join the namespaces of container %s: %s",
					       p->net.target.name, strerror(e));
		if (e == EPERM || e == ENOSPC || e == EINVAL || e == EUSERS)
			return clan_error_code(err, 125,
					       "cannot create a user namespace (%s): they look "
					       "disabled or exhausted on this machine; run clan "
					       "doctor for the fix",
					       strerror(e));
		return clan_error_code(err, 125, "cannot create the container's namespaces: %s",
				       strerror(e));
	}
	if (w->child == 0) {
		close(sv[0]);
		struct child_ctx c = {.spec = s,
				      .img = &p->img,
				      .userns = &p->userns,
				      .plan = &p->plan,
				      .user = p->user,
				      .cdir = p->rec.dir,
				      .hostname = p->hostname,
				      .workdir = s->workdir	  ? s->workdir
						 : p->img.workdir ? p->img.workdir
								  : "/",
				      .env = p->env.v,
				      .argv = p->argv.v,
				      .sync_fd = sv[1],
				      .etc_dir = p->etc_dir,
				      .etc_texts = (const char *const *)p->etc_texts};
		if (s->tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &c.winsize) < 0)
			ioctl(STDOUT_FILENO, TIOCGWINSZ, &c.winsize);
		child_main(&c);
	}
	close(sv[1]);
	w->sync_fd = sv[0];
	if ((s->net != NET_CONTAINER && userns_write_maps(w->child, &p->userns, err) < 0) ||
	    sync_send(w->sync_fd, SYNC_GO, 0, NULL, -1) < 0 || start_network(s, p, w, err) < 0 ||
	    record_started(p, w->child, err) < 0) {
		if (err->msg[0] == '\0')
			clan_error(err, errno, "cannot start the container");
		kill(w->child, SIGKILL);
		waitpid(w->child, NULL, 0);
		prefer_child_error(w->sync_fd, err);
		close(w->sync_fd);
		return -1;
	}
	return 0;
}

static int block_signals(sigset_t *old, struct clan_err *err)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return clan_error(err, errno, "cannot block signals");
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, old, NULL);
		return clan_error(err, e, "cannot create a signalfd");
	}
	return fd;
}

static int finish(const struct container_spec *s, struct prepared *p, int code,
		  struct clan_err *err)
{
	if (s->rm)
		return store_remove(p->storage, &p->rec, err);
	snprintf(p->rec.state, sizeof p->rec.state, "exited");
	p->rec.exit_code = code;
	p->rec.finished = (int64_t)time(NULL);
	return store_save(&p->rec, err);
}

static int exit_code_of(const struct waiter *w, struct clan_err *err)
{
	if (w->failed) {
		clan_error_code(err, w->error.code, "%s", w->error.text);
		return -1;
	}
	if (w->emulated_sig && WIFSIGNALED(w->status) && WTERMSIG(w->status) == SIGKILL)
		return 128 + w->emulated_sig;
	return WIFEXITED(w->status) ? WEXITSTATUS(w->status) : 128 + WTERMSIG(w->status);
}

int container_run(const struct container_spec *s, struct clan_err *err)
{
	struct prepared p = {0};
	struct waiter w = {.sync_fd = -1, .sig_fd = -1};
	sigset_t old;
	int code = -1;
	err->msg[0] = '\0';

	if (prepare(s, &p, err) < 0) {
		prepared_free(&p);
		return -1;
	}
	w.sig_fd = block_signals(&old, err);
	if (w.sig_fd < 0) {
		prepared_free(&p);
		return -1;
	}
	if (create_record(s, &p, err) == 0) {
		if (spawn(s, &p, &w, err) == 0) {
			wait_loop(&w, s, &p);
			code = exit_code_of(&w, err);
			container_net_stop(&p.net);
		}
	}
	if (p.have_rec) {
		struct clan_err ferr;
		if (finish(s, &p, code >= 0 ? code : err->code, &ferr) < 0 && code >= 0) {
			*err = ferr;
			code = -1;
		}
	}
	close(w.sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	prepared_free(&p);
	return code;
}
