#define _GNU_SOURCE
#include "registry/oci_stage.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/dl_archive.h"
#include "base/util.h"
#include "image/layer_write.h"

static void add(struct stage *s, const char *name, const char *path, uint64_t size,
		const char *digest)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	struct staged *f = &s->v[s->n++];
	*f = (struct staged){.name = xstrdup(name), .path = xstrdup(path), .size = size};
	snprintf(f->digest, sizeof f->digest, "%s", digest);
}

const struct staged *oci_stage_find(const struct stage *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

const struct staged *oci_stage_blob(const struct stage *s, const char *digest)
{
	if (!digest_is_valid(digest))
		return NULL;
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", digest + 7);
	return oci_stage_find(s, name);
}

void oci_stage_alias(struct stage *s, const char *name, const struct staged *to)
{
	if (oci_stage_find(s, name))
		return;
	struct staged copy = *to; /* add may move to */
	add(s, name, copy.path, copy.size, copy.digest);
}

/* A blobs/ name must be blobs/sha256/<hex of its content>. */
static int check_blob_name(const struct staged *f, struct clan_err *err)
{
	if (strncmp(f->name, "blobs/", 6) != 0)
		return 0;
	bool sha256 = strncmp(f->name, "blobs/sha256/", 13) == 0;
	_cleanup_free_ char *want = xasprintf("sha256:%s", sha256 ? f->name + 13 : "");
	if (!digest_is_valid(want))
		return clan_error(err, 0, "%s: not a blobs/sha256/<digest> name", f->name);
	if (strcmp(want, f->digest) != 0)
		return clan_error(err, 0, "blob %s failed verification: its content hashes to %s",
				  want, f->digest);
	return 0;
}

struct reading {
	struct archive *a;
	uint64_t in_size, free_bytes, used;
	size_t count;
	char buf[1 << 16];
};

/* Copies the entry's data to a new file at path: exactly size bytes. */
static int copy_entry(struct reading *r, const char *name, const char *path, int64_t size,
		      struct clan_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return clan_error(err, errno, "cannot create %s", path);
	int64_t got = 0;
	for (;;) {
		ssize_t n = archive_read_data(r->a, r->buf, sizeof r->buf);
		if (n == 0)
			break;
		if (n < 0)
			return clan_error(err, archive_errno(r->a), "archive entry '%s': %s", name,
					  archive_error_string(r->a));
		if (!write_all(fd, r->buf, (size_t)n))
			return clan_error(err, errno, "cannot write %s", path);
		got += n;
	}
	if (got != size)
		return clan_error(err, 0, "archive entry '%s' declares %lld bytes but holds %lld",
				  name, (long long)size, (long long)got);
	return 0;
}

/* Whether an entry of this declared size can be real: not past the free
 * space, and for an uncompressed archive not past the archive itself. */
static int check_size(struct reading *r, const char *name, struct archive_entry *e,
		      struct clan_err *err)
{
	int64_t size = archive_entry_size(e);
	if (!archive_entry_size_is_set(e) || size < 0)
		return clan_error(err, 0, "archive entry '%s' has no size", name);
	bool plain = archive_filter_code(r->a, 0) == ARCHIVE_FILTER_NONE;
	if (plain && r->in_size && (uint64_t)size > r->in_size)
		return clan_error(err, 0,
				  "archive entry '%s' declares %lld bytes, more than the archive "
				  "holds (%llu); the archive is damaged or hostile",
				  name, (long long)size, (unsigned long long)r->in_size);
	if ((uint64_t)size > r->free_bytes - r->used)
		return clan_error(err, ENOSPC,
				  "archive entry '%s' declares %lld bytes, more than the free "
				  "space of the store",
				  name, (long long)size);
	r->used += (uint64_t)size;
	return 0;
}

/* dir/target with "." and ".." resolved inside the archive; NULL when
 * it is absolute or climbs out of it. */
static char *resolve_link(const char *name, const char *target)
{
	if (!target || target[0] == '/')
		return NULL;
	const char *slash = strrchr(name, '/');
	_cleanup_free_ char *joined =
	    xasprintf("%.*s/%s", slash ? (int)(slash - name) : 0, name, target);
	char *out = xmalloc(strlen(joined) + 1);
	size_t n = 0;
	for (char *save = NULL, *c = strtok_r(joined, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			if (n == 0) {
				free(out);
				return NULL;
			}
			while (n > 0 && out[--n] != '/')
				;
			continue;
		}
		n += (size_t)sprintf(out + n, "%s%s", n ? "/" : "", c);
	}
	out[n] = '\0';
	return out;
}

static bool is_link(const struct stage *s, const char *name)
{
	for (size_t i = 0; i < s->links.n; i += 2)
		if (strcmp(s->links.v[i], name) == 0)
			return true;
	return false;
}

/* docker save's layer.tar links to another layer's file: kept as a name
 * for that file (nothing is ever created on disk), resolved once every
 * file is staged. */
static int stage_link(struct stage *s, const char *raw, const char *name, const char *target,
		      struct clan_err *err)
{
	_cleanup_free_ char *to = resolve_link(name, target);
	if (!to)
		return clan_error(err, 0,
				  "archive entry '%s' is a symlink to '%s', outside the archive; "
				  "refusing the archive",
				  raw, target ? target : "");
	if (oci_stage_find(s, name) || is_link(s, name))
		return clan_error(err, 0, "archive entry '%s' comes twice", raw);
	strv_push(&s->links, name);
	strv_push(&s->links, to);
	return 0;
}

/* Each link becomes another name of the file it points at; a link to a
 * link, a dir or nothing is refused. */
static int resolve_links(struct stage *s, struct clan_err *err)
{
	for (size_t i = 0; i + 1 < s->links.n; i += 2) {
		const struct staged *f = oci_stage_find(s, s->links.v[i + 1]);
		if (!f)
			return clan_error(err, 0,
					  "archive entry '%s' is a symlink to '%s', which is not a "
					  "file of the archive",
					  s->links.v[i], s->links.v[i + 1]);
		if (oci_stage_find(s, s->links.v[i]))
			return clan_error(err, 0, "archive entry '%s' comes twice", s->links.v[i]);
		oci_stage_alias(s, s->links.v[i], f);
		/* a link named blobs/sha256/X is checked as a file of that name
		 * would be: else any content could pose as blob X (another
		 * image's config) */
		if (check_blob_name(oci_stage_find(s, s->links.v[i]), err) < 0)
			return -1;
	}
	return 0;
}

static int stage_entry(struct stage *s, struct reading *r, struct archive_entry *e,
		       struct clan_err *err)
{
	const char *raw = archive_entry_pathname(e);
	_cleanup_free_ char *name = NULL;
	if (!raw)
		return clan_error(err, 0, "an archive entry has no name");
	if (layer_clean_name(raw, &name) != LAYER_NAME_OK)
		return clan_error(err, 0,
				  "archive entry '%s' leaves the archive (an absolute "
				  "name or '..'); refusing the archive",
				  raw);
	unsigned type = archive_entry_filetype(e);
	if (type == AE_IFDIR)
		return 0;
	if (type == AE_IFLNK && !archive_entry_hardlink(e))
		return stage_link(s, raw, name, archive_entry_symlink(e), err);
	if (type != AE_IFREG || archive_entry_hardlink(e))
		return clan_error(err, 0,
				  "archive entry '%s' is a %s; an image archive holds only files "
				  "and dirs",
				  raw,
				  archive_entry_hardlink(e) ? "hardlink"
				  : type == AE_IFLNK	    ? "symlink"
							    : "special file");
	if (!*name || oci_stage_find(s, name) || is_link(s, name))
		return clan_error(err, 0, "archive entry '%s' comes twice", raw);
	if (check_size(r, raw, e, err) < 0)
		return -1;
	_cleanup_free_ char *path = xasprintf("%s/%zu", s->dir, s->n);
	char digest[72];
	if (copy_entry(r, raw, path, archive_entry_size(e), err) < 0 ||
	    sha256_file(path, digest, err) < 0)
		return -1;
	add(s, name, path, (uint64_t)archive_entry_size(e), digest);
	return check_blob_name(&s->v[s->n - 1], err);
}

static int read_all(struct stage *s, struct reading *r, size_t max_entries, struct clan_err *err)
{
	for (;;) {
		struct archive_entry *e;
		int rc = archive_read_next_header(r->a, &e);
		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc < ARCHIVE_WARN)
			return clan_error(err, archive_errno(r->a),
					  "not a readable tar archive: %s",
					  archive_error_string(r->a));
		if (++r->count > max_entries)
			return clan_error(err, 0,
					  "the archive holds more than %zu entries; not an image "
					  "archive",
					  max_entries);
		if (stage_entry(s, r, e, err) < 0)
			return -1;
	}
}

