#define _GNU_SOURCE
#include "build/build_copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/dl_archive.h"
#include "base/safe_path.h"
#include "base/strbuf.h"
#include "image/imgstore.h"
#include "image/layer_write.h"
#include "fs/overlay.h"
#include "fs/overlay_kernel.h"
#include "ns/chown_record.h"
#include "ns/userns_exec.h"

/* What one copy needs while it runs, in the child. */
struct copier {
	const struct copy_step *s;
	int root;	  /* the stage's merged root */
	int src_root;	  /* the context, or the --from stage's root */
	bool keep_owners; /* --chown can take effect (ids are mapped) */
};

/* The parent dir of abs inside the root, made when missing; *base
 * points into abs at the last component. */
static int open_parent(int root, const char *abs, const char **base, int *fd, struct clan_err *err)
{
	const char *slash = strrchr(abs, '/');
	*base = slash + 1;
	_cleanup_free_ char *dir = xstrndup(abs, (size_t)(slash - abs));
	return safe_path_open(root, *dir ? dir : "/", SP_MKDIR, fd, err);
}

/* Owner, mode and times of what fd is (a file or dir this step made): by
 * the fd, so nothing is followed. The owner is --chown's, else (from
 * another stage) the source's, else the step's root. With one mapped id
 * the owner is recorded (chown_record.h): --chown's, or the one recorded
 * on src_fd (-1: none). */
static int set_meta_fd(const struct copier *c, int fd, int src_fd, const char *what,
		       const struct stat *st, struct clan_err *err)
{
	bool own = c->keep_owners && (c->s->chown || c->s->from);
	uid_t uid = c->s->chown ? c->s->uid : st->st_uid;
	gid_t gid = c->s->chown ? c->s->gid : st->st_gid;
	if (own && fchown(fd, uid, gid) < 0)
		return clan_error(err, errno, "cannot chown %s", what);
	uint32_t ruid = c->s->uid, rgid = c->s->gid;
	bool record = !c->keep_owners && (c->s->chown || (c->s->from && src_fd >= 0));
	if (record && !c->s->chown)
		chown_record_get(src_fd, &ruid, &rgid);
	if (record && chown_record_set(fd, ruid, rgid) < 0)
		return clan_error(err, errno, "cannot record the owner of %s", what);
	mode_t mode = c->s->chmod >= 0 ? (mode_t)c->s->chmod : st->st_mode & 07777;
	if (fchmod(fd, mode) < 0)
		return clan_error(err, errno, "cannot chmod %s", what);
	struct timespec ts[2] = {st->st_mtim, st->st_mtim};
	if (futimens(fd, ts) < 0)
		return clan_error(err, errno, "cannot set the times of %s", what);
	return 0;
}

