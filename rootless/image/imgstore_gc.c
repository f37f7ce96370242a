#define _GNU_SOURCE
#include "image/imgstore_gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ns/userns.h"
#include "ns/userns_exec.h"

static uint64_t usage_at(int dirfd, const char *name, int depth)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	uint64_t total = (uint64_t)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode) || depth > 256)
		return total;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return total;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return total;
	}
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			total += usage_at(fd, e->d_name, depth + 1);
	closedir(d);
	return total;
}

uint64_t disk_usage(const char *path)
{
	return usage_at(AT_FDCWD, path, 0);
}

int imgstore_remove_tree(const char *path, struct clan_err *err)
{
	struct clan_err first;
	if (remove_tree(path, &first) == 0)
		return 0;
	struct userns_plan plan;
	struct clan_err ignored;
	/* files of subordinate ids: the whole range, whatever mode runs
	 * containers now (clan.conf's userns = single must not strand them) */
	if (getuid() == 0 || userns_plan_make(USERNS_SUBUID, 0, 0, &plan, &ignored) < 0) {
		*err = first;
		return -1;
	}
	return userns_remove_tree(path, &plan.uid, &plan.gid, err);
}

int imgstore_remove_image(const struct imgstore *st, const char *id, struct clan_err *err)
{
	if (!digest_is_valid(id))
		return clan_error(err, 0, "bad image id '%s'", id);
	_cleanup_free_ char *dir = xasprintf("%s/images/%s", st->root, id + 7);
	return remove_tree(dir, err);
}

/* What the records refer to, as hex names. */
struct refs {
	struct strv hex;
	const struct imgstore *st;
};

static void refs_add(struct refs *r, const char *digest)
{
	if (digest && digest_is_valid(digest))
		strv_push(&r->hex, digest + 7);
}

static void refs_add_manifest_layers(struct refs *r, const struct imgstore *st, const char *m)
{
	if (!m || !digest_is_valid(m))
		return;
	_cleanup_free_ char *path = imgstore_blob_path(st, m);
	json_t *o = json_load_file(path, 0, NULL);
	json_t *layers = json_object_get(o, "layers");
	for (size_t i = 0; i < json_array_size(layers); i++)
		refs_add(r,
			 json_string_value(json_object_get(json_array_get(layers, i), "digest")));
	json_decref(o);
}

static int collect_refs(const struct image_record *rec, void *arg)
{
	struct refs *r = arg;
	refs_add(r, rec->id);
	refs_add(r, rec->manifest);
	refs_add_manifest_layers(r, r->st, rec->manifest);
	for (size_t i = 0; i < rec->layers.n; i++)
		refs_add(r, rec->layers.v[i]);
	return 0;
}

static bool refs_has(const struct refs *r, const char *hex)
{
	for (size_t i = 0; i < r->hex.n; i++)
		if (strcmp(r->hex.v[i], hex) == 0)
			return true;
	return false;
}

/* A leftover of an interrupted pull or build: old enough that no running
 * pull can still be writing it. */
static bool is_stale_leftover(const char *dir, const char *name)
{
	if (strncmp(name, ".partial-", 9) != 0 && strncmp(name, ".tmp-", 5) != 0 &&
	    strncmp(name, ".put-", 5) != 0)
		return false;
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	struct stat st;
	return lstat(path, &st) == 0 && time(NULL) - st.st_mtime > 3600;
}

static int sweep(const char *dir, const struct refs *r, uint64_t *count, uint64_t *bytes,
		 struct clan_err *err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : clan_error(err, errno, "cannot list %s", dir);
	for (struct dirent *e; (e = readdir(d));) {
		bool named = strlen(e->d_name) == 64 && strspn(e->d_name, "0123456789abcdef") == 64;
		if (!(named && !refs_has(r, e->d_name)) && !is_stale_leftover(dir, e->d_name))
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
		uint64_t size = disk_usage(path);
		if (imgstore_remove_tree(path, err) < 0)
			return -1;
		*bytes += size;
		if (named)
			(*count)++;
	}
	return 0;
}

int imgstore_gc(const struct imgstore *st, struct gc_result *res, struct clan_err *err)
{
	struct refs r = {.st = st};
	*res = (struct gc_result){0};
	/* exclusive while sweeping: no pull or build is between its layers and
	 * its record (converted from our own shared lock, then back) */
	while (flock(st->gc_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return clan_error(err, errno, "cannot lock the store for cleanup");
	int rc = imgstore_list_images(st, collect_refs, &r, err);
	_cleanup_free_ char *layers = xasprintf("%s/layers", st->root);
	_cleanup_free_ char *blobs = xasprintf("%s/blobs/sha256", st->root);
	if (rc == 0)
		rc = sweep(layers, &r, &res->layers, &res->bytes, err);
	if (rc == 0)
		rc = sweep(blobs, &r, &res->blobs, &res->bytes, err);
	strv_free(&r.hex);
	if (flock(st->gc_fd, LOCK_SH) < 0 && rc == 0)
		rc = clan_error(err, errno, "cannot unlock the store");
	return rc;
}
