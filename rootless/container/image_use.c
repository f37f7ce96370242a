#define _GNU_SOURCE
#include "container/image_use.h"

#include <string.h>

#include "debimage/debimage.h"
#include "image/image_ref.h"
#include "container/store.h"

static bool lookup_deb(const char *text, char id[72])
{
	_cleanup_free_ char *suite = NULL;
	struct strv pkgs = {0};
	struct clan_err ignored;
	bool ok = debimage_parse(text, &suite, &pkgs, &ignored) == 0;
	if (ok)
		debimage_key(suite, &pkgs, debimage_this_arch(), id);
	strv_free(&pkgs);
	return ok;
}

static bool lookup_id(const struct imgstore *st, const char *text, char id[72])
{
	struct image_record rec;
	struct clan_err ignored;
	if (imgstore_load_image(st, text, &rec, &ignored) < 0)
		return false;
	memcpy(id, rec.id, 72);
	image_record_free(&rec);
	return true;
}

bool image_use_lookup(const struct imgstore *st, const char *text, char id[72])
{
	/* by its tag too: an image an earlier clan built for a suite this
	 * one no longer accepts (deb:jammy+1a2b3c4d5e6f) can still be removed */
	if (strncmp(text, "deb:", 4) == 0)
		return lookup_deb(text, id) || imgstore_lookup_tag(st, text, id);
	/* a tag first: "abc" could be a repository or an id prefix */
	struct image_ref ref;
	struct clan_err ignored;
	if (image_ref_parse(text, &ref, &ignored) == 0) {
		_cleanup_free_ char *canon = image_ref_format(&ref);
		image_ref_free(&ref);
		if (imgstore_lookup_tag(st, canon, id))
			return true;
	}
	return lookup_id(st, text, id);
}

struct use_count {
	const struct imgstore *st;
	const char *id;
	int count;
	bool running;
	struct strv *names;
};

static int count_one(const struct container_rec *r, void *arg)
{
	struct use_count *u = arg;
	/* by the id it was made from: its tag may point elsewhere by now */
	if (strcmp(r->image_id, u->id) != 0)
		return 0;
	u->count++;
	u->running = u->running || store_is_running(r);
	if (u->names)
		strv_push(u->names, r->name);
	return 0;
}

int image_use_count(const struct imgstore *st, const char *id, bool *running, struct strv *names)
{
	struct use_count u = {.st = st, .id = id, .names = names};
	struct clan_err ignored;
	store_list(st->root, count_one, &u, &ignored);
	*running = u.running;
	return u.count;
}
