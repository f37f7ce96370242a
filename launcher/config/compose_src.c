#define _GNU_SOURCE
#include "config/compose_src.h"

#include <stdlib.h>
#include <string.h>

#include "base/safe_path.h"
#include "config/ytree_edit.h"

void compose_ctx_free(struct compose_ctx *ctx)
{
	strv_free(&ctx->names);
}

const char *compose_ctx_name(struct compose_ctx *ctx, const char *path)
{
	for (size_t i = 0; i < ctx->names.n; i++)
		if (strcmp(ctx->names.v[i], path) == 0)
			return ctx->names.v[i];
	strv_push(&ctx->names, path);
	return ctx->names.v[ctx->names.n - 1];
}

int compose_load_plain(void *arg, const struct compose_src *src, struct ynode **out,
		       struct clan_err *err)
{
	struct compose_ctx *ctx = arg;
	_cleanup_free_ char *text = NULL;
	if (read_file(src->path, COMPOSE_MAX_BYTES, &text, err) < 0)
		return -1;
	return ytree_load(text, strlen(text), compose_ctx_name(ctx, src->path), out, err);
}

int compose_load(struct compose_ctx *ctx, const struct compose_src *src, const struct ynode *ref,
		 struct ynode **out, struct clan_err *err)
{
	*out = NULL;
	const char *what = src->kind == COMPOSE_SRC_EXTENDS ? "extends" : "include";
	if (ctx->files >= COMPOSE_MAX_FILES)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s:%d:%d: %s %s: more than %d compose files in one "
				       "project (includes and extends): refusing",
				       ref->file, ref->line, ref->column, what, src->path,
				       COMPOSE_MAX_FILES);
	ctx->files++;
	compose_load_fn load = ctx->load ? ctx->load : compose_load_plain;
	struct ynode *t = NULL;
	if (load(ctx->load ? ctx->load_arg : ctx, src, &t, err) < 0) {
		err->code = CLAN_EXIT_USAGE;
		return clan_error_wrap(err, "%s:%d:%d: %s", ref->file, ref->line, ref->column,
				       what);
	}
	if (!t) /* a callback that read nothing: an empty file */
		t = ynode_new(YN_NULL, ref);
	if (t->kind == YN_NULL) {
		struct ynode *map = ynode_new(YN_MAP, t);
		ynode_free(t);
		t = map;
	}
	if (t->kind != YN_MAP) {
		/* never the value: a secret read by mistake must not be shown */
		int rc = clan_error_code(err, CLAN_EXIT_USAGE,
					 "%s:%d:%d: %s %s: not a compose file (its top level "
					 "is not a mapping)",
					 ref->file, ref->line, ref->column, what, src->path);
		ynode_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static bool is_remote(const char *p)
{
	return strstr(p, "://") || strncmp(p, "git@", 4) == 0 || strncmp(p, "github.com/", 11) == 0;
}

char *compose_rebase(const char *dir, const char *path)
{
	if (!*path || path[0] == '~' || is_remote(path))
		return xstrdup(path);
	if (path[0] == '/')
		return path_clean(path);
	char *joined = path_join(dir, path);
	if (joined[0] != '/')
		return joined; /* a relative dir: left for the caller to clean */
	char *clean = path_clean(joined);
	free(joined);
	return clean;
}

static void rebase_value(struct ynode *n, const char *dir)
{
	if (!n || n->kind != YN_SCALAR)
		return;
	char *v = compose_rebase(dir, n->value);
	free(n->value);
	n->value = v;
}

/* A bind's source stays a path for the short form: ./x or /x, never x
 * (a named volume). */
static void rebase_volume(struct ynode *v, const char *dir)
{
	if (v->kind == YN_MAP) {
		const struct ynode *type = ynode_get(v, "type");
		if (type && type->kind == YN_SCALAR && strcmp(type->value, "bind") == 0)
			rebase_value(ynode_get(v, "source"), dir);
		return;
	}
	const char *colon = v->kind == YN_SCALAR ? strchr(v->value, ':') : NULL;
	if (!colon || v->value[0] != '.')
		return;
	_cleanup_free_ char *src = xstrndup(v->value, (size_t)(colon - v->value));
	_cleanup_free_ char *abs = compose_rebase(dir, src);
	char *text = xasprintf("%s%s%s", abs[0] == '/' || abs[0] == '.' ? "" : "./", abs, colon);
	free(v->value);
	v->value = text;
}

static void rebase_service(struct ynode *svc, const char *dir)
{
	struct ynode *build = ynode_get(svc, "build");
	if (build && build->kind == YN_SCALAR)
		rebase_value(build, dir);
	rebase_value(ynode_get(build, "context"), dir);
	struct ynode *contexts = ynode_get(build, "additional_contexts");
	for (size_t i = 0; contexts && contexts->kind == YN_MAP && i < contexts->n; i++)
		rebase_value(contexts->items[i], dir);
	struct ynode *env = ynode_get(svc, "env_file");
	rebase_value(env, dir);
	for (size_t i = 0; env && env->kind == YN_SEQ && i < env->n; i++) {
		rebase_value(env->items[i], dir);
		rebase_value(ynode_get(env->items[i], "path"), dir);
	}
	struct ynode *vols = ynode_get(svc, "volumes");
	for (size_t i = 0; vols && vols->kind == YN_SEQ && i < vols->n; i++)
		rebase_volume(vols->items[i], dir);
	rebase_value(ynode_get(ynode_get(svc, "extends"), "file"), dir);
	struct ynode *watch = ynode_get(ynode_get(svc, "develop"), "watch");
	for (size_t i = 0; watch && watch->kind == YN_SEQ && i < watch->n; i++)
		rebase_value(ynode_get(watch->items[i], "path"), dir);
}

static void rebase_top_files(struct ynode *map, const char *dir)
{
	for (size_t i = 0; map && map->kind == YN_MAP && i < map->n; i++)
		rebase_value(ynode_get(map->items[i], "file"), dir);
}

static bool text_is(const struct ynode *n, const char *s)
{
	return n && n->kind == YN_SCALAR && strcmp(n->value, s) == 0;
}

void compose_rebase_tree(struct ynode *tree, const char *dir)
{
	struct ynode *services = ynode_get(tree, "services");
	for (size_t i = 0; services && services->kind == YN_MAP && i < services->n; i++)
		rebase_service(services->items[i], dir);
	rebase_top_files(ynode_get(tree, "configs"), dir);
	rebase_top_files(ynode_get(tree, "secrets"), dir);
	struct ynode *vols = ynode_get(tree, "volumes");
	for (size_t i = 0; vols && vols->kind == YN_MAP && i < vols->n; i++) {
		struct ynode *opts = ynode_get(vols->items[i], "driver_opts");
		if (text_is(ynode_get(vols->items[i], "driver"), "local") &&
		    text_is(ynode_get(opts, "o"), "bind"))
			rebase_value(ynode_get(opts, "device"), dir);
	}
}
