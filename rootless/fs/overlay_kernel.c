#define _GNU_SOURCE
#include "fs/overlay_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/overlay.h"

bool overlay_options_fit(size_t len)
{
	/* mount(2) copies one page of data, which must hold the NUL */
	long page = sysconf(_SC_PAGESIZE);
	return len < (size_t)(page > 0 ? page : 4096);
}

size_t overlay_kernel_own_layers(size_t n)
{
	if (n <= OVL_MAX_LOWERS)
		return n;
	/* the merged one takes a place of its own in the stack */
	if (n - (OVL_MAX_LOWERS - 1) > OVL_MAX_LOWERS)
		return 0;
	return OVL_MAX_LOWERS - 1;
}

/* The lowers as O_PATH fds, to be named by number from /proc/self/fd. */
struct fd_names {
	struct strv names;
	int *fds;
	size_t n;
};

static void fd_names_free(struct fd_names *f)
{
	for (size_t i = 0; i < f->n; i++)
		close(f->fds[i]);
	free(f->fds);
	strv_free(&f->names);
}

/* Opens each lower and makes /proc/self/fd the cwd, so that "3:4:5"
 * names them: overlayfs resolves each lowerdir entry with the cwd and
 * follows the fd's link to the layer itself. */
static int name_by_fds(const struct strv *lowers, struct fd_names *f, struct clan_err *err)
{
	f->fds = xcalloc(lowers->n, sizeof *f->fds);
	for (size_t i = 0; i < lowers->n; i++) {
		int fd = open(lowers->v[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return clan_error(err, errno, "cannot open the layer %s", lowers->v[i]);
		f->fds[f->n++] = fd;
		char num[16];
		snprintf(num, sizeof num, "%d", fd);
		strv_push(&f->names, num);
	}
	if (chdir("/proc/self/fd") < 0)
		return clan_error(err, errno, "cannot enter /proc/self/fd");
	return 0;
}

static int mount_with(const struct overlay_kmount *m, const char *opts, struct clan_err *err)
{
	if (m->try_volatile) {
		/* `volatile` spares the sync of the whole upper filesystem
		 * that unmounting would otherwise do */
		_cleanup_free_ char *v = xasprintf("%s,volatile", opts);
		if (overlay_options_fit(strlen(v)) &&
		    mount("overlay", m->target, "overlay", m->flags, v) == 0)
			return 0;
	}
	if (!overlay_options_fit(strlen(opts)))
		return clan_error(err, E2BIG, "kernel overlayfs: %zu bytes of options",
				  strlen(opts));
	if (mount("overlay", m->target, "overlay", m->flags, opts) < 0)
		return clan_error(err, errno, "kernel overlayfs");
	return 0;
}

/* lowers (at most OVL_MAX_LOWERS) by path, or by fd where the paths do
 * not fit in the page. */
static int mount_lowers(const struct overlay_kmount *m, const struct strv *lowers,
			struct clan_err *err)
{
	_cleanup_free_ char *opts = overlay_options(lowers, m->upper, m->work, m->userxattr);
	if (overlay_options_fit(strlen(opts)))
		return mount_with(m, opts, err);
	struct fd_names f = {0};
	int rc = name_by_fds(lowers, &f, err);
	if (rc == 0) {
		_cleanup_free_ char *short_opts =
		    overlay_options(&f.names, m->upper, m->work, m->userxattr);
		rc = mount_with(m, short_opts, err);
	}
	fd_names_free(&f);
	return rc;
}

int overlay_kernel_mount(const struct overlay_kmount *m, struct clan_err *err)
{
	size_t n = m->lowers->n, own = overlay_kernel_own_layers(n);
	if (own == 0)
		return clan_error(
		    err, 0,
		    "%zu layers: the kernel's overlayfs stacks at most %d (%d with the "
		    "bottom ones merged)",
		    n, OVL_MAX_LOWERS, 2 * OVL_MAX_LOWERS - 1);
	if (own == n)
		return mount_lowers(m, m->lowers, err);
	struct strv bottom = {0}, top = {0};
	for (size_t i = 0; i < n; i++)
		strv_push(i < own ? &top : &bottom, m->lowers->v[i]);
	strv_push(&top, m->merged_lowers);
	struct overlay_kmount merged = {.lowers = &bottom,
					.target = m->merged_lowers,
					.flags = MS_RDONLY,
					.userxattr = m->userxattr};
	int rc = 0;
	if (mkdir(m->merged_lowers, 0755) < 0 && errno != EEXIST)
		rc = clan_error(err, errno, "cannot create %s", m->merged_lowers);
	if (rc == 0 && mount_lowers(&merged, &bottom, err) < 0)
		rc = clan_error_wrap(err, "the bottom %zu of %zu layers merged", bottom.n, n);
	if (rc == 0)
		rc = mount_lowers(m, &top, err);
	strv_free(&bottom);
	strv_free(&top);
	return rc;
}
