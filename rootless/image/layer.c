#define _GNU_SOURCE
#include "image/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/layer_stream.h"
#include "image/layer_write.h"
#include "ns/userns_exec.h"
#include "base/util.h"

/* Reads the blob and writes its entries into tmp, then checks the diff
 * id: one pass over the blob, so a layer is read once. */
static int extract_into(const char *tmp, const char *blob_path, struct layer_stream *s,
			bool keep_owners, struct clan_err *err)
{
	_cleanup_close_ int root = open(tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return clan_error(err, errno, "cannot open %s", tmp);
	if (layer_stream_open(s, blob_path, err) < 0) {
		layer_stream_past(s, err);
		return -1;
	}
	struct layer_writer w;
	layer_writer_init(&w, root, s->id, keep_owners);
	struct archive_entry *e;
	int r;
	while ((r = layer_stream_next(s, &e, err)) > 0)
		if (layer_write_entry(&w, s->tar, e, err) < 0) {
			r = -1;
			break;
		}
	if (r == 0)
		r = layer_stream_verify(s, err);
	if (r == 0)
		r = layer_writer_finish(&w, err);
	layer_writer_free(&w);
	if (r < 0)
		layer_stream_past(s, err);
	return r;
}

struct extract_call {
	const char *tmp, *blob_path;
	struct layer_stream *s;
};

/* As root of the user namespace: extracts, then says what the layer came
 * to, for the parent's bounds. */
static int extract_fn(void *arg, char *out, size_t outlen, struct clan_err *err)
{
	struct extract_call *x = arg;
	if (extract_into(x->tmp, x->blob_path, x->s, true, err) < 0)
		return -1;
	if (x->s->bounds)
		snprintf(out, outlen, "%llu %llu", (unsigned long long)x->s->bounds->bytes,
			 (unsigned long long)x->s->bounds->entries);
	return 0;
}

/* Extraction as root of a user namespace with p's maps: files keep the
 * tar's owners, as the user's subordinate ids. */
static int extract_in_userns(const char *tmp, const char *blob_path, struct layer_stream *s,
			     const struct userns_plan *p, struct clan_err *err)
{
	struct extract_call x = {.tmp = tmp, .blob_path = blob_path, .s = s};
	char used[64];
	_cleanup_free_ char *what = xasprintf("extract layer %.19s", s->id);
	struct userns_call c = {
	    .fn = extract_fn, .arg = &x, .what = what, .out = used, .outlen = sizeof used};
	if (userns_call(p, &c, err) < 0)
		return -1;
	unsigned long long bytes, entries;
	if (s->bounds && sscanf(used, "%llu %llu", &bytes, &entries) == 2) {
		s->bounds->bytes = bytes;
		s->bounds->entries = entries;
	}
	return 0;
}

static bool in_userns(const struct userns_plan *p)
{
	return p->mode == USERNS_SUBUID && !p->host_root;
}

/* Removes an unfinished layer; subordinate-owned files go as root of a
 * namespace with the same maps (as store_remove does). A failure is
 * added to err's message: the dir stays as layers/.tmp-*, never used. */
static void remove_tmp(const char *tmp, const struct userns_plan *p, struct clan_err *err)
{
	struct clan_err e;
	if (remove_tree(tmp, &e) == 0)
		return;
	if (in_userns(p) && userns_remove_tree(tmp, &p->uid, &p->gid, &e) == 0)
		return;
	if (err) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, " (and %s)", e.msg);
	}
}

static int commit(struct imgstore *st, const char *tmp, const char *id, const struct userns_plan *p,
		  struct clan_err *err)
{
	/* made by another pull meanwhile: theirs is as good, and ours may hold
	 * files the store's own cleanup cannot remove */
	if (imgstore_has_layer(st, id)) {
		remove_tmp(tmp, p, NULL);
		return 0;
	}
	return imgstore_layer_commit(st, tmp, id, err);
}

int layer_extract(struct imgstore *st, const char *blob_path, const char *id,
		  const struct userns_plan *userns, struct layer_bounds *bounds,
		  struct clan_err *err)
{
	if (!digest_is_valid(id))
		return clan_error(err, 0, "bad layer id '%s'", id);
	if (imgstore_has_layer(st, id))
		return 0;
	struct layer_stream s;
	if (layer_stream_init(&s, id, bounds, err) < 0)
		return -1;
	_cleanup_free_ char *tmp = NULL;
	int rc = imgstore_layer_tmpdir(st, &tmp, err);
	if (rc == 0)
		rc = in_userns(userns)
			 ? extract_in_userns(tmp, blob_path, &s, userns, err)
			 : extract_into(tmp, blob_path, &s, userns->mode == USERNS_SUBUID, err);
	layer_stream_close(&s);
	if (rc == 0)
		rc = commit(st, tmp, id, userns, err);
	if (rc < 0 && tmp)
		remove_tmp(tmp, userns, err);
	return rc;
}
