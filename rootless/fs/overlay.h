/* The container's root: the image layers under a private upper dir. Kernel
 * overlayfs in the user namespace where it works, fuse-overlayfs where it
 * does not, a plain copy as the last resort. Runs in the child, inside the
 * new user and mount namespaces. */
#ifndef CLAN_OVERLAY_H
#define CLAN_OVERLAY_H

#include <stdbool.h>

#include "base/error.h"
#include "base/util.h"

enum overlay_kind { OVERLAY_AUTO, OVERLAY_KERNEL, OVERLAY_FUSE, OVERLAY_COPY };
const char *overlay_kind_name(enum overlay_kind k);

struct overlay_request {
	enum overlay_kind want;	   /* AUTO tries kernel, fuse, copy in turn */
	const struct strv *lowers; /* read-only layers, top first */
	bool is_host;		   /* the host's / instead of layers */
	const char *cdir;	   /* the container's dir: upper, work, merged live here */
	bool ephemeral;		   /* --rm: the writable layer is deleted afterwards */
};

/* Mounts the root on cdir/merged; *used says which way it was done. With
 * fuse, the mount namespace is unshared once more afterwards so that the
 * later pivot_root does not move fuse-overlayfs's own root. */
int overlay_mount(const struct overlay_request *req, enum overlay_kind *used, struct clan_err *err);

/* "lowerdir=A:B,upperdir=U,workdir=W[,userxattr]"; upper NULL: a
 * read-only overlay of the lowers, without upperdir and workdir. */
char *overlay_options(const struct strv *lowers, const char *upper, const char *work,
		      bool userxattr);

#endif
