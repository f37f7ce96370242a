/* Unit tests for image archives: the staging of an archive's files
 * (registry/oci_stage.c: names, links, digests, duplicates) and layer
 * dirs made back into tars (image/layer_tar.c: the tar extracts to the
 * same tree under its own digest, and that tree gives the same tar). Tars
 * are built here with libarchive's write API; the layer test runs as
 * whoever runs the tests (root, a subuid range, or a single id). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "image/imgstore.h"
#include "image/layer.h"
#include "image/layer_tar.h"
#include "ns/userns.h"
#include "ns/userns_exec.h"
#include "registry/oci_archive.h"
#include "registry/oci_stage.h"
#include "tap.h"

struct ent {
	const char *name;
	const char *data;    /* a file's */
	const char *symlink; /* or a symlink's target */
	const char *hardlink;
};

static char *tmp_root(void)
{
	const char *tmp = getenv("TMPDIR");
	char *root = xasprintf("%s/clan-test-oci-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(root) ? root : NULL;
}

/* Writes a tar of ents to path. */
static bool write_tar(const char *path, const struct ent *ents, size_t n)
{
	struct archive *a = archive_write_new();
	bool ok = archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
		  archive_write_open_filename(a, path) == ARCHIVE_OK;
	for (size_t i = 0; ok && i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = ents[i].data ? strlen(ents[i].data) : 0;
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_filetype(e, ents[i].symlink ? AE_IFLNK : AE_IFREG);
		archive_entry_set_perm(e, 0644);
		if (ents[i].symlink)
			archive_entry_set_symlink(e, ents[i].symlink);
		if (ents[i].hardlink)
			archive_entry_set_hardlink(e, ents[i].hardlink);
		archive_entry_set_size(e, (la_int64_t)len);
		ok = archive_write_header(a, e) == ARCHIVE_OK &&
		     (!len || archive_write_data(a, ents[i].data, len) == (la_ssize_t)len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return ok;
}

struct fx {
	char *root;
	struct imgstore st;
};

static bool fx_open(struct fx *f)
{
	struct clan_err err;
	f->root = tmp_root();
	if (!f->root)
		return false;
	_cleanup_free_ char *store = xasprintf("%s/store", f->root);
	if (imgstore_open(&f->st, store, &err) < 0) {
		printf("# store: %s\n", err.msg);
		return false;
	}
	return true;
}

static void fx_close(struct fx *f, const struct userns_plan *p)
{
	struct clan_err err;
	if (remove_tree(f->root, &err) < 0 && p && p->mode == USERNS_SUBUID && !p->host_root)
		userns_remove_tree(f->root, &p->uid, &p->gid, &err);
	imgstore_close(&f->st);
	free(f->root);
}

/* Stages a tar of ents: 0, or -1 with err. */
static int stage(struct fx *f, const struct ent *ents, size_t n, struct stage *s,
		 struct clan_err *err)
{
	_cleanup_free_ char *tar = xasprintf("%s/in.tar", f->root);
	if (!write_tar(tar, ents, n))
		return clan_error(err, 0, "cannot write the test tar");
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	fstat(fd, &sb);
	int rc = oci_stage_read(s, &f->st, fd, (uint64_t)sb.st_size, 100, err);
	close(fd);
	return rc;
}

static char hello_digest[72];

static void refused(const struct ent *ents, size_t n, const char *want, int *tap_failed)
{
	struct fx f;
	struct stage s;
	struct clan_err err = {0};
	CHECK(fx_open(&f));
	int rc = stage(&f, ents, n, &s, &err);
	CHECK(rc < 0);
	if (rc < 0 && !strstr(err.msg, want))
		printf("# wanted '%s' in: %s\n", want, err.msg);
	CHECK(rc < 0 && strstr(err.msg, want));
	oci_stage_free(&s);
	/* the staging dir went with it */
	_cleanup_free_ char *blobs = xasprintf("%s/store/blobs/sha256", f.root);
	_cleanup_free_ char *cmd = xasprintf("test -z \"$(ls -A '%s')\"", blobs);
	CHECK(system(cmd) == 0);
	fx_close(&f, NULL);
}

TEST(stage_names_links_digests)
{
	struct clan_err err;
	CHECK(sha256_digest("hello\n", 6, hello_digest, &err) == 0);
	_cleanup_free_ char *blob = xasprintf("blobs/sha256/%s", hello_digest + 7);
	_cleanup_free_ char *target = xasprintf("../%s", blob);
	const struct ent good[] = {
	    {.name = "./oci-layout", .data = "{}"},
	    {.name = "abc/layer.tar", .symlink = target},
	    {.name = blob, .data = "hello\n"},
	};
	struct fx f;
	struct stage s;
	CHECK(fx_open(&f));
	CHECK(stage(&f, good, ARRAY_SIZE(good), &s, &err) == 0);
	const struct staged *l = oci_stage_find(&s, "abc/layer.tar");
	const struct staged *o = oci_stage_find(&s, "oci-layout");
	CHECK(o && o->size == 2);
	CHECK(l && strcmp(l->digest, hello_digest) == 0 && l->size == 6);
	CHECK(oci_stage_blob(&s, hello_digest) != NULL);
	oci_stage_free(&s);
	fx_close(&f, NULL);
}

TEST(stage_refuses_hostile_entries)
{
	struct clan_err err;
	char other[72];
	CHECK(sha256_digest("other", 5, other, &err) == 0);
	_cleanup_free_ char *wrong = xasprintf("blobs/sha256/%s", other + 7);
	refused((const struct ent[]){{.name = "../x", .data = "x"}}, 1, "leaves the archive",
		tap_failed);
	refused((const struct ent[]){{.name = "/etc/x", .data = "x"}}, 1, "leaves the archive",
		tap_failed);
	refused((const struct ent[]){{.name = "a/../../x", .data = "x"}}, 1, "leaves the archive",
		tap_failed);
	refused((const struct ent[]){{.name = "l", .symlink = "/etc"}}, 1, "outside the archive",
		tap_failed);
	refused((const struct ent[]){{.name = "d/l", .symlink = "../../etc"}}, 1,
		"outside the archive", tap_failed);
	refused((const struct ent[]){{.name = "l", .symlink = "nothing"}}, 1,
		"not a file of the archive", tap_failed);
	refused((const struct ent[]){{.name = "a", .data = "x"},
				     {.name = "l", .symlink = "m"},
				     {.name = "m", .symlink = "a"}},
		3, "not a file of the archive", tap_failed);
	refused((const struct ent[]){{.name = "a", .data = "x"}, {.name = "h", .hardlink = "a"}}, 2,
		"hardlink", tap_failed);
	refused((const struct ent[]){{.name = "a", .data = "x"}, {.name = "./a", .data = "y"}}, 2,
		"comes twice", tap_failed);
	refused((const struct ent[]){{.name = wrong, .data = "not other"}}, 1,
		"failed verification", tap_failed);
	refused((const struct ent[]){{.name = "blobs/sha512/abc", .data = "x"}}, 1,
		"not a blobs/sha256/<digest> name", tap_failed);
	struct ent lots[101];
	char names[101][16];
	for (int i = 0; i < 101; i++) {
		snprintf(names[i], sizeof names[i], "f%d", i);
		lots[i] = (struct ent){.name = names[i], .data = "x"};
	}
	refused(lots, 101, "more than 100 entries", tap_failed);
}

/* find's view of a tree: path, type, size, link target, owner as
 * recorded or (subuid) as it is. */
static char *listing(const char *dir)
{
	_cleanup_free_ char *cmd = xasprintf(
	    "cd '%s' && find . -mindepth 1 -printf '%%p %%y %%s %%l %%m\\n' | LC_ALL=C sort", dir);
	FILE *p = popen(cmd, "r");
	char *out = p ? read_to_eof(fileno(p)) : NULL;
	if (p)
		pclose(p);
	return out ? out : xstrdup("");
}

TEST(layer_tar_round_trip)
{
	struct fx f;
	struct userns_plan plan;
	struct clan_err err;
	CHECK(fx_open(&f));
	if (userns_plan_make(USERNS_AUTO, 0, 0, &plan, &err) < 0) {
		fx_close(&f, NULL);
		SKIP("no user namespace here");
	}
	_cleanup_free_ char *dir = xasprintf("%s/tree", f.root);
	_cleanup_free_ char *mk = xasprintf(
	    "mkdir -p '%1$s/etc/deep/er' '%1$s/empty' && printf 'a\\n' > '%1$s/etc/a' && "
	    "ln '%1$s/etc/a' '%1$s/etc/hard' && ln -s ../etc/a '%1$s/etc/deep/link' && "
	    "printf 'x%%.0s' $(seq 1 70000) > '%1$s/etc/deep/er/big' && chmod 0750 '%1$s/empty'",
	    dir);
	CHECK(system(mk) == 0);
	char d1[72], d2[72];
	uint64_t n1 = 0, n2 = 0;
	_cleanup_free_ char *t1 = xasprintf("%s/t1.tar", f.root);
	int fd = open(t1, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && layer_tar_make(dir, &plan, fd, d1, &n1, &err) == 0);
	if (fd >= 0)
		close(fd);
	/* the tar extracts under its own digest (layer_extract checks it) */
	int rc = layer_extract(&f.st, t1, d1, &plan, NULL, &err);
	if (rc < 0)
		printf("# extract: %s\n", err.msg);
	CHECK(rc == 0);
	_cleanup_free_ char *layer = imgstore_layer_path(&f.st, d1);
	_cleanup_free_ char *a = listing(dir);
	_cleanup_free_ char *b = listing(layer);
	if (strcmp(a, b) != 0)
		printf("# tree:\n%s# layer:\n%s", a, b);
	CHECK(strcmp(a, b) == 0);
	/* and that layer gives the same tar again */
	_cleanup_free_ char *t2 = xasprintf("%s/t2.tar", f.root);
	fd = open(t2, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && layer_tar_make(layer, &plan, fd, d2, &n2, &err) == 0);
	if (fd >= 0)
		close(fd);
	CHECK(strcmp(d1, d2) == 0 && n1 == n2);
	fx_close(&f, &plan);
}

/* A symlink named blobs/sha256/V (V: the config of an image the user has)
 * to other content of the same size must not pose as blob V: the load
 * would rewrite that image's record (its entrypoint) and leave a blob
 * that a later pull trusts. Refused, nothing recorded. */
TEST(symlink_cannot_pose_as_another_blob)
{
	struct clan_err err;
	char victim[72], evil[72], man[72];
	const char *evil_cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":"
			       "{\"Entrypoint\":[\"/evil\"]},\"rootfs\":{\"type\":\"layers\","
			       "\"diff_ids\":[]}}";
	CHECK(sha256_digest("victim config", 13, victim, &err) == 0);
	CHECK(sha256_digest(evil_cfg, strlen(evil_cfg), evil, &err) == 0);
	_cleanup_free_ char *mtext = xasprintf(
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
	    "\"digest\":\"%s\",\"size\":%zu},\"layers\":[]}",
	    victim, strlen(evil_cfg));
	CHECK(sha256_digest(mtext, strlen(mtext), man, &err) == 0);
	_cleanup_free_ char *idx = xasprintf(
	    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
	    "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
	    "\"annotations\":{\"org.opencontainers.image.ref.name\":\"docker.io/library/"
	    "foo:1\"}}]}",
	    man, strlen(mtext));
	_cleanup_free_ char *bm = xasprintf("blobs/sha256/%s", man + 7);
	_cleanup_free_ char *be = xasprintf("blobs/sha256/%s", evil + 7);
	_cleanup_free_ char *bv = xasprintf("blobs/sha256/%s", victim + 7);
	const struct ent ents[] = {
	    {.name = "oci-layout", .data = "{\"imageLayoutVersion\":\"1.0.0\"}"},
	    {.name = "index.json", .data = idx},
	    {.name = bm, .data = mtext},
	    {.name = be, .data = evil_cfg},
	    {.name = bv, .symlink = evil + 7},
	};
	struct fx f;
	CHECK(fx_open(&f));
	_cleanup_free_ char *tar = xasprintf("%s/in.tar", f.root);
	CHECK(write_tar(tar, ents, ARRAY_SIZE(ents)));
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	CHECK(fd >= 0 && fstat(fd, &sb) == 0);
	struct userns_plan plan;
	CHECK(userns_plan_make(USERNS_AUTO, 0, 0, &plan, &err) == 0);
	struct oci_load_opts o = {.userns = &plan};
	CHECK(oci_load(&f.st, fd, (uint64_t)sb.st_size, &o, &err) < 0);
	CHECK(strstr(err.msg, "failed verification") != NULL);
	close(fd);
	_cleanup_free_ char *rec = xasprintf("%s/store/images/%s", f.root, victim + 7);
	CHECK(access(rec, F_OK) < 0);
	CHECK(!imgstore_has_blob(&f.st, victim));
	fx_close(&f, NULL);
}
