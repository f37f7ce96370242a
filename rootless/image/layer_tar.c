#define _GNU_SOURCE
#include "image/layer_tar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/dl_archive.h"
#include "base/util.h"
#include "image/imgstore.h"
#include "ns/chown_record.h"
#include "ns/userns_exec.h"

struct linked {
	dev_t dev;
	ino_t ino;
	char *name;
};

struct tar_walk {
	struct archive *a;
	const char *layer;   /* for messages */
	bool recorded;	     /* owners from user.clan.owner, not the inode */
	char name[PATH_MAX]; /* the entry being written, relative */
	struct linked *links;
	size_t nlinks;
	char buf[1 << 16];
};

static int tar_error(struct tar_walk *w, struct clan_err *err)
{
	return clan_error(err, archive_errno(w->a), "cannot write the tar of layer %s at %s: %s",
			  w->layer, w->name, archive_error_string(w->a));
}

static void set_owner(struct tar_walk *w, struct archive_entry *e, int fd, const struct stat *st)
{
	uint32_t uid = st->st_uid, gid = st->st_gid;
	if (w->recorded)
		chown_record_get(fd, &uid, &gid);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
}

/* A file's data, exactly st_size bytes: a layer that changes while it is
 * saved fails rather than giving a tar that does not match its header. */
static int copy_data(struct tar_walk *w, int dfd, const char *base, const struct stat *st,
		     struct clan_err *err)
{
	/* non-blocking, and the opened file checked: in another user's
	 * store a FIFO swapped in after the walk's stat must not hang us */
	_cleanup_close_ int fd =
	    openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return clan_error(err, errno, "layer %s: cannot open %s", w->layer, w->name);
	struct stat now;
	if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev)
		return clan_error(err, 0, "layer %s: %s changed while saved", w->layer, w->name);
	off_t left = st->st_size;
	while (left > 0) {
		ssize_t n = read(fd, w->buf, sizeof w->buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return clan_error(err, n < 0 ? errno : 0,
					  "layer %s: cannot read %s (changed while saved?)",
					  w->layer, w->name);
		if (n > left)
			n = (ssize_t)left;
		if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			return tar_error(w, err);
		left -= n;
	}
	return 0;
}

/* The name this inode was first written under, or NULL (and it is
 * remembered under w->name). */
static const char *link_target(struct tar_walk *w, const struct stat *st)
{
	for (size_t i = 0; i < w->nlinks; i++)
		if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
			return w->links[i].name;
	w->links = xrealloc(w->links, (w->nlinks + 1) * sizeof *w->links);
	w->links[w->nlinks++] = (struct linked){st->st_dev, st->st_ino, xstrdup(w->name)};
	return NULL;
}

static int put_header(struct tar_walk *w, struct archive_entry *e, struct clan_err *err)
{
	archive_entry_set_pathname(e, w->name);
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		return tar_error(w, err);
	return 0;
}

/* An empty marker file: a whiteout or an opaque dir's `.wh..wh..opq`.
 * Time 0: extraction makes the whiteout anew (its time is the
 * extraction's), and the same layer must give the same tar. */
static int put_marker(struct tar_walk *w, struct clan_err *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_size(e, 0);
	int rc = put_header(w, e, err);
	archive_entry_free(e);
	return rc;
}

static bool is_opaque(int fd)
{
	char path[64], v[4];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = getxattr(path, "user.overlay.opaque", v, sizeof v);
	return n == 1 && v[0] == 'y';
}

static int walk_dir(struct tar_walk *w, int dfd, size_t len, int depth, struct clan_err *err);

/* One entry of the dir dfd, named base; w->name[..len] is its dir's
 * name with a trailing '/' (or "" at the root). */
