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

static int set_meta(const struct copier *c, int fd, const char *name, const struct stat *st,
		    struct clan_err *err)
{
	bool link = S_ISLNK(st->st_mode);
	if (c->s->chown && c->keep_owners &&
	    fchownat(fd, name, c->s->uid, c->s->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return clan_error(err, errno, "cannot chown %s", name);
	mode_t mode = c->s->chmod >= 0 ? (mode_t)c->s->chmod : st->st_mode & 07777;
	if (!link && fchmodat(fd, name, mode, 0) < 0)
		return clan_error(err, errno, "cannot chmod %s", name);
	struct timespec ts[2] = {st->st_mtim, st->st_mtim};
	if (utimensat(fd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
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
		return set_meta(c, dir, base, st, err);
	}
	_cleanup_close_ int in = openat(c->src_root, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return clan_error(err, errno, "cannot read %s", src);
	_cleanup_close_ int out =
	    openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return clan_error(err, errno, "cannot create %s", abs);
	if (copy_data(in, out, src, err) < 0)
		return -1;
	return set_meta(c, dir, base, st, err);
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
 * mapped. */
static int extract_archive(const struct copier *c, int in, const char *src, const char *abs,
			   struct clan_err *err)
{
	_cleanup_close_ int dir = -1;
	if (safe_path_open(c->root, abs, SP_MKDIR, &dir, err) < 0 || dl_need(DL_ARCHIVE, err) < 0)
		return -1;
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
	struct layer_writer w;
	layer_writer_init(&w, dir, src, c->keep_owners);
	struct archive_entry *e;
	int r, rc = 0;
	while (rc == 0 && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
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

static int copy_dir_self(const struct copier *c, const struct stat *st, const char *abs,
			 struct clan_err *err)
{
	_cleanup_close_ int fd = -1;
	if (safe_path_open(c->root, abs, SP_MKDIR, &fd, err) < 0)
		return -1;
	if (strcmp(abs, "/") == 0)
		return 0; /* the root keeps what it has */
	const char *base;
	_cleanup_close_ int dir = -1;
	if (open_parent(c->root, abs, &base, &dir, err) < 0)
		return -1;
	return set_meta(c, dir, base, st, err);
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
		struct stat st = {.st_mode = e->mode, .st_mtim = e->mtime};
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
	if (!has_glob(pattern)) {
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
	_cleanup_free_ char *abs = xasprintf("/%s", src);
	_cleanup_free_ char *clean = path_clean(abs);
	/* path_clean stops ".." at the root: a climb shows as a mismatch of
	 * the number of ".." */
	if (!from_stage && strstr(src, "..")) {
		_cleanup_free_ char *probe = xasprintf("/x/%s", src);
		_cleanup_free_ char *pc = path_clean(probe);
		if (strncmp(pc, "/x/", 3) != 0 && strcmp(pc, "/x") != 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: outside the build context", src);
	}
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
		st = (struct stat){.st_mode = e->mode, .st_mtim = e->mtime};
	else if (fstatat(c->src_root, src, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: %s", src, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		/* a dir's contents go into dest, not the dir itself */
		if (copy_dir_self(c, &st, dest, err) < 0)
			return -1;
		return c->s->ctx ? copy_ctx_tree(c, src, dest, err)
				 : copy_stage_tree(c, src, dest, 0, err);
	}
	if (c->s->add && S_ISREG(st.st_mode)) {
		_cleanup_close_ int in =
		    openat(c->src_root, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return clan_error(err, errno, "cannot read %s", src);
		if (is_archive(in))
			return extract_archive(c, in, src, dest, err);
	}
	const char *slash = strrchr(src, '/');
	_cleanup_free_ char *to =
	    dest_is_dir ? join_abs(dest, slash ? slash + 1 : src) : xstrdup(dest);
	return copy_leaf(c, src, &st, to, err);
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
		rc = copy_source(c, srcs.v[i], dest, dest_dir, err);
	strv_free(&srcs);
	return rc;
}

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
	_cleanup_free_ char *opts = NULL;
	struct strv lowers = {0};
	for (size_t i = 0; i < s->from->n; i++)
		strv_push(&lowers, s->from->v[i]);
	opts = overlay_options(&lowers, NULL, NULL, true);
	strv_free(&lowers);
	if (mount("overlay", at, "overlay", MS_RDONLY, opts) < 0)
		return clan_error(err, errno, "cannot mount the stage to copy from");
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
	struct strv empty = {0};
	_cleanup_free_ char *none = xasprintf("%s/empty", s->cdir);
	if (s->lowers->n == 0) {
		/* FROM scratch: overlayfs wants a lower dir */
		if (mkdir(none, 0755) < 0 && errno != EEXIST)
			return clan_error(err, errno, "cannot create %s", none);
		strv_push(&empty, none);
	}
	struct overlay_request req = {
	    .want = OVERLAY_AUTO, .lowers = s->lowers->n ? s->lowers : &empty, .cdir = s->cdir};
	enum overlay_kind used;
	int rc = overlay_mount(&req, &used, err);
	strv_free(&empty);
	if (rc == 0 && used == OVERLAY_COPY)
		rc = clan_error(err, 0,
				"a build needs overlayfs (the kernel's or fuse-overlayfs); "
				"see clan doctor");
	if (rc < 0 || (s->from && mount_from(s, err) < 0))
		return -1;
	_cleanup_free_ char *merged = xasprintf("%s/merged", s->cdir);
	_cleanup_free_ char *from = xasprintf("%s/from", s->cdir);
	struct copier c = {.s = s, .root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC)};
	c.keep_owners = call->keep_owners;
	c.src_root = s->ctx    ? dup(s->ctx->root_fd)
		     : s->from ? open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			       : -1;
	if (c.root < 0 || (s->srcs && c.src_root < 0))
		rc = clan_error(err, errno, "cannot open the build's roots");
	else if (s->mkdir) {
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

int copy_sources_key(const struct build_context *ctx, const struct strv *srcs, char out[72],
		     struct clan_err *err)
{
	struct copier c = {.s = &(struct copy_step){.ctx = ctx}};
	struct strbuf text = {0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < srcs->n; i++) {
		_cleanup_free_ char *clean = NULL;
		struct strv found = {0};
		rc = clean_source(srcs->v[i], false, &clean, err);
		if (rc == 0)
			rc = ctx_matches(&c, clean, &found, err);
		strv_free(&found);
		bool glob = has_glob(clean);
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
