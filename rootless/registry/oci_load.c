/* clan image load: an OCI layout or `docker save` archive into the store.
 * Three passes: stage every file (oci_stage.c), plan the images from
 * index.json or manifest.json with every reference checked, then extract
 * the layers and only then record and tag the images. */
#define _GNU_SOURCE
#include "registry/oci_archive.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/image_ref.h"
#include "image/layer.h"
#include "image/layer_write.h"
#include "registry/oci_stage.h"
#include "registry/registry_int.h"

/* One image of the archive, checked, not yet in the store. */
struct planned {
	char manifest[72];
	struct reg_manifest m;
	struct reg_config cfg;
	json_t *config; /* the config document, for what reg_config leaves out */
	struct strv names;
};

struct loader {
	struct imgstore *st;
	const struct oci_load_opts *o;
	struct stage s;
	struct planned *v;
	size_t n;
};

static const struct staged *need_blob(const struct loader *l, const char *digest, int64_t size,
				      const char *what, struct clan_err *err)
{
	const struct staged *f = oci_stage_blob(&l->s, digest);
	if (!f) {
		clan_error(err, 0, "the archive lacks %s %s", what, digest);
		return NULL;
	}
	/* whatever name it came by, the content is what the digest says */
	if (strcmp(f->digest, digest) != 0) {
		clan_error(err, 0, "%s %s failed verification: its content hashes to %s", what,
			   digest, f->digest);
		return NULL;
	}
	if (size >= 0 && f->size != (uint64_t)size) {
		clan_error(err, 0, "%s %s has %llu bytes, but its descriptor says %lld", what,
			   digest, (unsigned long long)f->size, (long long)size);
		return NULL;
	}
	return f;
}

static void add_name(struct planned *p, const char *name)
{
	if (name && !strv_contains(&p->names, name))
		strv_push(&p->names, name);
}

/* The manifest at digest (an index: this platform's entry), its config
 * and layers, all present and of the sizes the descriptors give. */
static int plan_manifest(struct loader *l, const char *digest, int64_t size, const char *mt,
			 const char *name, int depth, struct clan_err *err)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].manifest, digest) == 0) {
			add_name(&l->v[i], name);
			return 0;
		}
	const struct staged *f = need_blob(l, digest, size, "manifest", err);
	json_t *doc = f ? oci_stage_json(f, OCI_LOAD_MAX_JSON, err) : NULL;
	if (!doc)
		return -1;
	enum reg_kind kind = reg_manifest_kind(mt, doc);
	if (kind == REG_KIND_INDEX && depth == 0) {
		struct reg_platform plat;
		char chosen[72];
		reg_platform_this(NULL, &plat);
		int rc = reg_index_select(doc, &plat, chosen, err);
		json_decref(doc);
		return rc < 0 ? -1 : plan_manifest(l, chosen, -1, NULL, name, 1, err);
	}
	struct planned p = {0};
	snprintf(p.manifest, sizeof p.manifest, "%s", digest);
	int rc = kind == REG_KIND_MANIFEST
		     ? reg_manifest_parse(doc, &p.m, err)
		     : clan_error(err, 0, "manifest %s is not an image manifest", digest);
	json_decref(doc);
	if (rc < 0)
		return clan_error_wrap(err, "manifest %s", digest);
	const struct staged *c = need_blob(l, p.m.config.digest, p.m.config.size, "config", err);
	p.config = c ? oci_stage_json(c, OCI_LOAD_MAX_JSON, err) : NULL;
	_cleanup_free_ char *text = p.config ? json_dumps(p.config, JSON_COMPACT) : NULL;
	rc = text ? reg_config_parse(text, strlen(text), &p.cfg, err) : -1;
	if (rc == 0 && p.cfg.diff_ids.n != p.m.nlayers)
		rc = clan_error(err, 0, "the manifest has %zu layers but the config %zu",
				p.m.nlayers, p.cfg.diff_ids.n);
	for (size_t i = 0; rc == 0 && i < p.m.nlayers; i++)
		if (!need_blob(l, p.m.layers[i].digest, p.m.layers[i].size, "layer", err))
			rc = -1;
	add_name(&p, name);
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = p; /* freed with the rest, also on failure */
	return rc < 0 ? clan_error_wrap(err, "image %s", name ? name : digest) : 0;
}

