/* extends as compose-go's applyServiceExtends (loader/extends.go, v2):
 * the extended service is resolved first (recursively, in place, so each
 * is resolved once), copied, and the extending service merged over the
 * copy; a file extended from is read once per call and its relative
 * paths made relative to its own directory. */
#define _GNU_SOURCE
#include "config/compose_extends.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config/compose_merge.h"
#include "config/ytree_edit.h"

/* The services being resolved, innermost first: a cycle is a name met
 * again in the same file. */
struct chain {
	const char *file; /* the file's identity (its real path when it has one) */
	const char *shown;
	const char *name;
	const struct chain *prev;
	size_t depth;
};

struct ext_file {
	char *canon;
	char *dir;
	struct compose_src src;
	struct ynode *tree;
};

struct ext {
	struct compose_ctx *ctx;
	struct clan_err *err;
	struct ext_file **files; /* read so far in this call */
	size_t nfiles;
};

static size_t nodes(const struct ynode *n)
{
	size_t count = 1;
	for (size_t i = 0; (n->kind == YN_MAP || n->kind == YN_SEQ) && i < n->n; i++)
		count += nodes(n->items[i]);
	return count;
}

static char *identity(const char *path)
{
	char *real = realpath(path, NULL);
	return real ? real : xstrdup(path);
}

static int at(struct clan_err *err, const struct ynode *n, const char *fmt, const char *a,
	      const char *b)
{
	char what[768];
	snprintf(what, sizeof what, fmt, a, b);
	return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d:%d: %s", n->file, n->line, n->column,
			       what);
}

/* "a (FILE) -> b (FILE) -> " for the chain, outermost first. */
static size_t chain_text(const struct chain *c, char *buf, size_t len)
{
	if (!c)
		return 0;
	size_t at = chain_text(c->prev, buf, len);
	if (at < len) {
		int w = snprintf(buf + at, len - at, "%s (%s) -> ", c->name, c->shown);
		at = w < 0 ? len : at + (size_t)w;
	}
	return at < len ? at : len;
}

static int cycle(struct clan_err *err, const struct ynode *ref, const struct chain *c,
		 const char *name, const char *shown)
{
	char text[900];
	text[0] = '\0';
	size_t len = chain_text(c, text, sizeof text);
	if (len < sizeof text)
		snprintf(text + len, sizeof text - len, "%s (%s)", name, shown);
	return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d:%d: extends cycle: %s", ref->file,
			       ref->line, ref->column, text);
}

/* The file extends names (file, relative to src's dir), read once. */
static int extended_file(struct ext *x, const struct compose_src *src, const struct ynode *file,
			 struct ext_file **out)
{
	_cleanup_free_ char *path = compose_rebase(src->dir, file->value);
	_cleanup_free_ char *canon = identity(path);
	for (size_t i = 0; i < x->nfiles; i++)
		if (strcmp(x->files[i]->canon, canon) == 0) {
			*out = x->files[i];
			return 0;
		}
	struct ext_file *f = xcalloc(1, sizeof *f);
	f->dir = path_dir(path);
	f->src = (struct compose_src){.path = compose_ctx_name(x->ctx, path),
				      .dir = f->dir,
				      .kind = COMPOSE_SRC_EXTENDS,
				      .parent = src};
	if (compose_load(x->ctx, &f->src, file, &f->tree, x->err) < 0) {
		free(f->dir);
		free(f);
		return -1;
	}
	compose_rebase_tree(f->tree, f->dir);
	f->canon = steal_pointer(&canon);
	x->files = xrealloc(x->files, (x->nfiles + 1) * sizeof *x->files);
	x->files[x->nfiles++] = f;
	*out = f;
	return 0;
}

/* extends' service name and file (NULL when none). */
static int parse_extends(struct ext *x, const struct ynode *e, const char *name, const char **ref,
			 const struct ynode **file)
{
	*file = NULL;
	if (e->kind == YN_SCALAR) {
		*ref = e->value;
		return 0;
	}
	const struct ynode *svc = ynode_get(e, "service");
	if (e->kind != YN_MAP || !svc || svc->kind != YN_SCALAR)
		return at(x->err, e,
			  "services.%s.extends: expected a service name or {service: NAME, "
			  "file: PATH}%s",
			  name, "");
	*ref = svc->value;
	*file = ynode_get(e, "file");
	if (*file && (*file)->kind == YN_NULL)
		*file = NULL;
	if (*file && (*file)->kind != YN_SCALAR)
		return at(x->err, *file, "services.%s.extends.file: expected a path%s", name, "");
	return 0;
}

