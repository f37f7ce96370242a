/* Unit tests for layer extraction (rootless/layer*.c). Every tar is built
 * here with libarchive's write API (plain, gzip, zstd) and extracted into
 * a store in a temp dir, as whoever runs the tests: root (owners kept),
 * a user with subordinate ids (extraction as root of a user namespace,
 * owners kept, mapped), or a user without (single mode, every file the
 * user's). The hostile cases check that nothing appears anywhere in the
 * temp dir but the store's empty skeleton. The last test mounts two
 * extracted layers with the kernel's overlayfs in a user namespace. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <sched.h>
#include <stdnoreturn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/imgstore.h"
#include "image/layer.h"
#include "image/layer_write.h"
#include "tap.h"
#include "ns/userns.h"
#include "ns/userns_exec.h"
#include "base/util.h"

/* One tar entry. type 0 is a regular file. */
struct spec {
	const char *name;
	unsigned type;
	unsigned perm;
	const char *data;
	const char *symlink, *hardlink;
	unsigned maj, min;
	int64_t uid, gid;
	time_t mtime;
	const char *xname, *xval;
};

enum comp { COMP_NONE, COMP_GZIP, COMP_ZSTD };

struct fixture {
	char root[PATH_MAX];
	struct imgstore st;
	struct userns_plan plan;
	int nblobs;
	bool ok;
};

static void fx_init(struct fixture *f, enum userns_mode mode)
{
	*f = (struct fixture){0};
	const char *tmp = getenv("TMPDIR");
	snprintf(f->root, sizeof f->root, "%s/clan-test-layer-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	struct clan_err err;
	_cleanup_free_ char *store = NULL, *outside = NULL;
	if (!mkdtemp(f->root))
		return;
	store = xasprintf("%s/store", f->root);
	outside = xasprintf("%s/outside", f->root);
	f->ok = mkdir(outside, 0755) == 0 && imgstore_open(&f->st, store, &err) == 0 &&
		userns_plan_make(mode, 0, 0, &f->plan, &err) == 0;
	if (!f->ok)
		printf("# fixture: %s\n", err.msg);
}

static bool fx_in_userns(const struct fixture *f)
{
	return f->plan.mode == USERNS_SUBUID && !f->plan.host_root;
}

static void fx_free(struct fixture *f)
{
	struct clan_err err;
	if (remove_tree(f->root, &err) < 0 &&
	    !(fx_in_userns(f) &&
	      userns_remove_tree(f->root, &f->plan.uid, &f->plan.gid, &err) == 0))
		printf("# cleanup: %s\n", err.msg);
	imgstore_close(&f->st);
}

/* archive_write_open_memory's buffer: ample for these tars. */
#define TAR_MAX (1 << 20)

static void add_entry(struct archive *a, const struct spec *s)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, s->name);
	archive_entry_set_filetype(e, s->type ? s->type : AE_IFREG);
	archive_entry_set_perm(e, s->perm ? s->perm : 0644);
	archive_entry_set_uid(e, s->uid);
	archive_entry_set_gid(e, s->gid);
	archive_entry_set_mtime(e, s->mtime ? s->mtime : 1700000000, 0);
	if (s->symlink)
		archive_entry_set_symlink(e, s->symlink);
	if (s->hardlink)
		archive_entry_set_hardlink(e, s->hardlink);
	if (s->maj || s->min) {
		archive_entry_set_rdevmajor(e, s->maj);
		archive_entry_set_rdevminor(e, s->min);
	}
	if (s->xname)
		archive_entry_xattr_add_entry(e, s->xname, s->xval, strlen(s->xval));
	size_t len = s->data ? strlen(s->data) : 0;
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		printf("# tar: %s: %s\n", s->name, archive_error_string(a));
	if (len && archive_write_data(a, s->data, len) != (la_ssize_t)len)
		printf("# tar: %s: %s\n", s->name, archive_error_string(a));
	archive_entry_free(e);
}

/* A pax tar of n entries, in memory; *len its size. Written in a UTF-8
 * locale, so non-ASCII names are UTF-8 pax records as Go's archive/tar
 * writes them; extraction then runs in the C locale, as clan does. */
static char *build_tar(const struct spec *sp, size_t n, size_t *len)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	char *buf = xmalloc(TAR_MAX);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_memory(a, buf, TAR_MAX, len) != ARCHIVE_OK)
		printf("# tar: %s\n", archive_error_string(a));
	for (size_t i = 0; i < n; i++)
		add_entry(a, &sp[i]);
	archive_write_close(a);
	archive_write_free(a);
	setlocale(LC_CTYPE, "C");
	return buf;
}

/* Writes data to path, compressed as asked. */
static bool write_blob(const char *path, const char *data, size_t len, enum comp c)
{
	struct clan_err err;
	if (c == COMP_NONE)
		return write_file(path, data, len, &err) == 0;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	bool ok = archive_write_set_format_raw(a) == ARCHIVE_OK &&
		  (c == COMP_GZIP ? archive_write_add_filter_gzip(a)
				  : archive_write_add_filter_zstd(a)) == ARCHIVE_OK &&
		  archive_write_open_filename(a, path) == ARCHIVE_OK &&
		  archive_write_header(a, e) == ARCHIVE_OK &&
		  archive_write_data(a, data, len) == (la_ssize_t)len &&
		  archive_write_close(a) == ARCHIVE_OK;
	archive_entry_free(e);
	archive_write_free(a);
	return ok;
}

