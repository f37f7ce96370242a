#define _GNU_SOURCE
#include "image/layer_write.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/debug.h"
#include "base/fdio.h"
#include "base/util.h"
#include "ns/chown_record.h"

/* A directory's mode and times, applied once everything is written. */
struct layer_fixup {
	char *path;
	mode_t mode;
	struct timespec times[2];
	size_t depth, seq;
};

/* The entry being written. */
struct entry {
	struct archive *a;
	struct archive_entry *e;
	const char *name; /* as the tar has it, for messages */
	char *path;	  /* clean, relative to the layer root */
	char *dir;	  /* path's parent, "" for the root */
	const char *leaf; /* path's last component */
	int dfd;	  /* dir, open (the writer's cached fd: not ours to close) */
};

enum layer_name layer_clean_name(const char *name, char **out)
{
	if (name[0] == '/')
		return LAYER_NAME_ABSOLUTE;
	char *o = xmalloc(strlen(name) + 1);
	size_t n = 0;
	for (const char *p = name; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(o);
			return LAYER_NAME_DOTDOT;
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (n > 0)
				o[n++] = '/';
			memcpy(o + n, p, len);
			n += len;
		}
		p = end;
	}
	o[n] = '\0';
	*out = o;
	return LAYER_NAME_OK;
}

/* "layer sha256:<12 hex>: entry 'NAME' <what>[: strerror]". */
__attribute__((format(printf, 5, 6))) static int entry_fail(struct clan_err *err,
							    const struct layer_writer *w,
							    const char *name, int errno_val,
							    const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	/* a hostile name can be as long as the message */
	int max = 300;
	return clan_error(err, errno_val, "layer %.19s: entry '%.*s%s' %s", w->id, max, name,
			  strlen(name) > (size_t)max ? "..." : "", what);
}

/* Names as bytes: libarchive converts names to the locale's charset and
 * gives NULL when it cannot (UTF-8 names under LANG=C); their UTF-8 form
 * is then what the file should be called. */
static const char *entry_pathname(struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);
	return p ? p : archive_entry_pathname_utf8(e);
}

static const char *entry_hardlink(struct archive_entry *e)
{
	const char *p = archive_entry_hardlink(e);
	return p ? p : archive_entry_hardlink_utf8(e);
}

static const char *entry_symlink(struct archive_entry *e)
{
	const char *p = archive_entry_symlink(e);
	return p ? p : archive_entry_symlink_utf8(e);
}

/* Opens name below dirfd as a directory, never following a symlink;
 * creates it (0755, as tar does for parents it does not list) when
 * missing and create is set. */
