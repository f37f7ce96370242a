/* libFuzzer target: the JSON records clan reads back from its storage
 * dir: a container's container.json (store_load, which ps, exec, rm and
 * container:NAME trust) and an image's image.json (imgstore_load_image).
 * The input is the file; the first byte picks which. A loaded container
 * record saves and loads back the same; an image record has a valid id
 * and NULL-terminated lists. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/imgstore.h"
#include "container/store.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IMAGE_HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char root[] = "/tmp/clan-fuzz-records.XXXXXX";
static char *cdir, *idir;

static void remove_root(void)
{
	struct clan_err err;
	remove_tree(root, &err);
}

static void setup(void)
{
	struct clan_err err;
	if (!mkdtemp(root))
		abort();
	atexit(remove_root);
	cdir = xasprintf("%s/containers/c1", root);
	idir = xasprintf("%s/images/%s", root, IMAGE_HEX);
	if (mkdir_p(cdir, 0700, &err) < 0 || mkdir_p(idir, 0700, &err) < 0)
		abort();
}

static void put(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

static void check_strv(const struct strv *v)
{
	if (v->v ? v->v[v->n] != NULL : v->n != 0)
		abort();
}

static void container_record(const uint8_t *data, size_t size)
{
	struct container_rec r, again;
	struct clan_err err;
	put(cdir, "container.json", data, size);
	if (store_load(cdir, &r, &err) < 0)
		return;
	check_strv(&r.cmd);
	check_strv(&r.env);
	check_strv(&r.ports);
	if (r.uidmap.n > IDMAP_MAX || r.gidmap.n > IDMAP_MAX || strlen(r.id) >= sizeof r.id)
		abort();
	if (store_save(&r, &err) == 0) {
		if (store_load(cdir, &again, &err) < 0 || strcmp(r.id, again.id) != 0 ||
		    strcmp(r.name, again.name) != 0 || r.cmd.n != again.cmd.n ||
		    r.pid != again.pid || r.uidmap.n != again.uidmap.n)
			abort();
		container_rec_free(&again);
	}
	container_rec_free(&r);
}

static void image_record(const uint8_t *data, size_t size)
{
	struct imgstore st = {.root = root, .gc_fd = -1};
	struct image_record r;
	struct clan_err err;
	put(idir, "image.json", data, size);
	if (imgstore_load_image(&st, "sha256:" IMAGE_HEX, &r, &err) < 0)
		return;
	if (!digest_is_valid(r.id))
		abort();
	check_strv(&r.layers);
	check_strv(&r.env);
	check_strv(&r.entrypoint);
	check_strv(&r.cmd);
	check_strv(&r.packages);
	image_record_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cdir)
		setup();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		image_record(data + 1, size - 1);
	else
		container_record(data + 1, size - 1);
	return 0;
}
