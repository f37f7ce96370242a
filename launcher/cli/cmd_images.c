/* clan images, clan rmi: the images in the store. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/format.h"
#include "cli/commands.h"
#include "cli/images_stack.h"
#include "supervisor/stack_cli.h"
#include "container/image_path.h"
#include "container/image_use.h"
#include "image/imgstore.h"
#include "image/image_ref.h"
#include "image/imgstore_gc.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/paths.h"

struct listing {
	const struct imgstore *st;
	const char *store; /* "local", or the dir of a CLAN_IMAGE_PATH store */
	bool with_store;   /* the STORE column: only when CLAN_IMAGE_PATH names one */
	bool quiet, json;
	json_t *out;
	struct strv tagged; /* ids that have a tag */
};

static void since(int64_t t, char *buf, size_t len)
{
	char d[40];
	format_duration((int64_t)time(NULL) - t, d, sizeof d);
	snprintf(buf, len, "%s ago", d);
}

/* "docker.io/library/postgres:15" -> "postgres" and "15", as docker shows. */
static void split_ref(const char *ref, char *repo, size_t rlen, char *tag, size_t tlen)
{
	const char *name = ref;
	if (strncmp(name, "docker.io/library/", 18) == 0)
		name += 18;
	else if (strncmp(name, "docker.io/", 10) == 0)
		name += 10;
	const char *at = strchr(name, '@');
	const char *slash = strrchr(name, '/');
	const char *colon = strrchr(slash ? slash : name, ':');
	if (at && (!colon || colon > at))
		colon = NULL;
	size_t n = colon ? (size_t)(colon - name) : at ? (size_t)(at - name) : strlen(name);
	snprintf(repo, rlen, "%.*s", (int)n, name);
	snprintf(tag, tlen, "%s", colon ? colon + 1 : "<none>");
	if (colon && at)
		tag[at - colon - 1] = '\0';
}

static void print_row(struct listing *l, const char *repo, const char *tag,
		      const struct image_record *r)
{
	char size[32], created[48];
	format_size(r->size, size, sizeof size);
	since(r->created, created, sizeof created);
	if (l->quiet) {
		printf("%.12s\n", r->id + 7);
	} else if (l->json) {
		json_array_append_new(
		    l->out,
		    json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "repository", repo, "tag", tag, "id",
			      r->id, "created", (json_int_t)r->created, "size", (json_int_t)r->size,
			      "source", r->source ? r->source : "registry", "store", l->store));
	} else {
		printf("%-40s %-12s %-14.12s %-16s %-9s", repo, tag, r->id + 7, created, size);
		if (l->with_store)
			printf(" %s", l->store);
		for (size_t i = 0; i < r->packages.n; i++)
			printf("%s%s", i ? " " : " packages: ", r->packages.v[i]);
		putchar('\n');
	}
}

static int show_tag(const char *ref, const char *id, void *arg)
{
	struct listing *l = arg;
	struct image_record r;
	struct clan_err ignored;
	char repo[512], tag[256];
	if (imgstore_load_image(l->st, id, &r, &ignored) < 0)
		return 0; /* a tag left by an interrupted rmi */
	if (strncmp(ref, "deb:", 4) == 0) {
		snprintf(repo, sizeof repo, "%s", ref);
		snprintf(tag, sizeof tag, "latest");
	} else {
		split_ref(ref, repo, sizeof repo, tag, sizeof tag);
	}
	print_row(l, repo, tag, &r);
	strv_push(&l->tagged, id);
	image_record_free(&r);
	return 0;
}

static int show_untagged(const struct image_record *r, void *arg)
{
	struct listing *l = arg;
	for (size_t i = 0; i < l->tagged.n; i++)
		if (strcmp(l->tagged.v[i], r->id) == 0)
			return 0;
	print_row(l, "<none>", "<none>", r);
	return 0;
}

enum { OPT_QUIET = 1, OPT_FORMAT, OPT_ALL };

static const struct opt_def images_opts[] = {
    {"all", 'a', NULL, "every image, also in a project dir", OPT_ALL},
    {"quiet", 'q', NULL, "only the image ids", OPT_QUIET},
    {"format", 0, "json", "one JSON array instead of the table", OPT_FORMAT},
    {0},
};

const struct opt_cmd images_cmd = {
    .name = "images",
    .about = "In a project dir: the images of its running services; elsewhere all.\n",
    .opts = images_opts,
};

/* --format json is its bit; table, the default, none */
static int images_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	bool json = false;
	if (id == OPT_FORMAT && opts_format("images", v, &json, err) < 0)
		return -1;
	if (id == OPT_FORMAT && !json) { /* the last --format wins */
		*(unsigned *)arg &= ~OPT_BIT(OPT_FORMAT);
		return 0;
	}
	return opts_flag_bits(arg, id, v, err);
}