/* A name from an annotation or RepoTags, canonical; NULL: none usable. */
static char *canonical(const char *text)
{
	struct image_ref ref;
	struct clan_err ignored;
	if (!text || !*text || image_ref_parse(text, &ref, &ignored) < 0)
		return NULL;
	char *c = image_ref_format(&ref);
	image_ref_free(&ref);
	return c;
}

static int plan_oci(struct loader *l, const struct staged *index, struct clan_err *err)
{
	json_t *doc = oci_stage_json(index, OCI_LOAD_MAX_JSON, err);
	if (!doc)
		return -1;
	json_t *list = json_object_get(doc, "manifests");
	int rc = json_array_size(list) ? 0 : clan_error(err, 0, "index.json names no image");
	for (size_t i = 0; rc == 0 && i < json_array_size(list); i++) {
		json_t *d = json_array_get(list, i), *a = json_object_get(d, "annotations");
		const char *digest = json_string_value(json_object_get(d, "digest"));
		json_t *size = json_object_get(d, "size");
		const char *name = json_string_value(json_object_get(a, OCI_ANNOT_CONTAINERD));
		if (!name)
			name = json_string_value(json_object_get(a, OCI_ANNOT_REF));
		_cleanup_free_ char *canon = canonical(name);
		if (!digest_is_valid(digest) || !json_is_integer(size))
			rc = clan_error(
			    err, 0, "index.json: entry %zu has no valid digest and size", i + 1);
		else
			rc = plan_manifest(l, digest, json_integer_value(size),
					   json_string_value(json_object_get(d, "mediaType")),
					   canon, 0, err);
	}
	json_decref(doc);
	return rc;
}

/* A staged file by a manifest.json path, also reachable under its digest. */
static const struct staged *docker_file(struct loader *l, json_t *v, struct clan_err *err)
{
	const char *path = json_string_value(v);
	_cleanup_free_ char *clean = NULL;
	const struct staged *f = NULL;
	if (path && layer_clean_name(path, &clean) == LAYER_NAME_OK)
		f = oci_stage_find(&l->s, clean);
	if (!f) {
		clan_error(err, 0, "manifest.json names '%s', which the archive lacks",
			   path ? path : "?");
		return NULL;
	}
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", f->digest + 7);
	struct staged copy = *f;
	oci_stage_alias(&l->s, name, &copy);
	return oci_stage_blob(&l->s, copy.digest);
}

/* A layer's media type from its first bytes: gzip, zstd or a plain tar. */
static const char *layer_type(const struct staged *f)
{
	unsigned char b[4] = {0};
	FILE *in = fopen(f->path, "re");
	if (in) {
		if (fread(b, 1, sizeof b, in) != sizeof b)
			b[0] = 0;
		fclose(in);
	}
	if (b[0] == 0x1f && b[1] == 0x8b)
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar";
}

