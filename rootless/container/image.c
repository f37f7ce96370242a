#define _GNU_SOURCE
#include "container/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/safe_path.h"

#include "debimage/debimage.h"
#include "fs/layer_merge.h"
#include "image/image_ref.h"
#include "image/imgstore.h"
#include "image/imgstore_ro.h"
#include "container/image_path.h"
#include "base/paths.h"
#include "registry/registry.h"
#include "ns/userns.h"

static int resolve_dir(const char *ref, const char *path, struct image *img, struct clan_err *err)
{
	char real[PATH_MAX];
	struct stat st;
	if (!*path || !realpath(path, real) || stat(real, &st) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "image %s: no such directory; give the path of a root "
				       "filesystem, e.g. dir:$HOME/rootfs",
				       ref);
	if (!S_ISDIR(st.st_mode))
		return clan_error_code(err, CLAN_EXIT_USAGE, "image %s: %s is not a directory", ref,
				       real);
	if (strchr(real, ',') || strchr(real, ':'))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "image %s: the path may not contain ',' or ':' (overlay "
				       "options); move or link it elsewhere",
				       ref);
	strv_push(&img->lowers, real);
	return 0;
}

int image_of_record(const struct imgstore *st, const struct image_record *r, struct image *img,
		    struct clan_err *err)
{
	for (size_t i = r->layers.n; i-- > 0;) {
		if (!digest_is_valid(r->layers.v[i]))
			return clan_error(err, 0, "image %s: bad layer id '%s' in its record",
					  img->ref, r->layers.v[i]);
		if (imgstore_check_layer(st, r->layers.v[i], err) < 0)
			return -1;
		if (!imgstore_has_layer(st, r->layers.v[i]))
			return clan_error(err, 0,
					  "image %s: layer %s is missing from the store; pull it "
					  "again (clan pull) or run clan system prune",
					  img->ref, r->layers.v[i]);
		strv_push_owned(&img->lowers, imgstore_layer_path(st, r->layers.v[i]));
	}
	strv_extend(&img->entrypoint, &r->entrypoint);
	strv_extend(&img->cmd, &r->cmd);
	strv_extend(&img->env, &r->env);
	memcpy(img->id, r->id, sizeof img->id);
	img->workdir = r->workdir && *r->workdir ? xstrdup(r->workdir) : NULL;
	img->user = r->user && *r->user ? xstrdup(r->user) : NULL;
	image_health_copy(&r->health, &img->health);
	return 0;
}

static int resolve_deb(struct imgstore *st, const char *ref, const struct userns_plan *plan,
		       struct image_record *rec, struct clan_err *err)
{
	_cleanup_free_ char *suite = NULL;
	struct strv pkgs = {0};
	int rc = debimage_parse(ref, &suite, &pkgs, err);
	if (rc == 0)
		rc = debimage_get(st, suite, &pkgs, plan, rec, err);
	strv_free(&pkgs);
	return rc;
}

/* The record for a registry reference: the tagged one, else pulled now,
 * as `docker run` does. */
static int resolve_registry(struct imgstore *st, const char *text, const struct userns_plan *plan,
			    struct image_record *rec, struct clan_err *err)
{
	struct image_ref ref;
	if (image_ref_parse(text, &ref, err) < 0)
		return -1;
	_cleanup_free_ char *canon = image_ref_format(&ref);
	char id[72];
	int rc;
	if (imgstore_lookup_tag(st, canon, id)) {
		rc = imgstore_load_image(st, id, rec, err);
	} else {
		progress_line("Unable to find image '%s' locally", canon);
		struct registry_opts ro = {.quiet = true, .userns = plan};
		rc = registry_pull(st, &ref, &ro, rec, err);
	}
	image_ref_free(&ref);
	return rc;
}

int image_record_get(struct imgstore *st, const char *ref, enum userns_mode userns, bool pull,
		     struct image_record *rec, struct clan_err *err)
{
	struct userns_plan plan;
	*rec = (struct image_record){0};
	if (userns_plan_make(userns, 0, 0, &plan, err) < 0)
		return -1;
	if (strncmp(ref, "deb:", 4) == 0)
		return resolve_deb(st, ref, &plan, rec, err);
	if (!pull)
		return resolve_registry(st, ref, &plan, rec, err);
	struct image_ref r;
	if (image_ref_parse(ref, &r, err) < 0)
		return -1;
	struct registry_opts ro = {.quiet = true, .userns = &plan};
	int rc = registry_pull(st, &r, &ro, rec, err);
	image_ref_free(&r);
	return rc;
}

/* An image the user's store lacks, from a read-only store of
 * CLAN_IMAGE_PATH (or clan.conf's image_path), used
 * where it is. 1: found (img filled), 0: none has it. */
static int resolve_image_path(const char *ref, struct image *img, struct clan_err *err)
{
	struct image_path ip;
	struct image_record rec;
	if (image_path_open_configured(&ip, err) < 0)
		return -1;
	if (ip.n == 0)
		return 0;
	const struct imgstore *from = image_path_find(&ip, ref, &rec);
	int rc = from ? image_of_record(from, &rec, img, err) : 0;
	if (from && rc == 0)
		rc = 1;
	image_record_free(&rec);
	image_path_close(&ip);
	return rc;
}