/* The same for a symlink this step made, by name in dir, never followed. */
static int set_meta_link(const struct copier *c, int dir, const char *name, const struct stat *st,
			 struct clan_err *err)
{
	bool own = c->keep_owners && (c->s->chown || c->s->from);
	uid_t uid = c->s->chown ? c->s->uid : st->st_uid;
	gid_t gid = c->s->chown ? c->s->gid : st->st_gid;
	if (own && fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return clan_error(err, errno, "cannot chown %s", name);
	struct timespec ts[2] = {st->st_mtim, st->st_mtim};
	if (utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return clan_error(err, errno, "cannot set the times of %s", name);
	return 0;
}

static int copy_data(int from, int to, const char *what, struct clan_err *err)
{
	for (;;) {
		ssize_t n = sendfile(to, from, NULL, 1 << 30);
		if (n == 0)
			return 0;
		if (n < 0)
			return clan_error(err, errno, "cannot copy %s", what);
	}
}

/* One non-directory: src (relative to the source root) to abs. What was
 * there (not a dir) is replaced, as a copy into a container does. */
/* A context file must still be what the step's key was made of: one
 * changed since the hashing would be stored under the old content's key. */
static int same_file(const struct copier *c, int fd, const char *src, const struct stat *want,
		     struct clan_err *err)
{
	struct stat now;
	if (!c->s->ctx)
		return 0;
	if (fstat(fd, &now) < 0)
		return clan_error(err, errno, "cannot stat %s", src);
	if (now.st_size != want->st_size || now.st_mtim.tv_sec != want->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != want->st_mtim.tv_nsec || now.st_ino != want->st_ino)
		return clan_error_code(err, CLAN_EXIT_FAIL,
				       "%s changed while the build ran; build again", src);
	return 0;
}

static int copy_leaf(const struct copier *c, const char *src, const struct stat *st,
		     const char *abs, struct clan_err *err)
{
	const char *base;
	_cleanup_close_ int dir = -1;
	if (open_parent(c->root, abs, &base, &dir, err) < 0)
		return -1;
	struct stat old;
	if (fstatat(dir, base, &old, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(old.st_mode))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "cannot copy %s onto the directory %s", src, abs);
		if (unlinkat(dir, base, 0) < 0)
			return clan_error(err, errno, "cannot replace %s", abs);
	}
	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(c->src_root, src, target, sizeof target - 1);
		if (n < 0)
			return clan_error(err, errno, "cannot read the link %s", src);
		target[n] = '\0';
		if (symlinkat(target, dir, base) < 0)
			return clan_error(err, errno, "cannot create %s", abs);
		return set_meta_link(c, dir, base, st, err);
	}
	_cleanup_close_ int in = openat(c->src_root, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return clan_error(err, errno, "cannot read %s", src);
	_cleanup_close_ int out =
	    openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return clan_error(err, errno, "cannot create %s", abs);
	if (copy_data(in, out, src, err) < 0 || same_file(c, in, src, st, err) < 0)
		return -1;
	return set_meta_fd(c, out, in, abs, st, err);
}

/* ADD: a tar (plain or gzip, bzip2, xz, zstd), told by its first bytes as
 * Docker tells it, not by its name. */
static bool is_archive(int fd)
{
	unsigned char h[512];
	ssize_t n = pread(fd, h, sizeof h, 0);
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return true;
	if (n >= 3 && memcmp(h, "BZh", 3) == 0)
		return true;
	static const unsigned char xz[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
	if (n >= 6 && memcmp(h, xz, 6) == 0)
		return true;
	if (n >= 4 && memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0)
		return true;
	return n >= 262 && memcmp(h + 257, "ustar", 5) == 0;
}

/* Its entries into the dir abs, made when missing, as a layer's are
 * written: nothing leaves the dir (absolute names, "..", links out and
 * device nodes are refused). The archive's owners are kept where ids are
 * mapped. 1: no tar in it after all (a compressed file), nothing done. */
static int extract_archive(const struct copier *c, int in, const char *src, const char *abs,
			   struct clan_err *err)
{
	struct archive *a = archive_read_new();
	if (!a || archive_read_support_filter_gzip(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_bzip2(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_xz(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_zstd(a) == ARCHIVE_FATAL ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, in, 1 << 16) != ARCHIVE_OK) {
		int rc = clan_error_code(err, CLAN_EXIT_USAGE, "ADD %s: %s", src,
					 a ? archive_error_string(a) : "out of memory");
		if (a)
			archive_read_free(a);
		return rc;
	}
	struct archive_entry *e;
	int r = archive_read_next_header(a, &e);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN && r != ARCHIVE_EOF) {
		archive_read_free(a);
		return 1; /* compressed, but no tar inside: copied as it is */
	}
	_cleanup_close_ int dir = -1;
	int rc = safe_path_open(c->root, abs, SP_MKDIR, &dir, err);
	struct layer_writer w;
	layer_writer_init(&w, dir, src, c->keep_owners);
	for (; rc == 0 && r != ARCHIVE_EOF; r = archive_read_next_header(a, &e)) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			rc = clan_error_code(err, CLAN_EXIT_USAGE, "ADD %s: %s", src,
					     archive_error_string(a));
		else
			rc = layer_write_entry(&w, a, e, err);
	}
	if (rc == 0)
		rc = layer_writer_finish(&w, err);
	layer_writer_free(&w);
	archive_read_free(a);
	return rc;
}

/* A dir at abs: one the stage has keeps its owner, mode and times (as
 * BuildKit leaves an existing destination); one made here gets the
 * source's, set through its fd. */
static int copy_dir_self(const struct copier *c, const struct stat *st, const char *abs,
			 struct clan_err *err)
{
	_cleanup_close_ int fd = -1;
	struct clan_err missing;
	if (safe_path_open(c->root, abs, SP_NOCREATE, &fd, &missing) == 0)
		return 0;
	if (safe_path_open(c->root, abs, SP_MKDIR, &fd, err) < 0)
		return -1;
	_cleanup_close_ int dir = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return clan_error(err, errno, "cannot open %s", abs);
	return set_meta_fd(c, dir, -1, abs, st, err);
}

static char *join_abs(const char *dir, const char *rel)
{
	if (!*rel)
		return xstrdup(dir);
	return strcmp(dir, "/") == 0 ? xasprintf("/%s", rel) : xasprintf("%s/%s", dir, rel);
}

/* A dir of the context: its entries below it (the walk already left out
 * what .dockerignore excludes), in path order, so parents come first. */
static int copy_ctx_tree(const struct copier *c, const char *src, const char *dest,
			 struct clan_err *err)
{
	const struct build_context *ctx = c->s->ctx;
	size_t plen = strcmp(src, ".") == 0 ? 0 : strlen(src);
	for (size_t i = 0; i < ctx->n; i++) {
		const struct ctx_entry *e = &ctx->v[i];
		if (plen && (strncmp(e->path, src, plen) != 0 || e->path[plen] != '/'))
			continue;
		_cleanup_free_ char *abs = join_abs(dest, e->path + (plen ? plen + 1 : 0));
		struct stat st = {
		    .st_mode = e->mode, .st_mtim = e->mtime, .st_size = e->size, .st_ino = e->ino};
		int rc = S_ISDIR(e->mode) ? copy_dir_self(c, &st, abs, err)
					  : copy_leaf(c, e->path, &st, abs, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A dir of another stage: walked here, symlinks not followed. */
static int copy_stage_tree(const struct copier *c, const char *src, const char *dest, int depth,
			   struct clan_err *err)
{
	if (depth > 256)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s is nested too deep", src);
	_cleanup_close_ int fd =
	    openat(c->src_root, src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return clan_error(err, errno, "cannot list %s", src);
	fd = -1;
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *from = xasprintf("%s/%s", src, e->d_name);
		_cleanup_free_ char *to = join_abs(dest, e->d_name);
		struct stat st;
		if (fstatat(c->src_root, from, &st, AT_SYMLINK_NOFOLLOW) < 0)
			rc = clan_error(err, errno, "cannot stat %s", from);
		else if (S_ISDIR(st.st_mode))
			rc = copy_dir_self(c, &st, to, err) < 0
				 ? -1
				 : copy_stage_tree(c, from, to, depth + 1, err);
		else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			rc = copy_leaf(c, from, &st, to, err);
	}
	closedir(d);
	return rc;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The sources a pattern names: context paths (cleaned, relative; "." the
 * whole context). */
static int ctx_matches(const struct copier *c, const char *pattern, struct strv *out,
		       struct clan_err *err)
{
	const struct build_context *ctx = c->s->ctx;
	if (strcmp(pattern, ".") == 0) {
		strv_push(out, ".");
		return 0;
	}
	if (c->s->literal || !has_glob(pattern)) {
		if (!build_context_find(ctx, pattern))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: not found in the build context (or left "
					       "out by .dockerignore)",
					       pattern);
		strv_push(out, pattern);
		return 0;
	}
	size_t before = out->n;
	for (size_t i = 0; i < ctx->n; i++)
		if (fnmatch(pattern, ctx->v[i].path, FNM_PATHNAME) == 0)
			strv_push(out, ctx->v[i].path);
	if (out->n == before)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s: no file in the build context matches", pattern);
	return 0;
}

/* A source path as given, made relative to its root: leading '/' and
 * "./" dropped; ".." that climbs out refused. */
static int clean_source(const char *src, bool from_stage, char **out, struct clan_err *err)
{
	/* a ".." that climbs above the context's top is refused (in a stage
	 * it stops at its root, as a path in a container does) */
	int depth = 0;
	for (const char *p = src; *p && !from_stage;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (n && !(n == 1 && p[0] == '.'))
			depth++;
		if (depth < 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: outside the build context", src);
		p += n + (p[n] == '/');
	}
	_cleanup_free_ char *abs = xasprintf("/%s", src);
	_cleanup_free_ char *clean = path_clean(abs);
	*out = xstrdup(strcmp(clean, "/") == 0 ? "." : clean + 1);
	return 0;
}

static int copy_source(const struct copier *c, const char *src, const char *dest, bool dest_is_dir,
		       struct clan_err *err)
{
	struct stat st;
	const struct ctx_entry *e =
	    c->s->ctx && strcmp(src, ".") != 0 ? build_context_find(c->s->ctx, src) : NULL;
	if (e)
		st = (struct stat){
		    .st_mode = e->mode, .st_mtim = e->mtime, .st_size = e->size, .st_ino = e->ino};
	else if (fstatat(c->src_root, src, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: %s", src, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		/* a dir's contents go into dest, not the dir itself; a dest made
		 * here is 0755, as mkdir -p makes it (not the source dir's
		 * mode, which a umask of 077 would make 0700) */
		struct stat top = st;
		top.st_mode = S_IFDIR | 0755;
		if (copy_dir_self(c, &top, dest, err) < 0)
			return -1;
		return c->s->ctx ? copy_ctx_tree(c, src, dest, err)
				 : copy_stage_tree(c, src, dest, 0, err);
	}
	if (c->s->add && S_ISREG(st.st_mode)) {
		_cleanup_close_ int in =
		    openat(c->src_root, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return clan_error(err, errno, "cannot read %s", src);
		int r = is_archive(in) ? extract_archive(c, in, src, dest, err) : 1;
		if (r <= 0)
			return r;
	}
	const char *slash = strrchr(src, '/');
	_cleanup_free_ char *to =
	    dest_is_dir ? join_abs(dest, slash ? slash + 1 : src) : xstrdup(dest);
	return copy_leaf(c, src, &st, to, err);
}

/* A source in the --from stage: the links on the way to it are followed
 * inside that stage (an absolute one starts again at its root, as in a
 * container), never in the jail, and the source itself is copied as it
 * is. */
static int copy_stage_source(const struct copier *c, const char *src, const char *dest,
			     bool dest_is_dir, struct clan_err *err)
{
	const char *slash = strrchr(src, '/');
	if (!slash)
		return copy_source(c, src, dest, dest_is_dir, err);
	_cleanup_free_ char *parent = xasprintf("/%.*s", (int)(slash - src), src);
	_cleanup_close_ int at = -1;
	if (safe_path_open(c->src_root, parent, SP_NOCREATE, &at, err) < 0) {
		char why[sizeof err->msg];
		snprintf(why, sizeof why, "%s", err->msg);
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: %s", src, why);
	}
	struct copier in_parent = *c;
	in_parent.src_root = openat(at, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (in_parent.src_root < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: %s", src, strerror(errno));
	int rc = copy_source(&in_parent, slash + 1, dest, dest_is_dir, err);
	close(in_parent.src_root);
	return rc;
}

/* Whether abs is a directory in the stage (symlinks followed inside it). */
static bool is_dir_in(int root, const char *abs)
{
	int fd = -1;
	struct clan_err ignored;
	struct stat st;
	if (safe_path_open(root, abs, SP_NOCREATE, &fd, &ignored) < 0)
		return false;
	bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	close(fd);
	return dir;
}

static int copy_all(const struct copier *c, struct clan_err *err)
{
	const struct copy_step *s = c->s;
	struct strv srcs = {0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < s->srcs->n; i++) {
		_cleanup_free_ char *clean = NULL;
		rc = clean_source(s->srcs->v[i], !s->ctx, &clean, err);
		if (rc == 0 && s->ctx)
			rc = ctx_matches(c, clean, &srcs, err);
		else if (rc == 0)
			strv_push(&srcs, clean);
	}
	/* Docker's rule: several sources (or a wildcard) need a dir as
	 * dest, written with a trailing '/' */
	size_t dl = strlen(s->dest);
	bool slash = dl && s->dest[dl - 1] == '/';
	if (rc == 0 && srcs.n > 1 && !slash)
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "when copying more than one file, the destination must be "
				     "a directory and end with a /: %s",
				     s->dest);
	_cleanup_free_ char *dest = path_clean(s->dest);
	bool dest_dir = slash || is_dir_in(c->root, dest);
	for (size_t i = 0; rc == 0 && i < srcs.n; i++)
		rc = s->ctx ? copy_source(c, srcs.v[i], dest, dest_dir, err)
			    : copy_stage_source(c, srcs.v[i], dest, dest_dir, err);
	strv_free(&srcs);
	return rc;
}

/* The --from stage read-only at cdir/from: its one layer bound, or an
 * overlay of its layers. */
static int mount_from(const struct copy_step *s, struct clan_err *err)
{
	_cleanup_free_ char *at = xasprintf("%s/from", s->cdir);
	if (mkdir(at, 0700) < 0 && errno != EEXIST)
		return clan_error(err, errno, "cannot create %s", at);
	if (s->from->n == 1) {
		if (mount(s->from->v[0], at, NULL, MS_BIND | MS_REC, NULL) < 0)
			return clan_error(err, errno, "cannot mount the stage to copy from");
		return 0;
	}
	_cleanup_free_ char *merged_lowers = xasprintf("%s/from-lower", s->cdir);
	struct overlay_kmount m = {.lowers = s->from,
				   .target = at,
				   .merged_lowers = merged_lowers,
				   .flags = MS_RDONLY,
				   .userxattr = true};
	if (overlay_kernel_mount(&m, err) < 0)
		return clan_error_wrap(err, "cannot mount the stage to copy from");
	return 0;
}

/* The stage's overlay on cdir/merged: the kernel's, else fuse-overlayfs;
 * never the copy fallback (its upper dir would be the whole tree). */
static int mount_stage(const struct copy_step *s, struct clan_err *err)
{
	struct strv empty = {0};
	_cleanup_free_ char *none = xasprintf("%s/empty", s->cdir);
	if (s->lowers->n == 0) {
		/* FROM scratch: overlayfs wants a lower dir */
		if (mkdir(none, 0755) < 0 && errno != EEXIST)
			return clan_error(err, errno, "cannot create %s", none);
		strv_push(&empty, none);
	}
	struct overlay_request req = {
	    .want = OVERLAY_KERNEL, .lowers = s->lowers->n ? s->lowers : &empty, .cdir = s->cdir};
	enum overlay_kind used;
	struct clan_err kernel;
	int rc = overlay_mount(&req, &used, &kernel);
	if (rc < 0) {
		req.want = OVERLAY_FUSE;
		rc = overlay_mount(&req, &used, err);
		if (rc < 0)
			clan_error_wrap(err, "a build needs overlayfs (%s; and fuse-overlayfs)",
					kernel.msg);
	}
	strv_free(&empty);
	return rc;
}

/* Everything the step reads and writes under cdir, and cdir the root of
 * this process: a link the image or the stage to copy from plants (to /,
 * or climbing with ..) resolves inside cdir, never on the host. */
static int enter_jail(const struct copy_step *s, struct clan_err *err)
{
	if (s->ctx) {
		_cleanup_free_ char *at = xasprintf("%s/ctx", s->cdir);
		if ((mkdir(at, 0700) < 0 && errno != EEXIST) ||
		    mount(s->ctx->root, at, NULL, MS_BIND | MS_REC, NULL) < 0)
			return clan_error(err, errno, "cannot mount the build context");
	}
	/* libarchive is loaded now: there is no /usr/lib in the jail */
	if (s->add && dl_need(DL_ARCHIVE, err) < 0)
		return -1;
	if (chdir(s->cdir) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return clan_error(err, errno, "cannot enter %s", s->cdir);
	return 0;
}

struct step_call {
	const struct copy_step *s;
	bool keep_owners;
};

static int step_fn(void *arg, char *out, size_t outlen, struct clan_err *err)
{
	(void)out;
	(void)outlen;
	const struct step_call *call = arg;
	const struct copy_step *s = call->s;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return clan_error(err, errno, "cannot make a mount namespace for the build");
	if (mount_stage(s, err) < 0 || (s->from && mount_from(s, err) < 0) ||
	    enter_jail(s, err) < 0)
		return -1;
	struct copier c = {.s = s,
			   .keep_owners = call->keep_owners,
			   .root = open("/merged", O_PATH | O_DIRECTORY | O_CLOEXEC),
			   .src_root = s->ctx	 ? open("/ctx", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				       : s->from ? open("/from", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
						 : -1};
	int rc;
	if (c.root < 0 || (s->srcs && c.src_root < 0)) {
		rc = clan_error(err, errno, "cannot open the build's roots");
	} else if (s->mkdir) {
		int fd = -1;
		rc = safe_path_open(c.root, s->mkdir, SP_MKDIR, &fd, err);
		if (fd >= 0)
			close(fd);
	} else {
		rc = copy_all(&c, err);
	}
	if (c.root >= 0)
		close(c.root);
	if (c.src_root >= 0)
		close(c.src_root);
	/* a fuse-overlayfs daemon ends with its mount, not with us */
	if (umount2("/merged", MNT_DETACH) < 0 && rc == 0)
		rc = clan_error(err, errno, "cannot unmount the build's overlay");
	return rc;
}

/* Whether path is pattern's match or below it (pattern "." is all). */
static bool under(const char *path, const char *pattern, bool glob)
{
	if (strcmp(pattern, ".") == 0)
		return true;
	if (glob) {
		for (const char *p = path;; p++) {
			_cleanup_free_ char *head = xstrndup(path, (size_t)(p - path));
			if ((*p == '/' || !*p) && fnmatch(pattern, head, FNM_PATHNAME) == 0)
				return true;
			if (!*p)
				return false;
		}
	}
	size_t n = strlen(pattern);
	return strncmp(path, pattern, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int copy_sources_key(const struct build_context *ctx, const struct strv *srcs, bool literal,
		     char out[72], struct clan_err *err)
{
	struct copier c = {.s = &(struct copy_step){.ctx = ctx, .literal = literal}};
	struct strbuf text = {0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < srcs->n; i++) {
		_cleanup_free_ char *clean = NULL;
		struct strv found = {0};
		rc = clean_source(srcs->v[i], false, &clean, err);
		if (rc == 0)
			rc = ctx_matches(&c, clean, &found, err);
		strv_free(&found);
		bool glob = rc == 0 && !literal && has_glob(clean);
		for (size_t k = 0; rc == 0 && k < ctx->n; k++) {
			const struct ctx_entry *e = &ctx->v[k];
			if (!under(e->path, clean, glob))
				continue;
			char line[128];
			snprintf(line, sizeof line, "%o %s", (unsigned)e->mode,
				 S_ISREG(e->mode) ? e->hash : "");
			strbuf_adds(&text, e->path);
			strbuf_addc(&text, '\0');
			strbuf_adds(&text, line);
			if (e->link)
				strbuf_adds(&text, e->link);
			strbuf_addc(&text, '\n');
		}
		strbuf_addc(&text, '\n');
	}
	if (rc == 0)
		rc = sha256_digest(text.s ? text.s : "", text.len, out, err);
	strbuf_free(&text);
	return rc;
}

int copy_step_run(const struct copy_step *s, const struct userns_plan *plan, struct clan_err *err)
{
	/* one id inside (single mode): every file is that id's, and the
	 * owners that --chown asks for are not kept */
	struct step_call sc = {.s = s, .keep_owners = plan->mode == USERNS_SUBUID};
	struct userns_call call = {.fn = step_fn, .arg = &sc, .what = "copy files for the build"};
	return userns_call(plan, &call, err);
}
