#define _GNU_SOURCE
#include "base/fsinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "base/util.h"

struct fs_kind {
	const char *name;
	uint32_t magic;
	bool shared;
};

/* Magic numbers from linux/magic.h and the out-of-tree filesystems' own
 * headers (Lustre, GPFS, BeeGFS do not appear in the kernel tree). */
static const struct fs_kind fs_kinds[] = {
    {"ext4", 0xEF53u, false},
    {"xfs", 0x58465342u, false},
    {"btrfs", 0x9123683Eu, false},
    {"tmpfs", 0x01021994u, false},
    {"ramfs", 0x858458F6u, false},
    {"overlay", 0x794C7630u, false},
    {"zfs", 0x2FC12FC1u, false},
    {"f2fs", 0xF2F52010u, false},
    {"jfs", 0x3153464Au, false},
    {"reiserfs", 0x52654973u, false},
    {"vfat", 0x4D44u, false},
    {"exfat", 0x2011BAB0u, false},
    {"9p", 0x01021997u, false},
    {"proc", 0x9FA0u, false},
    {"sysfs", 0x62656572u, false},
    /* network and cluster filesystems, and FUSE */
    {"nfs", FSINFO_NFS, true},
    {"lustre", FSINFO_LUSTRE, true},
    {"gpfs", FSINFO_GPFS, true},
    {"cifs", FSINFO_CIFS, true},
    {"smb2", FSINFO_SMB2, true},
    {"beegfs", FSINFO_BEEGFS, true},
    {"fuse", FSINFO_FUSE, true},
    {"ceph", FSINFO_CEPH, true},
    {"afs", FSINFO_AFS, true},
};

static const struct fs_kind *find_kind(uint32_t f_type)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_kinds); i++)
		if (fs_kinds[i].magic == f_type)
			return &fs_kinds[i];
	return NULL;
}

const char *fsinfo_name(uint32_t f_type, char *buf, unsigned long len)
{
	const struct fs_kind *k = find_kind(f_type);
	if (k)
		return k->name;
	snprintf(buf, len, "unknown (0x%x)", (unsigned)f_type);
	return buf;
}

bool fsinfo_is_shared(uint32_t f_type)
{
	const struct fs_kind *k = find_kind(f_type);
	return k && k->shared;
}

char *fsinfo_nearest_existing(const char *path)
{
	_cleanup_free_ char *p = xstrdup(*path ? path : ".");
	struct stat st;

	/* Any stat failure (ENOENT, or EACCES on a component) means "not
	 * here": the ancestor is still the filesystem we would land on. */
	while (stat(p, &st) < 0) {
		char *slash = strrchr(p, '/');
		if (!slash)
			return xstrdup(".");
		if (slash == p) {
			p[1] = '\0';
			break;
		}
		*slash = '\0';
	}
	return steal_pointer(&p);
}

int fsinfo_statfs_nearest(const char *path, uint32_t *f_type, char **where, struct clan_err *err)
{
	_cleanup_free_ char *near = fsinfo_nearest_existing(path);
	struct statfs sf;

	if (statfs(near, &sf) < 0)
		return clan_error(err, errno, "cannot statfs %s", near);
	/* f_type is a signed word; the magic numbers are 32-bit values. */
	*f_type = (uint32_t)sf.f_type;
	if (where)
		*where = steal_pointer(&near);
	return 0;
}