static int resolve_stored(const char *ref, const struct image_resolve_opts *o, struct image *img,
			  struct clan_err *err)
{
	struct imgstore st = {0};
	struct image_record rec = {0};
	_cleanup_free_ char *storage = paths_storage_dir();
	int rc = imgstore_open(&st, storage, err);
	/* the user's store (by name or id), then CLAN_IMAGE_PATH's, then a
	 * pull or a deb: build */
	bool local = rc == 0 && image_path_has(&st, ref, &rec);
	/* a deb: image of the user's store goes through debimage_get, which
	 * mends its tag and rebuilds a lost layer */
	bool deb = strncmp(ref, "deb:", 4) == 0;
	if (local && deb)
		image_record_free(&rec);
	if (rc == 0 && !local)
		rc = resolve_image_path(ref, img, err);
	if (rc == 0 && (!local || deb))
		rc = image_record_get(&st, ref, o->userns, false, &rec, err);
	if (rc == 0)
		rc = image_of_record(&st, &rec, img, err);
	image_record_free(&rec);
	imgstore_close(&st);
	return rc < 0 ? -1 : 0;
}

bool image_is_stored(const char *ref)
{
	if (strncmp(ref, "deb:", 4) != 0 && !image_ref_is_registry(ref))
		return true;
	struct imgstore st = {0};
	struct image_record rec = {0};
	struct clan_err ignored;
	_cleanup_free_ char *storage = paths_storage_dir();
	if (imgstore_open(&st, storage, &ignored) < 0)
		return false;
	bool stored = strncmp(ref, "deb:", 4) == 0 ? debimage_is_built(&st, ref)
						   : image_path_has(&st, ref, &rec);
	image_record_free(&rec);
	imgstore_close(&st);
	return stored;
}

int image_resolve(const char *ref, const struct image_resolve_opts *o, struct image *img,
		  struct clan_err *err)
{
	*img = (struct image){.ref = xstrdup(ref)};
	int rc;
	if (strncmp(ref, "dir:", 4) == 0) {
		rc = resolve_dir(ref, ref + 4, img, err);
	} else if (strcmp(ref, "host") == 0) {
		img->is_host = true;
		strv_push(&img->lowers, "/");
		rc = 0;
	} else if (strncmp(ref, "deb:", 4) == 0 || image_ref_is_registry(ref)) {
		rc = resolve_stored(ref, o, img, err);
	} else {
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "image '%s': unknown image source; use dir:/path/to/rootfs, "
				     "host, deb:SUITE[+pkg,...] or a registry reference",
				     ref);
	}
	if (rc < 0)
		image_free(img);
	return rc;
}

void image_free(struct image *img)
{
	free(img->ref);
	strv_free(&img->lowers);
	strv_free(&img->entrypoint);
	strv_free(&img->cmd);
	strv_free(&img->env);
	free(img->workdir);
	free(img->user);
	strv_free(&img->health.test);
	*img = (struct image){0};
}

void image_copy(const struct image *img, struct image *out)
{
	*out = (struct image){.ref = xstrdup(img->ref), .is_host = img->is_host};
	strv_extend(&out->lowers, &img->lowers);
	strv_extend(&out->entrypoint, &img->entrypoint);
	strv_extend(&out->cmd, &img->cmd);
	strv_extend(&out->env, &img->env);
	out->workdir = img->workdir ? xstrdup(img->workdir) : NULL;
	out->user = img->user ? xstrdup(img->user) : NULL;
	image_health_copy(&img->health, &out->health);
	memcpy(out->id, img->id, sizeof out->id);
}

/* Reads rel from one layer, resolved inside it (symlinks cannot reach the
 * host), only if it is a regular file (a FIFO or device would hang or
 * leak). 1: read; 0: not in this layer; -1: hidden by a whiteout. */
static int read_in_layer(const char *layer, const char *rel, size_t max, char **out)
{
	_cleanup_close_ int root = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *abs = xasprintf("/%s", rel);
	struct clan_err err;
	struct stat st;
	char path[64];
	if (root < 0 || safe_path_open(root, abs, SP_NOCREATE, &fd, &err) < 0 || fstat(fd, &st) < 0)
		return 0;
	if (layer_is_whiteout(&st))
		return -1;
	if (!S_ISREG(st.st_mode))
		return 0;
	fd_path(fd, path, sizeof path);
	return read_file(path, max, out, &err) == 0 ? 1 : 0;
}

int image_read_file(const struct image *img, const char *rel, size_t max, char **out)
{
	for (size_t i = 0; i < img->lowers.n; i++) {
		int r = read_in_layer(img->lowers.v[i], rel, max, out);
		if (r > 0)
			return 0;
		if (r < 0)
			break;
	}
	errno = ENOENT;
	return -1;
}
