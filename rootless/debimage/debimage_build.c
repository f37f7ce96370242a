/* deb: images: running mmdebstrap --mode=root as root of a user namespace
 * with clan's maps (debimage.c says why), and making its tree a layer. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fdio.h"
#include "base/progress.h"
#include "base/debug.h"
#include "debimage/debimage_int.h"
#include "ns/seccomp_filter.h"
#include "base/sync.h"
#include "ns/userns_exec.h"
#include "base/util.h"

/* The messages of the build child: the rootfs is ready (its size); a
 * delta cannot be built here (no overlayfs in a user namespace). */
#define DEB_SYNC_SIZE 'S'
#define DEB_SYNC_NO_OVERLAY 'O'

struct build {
	const struct debimage_req *r;
	char *target, *work; /* the layer being built; mmdebstrap's TMPDIR */
	char *root;	     /* the mount point of the build's private root */
	char *archives;	     /* apt's downloads: work/apt/archives, from the cache */
	char *lists;	     /* apt's lists: work/lists, from the cache */
	int log_fd;	     /* mmdebstrap's output, unless debug */
	struct strv argv, env;
	struct strv mirrors; /* sources.list lines, also in argv */
	uint64_t size;
	int signal;	  /* the signal that interrupted the build, or 0 */
	bool no_overlay;  /* a delta found no overlayfs: nothing was built */
	sigset_t oldmask; /* the caller's, for the tools the build runs */
};

static void build_free(struct build *b)
{
	free(b->target);
	free(b->work);
	free(b->root);
	free(b->archives);
	free(b->lists);
	if (b->log_fd >= 0)
		close(b->log_fd);
	strv_free(&b->argv);
	strv_free(&b->env);
	strv_free(&b->mirrors);
}

static bool plan_is_single(const struct userns_plan *p)
{
	return p->mode == USERNS_SINGLE && !p->host_root;
}

/* Run by mmdebstrap (sh -c HOOK exec ROOT) before the essential packages
 * are configured: the host's device nodes bound into the chroot, a private
 * devpts. finalize_rootfs detaches them again. */
#define DEV_HOOK                                                                         \
	"set -e; for f in null zero full random urandom tty; do "                        \
	": > \"$1/dev/$f\"; mount --bind \"/dev/$f\" \"$1/dev/$f\"; done; "              \
	"mkdir -p \"$1/dev/pts\" \"$1/dev/shm\"; "                                       \
	"mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts \"$1/dev/pts\"; " \
	"ln -sf pts/ptmx \"$1/dev/ptmx\""

/* Run before the download: apt's archives and lists dirs in the chroot
 * are the build's own (CLAN_DEB_ARCHIVES, CLAN_DEB_LISTS in mmdebstrap's
 * environment). */
#define APT_DIRS_HOOK                                                           \
	"mkdir -p \"$1/var/cache/apt/archives\" \"$1/var/lib/apt/lists\" && "   \
	"mount --bind \"$CLAN_DEB_ARCHIVES\" \"$1/var/cache/apt/archives\" && " \
	"mount --bind \"$CLAN_DEB_LISTS\" \"$1/var/lib/apt/lists\""

static void build_argv(struct build *b, const char *mmdebstrap)
{
	struct strv *a = &b->argv;
	strv_push(a, mmdebstrap);
	strv_push(a, "--mode=root");
	strv_push(a, "--variant=apt");
	strv_push(a, "--format=directory");
	strv_push_owned(a, xasprintf("--architectures=%s", debimage_this_arch()));
	strv_push(a, "--aptopt=Acquire::Retries \"3\"");
	/* mmdebstrap's own /dev mounts devpts with uid=5, which single mode
	 * cannot map: the same nodes, made without it */
	strv_push(a, "--skip=chroot/mount/dev");
	strv_push(a, "--extract-hook=" DEV_HOOK);
	/* what maintainer scripts made in /run (e.g. /run/postgresql) stays,
	 * as after `RUN apt-get install` in a Dockerfile: no boot recreates it */
	strv_push(a, "--skip=cleanup/run");
	/* downloads go to the build's own archives dir (debimage_cache.c),
	 * and stay there for the cache: mmdebstrap would unlink them */
	strv_push(a, "--skip=essential/unlink");
	strv_push(a, "--setup-hook=" APT_DIRS_HOOK);
	strv_push(a, "--customize-hook=umount \"$1/var/cache/apt/archives\" "
		     "\"$1/var/lib/apt/lists\"");
	/* no fsync per unpacked file: a build that does not finish is thrown
	 * away whole; the setting stays out of the image */
	strv_push(a, "--dpkgopt=force-unsafe-io");
	strv_push(a, "--customize-hook=rm -f \"$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap\"");
	if (clan_debug_on())
		strv_push(a, "--verbose");
	if (b->r->packages->n) {
		size_t len = 0;
		for (size_t i = 0; i < b->r->packages->n; i++)
			len += strlen(b->r->packages->v[i]) + 1;
		char *inc = xmalloc(len + 16), *o = inc + sprintf(inc, "--include=");
		for (size_t i = 0; i < b->r->packages->n; i++)
			o += sprintf(o, "%s%s", i ? "," : "", b->r->packages->v[i]);
		strv_push_owned(a, inc);
	}
	strv_push(a, b->r->suite);
	strv_push(a, b->target);
	debimage_host_mirror_lines(b->r->suite, &b->mirrors);
	for (size_t i = 0; i < b->mirrors.n; i++)
		strv_push(a, b->mirrors.v[i]);
}