static int resolve(struct ext *x, struct ynode *services, const struct compose_src *src,
		   const char *canon, const char *name, const struct chain *chain);

/* The service ref is extended from, resolved: a copy to merge over. */
static int base_of(struct ext *x, struct ynode *services, const struct compose_src *src,
		   const char *canon, const struct ynode *e, const char *ref,
		   const struct ynode *file, const struct chain *link, struct ynode **out)
{
	*out = NULL;
	if (file) {
		struct ext_file *f;
		if (extended_file(x, src, file, &f) < 0)
			return -1;
		services = ynode_get(f->tree, "services");
		src = &f->src;
		canon = f->canon;
		if (!services || services->kind != YN_MAP)
			return at(x->err, e, "cannot extend service %s: %s has no services", ref,
				  src->path);
	}
	if (ynode_index(services, ref) < 0)
		return at(x->err, e, "cannot extend service %s: no such service in %s", ref,
			  src->path);
	if (resolve(x, services, src, canon, ref, link) < 0)
		return -1;
	const struct ynode *extended = ynode_get(services, ref);
	x->ctx->extended_nodes += nodes(extended);
	if (x->ctx->extended_nodes > COMPOSE_MAX_EXTENDED_NODES)
		return at(x->err, e, "extends copies more than %s nodes in all: refused (%s)",
			  "2 million", ref);
	struct ynode *base = ynode_clone(extended);
	if (base->kind == YN_NULL) {
		struct ynode *map = ynode_new(YN_MAP, base);
		ynode_free(base);
		base = map;
	}
	if (base->kind != YN_MAP) {
		int rc = at(x->err, base, "services.%s must be a mapping%s", ref, "");
		ynode_free(base);
		return rc;
	}
	*out = base;
	return 0;
}

static int resolve(struct ext *x, struct ynode *services, const struct compose_src *src,
		   const char *canon, const char *name, const struct chain *chain)
{
	ssize_t i = ynode_index(services, name);
	struct ynode *svc = i < 0 ? NULL : services->items[i];
	if (!svc || svc->kind == YN_NULL)
		return 0;
	if (svc->kind != YN_MAP)
		return at(x->err, svc, "services.%s must be a mapping%s", name, "");
	ssize_t e = ynode_index(svc, "extends");
	if (e < 0)
		return 0;
	const struct ynode *ext = svc->items[e];
	const char *ref = NULL;
	const struct ynode *file;
	if (parse_extends(x, ext, name, &ref, &file) < 0)
		return -1;
	for (const struct chain *c = chain; c; c = c->prev)
		if (strcmp(c->file, canon) == 0 && strcmp(c->name, name) == 0)
			return cycle(x->err, ext, chain, name, src->path);
	size_t depth = chain ? chain->depth + 1 : 1;
	if (depth > COMPOSE_MAX_EXTENDS_DEPTH)
		return clan_error_code(x->err, CLAN_EXIT_USAGE,
				       "%s:%d:%d: services.%s: a chain of extends longer than %d "
				       "services: refusing",
				       ext->file, ext->line, ext->column, name,
				       COMPOSE_MAX_EXTENDS_DEPTH);
	struct chain link = {canon, src->path, name, chain, depth};
	struct ynode *base;
	if (base_of(x, services, src, canon, ext, ref, file, &link, &base) < 0)
		return -1;
	/* resolving ref replaced no entry of this mapping but ref's own */
	ynode_free(ynode_take(svc, (size_t)e));
	int rc = compose_merge_service(&base, svc, x->err);
	services->items[i] = base;
	return rc;
}

int compose_extends(struct ynode *tree, const struct compose_src *src, struct compose_ctx *ctx,
		    struct clan_err *err)
{
	struct ynode *services = ynode_get(tree, "services");
	if (!services || services->kind == YN_NULL)
		return 0;
	if (services->kind != YN_MAP)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d:%d: services must be a mapping",
				       services->file, services->line, services->column);
	struct ext x = {.ctx = ctx, .err = err};
	_cleanup_free_ char *canon = identity(src->path);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < services->n; i++)
		rc = resolve(&x, services, src, canon, services->keys[i], NULL);
	for (size_t i = 0; i < x.nfiles; i++) {
		ynode_free(x.files[i]->tree);
		free(x.files[i]->canon);
		free(x.files[i]->dir);
		free(x.files[i]);
	}
	free(x.files);
	return rc;
}
