#define _GNU_SOURCE
#include "fs/overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/debug.h"
#include "fs/layer_merge.h"
#include "fs/mounts.h"
#include "fs/overlay_kernel.h"
#include "ns/userns.h"
#include "base/util.h"

char *overlay_options(const struct strv *lowers, const char *upper, const char *work,
		      bool userxattr)
{
	size_t len = 64 + (upper ? strlen(upper) + strlen(work) : 0);
	for (size_t i = 0; i < lowers->n; i++)
		len += strlen(lowers->v[i]) + 1;
	char *s = xmalloc(len);
	size_t o = (size_t)snprintf(s, len, "lowerdir=");
	for (size_t i = 0; i < lowers->n; i++)
		o += (size_t)snprintf(s + o, len - o, "%s%s", i ? ":" : "", lowers->v[i]);
	if (upper)
		o += (size_t)snprintf(s + o, len - o, ",upperdir=%s,workdir=%s", upper, work);
	snprintf(s + o, len - o, "%s", userxattr ? ",userxattr" : "");
	return s;
}

struct layout {
	char *upper, *work, *merged, *copy;
};

static int make_layout(const struct overlay_request *req, struct layout *l, struct clan_err *err)
{
	l->upper = xasprintf("%s/upper", req->cdir);
	l->work = xasprintf("%s/work", req->cdir);
	l->merged = xasprintf("%s/merged", req->cdir);
	l->copy = xasprintf("%s/rootfs", req->cdir);
	const char *dirs[] = {l->upper, l->work, l->merged};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdir(dirs[i], 0755) < 0 && errno != EEXIST)
			return clan_error(err, errno, "cannot create %s", dirs[i]);
	return 0;
}

static void layout_free(struct layout *l)
{
	free(l->upper);
	free(l->work);
	free(l->merged);
	free(l->copy);
}

/* fuse-overlayfs's options: with many layers of one store, named
 * relative to their common directory, made the cwd (the pivot changes the
 * cwd later anyway), to keep them short. */
static char *fuse_options(const struct strv *lowers, const struct layout *l, struct clan_err *err)
{
	_cleanup_free_ char *parent = NULL;
	struct strv names = {0};
	for (size_t i = 0; i < lowers->n && lowers->n > 1; i++) {
		const char *slash = strrchr(lowers->v[i], '/');
		size_t n = slash ? (size_t)(slash - lowers->v[i]) : 0;
		if (!slash || n == 0 ||
		    (parent && (strlen(parent) != n || strncmp(parent, lowers->v[i], n) != 0))) {
			strv_free(&names);
			break;
		}
		if (!parent)
			parent = xstrndup(lowers->v[i], n);
		strv_push(&names, slash + 1);
	}
	if (names.n == 0)
		return overlay_options(lowers, l->upper, l->work, false);
	char *opts = NULL;
	if (chdir(parent) < 0)
		clan_error(err, errno, "cannot enter %s", parent);
	else
		opts = overlay_options(&names, l->upper, l->work, false);
	strv_free(&names);
	return opts;
}

static int mount_kernel(const struct overlay_request *req, const struct layout *l,
			struct clan_err *err)
{
	_cleanup_free_ char *merged_lowers = xasprintf("%s/lower", req->cdir);
	struct overlay_kmount m = {.lowers = req->lowers,
				   .upper = l->upper,
				   .work = l->work,
				   .target = l->merged,
				   .merged_lowers = merged_lowers,
				   .userxattr = true,
				   /* an --rm upper is deleted afterwards */
				   .try_volatile = req->ephemeral};
	return overlay_kernel_mount(&m, err);
}

/* Runs argv to completion; 0 when it exited 0. Its stderr is kept and
 * shown only when it fails (fuse-overlayfs warns about harmless things). */