int cmd_images(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct listing l = {0};
	unsigned flags = 0;
	int r = opts_parse(&images_cmd, argc, argv, images_opt, &flags, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	bool all = flags & OPT_BIT(OPT_ALL);
	l.quiet = flags & OPT_BIT(OPT_QUIET);
	l.json = flags & OPT_BIT(OPT_FORMAT);
	if (!all && !l.quiet && !l.json && stack_here(&ctx->project))
		return images_stack(&ctx->project, err);
	struct imgstore st = {0};
	struct image_path ip = {0};
	_cleanup_free_ char *storage = paths_storage_dir();
	int rc = imgstore_open(&st, storage, err);
	if (rc == 0)
		rc = image_path_open_configured(&ip, err);
	l.with_store = ip.n > 0;
	if (l.json)
		l.out = json_array();
	else if (!l.quiet)
		printf("%-40s %-12s %-14s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED",
		       l.with_store ? "SIZE      STORE" : "SIZE");
	/* the user's own store, then each read-only one, in search order */
	for (size_t i = 0; rc == 0 && i <= ip.n; i++) {
		l.st = i == 0 ? &st : &ip.v[i - 1];
		l.store = i == 0 ? "local" : l.st->root;
		strv_free(&l.tagged);
		rc = imgstore_list_tags(l.st, show_tag, &l, err);
		if (rc == 0)
			rc = imgstore_list_images(l.st, show_untagged, &l, err);
	}
	image_path_close(&ip);
	if (l.json && rc == 0) {
		char *s = json_dumps(l.out, JSON_INDENT(2));
		puts(s ? s : "[]");
		free(s);
	}
	json_decref(l.out);
	strv_free(&l.tagged);
	imgstore_close(&st);
	return rc < 0 ? -1 : 0;
}

/* The tags of one image: counted, or removed. */
struct tag_walk {
	const struct imgstore *st;
	const char *id;
	bool remove;
	int count;
};

static int walk_tag(const char *ref, const char *id, void *arg)
{
	struct tag_walk *w = arg;
	struct clan_err ignored;
	if (strcmp(id, w->id) != 0)
		return 0;
	w->count++;
	if (w->remove && imgstore_untag(w->st, ref, &ignored) == 0)
		printf("Untagged: %s\n", ref);
	return 0;
}

static int tag_walk(const struct imgstore *st, const char *id, bool remove)
{
	struct tag_walk w = {.st = st, .id = id, .remove = remove};
	struct clan_err ignored;
	imgstore_list_tags(st, walk_tag, &w, &ignored);
	return w.count;
}

/* An image rmi cannot find: maybe one of a read-only store. */
static int not_here(const char *text, struct clan_err *err)
{
	struct image_path ip;
	struct image_record rec;
	struct clan_err ignored;
	const struct imgstore *ro = NULL;
	if (image_path_open_configured(&ip, &ignored) == 0)
		ro = image_path_find(&ip, text, &rec);
	int rc =
	    ro ? clan_error_code(err, CLAN_EXIT_FAIL,
				 "image %s is in the read-only store %s (CLAN_IMAGE_PATH): "
				 "clan rmi removes only your own images",
				 text, ro->root)
	       : clan_error_code(err, CLAN_EXIT_FAIL, "no such image: %s (see clan images)", text);
	if (ro)
		image_record_free(&rec);
	image_path_close(&ip);
	return rc;
}

/* `clan rmi NAME`: untag NAME; once no tag is left, delete the image and
 * whatever of its layers and blobs no other image uses. */
static int remove_image(const struct imgstore *st, const char *text, bool force,
			struct clan_err *err)
{
	char id[72];
	bool running;
	if (!image_use_lookup(st, text, id))
		return not_here(text, err);
	struct strv names = {0};
	int users = image_use_count(st, id, &running, &names);
	if (running || (users > 0 && !force)) {
		char list[256] = "";
		for (size_t i = 0; i < names.n && strlen(list) < 200; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				 i ? ", " : "", names.v[i]);
		strv_free(&names);
		return clan_error_code(err, CLAN_EXIT_FAIL,
				       "image %s is used by container(s) %s%s; remove them first "
				       "(clan rm)%s",
				       text, list, running ? " (running)" : "",
				       running ? "" : " or use clan rmi -f");
	}
	strv_free(&names);
	bool by_name = strncmp(text, id + 7, strlen(text)) != 0 && strcmp(text, id) != 0;
	if (by_name && tag_walk(st, id, false) > 1) {
		struct image_ref ref;
		_cleanup_free_ char *canon = NULL;
		if (strncmp(text, "deb:", 4) != 0 && image_ref_parse(text, &ref, err) == 0) {
			canon = image_ref_format(&ref);
			image_ref_free(&ref);
		}
		if (imgstore_untag(st, canon ? canon : text, err) < 0)
			return -1;
		printf("Untagged: %s\n", canon ? canon : text);
		return 0;
	}
	tag_walk(st, id, true);
	if (imgstore_remove_image(st, id, err) < 0)
		return -1;
	printf("Deleted: %s\n", id);
	struct gc_result gc;
	return imgstore_gc(st, &gc, err);
}

static const struct opt_def rmi_opts[] = {
    {"force", 'f', NULL, "also when stopped containers use them (never running ones)", 1},
    {0},
};

const struct opt_cmd rmi_cmd = {
    .name = "rmi",
    .operands = "IMAGE...",
    .about = "Removes images (by name or id) and the layers nothing else uses.\n",
    .opts = rmi_opts,
};

int cmd_rmi(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	unsigned flags = 0;
	(void)ctx;
	int r = opts_parse(&rmi_cmd, argc, argv, opts_flag_bits, &flags, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "rmi: name an image (see clan images)");
	bool force = flags != 0;
	struct imgstore st = {0};
	_cleanup_free_ char *storage = paths_storage_dir();
	if (imgstore_open(&st, storage, err) < 0) {
		imgstore_close(&st);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < ops.n; i++) {
		struct clan_err one;
		if (remove_image(&st, ops.v[i], force, &one) < 0) {
			fprintf(stderr, "clan: rmi: %s\n", one.msg);
			rc = one.code;
		}
	}
	imgstore_close(&st);
	return rc;
}
