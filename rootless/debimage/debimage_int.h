/* Internals of deb: images shared by debimage.c (references, the cache),
 * debimage_build.c (mmdebstrap in a user namespace) and debimage_sources.c
 * (the host's Debian mirror). */
#ifndef CLAN_DEBIMAGE_INT_H
#define CLAN_DEBIMAGE_INT_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "debimage/debimage.h"

/* One image to build. */
struct debimage_req {
	struct imgstore *st;
	const char *suite;
	const char *name;		/* debimage_name: what the user sees */
	const char *shown;		/* debimage_shown: what messages name */
	const char *id;			/* the key: image id and layer id */
	const struct strv *packages;	/* sorted, unique */
	const struct userns_plan *plan; /* maps with the user as root (uid 0) */
	const char *base;		/* a delta on this base layer (its path); NULL: whole */
	const char *base_name;		/* the base's debimage_name, for messages */
	const char *cache;		/* debimage_cache_dir, or NULL: no cache */
};

/* Builds layer r->id and commits it atomically: with mmdebstrap, or with
 * r->base, as the delta of debimage_delta.c; *size is its disk usage.
 * Nothing of it is left on failure; SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * are held during the build and raised again once the temp dirs are gone.
 * DEBIMAGE_NO_OVERLAY (nothing done) for a delta where the kernel's
 * overlayfs does not work in a user namespace. */
int debimage_build(const struct debimage_req *r, uint64_t *size, struct clan_err *err);
#define DEBIMAGE_NO_OVERLAY 1

/* One delta build, in the build's child (debimage_delta.c). */
struct debimage_delta {
	const char *base;	     /* the base layer, read-only in the private root */
	const char *target;	     /* upper/, work/ and merged/ are made here */
	const char *work;	     /* apt/ (its archives/ filled) and lists/ (made) */
	const struct strv *packages; /* what to install, valid package names */
	const struct strv *env;	     /* the install's environment */
	int log_fd;		     /* the install's output; -1: stderr (--debug) */
	const sigset_t *oldmask;     /* the signal mask to exec with */
};
/* Mounts the overlay, installs d->packages in a chroot of it and takes
 * back what only the build needed: target/upper is then the layer.
 * DEBIMAGE_NO_OVERLAY when the kernel's overlayfs cannot be mounted. */
int debimage_delta_run(const struct debimage_delta *d, struct clan_err *err);

/* For the build's children: stdin from /dev/null, stdout and stderr to
 * log_fd (stdout to stderr when -1), the signal mask back, every other fd
 * closed; _exit(126) on failure. */
void debimage_exec_stdio(int log_fd, const sigset_t *oldmask);
/* As pid 1 of the build's pid namespace: reaps whatever maintainer
 * scripts leave behind until pid is gone; its wait status. */
int debimage_reap_until(pid_t pid);
/* Detaches every mount below root in this namespace (the last mounted
 * first), then removes the files drop (NULL-terminated, relative to
 * root) that the build put there for itself. */
int debimage_unmount_and_drop(const char *root, const char *const *drop, struct clan_err *err);

/* The cache of what apt downloads (debimage_cache.c): store/deb-cache with
 * archives/ and lists/, made 0700 when missing. */
char *debimage_cache_dir(const struct imgstore *st, struct clan_err *err);
/* NAME_VERSION_ARCH.deb as apt names a download. Pure. */
bool debimage_is_deb_name(const char *name);
/* Makes archives and lists (new dirs, for one build) holding hard links
 * to the cache's .debs and lists; cache NULL: empty. */
int debimage_cache_fill(const char *cache, const char *archives, const char *lists,
			struct clan_err *err);
/* In the build's child: the .debs and lists become root's of the
 * namespace (the user's on the host; apt's _apt fetched them), so that
 * the parent may link them. */
void debimage_cache_own(const char *archives, const char *lists);
/* Links what a successful build fetched into the cache: new .debs, and
 * lists in place of older ones. */
void debimage_cache_keep(const char *archives, const char *lists, const char *cache);

/* du(1): bytes allocated under root, hard links counted once, not crossing
 * mounts; what cannot be read is skipped. */
uint64_t debimage_disk_usage(const char *root);

/* The sources.list lines for suite: the site's mirror (clan.conf [deb]
 * mirror, CLAN_DEB_MIRROR) or the host's apt sources for the suite itself,
 * the host's for -updates and -security; none when
 * the host is not Debian or has no Debian archive (mmdebstrap's default
 * mirror then applies). */
void debimage_host_mirror_lines(const char *suite, struct strv *lines);

/* The build's private root (debimage_root.c): what is in it, as data. */
enum deb_root_kind {
	DEB_ROOT_DIR,	  /* an empty dir */
	DEB_ROOT_SYMLINK, /* dst -> src */
	DEB_ROOT_BIND_RO, /* the host's src, read-only, nosuid, nodev */
	DEB_ROOT_BIND_RW, /* the host's src as it is (the target and work dirs) */
	DEB_ROOT_DEV,	  /* a host device node, bound */
	DEB_ROOT_TMPFS,	  /* a fresh tmpfs */
	DEB_ROOT_PROC,	  /* a fresh proc of the build's pid namespace */
};

struct deb_root_op {
	enum deb_root_kind kind;
	char *src, *dst; /* dst: the path inside the root (the same as on the host) */
};

struct deb_root_plan {
	struct deb_root_op *ops;
	size_t n;
};

/* What the build sees: the host's /usr, /etc, /bin, /sbin, /lib* (read
 * only), /sys (read only), a fresh /proc and /tmp, six /dev nodes,
 * resolv.conf's target when it lies outside /etc, mmdebstrap itself when
 * it lies outside /usr, the dirs of file: and copy: mirrors among the
 * sources.list lines (read only), and target and work read-write at their
 * own paths. Not $HOME, not the rest of clan's storage, not /run or /var. */
void debimage_root_plan(const char *target, const char *work, const char *mmdebstrap,
			const struct strv *mirrors, struct deb_root_plan *p);
void debimage_root_plan_free(struct deb_root_plan *p);
/* One more dir of the host in the plan, read-only (a delta's base). */
void debimage_root_plan_bind_ro(struct deb_root_plan *p, const char *dir);

/* Mounts a tmpfs on root (an empty dir), builds p in it and pivots into
 * it. For the build's child: root of a new user, mount and pid namespace,
 * its mounts already private. */
int debimage_root_enter(const char *root, const struct deb_root_plan *p, struct clan_err *err);

#endif
