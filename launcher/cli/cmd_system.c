/* clan system df | prune: the storage as a whole. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/format.h"
#include "cli/commands.h"
#include "container/image_use.h"
#include "image/imgstore.h"
#include "build/build.h"
#include "image/imgstore_gc.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "container/store.h"

struct tally {
	const struct imgstore *st;
	unsigned total, active;
	uint64_t size, reclaimable;
};

static int tally_image(const struct image_record *r, void *arg)
{
	struct tally *t = arg;
	bool running;
	t->total++;
	if (image_use_count(t->st, r->id, &running, NULL) > 0)
		t->active++;
	else
		t->reclaimable += r->size;
	return 0;
}

static int tally_container(const struct container_rec *r, void *arg)
{
	struct tally *t = arg;
	uint64_t size = disk_usage(r->dir);
	t->total++;
	t->size += size;
	if (store_is_running(r))
		t->active++;
	else
		t->reclaimable += size;
	return 0;
}

static void df_row(const char *type, const struct tally *t)
{
	char size[32], rec[32];
	format_size(t->size, size, sizeof size);
	format_size(t->reclaimable, rec, sizeof rec);
	unsigned pct = t->size ? (unsigned)(100 * t->reclaimable / t->size) : 0;
	printf("%-15s %-9u %-9u %-10s %s (%u%%)\n", type, t->total, t->active, size, rec, pct);
}

static int system_df(const struct imgstore *st, struct clan_err *err)
{
	struct tally images = {.st = st}, containers = {.st = st}, volumes = {0};
	if (imgstore_list_images(st, tally_image, &images, err) < 0 ||
	    store_list(st->root, tally_container, &containers, err) < 0)
		return -1;
	_cleanup_free_ char *layers = xasprintf("%s/layers", st->root);
	_cleanup_free_ char *blobs = xasprintf("%s/blobs", st->root);
	images.size = disk_usage(layers) + disk_usage(blobs);
	if (images.reclaimable > images.size)
		images.reclaimable = images.size;
	printf("%-15s %-9s %-9s %-10s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
	df_row("Images", &images);
	df_row("Containers", &containers);
	df_row("Local Volumes", &volumes);
	return 0;
}

struct prune {
	const struct imgstore *st;
	bool all;
	uint64_t bytes;
	struct strv ids;
};

static int prune_container(const struct container_rec *r, void *arg)
{
	struct prune *p = arg;
	struct clan_err err;
	if (store_is_running(r))
		return 0;
	uint64_t size = disk_usage(r->dir);
	if (store_remove(p->st->root, r, &err) < 0) {
		fprintf(stderr, "clan: system prune: container %.12s: %s\n", r->id, err.msg);
		return 0;
	}
	p->bytes += size;
	strv_push(&p->ids, r->id);
	return 0;
}

struct has_tag {
	const char *id;
	bool found;
};

static int find_tag(const char *ref, const char *id, void *arg)
{
	struct has_tag *h = arg;
	(void)ref;
	h->found = h->found || strcmp(id, h->id) == 0;
	return 0;
}

/* Unused images: dangling (no tag) ones, or with -a every one no
 * container uses. */
static int prune_image(const struct image_record *r, void *arg)
{
	struct prune *p = arg;
	struct has_tag h = {.id = r->id};
	struct clan_err err;
	bool running;
	imgstore_list_tags(p->st, find_tag, &h, &err);
	if ((h.found && !p->all) || image_use_count(p->st, r->id, &running, NULL) > 0)
		return 0;
	if (imgstore_remove_image(p->st, r->id, &err) < 0) {
		fprintf(stderr, "clan: system prune: image %.12s: %s\n", r->id + 7, err.msg);
		return 0;
	}
	strv_push(&p->ids, r->id);
	return 0;
}

static int untag_unused(const char *ref, const char *id, void *arg)
{
	struct prune *p = arg;
	struct clan_err ignored;
	for (size_t i = 0; i < p->ids.n; i++)
		if (strcmp(p->ids.v[i], id) == 0)
			imgstore_untag(p->st, ref, &ignored);
	return 0;
}

static void print_list(const char *title, const struct strv *ids)
{
	if (ids->n == 0)
		return;
	printf("%s:\n", title);
	for (size_t i = 0; i < ids->n; i++)
		printf("%s\n", ids->v[i]);
	putchar('\n');
}