int oci_stage_read(struct stage *s, const struct imgstore *st, int in_fd, uint64_t in_size,
		   size_t max_entries, struct clan_err *err)
{
	*s = (struct stage){0};
	if (dl_need(DL_ARCHIVE, err) < 0 || dl_need(DL_CRYPTO, err) < 0)
		return -1;
	s->dir = xasprintf("%s/blobs/sha256/.tmp-load-XXXXXX", st->root);
	if (!mkdtemp(s->dir)) {
		int e = errno;
		free(s->dir);
		s->dir = NULL;
		return clan_error(err, e, "cannot make a temp dir in %s/blobs/sha256", st->root);
	}
	struct statvfs vfs;
	struct reading *r = xcalloc(1, sizeof *r);
	r->in_size = in_size;
	r->free_bytes =
	    statvfs(s->dir, &vfs) == 0 ? (uint64_t)vfs.f_bavail * vfs.f_frsize : UINT64_MAX;
	r->a = archive_read_new();
	int rc = 0;
	if (!r->a || archive_read_support_format_tar(r->a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(r->a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_zstd(r->a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_xz(r->a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_bzip2(r->a) == ARCHIVE_FATAL)
		rc = clan_error(err, 0, "cannot start reading the archive");
	if (rc == 0 && archive_read_open_fd(r->a, in_fd, sizeof r->buf) != ARCHIVE_OK)
		rc = clan_error(err, archive_errno(r->a), "not a readable tar archive: %s",
				archive_error_string(r->a));
	if (rc == 0)
		rc = read_all(s, r, max_entries, err);
	if (rc == 0)
		rc = resolve_links(s, err);
	if (r->a)
		archive_read_free(r->a);
	free(r);
	return rc;
}

int oci_stage_put(struct stage *s, const char *data, size_t len, char digest[72],
		  struct clan_err *err)
{
	if (sha256_digest(data, len, digest, err) < 0)
		return -1;
	if (oci_stage_blob(s, digest))
		return 0;
	_cleanup_free_ char *path = xasprintf("%s/%zu", s->dir, s->n);
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", digest + 7);
	if (write_file(path, data, len, err) < 0)
		return -1;
	add(s, name, path, len, digest);
	return 0;
}

json_t *oci_stage_json(const struct staged *f, size_t max, struct clan_err *err)
{
	if (f->size > max) {
		clan_error(err, 0, "%s has %llu bytes, too many for an image document", f->name,
			   (unsigned long long)f->size);
		return NULL;
	}
	json_error_t je;
	json_t *doc = json_load_file(f->path, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		clan_error(err, 0, "%s: not valid JSON (%s)", f->name, je.text);
	return doc;
}

void oci_stage_free(struct stage *s)
{
	if (s->dir) {
		struct clan_err ignored;
		remove_tree(s->dir, &ignored);
	}
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].path);
	}
	free(s->v);
	free(s->dir);
	strv_free(&s->links);
	*s = (struct stage){0};
}