/* A clean environment: the user's proxies reach apt, nothing else leaks in. */
static void build_env(struct build *b)
{
	static const char *const keep[] = {"http_proxy", "https_proxy", "ftp_proxy", "no_proxy",
					   "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"};
	strv_push(&b->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push(&b->env, "LC_ALL=C.UTF-8");
	if (b->r->base) {
		/* apt-get in the chroot, where the host's paths are not */
		strv_push(&b->env, "HOME=/root");
		strv_push(&b->env, "DEBIAN_FRONTEND=noninteractive");
		strv_push(&b->env, "DEBCONF_NONINTERACTIVE_SEEN=true");
	} else {
		strv_push_owned(&b->env, xasprintf("HOME=%s", b->work));
		strv_push_owned(&b->env, xasprintf("TMPDIR=%s", b->work));
		strv_push_owned(&b->env, xasprintf("CLAN_DEB_ARCHIVES=%s", b->archives));
		strv_push_owned(&b->env, xasprintf("CLAN_DEB_LISTS=%s", b->lists));
	}
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		const char *v = getenv(keep[i]);
		if (v)
			strv_push_owned(&b->env, xasprintf("%s=%s", keep[i], v));
	}
}

struct ino_blocks {
	dev_t dev;
	ino_t ino;
	uint64_t bytes;
};

static int cmp_ino(const void *a, const void *b)
{
	const struct ino_blocks *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* What du(1) says: bytes allocated under root, hard links counted once,
 * not crossing mounts; what cannot be read is skipped. */
uint64_t debimage_disk_usage(const char *root)
{
	char *paths[] = {(char *)root, NULL};
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	if (!fts)
		return 0;
	uint64_t total = 0;
	struct ino_blocks *links = NULL;
	size_t n = 0, cap = 0;
	for (FTSENT *e; (e = fts_read(fts));) {
		if (e->fts_info == FTS_DP || e->fts_info == FTS_NS || e->fts_info == FTS_NSOK ||
		    e->fts_info == FTS_ERR)
			continue;
		const struct stat *s = e->fts_statp;
		uint64_t bytes = (uint64_t)s->st_blocks * 512;
		if (S_ISDIR(s->st_mode) || s->st_nlink < 2) {
			total += bytes;
			continue;
		}
		if (n == cap)
			links = xrealloc(links, (cap = cap ? 2 * cap : 256) * sizeof *links);
		links[n++] = (struct ino_blocks){s->st_dev, s->st_ino, bytes};
	}
	fts_close(fts);
	if (n)
		qsort(links, n, sizeof *links, cmp_ino);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || cmp_ino(&links[i], &links[i - 1]) != 0)
			total += links[i].bytes;
	free(links);
	return total;
}