/* Docker's question before a prune; what goes is said in warning. */
static bool confirmed(const char *warning)
{
	fprintf(stderr, "WARNING! This will remove:\n%sAre you sure you want to continue? [y/N] ",
		warning);
	char line[16] = "";
	return fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
}

static int system_prune(const struct imgstore *st, bool all, bool force, struct clan_err *err)
{
	struct prune p = {.st = st, .all = all};
	struct gc_result gc;
	char size[32];
	const char *what = all ? "  - all stopped containers\n  - all images without at least "
				 "one container associated to them\n  - layers and blobs no "
				 "image uses\n  - all build cache\n"
			       : "  - all stopped containers\n  - all dangling images\n  - "
				 "layers and blobs no image uses\n  - all build cache\n";
	if (!force && !confirmed(what))
		return 0;
	int rc = store_list(st->root, prune_container, &p, err);
	print_list("Deleted Containers", &p.ids);
	strv_free(&p.ids);
	if (rc == 0)
		rc = imgstore_list_images(st, prune_image, &p, err);
	if (rc == 0)
		rc = imgstore_list_tags(st, untag_unused, &p, err);
	print_list("Deleted Images", &p.ids);
	strv_free(&p.ids);
	uint64_t cache = 0;
	if (rc == 0)
		rc = build_cache_prune(st->root, &cache, err);
	if (rc == 0)
		rc = imgstore_gc(st, &gc, err);
	if (rc < 0)
		return -1;
	format_size(p.bytes + gc.bytes + cache, size, sizeof size);
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

enum { OPT_ALL = 1, OPT_FORCE };

static const struct opt_def system_opts[] = {
    {"all", 'a', NULL, "prune: also tagged images no container uses (else untagged only)", OPT_ALL},
    {"force", 'f', NULL, "prune: do not ask", OPT_FORCE},
    {0},
};

const struct opt_cmd system_cmd = {
    .name = "system",
    .operands = "df | prune",
    .about = "df: the space images, containers and volumes use.\n"
	     "prune: removes stopped containers and images nothing uses (asks first).\n",
    .opts = system_opts,
};

int cmd_system(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	unsigned flags = 0;
	(void)ctx;
	int r = opts_parse(&system_cmd, argc, argv, opts_flag_bits, &flags, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n != 1 || (strcmp(ops.v[0], "df") != 0 && strcmp(ops.v[0], "prune") != 0))
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "system: usage: clan system df | clan system prune [-a] [-f]");
	bool all = flags & OPT_BIT(OPT_ALL), force = flags & OPT_BIT(OPT_FORCE);
	struct imgstore st = {0};
	_cleanup_free_ char *storage = paths_storage_dir();
	int rc = imgstore_open(&st, storage, err);
	if (rc == 0)
		rc = strcmp(ops.v[0], "df") == 0 ? system_df(&st, err)
						 : system_prune(&st, all, force, err);
	imgstore_close(&st);
	return rc < 0 ? -1 : 0;
}

static const struct opt_def builder_opts[] = {
    {"force", 'f', NULL, "do not ask", OPT_FORCE},
    {0},
};

const struct opt_cmd builder_cmd = {
    .name = "builder",
    .operands = "prune",
    .about = "prune: removes the build cache (RUN --mount=type=cache dirs, the contexts'\n"
	     "remembered hashes, the .debs and package lists of deb: builds) and the\n"
	     "layers no image uses, earlier builds' steps among them (asks first).\n",
    .opts = builder_opts,
};

int cmd_builder(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	unsigned flags = 0;
	(void)ctx;
	int r = opts_parse(&builder_cmd, argc, argv, opts_flag_bits, &flags, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n != 1 || strcmp(ops.v[0], "prune") != 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "builder: usage: clan builder prune [-f]");
	if (!(flags & OPT_BIT(OPT_FORCE)) &&
	    !confirmed("  - all build cache\n  - layers and blobs no image uses\n"))
		return 0;
	struct imgstore st = {0};
	_cleanup_free_ char *storage = paths_storage_dir();
	uint64_t cache = 0;
	struct gc_result gc = {0};
	int rc = imgstore_open(&st, storage, err);
	if (rc == 0)
		rc = build_cache_prune(storage, &cache, err);
	if (rc == 0)
		rc = imgstore_gc(&st, &gc, err);
	imgstore_close(&st);
	if (rc < 0)
		return -1;
	char size[32];
	format_size(cache + gc.bytes, size, sizeof size);
	printf("Total reclaimed space: %s\n", size);
	return 0;
}
