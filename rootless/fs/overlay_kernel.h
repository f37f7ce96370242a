/* A kernel overlayfs mount of any number of layers. Two kernel limits stand
 * in the way of a tall image: mount(2) takes one page of options (64 hex
 * characters a layer fill it at ~60 layers), and overlayfs stacks at most
 * OVL_MAX_LOWERS lower layers. Past the page, each layer is named by an
 * O_PATH fd (a few characters); past the stack limit, the bottom layers
 * are first merged into one read-only overlay that becomes the lowest
 * layer (one level of nesting: the kernel allows two stacked filesystems). */
#ifndef CLAN_OVERLAY_KERNEL_H
#define CLAN_OVERLAY_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/util.h"

/* overlayfs's OVL_MAX_STACK */
#define OVL_MAX_LOWERS 500

struct overlay_kmount {
	const struct strv *lowers; /* read-only layers, top first; at least one */
	const char *upper, *work;  /* NULL: a read-only overlay of the lowers */
	const char *target;
	/* where the merged bottom layers are mounted when there are more than
	 * OVL_MAX_LOWERS (a dir is made there) */
	const char *merged_lowers;
	unsigned long flags;
	bool userxattr;
	bool try_volatile; /* try with `volatile` first (an upper that is thrown away) */
};

/* Mounts it; errno's message names what failed. The cwd is changed. */
int overlay_kernel_mount(const struct overlay_kmount *m, struct clan_err *err);

/* How many of n lowers stay layers of their own: the rest (none when n
 * fits the kernel's stack) are merged into one below them. 0 when even
 * that does not fit. */
size_t overlay_kernel_own_layers(size_t n);

/* Whether mount(2) takes options of this length (one page with its NUL). */
bool overlay_options_fit(size_t len);

#endif
