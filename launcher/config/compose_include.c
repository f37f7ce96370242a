#define _GNU_SOURCE
#include "config/compose_include.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "config/compose_extends.h"
#include "config/compose_merge.h"
#include "config/ytree_edit.h"

/* One entry of include, its paths resolved. */
struct include_entry {
	struct strv paths;
	char *project_dir;
	struct strv env_files;
};

static void entry_free(struct include_entry *e)
{
	strv_free(&e->paths);
	free(e->project_dir);
	strv_free(&e->env_files);
}

static int bad(struct clan_err *err, const struct ynode *n, const char *what)
{
	return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d:%d: include: %s", n->file, n->line,
			       n->column, what);
}

/* A string or a list of strings, each relative to dir, into out. */
static int add_paths(const struct ynode *n, const char *dir, struct strv *out, struct clan_err *err)
{
	size_t count = n->kind == YN_SEQ ? n->n : 1;
	for (size_t i = 0; i < count; i++) {
		const struct ynode *p = n->kind == YN_SEQ ? n->items[i] : n;
		if (p->kind != YN_SCALAR || !*p->value)
			return bad(err, p, "expected a path");
		strv_push_owned(out, compose_rebase(dir, p->value));
	}
	return 0;
}

static bool is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* env_file's files (each must be there; /dev/null means none), else
 * PROJECT_DIR/.env when there is one. */
static int env_files(const struct ynode *n, const char *dir, struct include_entry *e,
		     struct clan_err *err)
{
	if (!n || n->kind == YN_NULL) {
		_cleanup_free_ char *dotenv = path_join(e->project_dir, ".env");
		if (is_regular(dotenv))
			strv_push(&e->env_files, dotenv);
		return 0;
	}
	struct strv given = {0};
	if (add_paths(n, dir, &given, err) < 0) {
		strv_free(&given);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < given.n; i++) {
		if (strcmp(given.v[i], "/dev/null") == 0)
			continue;
		struct stat st;
		if (stat(given.v[i], &st) < 0)
			rc = clan_error_code(err, CLAN_EXIT_USAGE,
					     "%s:%d:%d: include: env_file %s: %s", n->file, n->line,
					     n->column, given.v[i], strerror(errno));
		else if (!S_ISREG(st.st_mode))
			rc = bad(err, n, "env_file is not a file");
		else
			strv_push(&e->env_files, given.v[i]);
	}
	strv_free(&given);
	return rc;
}

static int parse_entry(const struct ynode *item, const struct compose_src *src,
		       struct include_entry *e, struct clan_err *err)
{
	const struct ynode *path = item, *pd = NULL, *env = NULL;
	if (item->kind == YN_MAP) {
		path = ynode_get(item, "path");
		pd = ynode_get(item, "project_directory");
		env = ynode_get(item, "env_file");
		if (!path || path->kind == YN_NULL)
			return bad(err, item, "an entry needs a path");
	} else if (item->kind != YN_SCALAR) {
		return bad(err, item,
			   "an entry is a path or {path: ..., project_directory: ..., "
			   "env_file: ...}");
	}
	if (path->kind == YN_SEQ && path->n == 0)
		return bad(err, path, "an entry needs a path");
	if (add_paths(path, src->dir, &e->paths, err) < 0)
		return -1;
	if (pd && pd->kind != YN_NULL && (pd->kind != YN_SCALAR || !*pd->value))
		return bad(err, pd, "project_directory: expected a path");
	e->project_dir = pd && pd->kind == YN_SCALAR ? compose_rebase(src->dir, pd->value)
						     : path_dir(e->paths.v[0]);
	return env_files(env, src->dir, e, err);
}

static char *identity(const char *path)
{
	char *real = realpath(path, NULL);
	return real ? real : xstrdup(path);
}

/* A file met again on the way from the top file is a cycle; the way is
 * bounded too. */
static int check_chain(const struct compose_src *src, const char *path, const struct ynode *item,
		       struct clan_err *err)
{
	_cleanup_free_ char *canon = identity(path);
	size_t depth = 0;
	bool again = false;
	for (const struct compose_src *s = src; s; s = s->parent) {
		depth += s->kind == COMPOSE_SRC_INCLUDE;
		_cleanup_free_ char *other = identity(s->path);
		again = again || strcmp(other, canon) == 0;
	}
	if (again) {
		char way[900];
		size_t len = (size_t)snprintf(way, sizeof way, "%s", path);
		for (const struct compose_src *s = src; s && len < sizeof way; s = s->parent)
			len += (size_t)snprintf(way + len, sizeof way - len, " <- %s", s->path);
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s:%d:%d: include cycle: %s (a file includes itself)",
				       item->file, item->line, item->column, way);
	}
	if (depth >= COMPOSE_MAX_INCLUDE_DEPTH)
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "%s:%d:%d: include: more than %d levels of include: refusing", item->file,
		    item->line, item->column, COMPOSE_MAX_INCLUDE_DEPTH);
	return 0;
}