static int put_entry(struct tar_walk *w, int dfd, const char *base, size_t len, int depth,
		     struct clan_err *err)
{
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return clan_error(err, errno, "layer %s: cannot stat %s%s", w->layer, w->name,
				  base);
	bool whiteout = S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
	int n = snprintf(w->name + len, sizeof w->name - len, "%s%s%s", whiteout ? ".wh." : "",
			 base, S_ISDIR(st.st_mode) ? "/" : "");
	if (n < 0 || (size_t)n >= sizeof w->name - len)
		return clan_error(err, ENAMETOOLONG, "layer %s: a name under %.*s is too long",
				  w->layer, (int)len, w->name);
	if (whiteout)
		return put_marker(w, err);
	if (S_ISSOCK(st.st_mode))
		return 0; /* a socket is a process's, never a layer's content */
	_cleanup_close_ int fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return clan_error(err, errno, "layer %s: cannot open %s", w->layer, w->name);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_perm(e, st.st_mode & 07777);
	archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	set_owner(w, e, fd, &st);
	const char *first = S_ISREG(st.st_mode) && st.st_nlink > 1 ? link_target(w, &st) : NULL;
	char target[PATH_MAX];
	int rc = 0;
	if (first) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, first);
	} else if (S_ISREG(st.st_mode)) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, st.st_size);
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t t = readlinkat(dfd, base, target, sizeof target - 1);
		if (t < 0)
			rc = clan_error(err, errno, "layer %s: cannot read link %s", w->layer,
					w->name);
		target[t < 0 ? 0 : t] = '\0';
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, target);
	} else if (S_ISDIR(st.st_mode)) {
		archive_entry_set_filetype(e, AE_IFDIR);
	} else if (S_ISFIFO(st.st_mode)) {
		archive_entry_set_filetype(e, AE_IFIFO);
	} else {
		rc = clan_error(err, 0, "layer %s: %s is a device node; a layer cannot hold one",
				w->layer, w->name);
	}
	if (rc == 0)
		rc = put_header(w, e, err);
	archive_entry_free(e);
	if (rc == 0 && S_ISREG(st.st_mode) && !first)
		rc = copy_data(w, dfd, base, &st, err);
	if (rc < 0 || !S_ISDIR(st.st_mode))
		return rc;
	_cleanup_close_ int sub =
	    openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return clan_error(err, errno, "layer %s: cannot open %s", w->layer, w->name);
	size_t sublen = len + (size_t)n;
	if (is_opaque(sub)) {
		snprintf(w->name + sublen, sizeof w->name - sublen, ".wh..wh..opq");
		if (put_marker(w, err) < 0)
			return -1;
	}
	return walk_dir(w, sub, sublen, depth + 1, err);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dfd, sorted, so the tar (and its digest) depends on the
 * layer's content only, not on the order a filesystem lists it in. */
static int walk_dir(struct tar_walk *w, int dfd, size_t len, int depth, struct clan_err *err)
{
	if (depth > LAYER_TAR_MAX_DEPTH)
		return clan_error(err, 0, "layer %s: %s is nested more than %d dirs deep", w->layer,
				  w->name, LAYER_TAR_MAX_DEPTH);
	int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup < 0 ? NULL : fdopendir(dup);
	if (!d) {
		if (dup >= 0)
			close(dup);
		return clan_error(err, errno, "layer %s: cannot list %.*s", w->layer, (int)len,
				  w->name);
	}
	struct strv names = {0};
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			strv_push(&names, e->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, by_name);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < names.n; i++)
		rc = put_entry(w, dfd, names.v[i], len, depth, err);
	w->name[len] = '\0';
	strv_free(&names);
	return rc;
}

struct tar_call {
	const char *path;
	int out_fd;
	bool recorded;
};

static int tar_fn(void *arg, char *out, size_t outlen, struct clan_err *err)
{
	struct tar_call *c = arg;
	(void)out;
	(void)outlen;
	_cleanup_close_ int root = open(c->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return clan_error(err, errno, "cannot open layer %s", c->path);
	struct tar_walk *w = xcalloc(1, sizeof *w);
	w->layer = c->path;
	w->recorded = c->recorded;
	w->a = archive_write_new();
	int rc = 0;
	/* pax for long names and big ids; one 512-byte block at the end, as
	 * other tools write layers (no padding to 10 KiB) */
	if (!w->a || archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, c->out_fd) != ARCHIVE_OK)
		rc = clan_error(err, 0, "cannot start the tar of layer %s", c->path);
	if (rc == 0)
		rc = walk_dir(w, root, 0, 0, err);
	if (rc == 0 && archive_write_close(w->a) != ARCHIVE_OK)
		rc = tar_error(w, err);
	if (w->a)
		archive_write_free(w->a);
	for (size_t i = 0; i < w->nlinks; i++)
		free(w->links[i].name);
	free(w->links);
	free(w);
	return rc;
}

int layer_tar_make(const char *path, const struct userns_plan *userns, int out_fd, char digest[72],
		   uint64_t *size, struct clan_err *err)
{
	if (dl_need(DL_ARCHIVE, err) < 0 || dl_need(DL_CRYPTO, err) < 0)
		return -1;
	bool subuid = userns->mode == USERNS_SUBUID;
	struct tar_call c = {.path = path, .out_fd = out_fd, .recorded = !subuid};
	int rc;
	if (userns->host_root) {
		c.recorded = false;
		rc = tar_fn(&c, NULL, 0, err);
	} else {
		/* as root of a user namespace with the store's maps: subordinate
		 * owners read as the container's ids, and files the store keeps
		 * unreadable to the user (mode 0600 of another id) can be read */
		_cleanup_free_ char *what = xasprintf("save layer %s", path);
		struct userns_call call = {.fn = tar_fn, .arg = &c, .what = what};
		rc = userns_call(userns, &call, err);
	}
	struct stat st;
	if (rc == 0 && (fstat(out_fd, &st) < 0 || lseek(out_fd, 0, SEEK_SET) < 0))
		rc = clan_error(err, errno, "cannot read back the tar of layer %s", path);
	if (rc == 0)
		rc = sha256_fd(out_fd, path, digest, err);
	if (rc == 0)
		*size = (uint64_t)st.st_size;
	return rc;
}
