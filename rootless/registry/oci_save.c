/* clan image save: images of the store as an OCI image layout tar. */
#define _GNU_SOURCE
#include "registry/oci_archive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/dl_archive.h"
#include "image/image_ref.h"
#include "image/layer_tar.h"
#include "registry/registry.h"
#include "registry/registry_int.h"

#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"

/* What one image came to in the archive. */
struct saved {
	char manifest[72];
	int64_t manifest_size;
	char *media_type;
	char config[72];
	struct strv layers; /* blob digests, bottom first */
};

struct saver {
	struct archive *a;
	struct strv written; /* blob digests already in the archive */
	const struct userns_plan *userns;
	const char *tmp_dir;
	char buf[1 << 16];
};

static int put_header(struct saver *s, const char *name, int type, int64_t size,
		      struct clan_err *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, (unsigned)type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
	archive_entry_set_mtime(e, 0, 0); /* the same images give the same archive */
	int rc = archive_write_header(s->a, e) == ARCHIVE_OK ? 0 : -1;
	archive_entry_free(e);
	if (rc < 0)
		return clan_error(err, archive_errno(s->a), "cannot write %s into the archive: %s",
				  name, archive_error_string(s->a));
	return 0;
}

static int put_bytes(struct saver *s, const char *name, const void *data, size_t len,
		     struct clan_err *err)
{
	if (put_header(s, name, AE_IFREG, (int64_t)len, err) < 0)
		return -1;
	if (len && archive_write_data(s->a, data, len) != (ssize_t)len)
		return clan_error(err, archive_errno(s->a), "cannot write %s into the archive: %s",
				  name, archive_error_string(s->a));
	return 0;
}

/* A blob from fd (size bytes from its current offset), once per archive. */
static int put_blob_fd(struct saver *s, const char *digest, int fd, int64_t size,
		       struct clan_err *err)
{
	if (strv_contains(&s->written, digest))
		return 0;
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", digest + 7);
	if (put_header(s, name, AE_IFREG, size, err) < 0)
		return -1;
	for (int64_t left = size; left > 0;) {
		ssize_t n = read(fd, s->buf, sizeof s->buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return clan_error(err, n < 0 ? errno : 0, "cannot read blob %s", digest);
		if (n > left)
			n = (ssize_t)left;
		if (archive_write_data(s->a, s->buf, (size_t)n) != n)
			return clan_error(err, archive_errno(s->a), "cannot write blob %s: %s",
					  digest, archive_error_string(s->a));
		left -= n;
	}
	strv_push(&s->written, digest);
	return 0;
}

static int put_json(struct saver *s, json_t *doc, char digest[72], int64_t *size,
		    struct clan_err *err)
{
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return clan_error(err, ENOMEM, "cannot encode a manifest");
	size_t len = strlen(text);
	if (sha256_digest(text, len, digest, err) < 0)
		return -1;
	*size = (int64_t)len;
	if (strv_contains(&s->written, digest))
		return 0;
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", digest + 7);
	if (put_bytes(s, name, text, len, err) < 0)
		return -1;
	strv_push(&s->written, digest);
	return 0;
}

static int tmp_file(const char *dir, struct clan_err *err)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd >= 0 ? fd : clan_error(err, errno, "cannot make a temp file in %s", dir);
	_cleanup_free_ char *t = xasprintf("%s/.clan-save-XXXXXX", dir);
	fd = mkostemp(t, O_CLOEXEC);
	if (fd < 0)
		return clan_error(err, errno, "cannot make a temp file in %s", dir);
	unlink(t);
	return fd;
}

/* {"K": {}} for each of v (ExposedPorts, Volumes). */
static json_t *strv_set(const struct strv *v)
{
	json_t *o = json_object();
	for (size_t i = 0; i < v->n; i++)
		json_object_set_new(o, v->v[i], json_object());
	return o;
}