/* The entry's files as one project: each expanded, then merged in order
 * (the later ones are overrides), its relative paths from its project
 * directory. */
static int load_entry(const struct include_entry *e, const struct ynode *item,
		      const struct compose_src *src, struct compose_ctx *ctx, struct ynode **model,
		      struct clan_err *err)
{
	*model = NULL;
	/* every path: a cycle may go through the list's second file */
	for (size_t i = 0; i < e->paths.n; i++)
		if (check_chain(src, e->paths.v[i], item, err) < 0)
			return -1;
	char *none[] = {NULL};
	for (size_t i = 0; i < e->paths.n; i++) {
		struct compose_src inc = {.path = compose_ctx_name(ctx, e->paths.v[i]),
					  .dir = e->project_dir,
					  .kind = COMPOSE_SRC_INCLUDE,
					  .env_files = e->env_files.n ? e->env_files.v : none,
					  .parent = src};
		struct ynode *t;
		if (compose_load(ctx, &inc, item, &t, err) < 0)
			return -1;
		if (compose_expand(t, &inc, ctx, err) < 0) {
			ynode_free(t);
			return -1;
		}
		if (compose_merge(model, t, err) < 0)
			return -1;
	}
	compose_rebase_tree(*model, e->project_dir);
	return 0;
}

static const char *const imported_keys[] = {"services", "volumes", "networks",
					    "secrets",	"configs", "models"};

/* model's definitions of key join tree's; the same name twice is an error
 * unless both say the same. */
static int import_key(struct ynode *tree, struct ynode *model, const char *key,
		      const struct ynode *item, struct clan_err *err)
{
	struct ynode *from = ynode_get(model, key);
	if (!from || from->kind != YN_MAP || !from->n)
		return 0;
	struct ynode *to = ynode_get(tree, key);
	if (!to || to->kind == YN_NULL) {
		to = ynode_new(YN_MAP, item);
		ynode_set(tree, key, to);
	}
	if (to->kind != YN_MAP)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d:%d: %s must be a mapping",
				       to->file, to->line, to->column, key);
	while (from->n) {
		ssize_t there = ynode_index(to, from->keys[0]);
		if (there < 0) {
			_cleanup_free_ char *name = xstrdup(from->keys[0]);
			ynode_set(to, name, ynode_take(from, 0));
			continue;
		}
		const struct ynode *a = to->items[there], *b = from->items[0];
		if (!ynode_equal(a, b)) {
			char where[512];
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "%s:%d:%d: %s.%s is defined both here and in an included file (%s); "
			    "rename one, or change it with an override file",
			    a->file, a->line, a->column, key, to->keys[there],
			    ynode_where(b, where, sizeof where));
		}
		ynode_free(ynode_take(from, 0));
	}
	return 0;
}

int compose_include(struct ynode *tree, const struct compose_src *src, struct compose_ctx *ctx,
		    struct clan_err *err)
{
	ssize_t at = ynode_index(tree, "include");
	if (at < 0)
		return 0;
	const struct ynode *list = tree->items[at];
	if (list->kind != YN_SEQ && list->kind != YN_NULL)
		return bad(err, list, "expected a list");
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < list->n; i++) {
		const struct ynode *item = list->items[i];
		struct include_entry e = {0};
		struct ynode *model = NULL;
		rc = parse_entry(item, src, &e, err);
		if (rc == 0)
			rc = load_entry(&e, item, src, ctx, &model, err);
		for (size_t k = 0; rc == 0 && k < sizeof imported_keys / sizeof *imported_keys; k++)
			rc = import_key(tree, model, imported_keys[k], item, err);
		ynode_free(model);
		entry_free(&e);
	}
	if (rc == 0)
		ynode_free(ynode_take(tree, (size_t)ynode_index(tree, "include")));
	return rc;
}

int compose_expand(struct ynode *tree, const struct compose_src *src, struct compose_ctx *ctx,
		   struct clan_err *err)
{
	if (compose_include(tree, src, ctx, err) < 0)
		return -1;
	return compose_extends(tree, src, ctx, err);
}