static int run_helper(char *const argv[], struct clan_err *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return clan_error(err, errno, "cannot start %s", argv[0]);
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return clan_error(err, errno, "cannot start %s", argv[0]);
	}
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	int status;
	char out[512] = "";
	if (wait_child(pid, &status) < 0) {
		close(pipefd[0]);
		return clan_error(err, errno, "cannot wait for %s", argv[0]);
	}
	ssize_t n = read(pipefd[0], out, sizeof out - 1);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	close(pipefd[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return clan_error(err, 0, "%s failed (exit %d%s%s)", argv[0],
				  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
				  *out ? ": " : "", out);
	return 0;
}

static int mount_fuse(const struct overlay_request *req, const struct layout *l,
		      struct clan_err *err)
{
	char helper[256];
	if (!find_program("fuse-overlayfs", helper, sizeof helper))
		return clan_error(err, 0,
				  "fuse-overlayfs not found (apt-get install fuse-overlayfs)");
	if (access("/dev/fuse", R_OK | W_OK) < 0)
		return clan_error(err, errno,
				  "fuse-overlayfs: cannot open /dev/fuse (fix: chmod "
				  "0666 /dev/fuse as root)");
	_cleanup_free_ char *opts = fuse_options(req->lowers, l, err);
	if (!opts)
		return -1;
	char *argv[] = {helper, "-o", opts, l->merged, NULL};
	if (run_helper(argv, err) < 0)
		return -1;
	/* fuse-overlayfs stays in this mount namespace; the container pivots
	 * in a copy of it, so the daemon keeps its own root. */
	if (unshare(CLONE_NEWNS) < 0)
		return clan_error(err, errno, "cannot unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return clan_error(err, errno, "cannot make mounts private");
	return 0;
}

/* The last resort: a private copy, the bottom layer with cp -a, every
 * later one merged over it as overlayfs would show them. */
static int copy_layers(const struct strv *lowers, const char *tmp, struct clan_err *err)
{
	const char *bottom = lowers->v[lowers->n - 1];
	_cleanup_free_ char *src = xasprintf("%s/.", bottom);
	char *argv[] = {"/bin/cp", "-a", src, (char *)tmp, NULL};
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return clan_error(err, errno, "cannot create %s", tmp);
	if (run_helper(argv, err) < 0)
		return clan_error_wrap(err, "copy of %s", bottom);
	for (size_t i = lowers->n - 1; i-- > 0;)
		if (layer_merge_onto(lowers->v[i], tmp, err) < 0)
			return -1;
	return 0;
}

static int mount_copy(const struct overlay_request *req, const struct layout *l,
		      struct clan_err *err)
{
	struct stat st;
	if (stat(l->copy, &st) < 0) {
		_cleanup_free_ char *tmp = xasprintf("%s.tmp", l->copy);
		if (copy_layers(req->lowers, tmp, err) < 0)
			return -1;
		if (rename(tmp, l->copy) < 0)
			return clan_error(err, errno, "cannot rename %s", tmp);
	}
	if (mount(l->copy, l->merged, NULL, MS_BIND | MS_REC, NULL) < 0)
		return clan_error(err, errno, "cannot bind-mount %s", l->copy);
	return 0;
}

/* The host's / cannot be an overlay layer in a user namespace (the kernel
 * refuses to clone a mount with locked submounts), so `host` is the host
 * tree itself, read-only, with private scratch space on /tmp and /run. */
static int mount_host(const struct layout *l, struct clan_err *err)
{
	static const char *const scratch[] = {"tmp", "var/tmp", "run"};
	if (mount("/", l->merged, NULL, MS_BIND | MS_REC, NULL) < 0)
		return clan_error(err, errno, "cannot bind the host's /");
	if (mount_restrict(l->merged, true, true, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(scratch); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", l->merged, scratch[i]);
		if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0 &&
		    errno != ENOENT)
			return clan_error(err, errno, "cannot mount a tmpfs on /%s", scratch[i]);
	}
	clan_debug("overlay: none (host / read-only)");
	return 0;
}

typedef int (*mount_fn)(const struct overlay_request *, const struct layout *, struct clan_err *);

int overlay_mount(const struct overlay_request *req, enum overlay_kind *used, struct clan_err *err)
{
	static const mount_fn fns[] = {[OVERLAY_KERNEL] = mount_kernel,
				       [OVERLAY_FUSE] = mount_fuse,
				       [OVERLAY_COPY] = mount_copy};
	struct layout l = {0};
	int rc = make_layout(req, &l, err);
	char tried[2048] = "";

	if (rc == 0 && req->is_host) {
		rc = mount_host(&l, err);
		*used = OVERLAY_AUTO;
		layout_free(&l);
		return rc;
	}
	for (int k = OVERLAY_KERNEL; rc == 0 && k <= OVERLAY_COPY; k++) {
		if (req->want != OVERLAY_AUTO && req->want != (enum overlay_kind)k)
			continue;
		struct clan_err e;
		if (fns[k](req, &l, &e) == 0) {
			*used = (enum overlay_kind)k;
			clan_debug("overlay: %s", overlay_kind_name(*used));
			layout_free(&l);
			return 0;
		}
		clan_debug("overlay %s failed: %s", overlay_kind_name((enum overlay_kind)k), e.msg);
		size_t o = strlen(tried);
		snprintf(tried + o, sizeof tried - o, "%s%.300s", o ? "; " : "", e.msg);
	}
	layout_free(&l);
	if (rc < 0)
		return -1;
	return clan_error(err, 0, "cannot set up the root filesystem (%s); see clan doctor", tried);
}

const char *overlay_kind_name(enum overlay_kind k)
{
	static const char *const names[] = {"auto", "kernel", "fuse", "copy"};
	return names[k];
}