/* The image config a record stands for, with diff_ids. */
static json_t *config_of(const struct image_record *r, const struct strv *diff_ids)
{
	json_t *c = json_object();
	json_object_set_new(c, "Env", imgstore_strv_json(&r->env));
	if (r->entrypoint.n)
		json_object_set_new(c, "Entrypoint", imgstore_strv_json(&r->entrypoint));
	if (r->cmd.n)
		json_object_set_new(c, "Cmd", imgstore_strv_json(&r->cmd));
	if (r->workdir)
		json_object_set_new(c, "WorkingDir", json_string(r->workdir));
	if (r->user)
		json_object_set_new(c, "User", json_string(r->user));
	if (r->labels.n) {
		json_t *l = json_object();
		for (size_t i = 0; i < r->labels.n; i++) {
			const char *eq = strchr(r->labels.v[i], '=');
			_cleanup_free_ char *k =
			    xstrndup(r->labels.v[i],
				     eq ? (size_t)(eq - r->labels.v[i]) : strlen(r->labels.v[i]));
			json_object_set_new(l, k, json_string(eq ? eq + 1 : ""));
		}
		json_object_set_new(c, "Labels", l);
	}
	if (r->exposed.n)
		json_object_set_new(c, "ExposedPorts", strv_set(&r->exposed));
	if (r->volumes.n)
		json_object_set_new(c, "Volumes", strv_set(&r->volumes));
	if (r->shell.n)
		json_object_set_new(c, "Shell", imgstore_strv_json(&r->shell));
	if (r->stop_signal)
		json_object_set_new(c, "StopSignal", json_string(r->stop_signal));
	if (r->health.test.n)
		json_object_set_new(c, "Healthcheck", image_health_json(&r->health));
	char created[32] = "1970-01-01T00:00:00Z";
	time_t t = (time_t)r->created;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s,s:s,s:s,s:o,s:{s:s,s:o}}", "created", created, "architecture",
			 registry_this_arch(), "os", "linux", "config", c, "rootfs", "type",
			 "layers", "diff_ids", imgstore_strv_json(diff_ids));
}

static json_t *descriptor(const char *media_type, const char *digest, int64_t size)
{
	return json_pack("{s:s,s:s,s:I}", "mediaType", media_type, "digest", digest, "size",
			 (json_int_t)size);
}

/* A layer dir as an uncompressed tar blob: its digest is its diff id. */
static int save_layer(struct saver *s, const struct imgstore *st, const char *id, json_t *layers,
		      struct strv *diff_ids, struct clan_err *err)
{
	_cleanup_free_ char *path = imgstore_layer_path(st, id);
	_cleanup_close_ int fd = tmp_file(s->tmp_dir, err);
	char digest[72];
	uint64_t size;
	if (fd < 0 || layer_tar_make(path, s->userns, fd, digest, &size, err) < 0)
		return -1;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return clan_error(err, errno, "cannot read back the tar of layer %s", id);
	if (put_blob_fd(s, digest, fd, (int64_t)size, err) < 0)
		return -1;
	strv_push(diff_ids, digest);
	json_array_append_new(layers, descriptor(MT_OCI_LAYER_TAR, digest, (int64_t)size));
	return 0;
}

static int save_image(struct saver *s, const struct oci_save_image *img, struct saved *out,
		      struct clan_err *err)
{
	json_t *layers = json_array();
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < img->rec->layers.n; i++) {
		if (!digest_is_valid(img->rec->layers.v[i]) ||
		    !imgstore_has_layer(img->st, img->rec->layers.v[i]))
			rc = clan_error(err, 0, "image %s: layer %s is missing from the store",
					img->rec->id, img->rec->layers.v[i]);
		else
			rc = save_layer(s, img->st, img->rec->layers.v[i], layers, &out->layers,
					err);
	}
	json_t *config = rc == 0 ? config_of(img->rec, &out->layers) : NULL;
	int64_t config_size = 0;
	if (rc == 0)
		rc = put_json(s, config, out->config, &config_size, err);
	json_decref(config);
	json_t *m = NULL;
	if (rc == 0) {
		m = json_pack("{s:i,s:s,s:o,s:O}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
			      "config", descriptor(MT_OCI_CONFIG, out->config, config_size),
			      "layers", layers);
		rc = put_json(s, m, out->manifest, &out->manifest_size, err);
	}
	json_decref(m);
	json_decref(layers);
	out->media_type = xstrdup(MT_OCI_MANIFEST);
	return rc;
}

