/* The mounts that make a container's root, as plain data: built from the
 * spec, validated and printable before any namespace exists, then executed
 * by mounts.c inside the new mount namespace. */
#ifndef CLAN_MOUNT_PLAN_H
#define CLAN_MOUNT_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"
#include "fs/tmpfs_spec.h"

/* A bind mount as a container (or a stack's service) asks for it. */
struct bind_spec {
	char *src; /* absolute host path, resolved */
	char *dst; /* absolute container path */
	bool ro;
	/* Pinned by bind_source_pin when the container or stack comes up: src
	 * is then free of symlinks, dev/ino name what it was, and pin_fd (an
	 * O_PATH fd the owner keeps) stops that inode number from being
	 * reused. Every (re)start mounts that object or nothing, whatever a
	 * container has put at the path since. pin_fd -1: not pinned. */
	int pin_fd;
	dev_t dev;
	ino_t ino;
	/* a named volume: on its first use it takes what the image has at dst
	 * (owner and mode included), as Docker fills a new volume; where the
	 * image has nothing, it is made the container user's */
	bool populate;
	/* --device and CDI's deviceNodes: a character or block device node,
	 * bound as it is (no nodev), and allowed below the runtime's /dev */
	bool device;
	/* the user may open it only through a supplementary group, which a
	 * container with a subuid range drops (bind_source_pin_device) */
	bool group_only;
};

enum mount_op_kind {
	MOP_PROC,    /* fresh proc for the new pid namespace */
	MOP_SYS,     /* /sys, read-only */
	MOP_TMPFS,   /* tmpfs with data options */
	MOP_DEVPTS,  /* a new devpts instance */
	MOP_BIND,    /* bind src (host) onto dst */
	MOP_SYMLINK, /* dst -> src */
	MOP_MASK,    /* hide dst: /dev/null over a file, empty ro tmpfs over a dir */
	MOP_RO,	     /* make dst (an existing path) read-only */
};

struct mount_op {
	enum mount_op_kind kind;
	char *src;
	char *dst;
	char *data; /* tmpfs/devpts options */
	/* MOP_TMPFS: MS_* flags for mount(2) (the runtime's own: nosuid,
	 * nodev, noexec; a user's as asked) */
	unsigned long flags;
	bool ro;
	bool user;   /* came from -v or --tmpfs: errors name the volume */
	bool follow; /* symlinks in dst are followed inside the root (volumes and
		      * /etc files, as Docker does); the runtime's own mount
		      * points refuse them, so an image cannot redirect them */
	/* a new named volume (MOUNT_POPULATE_MARKER beside src): filled from
	 * the image before it is mounted, else given to uid:gid */
	bool populate;
	uint32_t uid, gid;
	/* a pinned bind source (struct bind_spec): mount only that object */
	bool pinned;
	dev_t dev;
	ino_t ino;
	bool device; /* a user's device node (struct bind_spec) */
};

/* A new named volume is a dir DIR/_data with DIR/MOUNT_POPULATE_MARKER
 * beside it; the first container to mount it fills it and removes the
 * marker. */
#define MOUNT_POPULATE_MARKER ".clan-new"

/* DIR/MOUNT_POPULATE_MARKER for a volume's src DIR/_data; NULL when src
 * has no parent. Caller frees. */
char *mount_populate_marker(const char *src);

struct mount_plan {
	struct mount_op *ops;
	size_t n;
};

/* The generated files bound over /etc/NAME, in this order. */
#define ETC_FILES 3
extern const char *const mount_plan_etc_files[ETC_FILES];

/* /dev/shm's size unless asked: docker's 64m */
#define MOUNT_SHM_DEFAULT (64ULL << 20)

struct mount_plan_input {
	const struct bind_spec *binds;
	size_t nbinds;
	const struct tmpfs_spec *tmpfs; /* mounted like volumes, sorted with them */
	size_t ntmpfs;
	uint64_t shm_size;   /* bytes; 0: MOUNT_SHM_DEFAULT */
	bool new_netns;	     /* a fresh sysfs is only allowed with our own netns */
	bool gid5_mapped;    /* devpts gid=5 (tty) only when that gid exists inside */
	const char *etc_dir; /* host dir with generated hosts, resolv.conf, hostname */
	uint32_t uid, gid;   /* the container's user: owns new volumes */
};

/* Builds the plan; refuses volume and tmpfs targets on /, /proc, /sys,
 * /dev or the same target twice (exit 2); a device may go below /dev,
 * but not on /dev itself, /dev/pts or /dev/shm. */
int mount_plan_build(const struct mount_plan_input *in, struct mount_plan *out,
		     struct clan_err *err);
void mount_plan_free(struct mount_plan *p);

/* One line describing op, for --debug. */
void mount_op_describe(const struct mount_op *op, char *buf, size_t len);

#endif