/* One manifest.json item as the OCI manifest it stands for. */
static int docker_item(struct loader *l, json_t *item, struct clan_err *err)
{
	/* copied: staging more files moves the list */
	const struct staged *c = docker_file(l, json_object_get(item, "Config"), err);
	struct staged config = c ? *c : (struct staged){0};
	json_t *layers = json_object_get(item, "Layers"), *descs = json_array();
	int rc = c && json_is_array(layers) ? 0 : -1;
	if (c && !json_is_array(layers))
		clan_error(err, 0, "manifest.json: an image has no Layers list");
	for (size_t i = 0; rc == 0 && i < json_array_size(layers); i++) {
		const struct staged *f = docker_file(l, json_array_get(layers, i), err);
		if (!f)
			rc = -1;
		else
			json_array_append_new(descs, json_pack("{s:s,s:s,s:I}", "mediaType",
							       layer_type(f), "digest", f->digest,
							       "size", (json_int_t)f->size));
	}
	char digest[72];
	_cleanup_free_ char *text = NULL;
	if (rc == 0) {
		json_t *m =
		    json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:O}", "schemaVersion", 2, "mediaType",
			      MT_OCI_MANIFEST, "config", "mediaType",
			      "application/vnd.oci.image.config.v1+json", "digest", config.digest,
			      "size", (json_int_t)config.size, "layers", descs);
		text = json_dumps(m, JSON_COMPACT);
		json_decref(m);
		rc = text ? oci_stage_put(&l->s, text, strlen(text), digest, err) : -1;
	}
	json_decref(descs);
	json_t *tags = json_object_get(item, "RepoTags");
	for (size_t i = 0; rc == 0 && i < json_array_size(tags); i++) {
		_cleanup_free_ char *canon = canonical(json_string_value(json_array_get(tags, i)));
		rc =
		    plan_manifest(l, digest, (int64_t)strlen(text), MT_OCI_MANIFEST, canon, 0, err);
	}
	if (rc == 0 && json_array_size(tags) == 0)
		rc = plan_manifest(l, digest, (int64_t)strlen(text), MT_OCI_MANIFEST, NULL, 0, err);
	return rc;
}

static int plan_docker(struct loader *l, const struct staged *manifest, struct clan_err *err)
{
	json_t *doc = oci_stage_json(manifest, OCI_LOAD_MAX_JSON, err);
	if (!doc)
		return -1;
	int rc = json_array_size(doc) ? 0 : clan_error(err, 0, "manifest.json names no image");
	for (size_t i = 0; rc == 0 && i < json_array_size(doc); i++)
		rc = docker_item(l, json_array_get(doc, i), err);
	json_decref(doc);
	return rc;
}

static int extract_layers(struct loader *l, const struct planned *p, struct clan_err *err)
{
	for (size_t i = 0; i < p->m.nlayers; i++) {
		const struct staged *f = oci_stage_blob(&l->s, p->m.layers[i].digest);
		struct layer_bounds b = {.image = p->names.n ? p->names.v[0] : p->manifest,
					 .blob = f->digest};
		layer_bounds_for((int64_t)f->size, l->o->floor_mib, &b);
		if (layer_extract(l->st, f->path, p->cfg.diff_ids.v[i], l->o->userns, &b, err) < 0)
			return layer_bounds_is_error(err)
				   ? -1
				   : clan_error_wrap(err, "image %s", b.image);
	}
	return 0;
}

/* A staged blob into the store's blobs (an alias may have moved it). */
static int keep_blob(struct loader *l, const char *digest, struct clan_err *err)
{
	const struct staged *f = oci_stage_blob(&l->s, digest);
	if (imgstore_has_blob(l->st, digest))
		return 0;
	_cleanup_free_ char *to = imgstore_blob_path(l->st, digest);
	if (rename(f->path, to) < 0)
		return clan_error(err, errno, "cannot store blob %s", digest);
	return 0;
}

static void strv_keys(json_t *o, struct strv *out)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		(void)v;
		strv_push(out, k);
	}
}

/* What of the config reg_config_parse leaves out: labels, ports,
 * volumes, shell, stop signal. */
static void config_extras(json_t *config, struct image_record *r)
{
	json_t *c = json_object_get(config, "config"), *labels = json_object_get(c, "Labels");
	const char *k;
	json_t *v;
	json_object_foreach(labels, k, v)
	{
		if (json_is_string(v))
			strv_push_owned(&r->labels, xasprintf("%s=%s", k, json_string_value(v)));
	}
	strv_keys(json_object_get(c, "ExposedPorts"), &r->exposed);
	strv_keys(json_object_get(c, "Volumes"), &r->volumes);
	json_t *shell = json_object_get(c, "Shell");
	for (size_t i = 0; i < json_array_size(shell); i++)
		if (json_is_string(json_array_get(shell, i)))
			strv_push(&r->shell, json_string_value(json_array_get(shell, i)));
	const char *sig = json_string_value(json_object_get(c, "StopSignal"));
	r->stop_signal = sig ? xstrdup(sig) : NULL;
}