static int open_component(int dirfd, const char *name, bool create)
{
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(dirfd, name, 0755) < 0)
		return -1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* 0755 whatever the umask: every uid of the container reads it */
	if (fchmod(fd, 0755) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Why component comp (the end of dir's first len bytes) did not open. */
static int component_error(const struct layer_writer *w, const char *name, const char *link,
			   const char *dir, size_t len, int dirfd, const char *comp,
			   struct clan_err *err)
{
	int e = errno;
	char pre[320] = "";
	if (link)
		snprintf(pre, sizeof pre, "(a hardlink to '%s') ", link);
	struct stat st;
	if (fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return entry_fail(err, w, name, 0, "%sgoes through the symlink '%.*s'; refusing it",
				  pre, (int)len, dir);
	if (e == ENOTDIR)
		return entry_fail(err, w, name, 0, "%sis below '%.*s', which is not a directory",
				  pre, (int)len, dir);
	if (link && e == ENOENT)
		return entry_fail(err, w, name, 0, "%snames a file not in the layer", pre);
	return entry_fail(err, w, name, e, "%scannot open '%.*s'", pre, (int)len, dir);
}

/* Opens dir (clean, relative, "" for the root) below the layer root, one
 * component at a time. name (and link, for a hardlink's target) are for
 * messages. */
static int open_dir(const struct layer_writer *w, const char *name, const char *link,
		    const char *dir, bool create, int *out, struct clan_err *err)
{
	_cleanup_close_ int cur = openat(w->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return clan_error(err, errno, "layer %.19s: cannot open the layer dir", w->id);
	for (const char *p = dir; *p;) {
		size_t n = strcspn(p, "/");
		_cleanup_free_ char *comp = xstrndup(p, n);
		int next = open_component(cur, comp, create);
		if (next < 0)
			return component_error(w, name, link, dir, (size_t)(p - dir) + n, cur, comp,
					       err);
		close(cur);
		cur = next;
		p += n;
		p += *p == '/';
	}
	*out = steal_fd(&cur);
	return 0;
}

static void forget_dir(struct layer_writer *w)
{
	if (w->dir_fd >= 0)
		close(w->dir_fd);
	w->dir_fd = -1;
	free(w->dir_path);
	w->dir_path = NULL;
}

/* Opens the entry's parent. The last one stays open: tars list a dir's
 * files together. It stays valid because an entry only ever removes a
 * child of its own parent, and the cache is always that parent. */
static int parent_dir(struct layer_writer *w, struct entry *en, struct clan_err *err)
{
	if (w->dir_fd >= 0 && strcmp(w->dir_path, en->dir) == 0) {
		en->dfd = w->dir_fd;
		return 0;
	}
	forget_dir(w);
	int fd;
	if (open_dir(w, en->name, NULL, en->dir, true, &fd, err) < 0)
		return -1;
	w->dir_fd = en->dfd = fd;
	w->dir_path = xstrdup(en->dir);
	return 0;
}

/* Makes room for the entry, as tar does: a later entry replaces an
 * earlier one of the same name. 1: a dir is there and a dir is wanted
 * (kept, with its contents); 0: the name is free. */
static int clear_leaf(const struct layer_writer *w, const struct entry *en, bool want_dir,
		      struct clan_err *err)
{
	struct stat st;
	if (fstatat(en->dfd, en->leaf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return entry_fail(err, w, en->name, errno, "cannot be written");
	}
	if (S_ISDIR(st.st_mode)) {
		if (want_dir)
			return 1;
		if (unlinkat(en->dfd, en->leaf, AT_REMOVEDIR) < 0)
			return entry_fail(err, w, en->name, errno, "cannot replace a directory");
		return 0;
	}
	if (unlinkat(en->dfd, en->leaf, 0) < 0)
		return entry_fail(err, w, en->name, errno, "cannot replace an earlier entry");
	return 0;
}

static mode_t entry_mode(const struct layer_writer *w, struct archive_entry *e)
{
	mode_t m = archive_entry_perm(e) & 07777;
	/* the file would be setuid to the user (or setgid to their group) */
	if (!w->keep_owners)
		m &= ~(mode_t)(S_ISUID | S_ISGID);
	return m;
}

static void entry_times(struct archive_entry *e, struct timespec t[2])
{
	t[0] = (struct timespec){.tv_nsec = UTIME_OMIT};
	t[1] = (struct timespec){.tv_nsec = UTIME_OMIT};
	if (archive_entry_atime_is_set(e))
		t[0] = (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)};
	if (archive_entry_mtime_is_set(e))
		t[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
}

/* Gives the entry the tar's owner, through fd or (fd < 0) by name
 * without following a symlink. Ids are container ids: we are root of a
 * user namespace whose maps put them in the user's subordinate range. */
static int set_owner(const struct layer_writer *w, const struct entry *en, int fd,
		     struct clan_err *err)
{
	la_int64_t uid = archive_entry_uid(en->e), gid = archive_entry_gid(en->e);
	if (uid < 0 || gid < 0 || uid >= UINT32_MAX || gid >= UINT32_MAX)
		return entry_fail(err, w, en->name, 0, "has an impossible owner %lld:%lld",
				  (long long)uid, (long long)gid);
	/* one mapped id: the owner is recorded, not given (a link keeps none) */
	if (!w->keep_owners)
		return fd < 0 || (uid == 0 && gid == 0) ||
			       chown_record_set(fd, (uint32_t)uid, (uint32_t)gid) == 0
			   ? 0
			   : entry_fail(err, w, en->name, errno, "cannot record its owner");
	int r = fd >= 0 ? fchown(fd, (uid_t)uid, (gid_t)gid)
			: fchownat(en->dfd, en->leaf, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW);
	if (r == 0)
		return 0;
	if (errno == EINVAL) /* not mapped in our namespace */
		return entry_fail(err, w, en->name, 0,
				  "belongs to %lld:%lld, outside your subordinate ids; ask for a "
				  "larger range in /etc/subuid and /etc/subgid",
				  (long long)uid, (long long)gid);
	return entry_fail(err, w, en->name, errno, "cannot be given its owner");
}

/* user.* only: security.* and trusted.* are the host's policy and need
 * real privilege; user.overlay.* is overlayfs's own metadata (with
 * userxattr), which only a whiteout may set. */
static bool is_kept_xattr(const char *name)
{
	return strncmp(name, "user.", 5) == 0 && strncmp(name, "user.overlay.", 13) != 0;
}

/* Before the mode: setting user.* needs write permission on the file. */
static int set_xattrs(const struct layer_writer *w, const struct entry *en, int fd,
		      struct clan_err *err)
{
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(en->e);
	while (archive_entry_xattr_next(en->e, &name, &value, &size) == ARCHIVE_OK) {
		if (!is_kept_xattr(name))
			continue;
		/* ENOTSUP: a store without user xattrs is refused when it is opened */
		if (fsetxattr(fd, name, value, size, 0) < 0 && errno != ENOTSUP)
			return entry_fail(err, w, en->name, errno, "cannot be given the xattr %s",
					  name);
	}
	return 0;
}

static int copy_data(const struct layer_writer *w, const struct entry *en, int fd,
		     struct clan_err *err)
{
	const void *buf;
	size_t size;
	la_int64_t off, end = 0;
	int r;
	while ((r = archive_read_data_block(en->a, &buf, &size, &off)) == ARCHIVE_OK) {
		if (!pwrite_all(fd, buf, size, (off_t)off))
			return entry_fail(err, w, en->name, errno, "cannot be written");
		end = off + (la_int64_t)size;
	}
	if (r != ARCHIVE_EOF)
		return entry_fail(err, w, en->name, 0, "cannot be read: %s",
				  archive_error_string(en->a));
	/* a sparse file ending in a hole */
	la_int64_t total = archive_entry_size(en->e);
	if (end < total && ftruncate(fd, total) < 0)
		return entry_fail(err, w, en->name, errno, "cannot be written");
	return 0;
}

/* Owner first: chown clears setuid bits, the mode puts them back. */
static int write_regular(const struct layer_writer *w, const struct entry *en, struct clan_err *err)
{
	if (clear_leaf(w, en, false, err) < 0)
		return -1;
	_cleanup_close_ int fd =
	    openat(en->dfd, en->leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return entry_fail(err, w, en->name, errno, "cannot be created");
	if (copy_data(w, en, fd, err) < 0 || set_owner(w, en, fd, err) < 0 ||
	    set_xattrs(w, en, fd, err) < 0)
		return -1;
	struct timespec t[2];
	entry_times(en->e, t);
	if (fchmod(fd, entry_mode(w, en->e)) < 0 || futimens(fd, t) < 0)
		return entry_fail(err, w, en->name, errno, "cannot be given its mode and time");
	return 0;
}

static void push_fixup(struct layer_writer *w, const struct entry *en)
{
	if (w->nfixups == w->capfixups) {
		w->capfixups = w->capfixups ? 2 * w->capfixups : 64;
		w->fixups = xrealloc(w->fixups, w->capfixups * sizeof *w->fixups);
	}
	struct layer_fixup *f = &w->fixups[w->nfixups];
	*f = (struct layer_fixup){
	    .path = xstrdup(en->path), .mode = entry_mode(w, en->e), .depth = 1, .seq = w->nfixups};
	for (const char *p = en->path; *p; p++)
		f->depth += *p == '/';
	entry_times(en->e, f->times);
	w->nfixups++;
}

/* 0700 until the end: filled first, given the tar's mode last. */
static int write_dir(struct layer_writer *w, const struct entry *en, struct clan_err *err)
{
	int kept = clear_leaf(w, en, true, err);
	if (kept < 0)
		return -1;
	if (!kept && mkdirat(en->dfd, en->leaf, 0700) < 0)
		return entry_fail(err, w, en->name, errno, "cannot be created");
	_cleanup_close_ int fd =
	    openat(en->dfd, en->leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return entry_fail(err, w, en->name, errno, "cannot be opened");
	if (set_owner(w, en, fd, err) < 0 || set_xattrs(w, en, fd, err) < 0)
		return -1;
	push_fixup(w, en);
	return 0;
}

/* The target is stored as is: a symlink may point anywhere, it is only
 * never followed while extracting. */
static int write_symlink(const struct layer_writer *w, const struct entry *en, struct clan_err *err)
{
	const char *target = entry_symlink(en->e);
	if (!target || !*target)
		return entry_fail(err, w, en->name, 0, "is a symlink without a target");
	if (clear_leaf(w, en, false, err) < 0)
		return -1;
	if (symlinkat(target, en->dfd, en->leaf) < 0)
		return entry_fail(err, w, en->name, errno, "cannot be created");
	struct timespec t[2];
	entry_times(en->e, t);
	if (set_owner(w, en, -1, err) < 0)
		return -1;
	if (utimensat(en->dfd, en->leaf, t, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_fail(err, w, en->name, errno, "cannot be given its time");
	return 0;
}

/* The fifo was just made by us, so fchmodat (which follows) finds it. */
static int write_fifo(const struct layer_writer *w, const struct entry *en, struct clan_err *err)
{
	if (clear_leaf(w, en, false, err) < 0)
		return -1;
	if (mkfifoat(en->dfd, en->leaf, 0600) < 0)
		return entry_fail(err, w, en->name, errno, "cannot be created");
	if (set_owner(w, en, -1, err) < 0)
		return -1;
	struct timespec t[2];
	entry_times(en->e, t);
	if (fchmodat(en->dfd, en->leaf, entry_mode(w, en->e), 0) < 0 ||
	    utimensat(en->dfd, en->leaf, t, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_fail(err, w, en->name, errno, "cannot be given its mode and time");
	return 0;
}

/* A hardlink's target must be an earlier entry: its name is cleaned like
 * an entry's, its dirs opened without following symlinks, and linkat
 * without AT_SYMLINK_FOLLOW links a symlink itself, never what it names. */
static int write_hardlink(const struct layer_writer *w, const struct entry *en, const char *link,
			  struct clan_err *err)
{
	_cleanup_free_ char *target = NULL;
	if (layer_clean_name(link, &target) != LAYER_NAME_OK || !*target)
		return entry_fail(err, w, en->name, 0,
				  "is a hardlink to '%s', outside the layer; refusing it", link);
	if (strcmp(target, en->path) == 0)
		return 0;
	char *slash = strrchr(target, '/');
	_cleanup_free_ char *tdir =
	    slash ? xstrndup(target, (size_t)(slash - target)) : xstrdup("");
	const char *tleaf = slash ? slash + 1 : target;
	_cleanup_close_ int tfd = -1;
	if (open_dir(w, en->name, link, tdir, false, &tfd, err) < 0 ||
	    clear_leaf(w, en, false, err) < 0)
		return -1;
	if (linkat(tfd, tleaf, en->dfd, en->leaf, 0) == 0)
		return 0;
	if (errno == ENOENT)
		return entry_fail(err, w, en->name, 0,
				  "(a hardlink to '%s') names a file not in the layer", link);
	return entry_fail(err, w, en->name, errno, "cannot be linked to '%s'", link);
}

/* overlayfs's whiteout is a 0:0 character device, which mknod allows
 * without privilege since Linux 5.8. The kernel's overlayfs needs the
 * conversion: it shows a `.wh.NAME` file as just that. fuse-overlayfs
 * (1.10, checked with the same layers) hides NAME for either form, and
 * honours user.overlay.opaque too (a dir without it shows the lower
 * files there as well), so one extracted layer serves both. */
static int make_whiteout(const struct layer_writer *w, const struct entry *en, const char *name,
			 struct clan_err *err)
{
	if (mknodat(en->dfd, name, S_IFCHR, makedev(0, 0)) < 0)
		return entry_fail(err, w, en->name, errno,
				  "cannot be made a whiteout (a 0:0 character device, which "
				  "needs Linux >= 5.8 without privilege)");
	return 0;
}

/* overlayfs mounted with userxattr (as mounts in a user namespace must
 * be) reads user.overlay.opaque, not trusted.overlay.opaque. */
static int set_opaque(const struct layer_writer *w, const struct entry *en, struct clan_err *err)
{
	_cleanup_close_ int fd = openat(en->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0)
		return entry_fail(err, w, en->name, errno,
				  "cannot mark its directory opaque (xattr user.overlay.opaque)");
	return 0;
}

/* `.wh.NAME`: NAME is deleted in this layer; `.wh..wh..opq`: its dir
 * hides the lower layers' contents. */
static int write_whiteout(const struct layer_writer *w, const struct entry *en,
			  struct clan_err *err)
{
	const char *victim = en->leaf + 4;
	if (strcmp(victim, ".wh..opq") == 0)
		return set_opaque(w, en, err);
	/* other `.wh..wh.` names are aufs bookkeeping (.wh..wh.plnk) */
	if (strncmp(victim, ".wh.", 4) == 0)
		return 0;
	if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return entry_fail(err, w, en->name, 0, "is a whiteout of nothing; refusing it");
	/* a whiteout hides lower layers only: a file of this layer of the
	 * same name stays (OCI image spec) */
	struct stat st;
	if (fstatat(en->dfd, victim, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return entry_fail(err, w, en->name, errno, "cannot be written");
	return make_whiteout(w, en, victim, err);
}

static int write_device(const struct layer_writer *w, const struct entry *en, bool chr,
			struct clan_err *err)
{
	dev_t dev = archive_entry_rdev(en->e);
	/* an overlayfs whiteout already (a tar of an overlay upper dir) */
	if (chr && dev == 0)
		return clear_leaf(w, en, false, err) < 0 ? -1 : make_whiteout(w, en, en->leaf, err);
	/* Debian rootfs tarballs (mmdebstrap, debootstrap) made into images
	 * hold /dev/console, /dev/null...: nobody can mknod them in a user
	 * namespace, and a container's /dev is clan's own anyway, so they are
	 * skipped, as rootless Podman skips them. */
	clan_debug("layer %.19s: entry '%.300s' is a %s device (%u:%u): skipped", w->id, en->name,
		   chr ? "character" : "block", major(dev), minor(dev));
	return 0;
}

static int write_node(struct layer_writer *w, const struct entry *en, struct clan_err *err)
{
	if (strncmp(en->leaf, ".wh.", 4) == 0)
		return write_whiteout(w, en, err);
	const char *link = entry_hardlink(en->e);
	if (link)
		return write_hardlink(w, en, link, err);
	switch (archive_entry_filetype(en->e)) {
	case AE_IFREG:
		return write_regular(w, en, err);
	case AE_IFDIR:
		return write_dir(w, en, err);
	case AE_IFLNK:
		return write_symlink(w, en, err);
	case AE_IFIFO:
		return write_fifo(w, en, err);
	case AE_IFCHR:
		return write_device(w, en, true, err);
	case AE_IFBLK:
		return write_device(w, en, false, err);
	default:
		return entry_fail(err, w, en->name, 0, "has an unknown type %o; refusing it",
				  (unsigned)archive_entry_filetype(en->e));
	}
}

void layer_writer_init(struct layer_writer *w, int root_fd, const char *id, bool keep_owners)
{
	*w = (struct layer_writer){
	    .root_fd = root_fd, .id = id, .keep_owners = keep_owners, .dir_fd = -1};
}

int layer_write_entry(struct layer_writer *w, struct archive *a, struct archive_entry *e,
		      struct clan_err *err)
{
	struct entry en = {.a = a, .e = e, .name = entry_pathname(e), .dfd = -1};
	if (!en.name)
		return clan_error(err, 0, "layer %.19s: an entry has no readable name; refusing it",
				  w->id);
	if (layer_clean_name(en.name, &en.path) != LAYER_NAME_OK)
		return entry_fail(err, w, en.name, 0, "leaves the layer; refusing it");
	/* no usable file has a longer path, and the walk costs a syscall a
	 * component */
	if (strlen(en.path) >= PATH_MAX) {
		free(en.path);
		return entry_fail(err, w, en.name, 0, "is longer than %d bytes; refusing it",
				  PATH_MAX - 1);
	}
	/* "./": the layer root, whose mode and owner are the store's */
	if (!*en.path) {
		free(en.path);
		return 0;
	}
	char *slash = strrchr(en.path, '/');
	en.dir = slash ? xstrndup(en.path, (size_t)(slash - en.path)) : xstrdup("");
	en.leaf = slash ? slash + 1 : en.path;
	int rc = parent_dir(w, &en, err);
	if (rc == 0)
		rc = write_node(w, &en, err);
	free(en.path);
	free(en.dir);
	return rc;
}

/* Deepest first (a parent made read-only would hide its children); for
 * one path, its entries together, the tar's last one last. */
static int fixup_cmp(const void *pa, const void *pb)
{
	const struct layer_fixup *a = pa, *b = pb;
	if (a->depth != b->depth)
		return a->depth > b->depth ? -1 : 1;
	int c = strcmp(a->path, b->path);
	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* A dir replaced or removed by a later entry is skipped. */
static int apply_fixup(const struct layer_writer *w, const struct layer_fixup *f,
		       struct clan_err *err)
{
	char *slash = strrchr(f->path, '/');
	_cleanup_free_ char *dir =
	    slash ? xstrndup(f->path, (size_t)(slash - f->path)) : xstrdup("");
	const char *leaf = slash ? slash + 1 : f->path;
	_cleanup_close_ int dfd = -1;
	struct clan_err ignored;
	if (open_dir(w, f->path, NULL, dir, false, &dfd, &ignored) < 0)
		return 0;
	_cleanup_close_ int fd = openat(dfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP
			   ? 0
			   : entry_fail(err, w, f->path, errno, "cannot be opened");
	if (fchmod(fd, f->mode) < 0 || futimens(fd, f->times) < 0)
		return entry_fail(err, w, f->path, errno, "cannot be given its mode and time");
	return 0;
}

int layer_writer_finish(struct layer_writer *w, struct clan_err *err)
{
	forget_dir(w);
	if (w->nfixups > 0)
		qsort(w->fixups, w->nfixups, sizeof *w->fixups, fixup_cmp);
	for (size_t i = 0; i < w->nfixups; i++) {
		const struct layer_fixup *f = &w->fixups[i];
		bool superseded = i + 1 < w->nfixups && w->fixups[i + 1].depth == f->depth &&
				  strcmp(w->fixups[i + 1].path, f->path) == 0;
		if (!superseded && apply_fixup(w, f, err) < 0)
			return -1;
	}
	return 0;
}

void layer_writer_free(struct layer_writer *w)
{
	forget_dir(w);
	for (size_t i = 0; i < w->nfixups; i++)
		free(w->fixups[i].path);
	free(w->fixups);
	w->fixups = NULL;
	w->nfixups = w->capfixups = 0;
}