/* Empties dir, keeping it. */
static int empty_dir(const char *dir, struct clan_err *err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : clan_error(err, errno, "cannot open %s", dir);
	for (struct dirent *e; (errno = 0, e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
		if (remove_tree(path, err) < 0)
			return -1;
	}
	return errno ? clan_error(err, errno, "cannot read %s", dir) : 0;
}

/* Undoes the \040-style escapes of /proc/self/mountinfo, in place. */
static void unescape_octal(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The build's /dev nodes, anything a maintainer script left. */
static int detach_mounts_under(const char *path, struct clan_err *err)
{
	_cleanup_free_ char *text = NULL, *root = realpath(path, NULL);
	if (!root)
		return clan_error(err, errno, "cannot resolve %s", path);
	if (read_file("/proc/self/mountinfo", 1 << 22, &text, err) < 0)
		return -1;
	struct strv points = {0};
	size_t rlen = strlen(root);
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f = l;
		for (int i = 0; i < 4 && f; i++)
			f = strchr(f, ' ') ? strchr(f, ' ') + 1 : NULL;
		if (!f)
			continue;
		f[strcspn(f, " ")] = '\0';
		unescape_octal(f);
		if (strncmp(f, root, rlen) == 0 && f[rlen] == '/')
			strv_push(&points, f);
	}
	int rc = 0;
	for (size_t i = points.n; i-- > 0 && rc == 0;)
		if (umount2(points.v[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			rc = clan_error(err, errno, "cannot unmount %s", points.v[i]);
	strv_free(&points);
	return rc;
}

int debimage_unmount_and_drop(const char *root, const char *const *drop, struct clan_err *err)
{
	if (detach_mounts_under(root, err) < 0)
		return -1;
	for (size_t i = 0; drop[i]; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", root, drop[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			return clan_error(err, errno, "cannot remove %s", path);
	}
	return 0;
}

/* In single mode apt cannot drop to its _apt user (setgroups is denied in
 * such a namespace, and every file is root's anyway): it downloads as root. */
static int write_apt_sandbox_conf(const char *root, struct clan_err *err)
{
	static const char text[] =
	    "// clan: built for a single-id user namespace, where apt cannot switch\n"
	    "// to _apt (setgroups is denied there)\n"
	    "APT::Sandbox::User \"root\";\n";
	_cleanup_free_ char *path = xasprintf("%s/etc/apt/apt.conf.d/00clan-sandbox", root);
	return write_file(path, text, sizeof text - 1, err);
}

/* Makes the tree a container root: the runtime provides /dev, hostname
 * and resolv.conf, so the builder's are dropped. */
static int finalize_rootfs(const char *root, bool single, struct clan_err *err)
{
	static const char *const drop[] = {"etc/hostname", "etc/resolv.conf", NULL};
	if (debimage_unmount_and_drop(root, drop, err) < 0)
		return -1;
	_cleanup_free_ char *dev = xasprintf("%s/dev", root);
	if (empty_dir(dev, err) < 0)
		return -1;
	return single ? write_apt_sandbox_conf(root, err) : 0;
}

void debimage_exec_stdio(int log_fd, const sigset_t *oldmask)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0)
		_exit(126);
	/* the tools write their status to stderr; stdout must not reach
	 * clan's own stdout, where the container's output goes */
	if (log_fd < 0 ? dup2(STDERR_FILENO, STDOUT_FILENO) < 0
		       : dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
		_exit(126);
	if (signal(SIGPIPE, SIG_DFL) == SIG_ERR || sigprocmask(SIG_SETMASK, oldmask, NULL) < 0 ||
	    cloexec_fds_from(3) < 0)
		_exit(126);
}

static noreturn void exec_mmdebstrap(const struct build *b, const sigset_t *oldmask)
{
	debimage_exec_stdio(b->log_fd, oldmask);
	execve(b->argv.v[0], b->argv.v, b->env.v);
	dprintf(STDERR_FILENO, "E: cannot run %s: %s\n", b->argv.v[0], strerror(errno));
	_exit(127);
}

int debimage_reap_until(pid_t pid)
{
	for (;;) {
		int status;
		pid_t r = waitpid(-1, &status, 0);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return 255 << 8;
	}
}

/* In the child: the delta on the base; returns the layer's dir. */
static char *run_delta(struct build *b, int sync_fd, const sigset_t *oldmask)
{
	struct clan_err e;
	struct debimage_delta d = {.base = b->r->base,
				   .target = b->target,
				   .work = b->work,
				   .packages = b->r->packages,
				   .env = &b->env,
				   .log_fd = b->log_fd,
				   .oldmask = oldmask};
	int rc = debimage_delta_run(&d, &e);
	if (rc == DEBIMAGE_NO_OVERLAY) {
		sync_send(sync_fd, DEB_SYNC_NO_OVERLAY, 0, NULL, -1);
		_exit(1);
	}
	if (rc < 0)
		child_die(sync_fd, 1, 0, "%s", e.msg);
	return xasprintf("%s/upper", b->target);
}

/* In the child: mmdebstrap into the target; returns the layer's dir. */
static char *run_mmdebstrap(struct build *b, int sync_fd, const sigset_t *oldmask)
{
	struct clan_err e;
	pid_t pid = fork();
	if (pid < 0)
		child_die(sync_fd, 1, errno, "cannot start mmdebstrap");
	if (pid == 0)
		exec_mmdebstrap(b, oldmask);
	int status = debimage_reap_until(pid);
	if (WIFSIGNALED(status))
		child_die(sync_fd, 1, 0, "mmdebstrap was killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		child_die(sync_fd, 1, 0, "mmdebstrap exited with status %d", WEXITSTATUS(status));
	if (finalize_rootfs(b->target, plan_is_single(b->r->plan), &e) < 0)
		child_die(sync_fd, 1, 0, "%s", e.msg);
	return xstrdup(b->target);
}

/* The child: root of a new user, mount and pid namespace once the parent
 * has written the maps. Runs mmdebstrap or the delta, then finishes the
 * tree as root there (it can read every dir, whoever owns it) and sends
 * its size. */
static noreturn void build_child(struct build *b, int sync_fd, const sigset_t *oldmask)
{
	struct sync_msg m;
	struct clan_err e;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_die(sync_fd, 1, errno, "cannot tie the build to clan");
	if (sync_recv(sync_fd, &m) <= 0 || m.tag != SYNC_GO)
		_exit(1);
	/* single mode has setgroups denied: there are no other groups anyway */
	if (!plan_is_single(b->r->plan) && setgroups(0, NULL) < 0)
		child_die(sync_fd, 1, errno, "cannot drop supplementary groups");
	/* mmdebstrap's mounts into the chroot stay in this namespace */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_die(sync_fd, 1, errno, "cannot make the build's mounts private");
	/* maintainer scripts run as the user on the host: not in its tree */
	struct deb_root_plan rp;
	debimage_root_plan(b->target, b->work, b->r->base ? "/bin/sh" : b->argv.v[0], &b->mirrors,
			   &rp);
	if (b->r->base)
		debimage_root_plan_bind_ro(&rp, b->r->base);
	if (debimage_root_enter(b->root, &rp, &e) < 0)
		child_die(sync_fd, 1, 0, "%s", e.msg);
	debimage_root_plan_free(&rp);
	if (plan_is_single(b->r->plan) && seccomp_fake_chown(&e) < 0)
		child_die(sync_fd, 1, 0, "%s", e.msg);
	_cleanup_free_ char *layer =
	    b->r->base ? run_delta(b, sync_fd, oldmask) : run_mmdebstrap(b, sync_fd, oldmask);
	debimage_cache_own(b->archives, b->lists);
	char text[32];
	snprintf(text, sizeof text, "%llu", (unsigned long long)debimage_disk_usage(layer));
	if (sync_send(sync_fd, DEB_SYNC_SIZE, 0, text, -1) < 0)
		_exit(1);
	_exit(0);
}

/* The parent's view of a running build. */
struct build_wait {
	pid_t pid;
	int sync_fd, sig_fd, pid_fd;
	int status;
	bool reaped, failed, have_size;
	char msg[1024];
};

static int spawn_build(struct build *b, const sigset_t *oldmask, struct build_wait *w,
		       struct clan_err *err)
{
	int sv[2];
	if (sync_pair(sv, err) < 0)
		return -1;
	pid_t pid = clone_ns(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID);
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return clan_error(err, e,
				  "cannot create a user namespace to build %s (clan doctor "
				  "says why)",
				  b->r->shown);
	}
	if (pid == 0) {
		close(sv[0]);
		build_child(b, sv[1], oldmask);
	}
	close(sv[1]);
	w->pid = pid;
	w->sync_fd = sv[0];
	if (userns_write_maps(pid, b->r->plan, err) < 0)
		return -1;
	if (sync_send(w->sync_fd, SYNC_GO, 0, NULL, -1) < 0)
		return clan_error(err, errno, "cannot start the build of %s", b->r->shown);
	/* a pidfd says when the child is gone without taking SIGCHLD from
	 * whoever else may be waiting for children of this process */
	w->pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

static void on_build_msg(struct build *b, struct build_wait *w)
{
	struct sync_msg m;
	if (sync_recv(w->sync_fd, &m) <= 0) {
		close(w->sync_fd);
		w->sync_fd = -1;
	} else if (m.tag == SYNC_ERROR) {
		w->failed = true;
		snprintf(w->msg, sizeof w->msg, "%s", m.text);
	} else if (m.tag == DEB_SYNC_NO_OVERLAY) {
		b->no_overlay = true;
	} else if (m.tag == DEB_SYNC_SIZE) {
		b->size = strtoull(m.text, NULL, 10);
		w->have_size = true;
	}
}

static void on_build_signal(struct build *b, struct build_wait *w)
{
	struct signalfd_siginfo si;
	while (read(w->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (!b->signal)
			b->signal = (int)si.ssi_signo;
		kill(w->pid, SIGKILL);
	}
}

/* Until the child is reaped and its channel drained; a signal kills it
 * (and with it, as pid 1, every process of the build). */
static void wait_build(struct build *b, struct build_wait *w)
{
	while (!w->reaped) {
		struct pollfd fds[3] = {{.fd = w->sig_fd, .events = POLLIN},
					{.fd = w->pid_fd, .events = POLLIN},
					{.fd = w->sync_fd, .events = POLLIN}};
		/* without a pidfd (Linux < 5.3): look again every 100 ms */
		int r = poll(fds, 3, w->pid_fd >= 0 ? -1 : 100);
		if (r < 0 && errno != EINTR) {
			kill(w->pid, SIGKILL);
			w->reaped = waitpid(w->pid, &w->status, 0) == w->pid || errno == ECHILD;
			break;
		}
		if (r > 0 && fds[0].revents)
			on_build_signal(b, w);
		if (r > 0 && w->sync_fd >= 0 && fds[2].revents)
			on_build_msg(b, w);
		pid_t got = waitpid(w->pid, &w->status, WNOHANG);
		w->reaped = got == w->pid || (got < 0 && errno == ECHILD);
	}
	while (w->sync_fd >= 0)
		on_build_msg(b, w);
}

/* The lines worth showing of mmdebstrap's output, oldest first: its last
 * three "E:" lines, or its last three lines when it wrote none; each cut
 * short, joined with " | ". */
static void log_tail(int fd, char *out, size_t len)
{
	char buf[8192];
	struct stat st;
	out[0] = '\0';
	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	off_t from = st.st_size > (off_t)sizeof buf - 1 ? st.st_size - (off_t)sizeof buf + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof buf - 1, from);
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *all[256] = {0}, *pick[3] = {0};
	size_t nl = 0, np = 0, o = 0;
	bool errors = false;
	char *save = NULL;
	/* a ring of the last lines */
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		all[nl++ % ARRAY_SIZE(all)] = l;
		errors = errors || strncmp(l, "E: ", 3) == 0;
	}
	size_t first = nl > ARRAY_SIZE(all) ? nl - ARRAY_SIZE(all) : 0;
	for (size_t i = nl; i-- > first && np < ARRAY_SIZE(pick);) {
		char *l = all[i % ARRAY_SIZE(all)];
		if (!errors || strncmp(l, "E: ", 3) == 0)
			pick[np++] = l;
	}
	while (np-- > 0) {
		int w = snprintf(out + o, len - o, "%s%.160s", o ? " | " : "", pick[np]);
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
}

static int build_result(struct build *b, struct build_wait *w, struct clan_err *err)
{
	if (b->signal)
		return clan_error_code(err, 128 + b->signal, "building %s: interrupted",
				       b->r->shown);
	if (b->no_overlay)
		return DEBIMAGE_NO_OVERLAY;
	if (!w->reaped)
		return clan_error(err, errno, "building %s: cannot wait for the build",
				  b->r->shown);
	if (w->failed || !w->have_size) {
		char tail[640];
		log_tail(b->log_fd, tail, sizeof tail);
		return clan_error(err, 0, "cannot build %s: %s%s%s%s", b->r->shown,
				  w->failed ? w->msg : "the build ended early", tail[0] ? ": " : "",
				  tail,
				  clan_debug_on() ? ""
				  : b->r->base	  ? " (--debug shows apt-get's output)"
						  : " (--debug shows mmdebstrap's output)");
	}
	return 0;
}

/* The signals that stop a build: held from its first temp dir to its
 * last, so that none ends clan before they are removed. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

/* With stop_signals held: one that came before is read here at once. */
static int run_build(struct build *b, struct clan_err *err)
{
	sigset_t set;
	stop_signals(&set);
	struct build_wait w = {.pid = -1, .sync_fd = -1, .pid_fd = -1};
	w.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	int rc = w.sig_fd < 0 ? clan_error(err, errno, "cannot create a signalfd")
			      : spawn_build(b, &b->oldmask, &w, err);
	if (rc == 0) {
		wait_build(b, &w);
		rc = build_result(b, &w, err);
	} else if (w.pid > 0) {
		kill(w.pid, SIGKILL);
		wait_child(w.pid, NULL);
	}
	if (w.sync_fd >= 0)
		close(w.sync_fd);
	if (w.pid_fd >= 0)
		close(w.pid_fd);
	if (w.sig_fd >= 0)
		close(w.sig_fd);
	return rc;
}

/* Removes a temp dir of the build; files of subordinate ids are removed
 * from inside a user namespace that maps them. */
static void discard(const struct build *b, const char *path)
{
	struct clan_err ignored;
	if (!path)
		return;
	if (b->r->plan->mode == USERNS_SUBUID && !b->r->plan->host_root)
		userns_remove_tree(path, &b->r->plan->uid, &b->r->plan->gid, &ignored);
	else
		remove_tree(path, &ignored);
}

static int open_log(struct build *b, struct clan_err *err)
{
	if (clan_debug_on())
		return 0;
	_cleanup_free_ char *path = xasprintf("%s/mmdebstrap.log", b->work);
	b->log_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (b->log_fd < 0)
		return clan_error(err, errno, "cannot create %s", path);
	return 0;
}

/* The layer into place (a delta's is the overlay's upper dir); what it
 * downloaded into the cache. */
static int commit(struct build *b, struct clan_err *err)
{
	_cleanup_free_ char *layer = b->r->base ? xasprintf("%s/upper", b->target) : NULL;
	if (imgstore_layer_commit(b->r->st, layer ? layer : b->target, b->r->id, err) < 0)
		return -1;
	debimage_cache_keep(b->archives, b->lists, b->r->cache);
	return 0;
}

/* Builds the layer into a temp dir and commits it; on any failure or
 * signal, nothing of it is left. */
static int build_layer(struct build *b, struct clan_err *err)
{
	char mmdebstrap[PATH_MAX];
	if (!find_program("mmdebstrap", mmdebstrap, sizeof mmdebstrap))
		return clan_error(err, 0,
				  "cannot build %s: mmdebstrap not found; install it "
				  "(apt-get install mmdebstrap) or use a registry image",
				  b->r->shown);
	int rc = imgstore_layer_tmpdir(b->r->st, &b->target, err);
	if (rc == 0)
		rc = imgstore_layer_tmpdir(b->r->st, &b->work, err);
	if (rc == 0)
		rc = imgstore_layer_tmpdir(b->r->st, &b->root, err);
	if (rc == 0)
		rc = open_log(b, err);
	if (rc == 0) {
		/* apt's cache dir of a delta (debimage_delta.c), its archives
		 * dir that of both kinds */
		_cleanup_free_ char *apt = xasprintf("%s/apt", b->work);
		b->archives = xasprintf("%s/archives", apt);
		b->lists = xasprintf("%s/lists", b->work);
		rc = mkdir(apt, 0755) < 0
			 ? clan_error(err, errno, "cannot create %s", apt)
			 : debimage_cache_fill(b->r->cache, b->archives, b->lists, err);
	}
	if (rc == 0) {
		if (!b->r->base)
			build_argv(b, mmdebstrap);
		build_env(b);
		if (b->r->base)
			progress_say("building %s on %s (image %s)...", b->r->shown,
				     b->r->base_name, b->r->name);
		else
			progress_say("building %s with mmdebstrap (image %s)...", b->r->shown,
				     b->r->name);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = run_build(b, err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rc = rc == 0 ? commit(b, err) : rc;
		if (rc == 0)
			progress_say("built %s in %.1f s (image %s)", b->r->shown,
				     (double)(t1.tv_sec - t0.tv_sec) +
					 (t1.tv_nsec - t0.tv_nsec) / 1e9,
				     b->r->name);
	}
	if (rc != 0 || b->r->base)
		discard(b, b->target);
	discard(b, b->work);
	discard(b, b->root);
	return rc;
}

int debimage_build(const struct debimage_req *r, uint64_t *size, struct clan_err *err)
{
	struct build b = {.r = r, .log_fd = -1};
	sigset_t set;
	stop_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, &b.oldmask) < 0)
		return clan_error(err, errno, "cannot block signals");
	int rc = build_layer(&b, err);
	*size = b.size;
	build_free(&b);
	if (b.signal)
		raise(b.signal); /* deferred until nothing was left behind */
	/* one that came after the build, during its cleanup, takes effect now */
	if (sigprocmask(SIG_SETMASK, &b.oldmask, NULL) < 0 && rc == 0)
		rc = clan_error(err, errno, "cannot restore the signal mask");
	return rc;
}