/* The config's "created" (RFC 3339, UTC), so a saved image keeps its
 * time (and its config, its digest) through a load; now when it has
 * none. */
static int64_t config_created(json_t *config)
{
	const char *text = json_string_value(json_object_get(config, "created"));
	struct tm tm = {0};
	const char *end = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	time_t t = end ? timegm(&tm) : (time_t)-1;
	return t > 0 ? (int64_t)t : (int64_t)time(NULL);
}

static int record(struct loader *l, struct planned *p, struct clan_err *err)
{
	/* the layer blobs go with the staging dir: the extracted layer is
	 * what runs (as after a pull) */
	int rc = keep_blob(l, p->manifest, err);
	if (rc == 0)
		rc = keep_blob(l, p->m.config.digest, err);
	if (rc < 0)
		return -1;
	struct image_record r = {0};
	snprintf(r.id, sizeof r.id, "%s", p->m.config.digest);
	r.manifest = xstrdup(p->manifest);
	for (size_t i = 0; i < p->m.nlayers; i++) {
		strv_push(&r.layers, p->cfg.diff_ids.v[i]);
		r.size += (uint64_t)p->m.layers[i].size;
	}
	strv_extend(&r.env, &p->cfg.env);
	strv_extend(&r.entrypoint, &p->cfg.entrypoint);
	strv_extend(&r.cmd, &p->cfg.cmd);
	r.workdir = p->cfg.workdir ? xstrdup(p->cfg.workdir) : NULL;
	r.user = p->cfg.user ? xstrdup(p->cfg.user) : NULL;
	image_health_copy(&p->cfg.health, &r.health);
	config_extras(p->config, &r);
	r.created = config_created(p->config);
	r.source = xstrdup("archive");
	rc = imgstore_save_image(l->st, &r, err);
	for (size_t i = 0; rc == 0 && i < p->names.n; i++)
		rc = imgstore_tag(l->st, p->names.v[i], r.id, err);
	if (rc == 0 && l->o->loaded) {
		for (size_t i = 0; i < p->names.n; i++)
			l->o->loaded(r.id, p->names.v[i], l->o->arg);
		if (p->names.n == 0)
			l->o->loaded(r.id, NULL, l->o->arg);
	}
	image_record_free(&r);
	return rc;
}

static void loader_free(struct loader *l)
{
	for (size_t i = 0; i < l->n; i++) {
		reg_manifest_free(&l->v[i].m);
		reg_config_free(&l->v[i].cfg);
		json_decref(l->v[i].config);
		strv_free(&l->v[i].names);
	}
	free(l->v);
	oci_stage_free(&l->s);
}

int oci_load(struct imgstore *st, int in_fd, uint64_t in_size, const struct oci_load_opts *o,
	     struct clan_err *err)
{
	struct loader l = {.st = st, .o = o};
	int rc = oci_stage_read(&l.s, st, in_fd, in_size, OCI_LOAD_MAX_ENTRIES, err);
	const struct staged *index = rc == 0 ? oci_stage_find(&l.s, "index.json") : NULL;
	const struct staged *docker = rc == 0 ? oci_stage_find(&l.s, "manifest.json") : NULL;
	if (rc == 0 && index)
		rc = plan_oci(&l, index, err);
	else if (rc == 0 && docker)
		rc = plan_docker(&l, docker, err);
	else if (rc == 0)
		rc = clan_error(err, 0,
				"not an image archive: it has neither index.json (OCI) nor "
				"manifest.json (docker save)");
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = extract_layers(&l, &l.v[i], err);
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = record(&l, &l.v[i], err);
	loader_free(&l);
	return rc;
}
