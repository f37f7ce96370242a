/* Internals of deb: images shared by debimage.c (references, the cache),
 * debimage_build.c (mmdebstrap in a user namespace) and debimage_sources.c
 * (the host's Debian mirror). */
#ifndef CLAN_DEBIMAGE_INT_H
#define CLAN_DEBIMAGE_INT_H

#include <stdbool.h>
#include <stdint.h>

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
};

/* Builds layer r->id with mmdebstrap and commits it atomically; *size is
 * its disk usage. Nothing of it is left on failure; SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT are held during the build and raised again once the
 * temp dirs are gone. */
int debimage_build(const struct debimage_req *r, uint64_t *size, struct clan_err *err);

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

/* Mounts a tmpfs on root (an empty dir), builds p in it and pivots into
 * it. For the build's child: root of a new user, mount and pid namespace,
 * its mounts already private. */
int debimage_root_enter(const char *root, const struct deb_root_plan *p, struct clan_err *err);

#endif