/* Builds a tar of sp, writes it as a blob and extracts it; id gets the
 * diff id used (force_id when given, else the right one). */
static int extract(struct fixture *f, const struct spec *sp, size_t n, enum comp c,
		   const char *force_id, char id[72], struct clan_err *err)
{
	size_t len = 0;
	_cleanup_free_ char *tar = build_tar(sp, n, &len);
	_cleanup_free_ char *blob = xasprintf("%s/blob%d", f->root, f->nblobs++);
	if (sha256_digest(tar, len, id, &(struct clan_err){0}) < 0)
		abort();
	if (force_id)
		snprintf(id, 72, "%s", force_id);
	if (!write_blob(blob, tar, len, c))
		return clan_error(err, 0, "test: cannot write %s", blob);
	int rc = layer_extract(&f->st, blob, id, &f->plan, NULL, err);
	unlink(blob);
	return rc;
}

/* A path inside the extracted layer id. */
static char *lpath(const struct fixture *f, const char *id, const char *rel)
{
	_cleanup_free_ char *layer = imgstore_layer_path(&f->st, id);
	return xasprintf("%s/%s", layer, rel);
}

static void list_into(int dirfd, const char *prefix, struct strv *out)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *rel = xasprintf("%s/%s", prefix, e->d_name);
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			list_into(sub, rel, out);
		strv_push_owned(out, rel);
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every path below root, sorted, one a line. */
static char *listing(const char *root)
{
	struct strv v = {0};
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		list_into(fd, "", &v);
	if (v.n)
		qsort(v.v, v.n, sizeof *v.v, cmp_str);
	size_t len = 1;
	for (size_t i = 0; i < v.n; i++)
		len += strlen(v.v[i]) + 1;
	char *s = xcalloc(1, len);
	size_t o = 0;
	for (size_t i = 0; i < v.n; i++)
		o += (size_t)snprintf(s + o, len - o, "%s\n", v.v[i]);
	strv_free(&v);
	return s;
}