/* "docker.io/library/busybox:1" -> "busybox:1", as docker load names it. */
static const char *docker_name(const char *ref)
{
	if (strncmp(ref, "docker.io/library/", 18) == 0)
		return ref + 18;
	if (strncmp(ref, "docker.io/", 10) == 0)
		return ref + 10;
	return ref;
}

/* index.json (one entry per name) and docker's manifest.json. */
static int put_indexes(struct saver *s, const struct oci_save_image *images,
		       const struct saved *saved, size_t n, struct clan_err *err)
{
	json_t *manifests = json_array(), *docker = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct saved *v = &saved[i];
		json_t *tags = json_array(), *layers = json_array();
		for (size_t k = 0; k < images[i].names.n || k == 0; k++) {
			json_t *d = descriptor(v->media_type, v->manifest, v->manifest_size);
			if (k < images[i].names.n) {
				const char *name = images[i].names.v[k];
				json_object_set_new(d, "annotations",
						    json_pack("{s:s,s:s}", OCI_ANNOT_REF, name,
							      OCI_ANNOT_CONTAINERD, name));
				json_array_append_new(tags, json_string(docker_name(name)));
			}
			json_array_append_new(manifests, d);
		}
		for (size_t k = 0; k < v->layers.n; k++)
			json_array_append_new(layers,
					      json_sprintf("blobs/sha256/%s", v->layers.v[k] + 7));
		json_array_append_new(docker,
				      json_pack("{s:o,s:o,s:o}", "Config",
						json_sprintf("blobs/sha256/%s", v->config + 7),
						"RepoTags", tags, "Layers", layers));
	}
	json_t *index = json_pack("{s:i,s:s,s:o}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX,
				  "manifests", manifests);
	_cleanup_free_ char *itext = json_dumps(index, JSON_COMPACT);
	_cleanup_free_ char *dtext = json_dumps(docker, JSON_COMPACT);
	json_decref(index);
	json_decref(docker);
	if (!itext || !dtext)
		return clan_error(err, ENOMEM, "cannot encode index.json");
	if (put_bytes(s, "index.json", itext, strlen(itext), err) < 0)
		return -1;
	return put_bytes(s, "manifest.json", dtext, strlen(dtext), err);
}

int oci_save(const struct oci_save_image *images, size_t n, const struct userns_plan *userns,
	     const char *tmp_dir, int out_fd, struct clan_err *err)
{
	if (dl_need(DL_ARCHIVE, err) < 0 || dl_need(DL_CRYPTO, err) < 0)
		return -1;
	struct saver *s = xcalloc(1, sizeof *s);
	struct saved *saved = xcalloc(n ? n : 1, sizeof *saved);
	s->userns = userns;
	s->tmp_dir = tmp_dir;
	s->a = archive_write_new();
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	int rc = 0;
	if (!s->a || archive_write_set_format_pax_restricted(s->a) != ARCHIVE_OK ||
	    archive_write_open_fd(s->a, out_fd) != ARCHIVE_OK)
		rc = clan_error(err, 0, "cannot start the archive");
	if (rc == 0)
		rc = put_bytes(s, "oci-layout", layout, strlen(layout), err);
	if (rc == 0)
		rc = put_header(s, "blobs/", AE_IFDIR, 0, err);
	if (rc == 0)
		rc = put_header(s, "blobs/sha256/", AE_IFDIR, 0, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = save_image(s, &images[i], &saved[i], err);
	if (rc == 0)
		rc = put_indexes(s, images, saved, n, err);
	if (rc == 0 && archive_write_close(s->a) != ARCHIVE_OK)
		rc = clan_error(err, archive_errno(s->a), "cannot finish the archive: %s",
				archive_error_string(s->a));
	if (s->a)
		archive_write_free(s->a);
	for (size_t i = 0; i < n; i++) {
		free(saved[i].media_type);
		strv_free(&saved[i].layers);
	}
	free(saved);
	strv_free(&s->written);
	free(s);
	return rc;
}