static bool has_xattr(const char *path, const char *name, const char *want)
{
	char buf[64];
	ssize_t n = lgetxattr(path, name, buf, sizeof buf - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

static char *read_all(const char *path)
{
	char *s = NULL;
	struct clan_err err;
	return read_file(path, 1 << 16, &s, &err) == 0 ? s : xstrdup("(unreadable)");
}

TEST(clean_name)
{
	static const struct {
		const char *in, *out;
		enum layer_name r;
	} cases[] = {
	    {"./a/b", "a/b", LAYER_NAME_OK},
	    {"a//b/", "a/b", LAYER_NAME_OK},
	    {"./", "", LAYER_NAME_OK},
	    {".", "", LAYER_NAME_OK},
	    {"././a/./b", "a/b", LAYER_NAME_OK},
	    {"..a/b..", "..a/b..", LAYER_NAME_OK},
	    {".wh..wh..opq", ".wh..wh..opq", LAYER_NAME_OK},
	    {"/abs", NULL, LAYER_NAME_ABSOLUTE},
	    {"//abs", NULL, LAYER_NAME_ABSOLUTE},
	    {"../x", NULL, LAYER_NAME_DOTDOT},
	    {"a/../../x", NULL, LAYER_NAME_DOTDOT},
	    {"a/..", NULL, LAYER_NAME_DOTDOT},
	    {"./..", NULL, LAYER_NAME_DOTDOT},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *out = NULL;
		CHECK(layer_clean_name(cases[i].in, &out) == cases[i].r);
		if (cases[i].out)
			CHECK_STR(out, cases[i].out);
		else
			CHECK(out == NULL);
		free(out);
	}
}

/* The tree every compression is tested with. */
static const struct spec basic_tree[] = {
    {.name = "./", .type = AE_IFDIR, .perm = 0755},
    {.name = "./etc/", .type = AE_IFDIR, .perm = 0755, .mtime = 1600000000},
    {.name = "./etc/hostname",
     .data = "box\n",
     .mtime = 1500000000,
     .xname = "user.clan",
     .xval = "kept"},
    {.name = "./etc/labelled", .data = "x", .xname = "security.clan", .xval = "dropped"},
    {.name = "./etc/trusted", .data = "x", .xname = "trusted.clan", .xval = "dropped"},
    {.name = "forged/",
     .type = AE_IFDIR,
     .perm = 0755,
     .xname = "user.overlay.opaque",
     .xval = "y"},
    {.name = "./bin/", .type = AE_IFDIR, .perm = 0755},
    {.name = "./bin/tool", .perm = 0755, .data = "#!/bin/sh\necho hi\n"},
    {.name = "./bin/suid", .perm = 04755, .data = "s"},
    {.name = "./bin/link", .hardlink = "./bin/tool"},
    {.name = "bin/sh", .type = AE_IFLNK, .perm = 0777, .symlink = "tool"},
    {.name = "bin/abs", .type = AE_IFLNK, .perm = 0777, .symlink = "/etc/passwd"},
    {.name = "./ro/", .type = AE_IFDIR, .perm = 0555},
    {.name = "./ro/file", .perm = 0444, .data = "read only"},
    {.name = "./late/file", .data = "dir listed after me"},
    {.name = "./late/", .type = AE_IFDIR, .perm = 0750},
    {.name = "./secret", .perm = 0600, .data = "s3cret"},
    {.name = "./fifo", .type = AE_IFIFO, .perm = 0640},
    {.name = "./implicit/deep/file", .data = "no dir entries above me"},
    {.name = "./replaced", .data = "first"},
    {.name = "./replaced", .data = "second"},
    {.name = "./utf8-\xc3\xa9", .data = "e acute"},
    {.name = "./dev0", .type = AE_IFCHR, .perm = 0600},
    {.name = "./owned", .data = "by 1000", .uid = 1000, .gid = 1000},
    {.name = "./tmp/", .type = AE_IFDIR, .perm = 01777},
};

static void check_basic(const struct fixture *f, const char *id, int *tap_failed)
{
	struct stat st, st2;
	_cleanup_free_ char *hostname = lpath(f, id, "etc/hostname");
	_cleanup_free_ char *text = read_all(hostname);
	CHECK_STR(text, "box\n");
	CHECK(lstat(hostname, &st) == 0 && (st.st_mode & 07777) == 0644 &&
	      st.st_mtime == 1500000000);
	CHECK(has_xattr(hostname, "user.clan", "kept"));
	_cleanup_free_ char *labelled = lpath(f, id, "etc/labelled");
	_cleanup_free_ char *trusted = lpath(f, id, "etc/trusted");
	_cleanup_free_ char *forged = lpath(f, id, "forged");
	CHECK(!has_xattr(labelled, "security.clan", "dropped"));
	CHECK(!has_xattr(trusted, "trusted.clan", "dropped"));
	CHECK(lgetxattr(forged, "user.overlay.opaque", NULL, 0) < 0 && errno == ENODATA);
	_cleanup_free_ char *etc = lpath(f, id, "etc");
	CHECK(lstat(etc, &st) == 0 && S_ISDIR(st.st_mode) && st.st_mtime == 1600000000);
	_cleanup_free_ char *tool = lpath(f, id, "bin/tool");
	_cleanup_free_ char *link = lpath(f, id, "bin/link");
	CHECK(lstat(tool, &st) == 0 && (st.st_mode & 07777) == 0755 && st.st_nlink == 2);
	CHECK(lstat(link, &st2) == 0 && st2.st_ino == st.st_ino);
	char target[64] = "";
	_cleanup_free_ char *sh = lpath(f, id, "bin/sh");
	_cleanup_free_ char *abs = lpath(f, id, "bin/abs");
	CHECK(readlink(sh, target, sizeof target - 1) == 4 && strcmp(target, "tool") == 0);
	CHECK(lstat(abs, &st) == 0 && S_ISLNK(st.st_mode));
	_cleanup_free_ char *ro = lpath(f, id, "ro");
	_cleanup_free_ char *rofile = lpath(f, id, "ro/file");
	CHECK(lstat(ro, &st) == 0 && (st.st_mode & 07777) == 0555);
	CHECK(lstat(rofile, &st) == 0 && (st.st_mode & 07777) == 0444 && st.st_size == 9);
	_cleanup_free_ char *late = lpath(f, id, "late");
	CHECK(lstat(late, &st) == 0 && (st.st_mode & 07777) == 0750);
	_cleanup_free_ char *secret = lpath(f, id, "secret");
	_cleanup_free_ char *fifo = lpath(f, id, "fifo");
	CHECK(lstat(secret, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0640);
	_cleanup_free_ char *implicit = lpath(f, id, "implicit/deep");
	CHECK(lstat(implicit, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
	_cleanup_free_ char *replaced = lpath(f, id, "replaced");
	_cleanup_free_ char *rtext = read_all(replaced);
	CHECK_STR(rtext, "second");
	_cleanup_free_ char *utf8 = lpath(f, id, "utf8-\xc3\xa9");
	CHECK(lstat(utf8, &st) == 0);
	_cleanup_free_ char *dev0 = lpath(f, id, "dev0");
	CHECK(lstat(dev0, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0);
	_cleanup_free_ char *tmpd = lpath(f, id, "tmp");
	CHECK(lstat(tmpd, &st) == 0 && (st.st_mode & 07777) == 01777);
}

/* Owners and setuid bits as the mode in use keeps them. */
static void check_owners(const struct fixture *f, const char *id, int *tap_failed)
{
	struct stat st;
	_cleanup_free_ char *suid = lpath(f, id, "bin/suid");
	_cleanup_free_ char *owned = lpath(f, id, "owned");
	_cleanup_free_ char *tool = lpath(f, id, "bin/tool");
	CHECK(lstat(tool, &st) == 0 && st.st_uid == getuid());
	if (f->plan.mode != USERNS_SUBUID) {
		CHECK(lstat(suid, &st) == 0 && (st.st_mode & 07777) == 0755);
		CHECK(lstat(owned, &st) == 0 && st.st_uid == getuid() && st.st_gid == getgid());
		/* one mapped id: the tar's owner is recorded (chown_record.h),
		 * root's is not */
		CHECK(has_xattr(owned, "user.clan.owner", "1000:1000"));
		CHECK(lgetxattr(tool, "user.clan.owner", NULL, 0) < 0 && errno == ENODATA);
		return;
	}
	CHECK(lstat(suid, &st) == 0 && (st.st_mode & 07777) == 04755);
	uint32_t uid = 1000, gid = 1000;
	CHECK(idmap_to_host(&f->plan.uid, 1000, &uid) && idmap_to_host(&f->plan.gid, 1000, &gid));
	CHECK(lstat(owned, &st) == 0 && st.st_uid == uid && st.st_gid == gid);
	printf("# owners kept: container 1000 is host %u\n", (unsigned)st.st_uid);
}

static void basic_with(enum comp c, enum userns_mode mode, int *tap_failed)
{
	struct fixture f;
	fx_init(&f, mode);
	CHECK(f.ok);
	char id[72];
	struct clan_err err = {0};
	int rc = extract(&f, basic_tree, ARRAY_SIZE(basic_tree), c, NULL, id, &err);
	CHECK(rc == 0);
	if (rc < 0)
		printf("# %s\n", err.msg);
	CHECK(imgstore_has_layer(&f.st, id));
	check_basic(&f, id, tap_failed);
	check_owners(&f, id, tap_failed);
	/* a second extraction of a present layer does nothing */
	char again[72], same[72];
	snprintf(same, sizeof same, "%s", id);
	CHECK(extract(&f, basic_tree, 1, c, same, again, &err) == 0);
	fx_free(&f);
}

TEST(basic_plain)
{
	basic_with(COMP_NONE, USERNS_AUTO, tap_failed);
}

TEST(basic_gzip)
{
	basic_with(COMP_GZIP, USERNS_AUTO, tap_failed);
}

TEST(basic_zstd)
{
	basic_with(COMP_ZSTD, USERNS_AUTO, tap_failed);
}

TEST(basic_single_mode)
{
	basic_with(COMP_GZIP, USERNS_SINGLE, tap_failed);
}

TEST(whiteouts)
{
	static const struct spec tree[] = {
	    {.name = "d/", .type = AE_IFDIR, .perm = 0755},
	    {.name = "d/.wh..wh..opq"},
	    {.name = "d/new", .data = "mine"},
	    {.name = ".wh.gone"},
	    {.name = "keep", .data = "same layer: stays"},
	    {.name = ".wh.keep"},
	    {.name = "x/.wh.y"},
	    {.name = ".wh..wh.plnk/", .type = AE_IFDIR, .perm = 0755},
	    {.name = "later"},
	    {.name = ".wh.later2"},
	    {.name = "later2", .data = "replaces the whiteout"},
	};
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	char id[72];
	struct clan_err err = {0};
	CHECK(extract(&f, tree, ARRAY_SIZE(tree), COMP_GZIP, NULL, id, &err) == 0);
	struct stat st;
	_cleanup_free_ char *d = lpath(&f, id, "d");
	_cleanup_free_ char *gone = lpath(&f, id, "gone");
	_cleanup_free_ char *whgone = lpath(&f, id, ".wh.gone");
	_cleanup_free_ char *keep = lpath(&f, id, "keep");
	_cleanup_free_ char *y = lpath(&f, id, "x/y");
	_cleanup_free_ char *plnk = lpath(&f, id, ".wh..wh.plnk");
	_cleanup_free_ char *later2 = lpath(&f, id, "later2");
	_cleanup_free_ char *opq = lpath(&f, id, "d/.wh..wh..opq");
	CHECK(has_xattr(d, "user.overlay.opaque", "y"));
	CHECK(lstat(opq, &st) < 0 && errno == ENOENT);
	CHECK(lstat(gone, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	CHECK(lstat(whgone, &st) < 0 && errno == ENOENT);
	CHECK(lstat(keep, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(lstat(y, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0);
	CHECK(lstat(plnk, &st) < 0 && errno == ENOENT);
	CHECK(lstat(later2, &st) == 0 && S_ISREG(st.st_mode));
	fx_free(&f);
}

/* What a refused layer must leave: nothing at all. */
static void check_refused(struct fixture *f, const struct spec *sp, size_t n, const char *want,
			  int *tap_failed)
{
	_cleanup_free_ char *before = listing(f->root);
	char id[72];
	struct clan_err err = {0};
	int rc = extract(f, sp, n, COMP_GZIP, NULL, id, &err);
	CHECK(rc < 0);
	if (!strstr(err.msg, want) || strncmp(err.msg, "layer sha256:", 13) != 0) {
		printf("#   got '%s'\n#   want '%s'\n", err.msg, want);
		CHECK(!"message");
	}
	CHECK(!imgstore_has_layer(&f->st, id));
	_cleanup_free_ char *after = listing(f->root);
	CHECK_STR(after, before);
}

#define REFUSED(f, want, ...)                                                                    \
	do {                                                                                     \
		const struct spec sp_[] = {                                                      \
		    {.name = "keep/", .type = AE_IFDIR, .perm = 0700, .uid = 1000, .gid = 1000}, \
		    {.name = "keep/f", .data = "x", .uid = 1000, .gid = 1000},                   \
		    __VA_ARGS__};                                                                \
		check_refused(f, sp_, ARRAY_SIZE(sp_), want, tap_failed);                        \
	} while (0)

TEST(hostile_names)
{
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	REFUSED(&f, "entry '../x' leaves the layer; refusing it", {.name = "../x", .data = "x"});
	REFUSED(&f, "entry '/abs' leaves the layer; refusing it", {.name = "/abs", .data = "x"});
	REFUSED(&f, "entry 'a/../../x' leaves the layer; refusing it",
		{.name = "a/../../x", .data = "x"});
	REFUSED(&f, "entry '../' leaves the layer", {.name = "../", .type = AE_IFDIR});
	REFUSED(&f, "entry '.wh..' is a whiteout of nothing", {.name = ".wh.."});
	REFUSED(&f, "entry 'f/x' is below 'f', which is not a directory",
		{.name = "f", .data = "x"}, {.name = "f/x", .data = "x"});
	/* "d/d/.../f", 3001 components */
	const size_t depth = 3000;
	_cleanup_free_ char *deep = xcalloc(1, 2 * depth + 2);
	for (size_t i = 0; i < depth; i++)
		strcpy(deep + 2 * i, "d/");
	strcpy(deep + 2 * depth, "f");
	REFUSED(&f, "is longer than 4095 bytes; refusing it", {.name = deep, .data = "x"});
	fx_free(&f);
}

TEST(hostile_symlinks)
{
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	_cleanup_free_ char *outside = xasprintf("%s/outside", f.root);
	REFUSED(&f, "entry 's/file' goes through the symlink 's'; refusing it",
		{.name = "s", .type = AE_IFLNK, .symlink = outside},
		{.name = "s/file", .data = "x"});
	REFUSED(&f, "entry 'up/x' goes through the symlink 'up'; refusing it",
		{.name = "up", .type = AE_IFLNK, .symlink = ".."}, {.name = "up/x", .data = "x"});
	REFUSED(&f, "entry 'a/up/store/x/' goes through the symlink 'a/up'",
		{.name = "a/", .type = AE_IFDIR},
		{.name = "a/up", .type = AE_IFLNK, .symlink = "../.."},
		{.name = "a/up/store/x", .type = AE_IFDIR});
	REFUSED(&f, "entry 'up/.wh.blob0' goes through the symlink 'up'",
		{.name = "up", .type = AE_IFLNK, .symlink = ".."}, {.name = "up/.wh.blob0"});
	REFUSED(&f, "entry 'up/.wh..wh..opq' goes through the symlink 'up'",
		{.name = "up", .type = AE_IFLNK, .symlink = ".."}, {.name = "up/.wh..wh..opq"});
	fx_free(&f);
}

TEST(hostile_hardlinks)
{
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	REFUSED(&f, "entry 'h' is a hardlink to '../../etc/passwd', outside the layer; refusing it",
		{.name = "h", .hardlink = "../../etc/passwd"});
	REFUSED(&f, "entry 'h' is a hardlink to '/etc/passwd', outside the layer; refusing it",
		{.name = "h", .hardlink = "/etc/passwd"});
	REFUSED(&f, "entry 'h' (a hardlink to 'etc/passwd') goes through the symlink 'etc'",
		{.name = "etc", .type = AE_IFLNK, .symlink = "/etc"},
		{.name = "h", .hardlink = "etc/passwd"});
	REFUSED(&f, "entry 'h' (a hardlink to 'nothere') names a file not in the layer",
		{.name = "h", .hardlink = "nothere"});
	fx_free(&f);
}

/* Device nodes (a Debian rootfs tarball made into an image has
 * /dev/console, /dev/null...) are skipped, never made and never a
 * refusal: the layer's other files are all there. */
TEST(devices_skipped)
{
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	const struct spec sp[] = {
	    {.name = "dev/", .type = AE_IFDIR, .perm = 0755},
	    {.name = "dev/null", .type = AE_IFCHR, .maj = 1, .min = 3},
	    {.name = "dev/console", .type = AE_IFCHR, .maj = 5, .min = 1},
	    {.name = "dev/sda", .type = AE_IFBLK, .maj = 8, .min = 0},
	    {.name = "etc/after", .data = "still written"},
	};
	char id[72];
	struct clan_err err = {0};
	CHECK(extract(&f, sp, ARRAY_SIZE(sp), COMP_GZIP, NULL, id, &err) == 0);
	if (err.msg[0])
		printf("#   %s\n", err.msg);
	struct stat st;
	_cleanup_free_ char *null = lpath(&f, id, "dev/null");
	_cleanup_free_ char *sda = lpath(&f, id, "dev/sda");
	_cleanup_free_ char *dev = lpath(&f, id, "dev");
	CHECK(lstat(null, &st) < 0 && errno == ENOENT);
	CHECK(lstat(sda, &st) < 0 && errno == ENOENT);
	CHECK(lstat(dev, &st) == 0 && S_ISDIR(st.st_mode));
	_cleanup_free_ char *after = lpath(&f, id, "etc/after");
	_cleanup_free_ char *text = read_all(after);
	CHECK_STR(text, "still written");
	fx_free(&f);
}

/* Entries replacing a symlink replace it, never write through it; a
 * hardlink to a symlink links the symlink. */
TEST(symlink_replaced_not_followed)
{
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	_cleanup_free_ char *victim = xasprintf("%s/outside/victim", f.root);
	struct clan_err err = {0};
	CHECK(write_file(victim, "untouched", 9, &err) == 0);
	const struct spec tree[] = {
	    {.name = "s", .type = AE_IFLNK, .symlink = victim},
	    {.name = "s", .data = "replaced"},
	    {.name = "d", .type = AE_IFLNK, .symlink = "/tmp"},
	    {.name = "d/", .type = AE_IFDIR, .perm = 0755},
	    {.name = "p", .type = AE_IFLNK, .symlink = "/etc/passwd"},
	    {.name = "h", .hardlink = "p"},
	};
	char id[72];
	CHECK(extract(&f, tree, ARRAY_SIZE(tree), COMP_NONE, NULL, id, &err) == 0);
	_cleanup_free_ char *text = read_all(victim);
	CHECK_STR(text, "untouched");
	struct stat st;
	_cleanup_free_ char *s = lpath(&f, id, "s");
	_cleanup_free_ char *d = lpath(&f, id, "d");
	_cleanup_free_ char *h = lpath(&f, id, "h");
	CHECK(lstat(s, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 8);
	CHECK(lstat(d, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(lstat(h, &st) == 0 && S_ISLNK(st.st_mode) && st.st_nlink == 2);
	fx_free(&f);
}

TEST(wrong_diff_id)
{
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	char right[72], wrong[72], id[72];
	size_t len = 0;
	_cleanup_free_ char *tar = build_tar(basic_tree, ARRAY_SIZE(basic_tree), &len);
	if (sha256_digest(tar, len, right, &(struct clan_err){0}) < 0)
		abort();
	if (sha256_digest("something else", 14, wrong, &(struct clan_err){0}) < 0)
		abort();
	_cleanup_free_ char *before = listing(f.root);
	struct clan_err err = {0};
	for (enum comp c = COMP_NONE; c <= COMP_ZSTD; c++) {
		CHECK(extract(&f, basic_tree, ARRAY_SIZE(basic_tree), c, wrong, id, &err) < 0);
		CHECK(strstr(err.msg, wrong) && strstr(err.msg, right));
		CHECK(!imgstore_has_layer(&f.st, wrong) && !imgstore_has_layer(&f.st, right));
		_cleanup_free_ char *after = listing(f.root);
		CHECK_STR(after, before);
	}
	printf("# %s\n", err.msg);
	CHECK(extract(&f, basic_tree, 1, COMP_NONE, "sha256:nothex", id, &err) < 0);
	fx_free(&f);
}

TEST(not_a_tar)
{
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	_cleanup_free_ char *before = listing(f.root);
	_cleanup_free_ char *blob = xasprintf("%s/junk", f.root);
	static const char junk[] = "hello, this is not a tar archive at all";
	char id[72];
	struct clan_err err = {0};
	if (sha256_digest(junk, sizeof junk - 1, id, &(struct clan_err){0}) < 0)
		abort();
	/* junk, and junk gzip-compressed: the tar reader refuses both */
	for (enum comp c = COMP_NONE; c <= COMP_GZIP; c++) {
		CHECK(write_blob(blob, junk, sizeof junk - 1, c));
		CHECK(layer_extract(&f.st, blob, id, &f.plan, NULL, &err) < 0);
		CHECK(strstr(err.msg, "not a tar archive") != NULL);
		printf("# %s\n", err.msg);
		unlink(blob);
	}
	/* a gzip blob cut in half */
	size_t len = 0;
	_cleanup_free_ char *tar = build_tar(basic_tree, ARRAY_SIZE(basic_tree), &len);
	if (sha256_digest(tar, len, id, &(struct clan_err){0}) < 0)
		abort();
	CHECK(write_blob(blob, tar, len, COMP_GZIP));
	struct stat st;
	CHECK(stat(blob, &st) == 0 && truncate(blob, st.st_size / 2) == 0);
	CHECK(layer_extract(&f.st, blob, id, &f.plan, NULL, &err) < 0);
	printf("# %s\n", err.msg);
	unlink(blob);
	_cleanup_free_ char *after = listing(f.root);
	CHECK_STR(after, before);
	fx_free(&f);
}

/* A hand-made bomb at path: a tar holding `files` empty files and a file
 * of `zeros` zero bytes, compressed as asked (a few KiB for MiBs). */
static bool write_bomb(const char *path, enum comp c, size_t zeros, size_t files)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	bool ok = (c == COMP_GZIP ? archive_write_add_filter_gzip(a)
				  : archive_write_add_filter_zstd(a)) == ARCHIVE_OK &&
		  archive_write_open_filename(a, path) == ARCHIVE_OK;
	for (size_t i = 0; ok && i < files; i++) {
		_cleanup_free_ char *name = xasprintf("f%zu", i);
		add_entry(a, &(struct spec){.name = name});
	}
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "zeros");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)zeros);
	ok = ok && archive_write_header(a, e) == ARCHIVE_OK;
	static const char chunk[65536];
	for (size_t done = 0; ok && done < zeros; done += sizeof chunk)
		ok = archive_write_data(a, chunk, sizeof chunk) == (la_ssize_t)sizeof chunk;
	ok = ok && archive_write_close(a) == ARCHIVE_OK;
	archive_entry_free(e);
	archive_write_free(a);
	return ok;
}

/* A gzip and a zstd bomb, each refused as it passes its bound with the
 * message naming the blob and the image; nothing is left in the store. */
TEST(bombs_stopped_at_their_bounds)
{
	struct fixture f;
	fx_init(&f, USERNS_AUTO);
	_cleanup_free_ char *before = listing(f.root);
	_cleanup_free_ char *blob = xasprintf("%s/bomb", f.root);
	const char *id = "sha256:"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char *digest = "sha256:"
			     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	for (enum comp c = COMP_GZIP; c <= COMP_ZSTD; c++) {
		/* 16 MiB of zeros; bound 4 MiB */
		CHECK(write_bomb(blob, c, 16u << 20, 0));
		struct stat st;
		CHECK(stat(blob, &st) == 0 && st.st_size < (1 << 20));
		struct layer_bounds b = {.image = "reg.example/bomb:1", .blob = digest};
		layer_bounds_for(st.st_size, 4, &b);
		CHECK(b.max_bytes == 4u << 20);
		struct clan_err err = {0};
		CHECK(layer_extract(&f.st, blob, id, &f.plan, &b, &err) < 0);
		printf("# %s\n", err.msg);
		_cleanup_free_ char *want = xasprintf(
		    "layer %s of reg.example/bomb:1 expands past 4 MiB (a decompression bomb?); if "
		    "you trust the image, allow more: CLAN_PULL_EXPAND_MIB=16 clan pull "
		    "reg.example/bomb:1",
		    digest);
		CHECK_STR(err.msg, want);
		CHECK(layer_bounds_is_error(&err));
		CHECK(!imgstore_has_layer(&f.st, id));
		/* 3000 empty files; bound 1000 entries */
		CHECK(write_bomb(blob, c, 0, 3000));
		b = (struct layer_bounds){
		    .max_bytes = 1u << 30, .max_entries = 1000, .image = "i", .blob = digest};
		CHECK(layer_extract(&f.st, blob, id, &f.plan, &b, &err) < 0);
		printf("# %s\n", err.msg);
		CHECK(strstr(err.msg, "of i holds more than 1000 entries (a decompression bomb?)"));
		CHECK(layer_bounds_is_error(&err));
		unlink(blob);
		_cleanup_free_ char *after = listing(f.root);
		CHECK_STR(after, before);
	}
	/* within its bounds a layer is extracted and says what it came to */
	size_t len = 0;
	_cleanup_free_ char *tar = build_tar(basic_tree, ARRAY_SIZE(basic_tree), &len);
	char good[72];
	if (sha256_digest(tar, len, good, &(struct clan_err){0}) < 0)
		abort();
	CHECK(write_blob(blob, tar, len, COMP_GZIP));
	struct layer_bounds b = {.max_bytes = len, .max_entries = ARRAY_SIZE(basic_tree)};
	struct clan_err err = {0};
	CHECK(layer_extract(&f.st, blob, good, &f.plan, &b, &err) == 0);
	CHECK(b.bytes == len && b.entries == ARRAY_SIZE(basic_tree));
	fx_free(&f);
}

TEST(bounds_from_declared_sizes)
{
	struct layer_bounds b = {0};
	/* a small layer: the floor */
	layer_bounds_for(1000, LAYER_EXPAND_FLOOR_MIB, &b);
	CHECK(b.max_bytes == (uint64_t)LAYER_EXPAND_FLOOR_MIB << 20);
	CHECK(b.max_entries == LAYER_EXPAND_FLOOR_MIB * 256);
	/* a large one: 20x, one entry per 64 bytes */
	layer_bounds_for(INT64_C(1) << 30, LAYER_EXPAND_FLOOR_MIB, &b);
	CHECK(b.max_bytes == UINT64_C(20) << 30);
	CHECK(b.max_entries == (UINT64_C(1) << 30) / 64);
	layer_bounds_for(-5, 1, &b);
	CHECK(b.max_bytes == 1u << 20);
	uint64_t bytes, entries;
	layer_bounds_pull(100 << 20, 1024, &bytes, &entries);
	CHECK(bytes == (UINT64_C(2000) << 20) + (UINT64_C(1024) << 20));
	CHECK(entries == (UINT64_C(100) << 20) / 64 + 1024 * 256);
	uint64_t mib;
	struct clan_err err;
	CHECK(layer_bounds_floor(NULL, &mib, &err) == 0 && mib == LAYER_EXPAND_FLOOR_MIB);
	CHECK(layer_bounds_floor("", &mib, &err) == 0 && mib == LAYER_EXPAND_FLOOR_MIB);
	CHECK(layer_bounds_floor("8", &mib, &err) == 0 && mib == 8);
	CHECK(layer_bounds_floor("0", &mib, &err) < 0 && err.code == CLAN_EXIT_USAGE);
	CHECK(layer_bounds_floor("1G", &mib, &err) < 0);
	CHECK(strstr(err.msg, "CLAN_PULL_EXPAND_MIB='1G'") != NULL);
	layer_bounds_pull_error("img", 3u << 20, false, 1, &err);
	CHECK_STR(err.msg, "the layers of img expand together past 3 MiB (a decompression "
			   "bomb?); if you trust the image, allow more: CLAN_PULL_EXPAND_MIB=6 "
			   "clan pull img");
	CHECK(layer_bounds_is_error(&err));
}

/* Extracts layers into f as single-mode layers, returns their ids. */
static bool overlay_layers(struct fixture *f, char lower[72], char upper[72])
{
	static const struct spec low[] = {
	    {.name = "gone", .data = "deleted above"},
	    {.name = "kept", .data = "still here"},
	    {.name = "opq/", .type = AE_IFDIR, .perm = 0755},
	    {.name = "opq/lowerfile", .data = "hidden by the opaque dir"},
	};
	static const struct spec up[] = {
	    {.name = ".wh.gone"},
	    {.name = "opq/", .type = AE_IFDIR, .perm = 0755},
	    {.name = "opq/.wh..wh..opq"},
	    {.name = "opq/upperfile", .data = "visible"},
	};
	struct clan_err err;
	if (extract(f, low, ARRAY_SIZE(low), COMP_GZIP, NULL, lower, &err) < 0 ||
	    extract(f, up, ARRAY_SIZE(up), COMP_ZSTD, NULL, upper, &err) < 0) {
		printf("# %s\n", err.msg);
		return false;
	}
	return true;
}

static bool write_proc(const char *file, const char *text)
{
	struct clan_err err;
	return write_existing(file, text, &err) == 0;
}

/* In a child: a user namespace mapping only us, an overlay of the two
 * layers, and what it shows. Exit 0: as expected; 77: cannot mount here. */
static noreturn void overlay_child(const char *lower, const char *upper, const char *base)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		_exit(77);
	snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
	if (!write_proc("/proc/self/setgroups", "deny") || !write_proc("/proc/self/uid_map", map))
		_exit(77);
	snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
	if (!write_proc("/proc/self/gid_map", map))
		_exit(77);
	_cleanup_free_ char *up = xasprintf("%s/up", base), *work = xasprintf("%s/work", base);
	_cleanup_free_ char *merged = xasprintf("%s/merged", base);
	/* unprivileged overlayfs reads user.overlay.* only with userxattr */
	_cleanup_free_ char *opts =
	    xasprintf("lowerdir=%s:%s,upperdir=%s,workdir=%s,userxattr", upper, lower, up, work);
	if (mount("overlay", merged, "overlay", 0, opts) < 0) {
		printf("# overlay mount: %s\n", strerror(errno));
		_exit(77);
	}
	int bad = 0;
	struct stat st;
	_cleanup_free_ char *gone = xasprintf("%s/gone", merged),
			    *kept = xasprintf("%s/kept", merged);
	_cleanup_free_ char *lf = xasprintf("%s/opq/lowerfile", merged);
	_cleanup_free_ char *uf = xasprintf("%s/opq/upperfile", merged);
	bad |= !(lstat(gone, &st) < 0 && errno == ENOENT) << 0;
	bad |= !(lstat(kept, &st) == 0 && S_ISREG(st.st_mode)) << 1;
	bad |= !(lstat(lf, &st) < 0 && errno == ENOENT) << 2;
	bad |= !(lstat(uf, &st) == 0 && S_ISREG(st.st_mode)) << 3;
	fflush(stdout);
	_exit(bad);
}

TEST(overlay_mount_hides_whiteouts)
{
	struct fixture f;
	fx_init(&f, USERNS_SINGLE);
	char lower[72], upper[72];
	CHECK(overlay_layers(&f, lower, upper));
	_cleanup_free_ char *lp = imgstore_layer_path(&f.st, lower);
	_cleanup_free_ char *upp = imgstore_layer_path(&f.st, upper);
	static const char *const dirs[] = {"up", "work", "merged"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", f.root, dirs[i]);
		CHECK(mkdir(d, 0700) == 0);
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		overlay_child(lp, upp, f.root);
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	fx_free(&f);
	if (WEXITSTATUS(status) == 77)
		SKIP("no overlayfs in a user namespace here");
	CHECK(WEXITSTATUS(status) == 0);
}
