/* A compose project into the stack model, as docker compose loads one:
 * each file read as a YAML tree and interpolated (values, never keys)
 * with the shell and the env file, the files merged in order, the
 * project named, the services of inactive profiles left out, and each
 * service converted (compose_service.c). stack.c then applies the checks
 * across services that a .clanrc gets too. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/compose_files.h"
#include "config/compose_include.h"
#include "config/compose_int.h"
#include "config/compose_keys.h"
#include "config/compose_merge.h"
#include "config/ytree_json.h"
#include "base/suggest.h"

#define COMPOSE_MAX_BYTES (4 << 20)

int compose_fail(struct load_ctx *c, const struct ynode *at, const char *fmt, ...)
{
	char msg[sizeof c->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return clan_error_code(c->err, CLAN_EXIT_USAGE, "%s:%d:%d: %s", at->file, at->line,
			       at->column, msg);
}

void compose_warn(struct load_ctx *c, const struct ynode *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	strv_push_owned(&c->warn.msgs,
			xasprintf("%s:%d:%d: %s", at->file, at->line, at->column, msg));
}

const char *ynode_text(const struct ynode *n)
{
	return n && n->kind == YN_SCALAR ? n->value : NULL;
}

struct item_pos compose_pos(const struct ynode *n)
{
	return (struct item_pos){n->file, n->line, n->column};
}

int compose_check_keys(struct load_ctx *c, const struct ynode *n, const char *what,
		       const char *const *known, size_t nknown)
{
	for (size_t i = 0; n && n->kind == YN_MAP && i < n->n; i++) {
		const char *key = n->keys[i];
		bool ok = strncmp(key, "x-", 2) == 0;
		for (size_t k = 0; k < nknown && !ok; k++)
			ok = strcmp(key, known[k]) == 0;
		if (ok)
			continue;
		const char *near = suggest_nearest(key, known, nknown);
		return near ? compose_fail(c, n->items[i], "%s: unknown key %s (did you mean %s?)",
					   what, key, near)
			    : compose_fail(c, n->items[i], "%s: unknown key %s", what, key);
	}
	return 0;
}

int compose_bool(struct load_ctx *c, const struct ynode *n, const char *what, bool *out)
{
	const char *t = ynode_text(n);
	if (t && strcasecmp(t, "true") == 0)
		*out = true;
	else if (t && strcasecmp(t, "false") == 0)
		*out = false;
	else
		return compose_fail(c, n, "%s: expected true or false", what);
	return 0;
}

/* "-" is the standard input, as compose's -f -. */
static int read_text(struct load_ctx *c, const char *path, char **text)
{
	if (strcmp(path, "-") != 0)
		return read_file(path, COMPOSE_MAX_BYTES, text, c->err);
	*text = read_to_eof(STDIN_FILENO);
	if (!*text)
		return clan_error(c->err, 0,
				  "cannot read the compose file from the standard input");
	return 0;
}

/* Values only: a key is never interpolated (compose). Errors are
 * collected, to be told together. */
static void interpolate(struct load_ctx *c, struct ynode *n)
{
	if (c->o->no_interpolate)
		return;
	if (n->kind == YN_SCALAR && strchr(n->value, '$')) {
		char *v;
		if (interp_expand(&c->env, n->value, n->file, n->line, &v, c->err) < 0) {
			stack_collect(c);
			return;
		}
		free(n->value);
		n->value = v;
		/* a template is a string to YAML: its value is never a number */
		n->plain = false;
	}
	for (size_t i = 0; (n->kind == YN_MAP || n->kind == YN_SEQ) && i < n->n; i++)
		interpolate(c, n->items[i]);
}

/* What an included file's ${VAR} sees: the project's variables (the
 * shell, then .env), then those its includes' env files add, the
 * outermost include's first and, within one include, its last file
 * first: compose-go's include.go Merge()s the parent's environment (whose
 * variables win) with the env files (of which later ones win). */
struct sub_env {
	struct load_ctx *c;
	struct interp_env project; /* the shell, then .env */
	struct dotenv *files;
	size_t n;
};

static const char *sub_lookup(void *arg, const char *name)
{
	const struct sub_env *e = arg;
	const char *v = e->project.lookup(e->project.arg, name);
	for (size_t i = 0; !v && i < e->n; i++)
		v = dotenv_get(&e->files[i], name);
	return v;
}

static void sub_env_free(struct sub_env *e)
{
	for (size_t i = 0; i < e->n; i++)
		dotenv_free(&e->files[i]);
	free(e->files);
}

/* Reads the env files of src's includes, outermost first. */
static int sub_env_read(struct sub_env *e, const struct compose_src *src, struct clan_err *err)
{
	if (!src)
		return 0;
	if (sub_env_read(e, src->parent, err) < 0)
		return -1;
	size_t k = 0;
	while (src->env_files && src->env_files[k])
		k++;
	while (k-- > 0) {
		const char *path = src->env_files[k];
		_cleanup_free_ char *text = NULL;
		e->files = xrealloc(e->files, (e->n + 1) * sizeof *e->files);
		e->files[e->n] = (struct dotenv){0};
		if (read_file(path, COMPOSE_MAX_BYTES, &text, err) < 0)
			return clan_error_wrap(err, "%s", path);
		if (dotenv_parse(text, stack_file_name(e->c, path), &e->project, &e->files[e->n++],
				 err) < 0)
			return -1;
	}
	return 0;
}

/* An included or extended file, read as a top file is: interpolated (with
 * its includes' env files), its name kept with the stack's files (the
 * services built from it name it in later messages). */
static int load_sub(void *arg, const struct compose_src *src, struct ynode **out,
		    struct clan_err *err)
{
	struct load_ctx *c = arg;
	_cleanup_free_ char *text = NULL;
	*out = NULL;
	/* ~/x is the user's home, as compose-go's absPath has it */
	_cleanup_free_ char *path =
	    src->path[0] == '~' ? stack_host_path(c, src->path) : xstrdup(src->path);
	if (read_file(path, COMPOSE_MAX_BYTES, &text, err) < 0 ||
	    ytree_load(text, strlen(text), stack_file_name(c, src->path), out, err) < 0)
		return -1;
	struct sub_env e = {.c = c, .project = c->env};
	int r = sub_env_read(&e, src, err);
	if (r == 0) {
		/* interpolate reads c->env: this file's for the time of it */
		c->env.lookup = sub_lookup;
		c->env.arg = &e;
		interpolate(c, *out);
		c->env = e.project;
		r = stack_report(c);
	}
	sub_env_free(&e);
	if (r < 0) {
		ynode_free(*out);
		*out = NULL;
	}
	return r;
}

/* What compose-go does to each file before the merge: its include: and
 * extends: (compose_expand), paths in them relative to the project dir. */
static int expand(struct load_ctx *c, const char *path, struct ynode *t)
{
	struct compose_ctx ctx = {.load = load_sub, .load_arg = c};
	struct compose_src src = {.path = path, .dir = c->st->dir, .kind = COMPOSE_SRC_FILE};
	int r = compose_expand(t, &src, &ctx, c->err);
	compose_ctx_free(&ctx);
	return r;
}

static int read_tree(struct load_ctx *c, const char *path, const char *shown, struct ynode **out)
{
	_cleanup_free_ char *text = NULL;
	struct ynode *t;
	if (read_text(c, path, &text) < 0)
		return clan_error_wrap(c->err, "%s", shown);
	if (ytree_load(text, strlen(text), stack_file_name(c, shown), &t, c->err) < 0)
		return -1;
	int r = 0;
	if (t->kind == YN_NULL) {
		r = clan_error_code(c->err, CLAN_EXIT_USAGE, "%s: the file is empty", shown);
	} else if (t->kind != YN_MAP) {
		r = compose_fail(c, t, "a compose file is a mapping (services: ...)");
	} else {
		interpolate(c, t);
		r = stack_report(c);
	}
	if (r == 0)
		r = expand(c, path, t);
	if (r < 0) {
		ynode_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

static int check_top(struct load_ctx *c, const struct ynode *root)
{
	for (size_t i = 0; i < root->n; i++) {
		const char *key = root->keys[i];
		const struct compose_key *k =
		    compose_key_find(compose_top_keys, compose_top_nkeys, key);
		if (!k && strncmp(key, "x-", 2) == 0)
			continue;
		if (!k) {
			const char *near =
			    compose_key_suggest(compose_top_keys, compose_top_nkeys, key);
			compose_fail(c, root->items[i], "unknown top-level key %s%s%s%s", key,
				     near ? " (did you mean " : "", near ? near : "",
				     near ? "?)" : "");
			stack_collect(c);
		} else if (k->use == COMPOSE_WARNED) {
			compose_warn(c, root->items[i], "%s: %s", key, k->why);
		}
	}
	if (!c->o->no_interpolate) /* their values may be templates */
		compose_check_volumes(c, root);
	const struct ynode *svcs = ynode_get(root, "services");
	if (!svcs || svcs->kind != YN_MAP || svcs->n == 0) {
		compose_fail(c, svcs ? svcs : root, "no services: a compose file needs services:");
		stack_collect(c);
	}
	return stack_report(c);
}

static bool wanted_profile(const struct strv *active, const char *p)
{
	return strv_contains(active, p) || strv_contains(active, "*");
}

static void add_sorted(struct strv *v, const char *s)
{
	size_t at = 0;
	while (at < v->n && strcmp(v->v[at], s) < 0)
		at++;
	if (at < v->n && strcmp(v->v[at], s) == 0)
		return;
	strv_push(v, s);
	char *added = v->v[v->n - 1];
	memmove(&v->v[at + 1], &v->v[at], (v->n - 1 - at) * sizeof *v->v);
	v->v[at] = added;
}

/* A service with profiles: runs only when one of them is active
 * (--profile, COMPOSE_PROFILES). */
static int is_enabled(struct load_ctx *c, const struct ynode *svc, const struct strv *active,
		      bool *on)
{
	const struct ynode *p = ynode_get(svc, "profiles");
	*on = !p;
	if (!p)
		return 0;
	if (p->kind != YN_SEQ)
		return compose_fail(c, p, "profiles: expected a list of names");
	for (size_t i = 0; i < p->n; i++) {
		const char *name = ynode_text(p->items[i]);
		/* compose's form: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
		if (!name || !isalnum((unsigned char)name[0]) ||
		    strspn(name,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
			strlen(name))
			return compose_fail(c, p->items[i],
					    "profiles: expected names of letters, digits, _ . -");
		*on = *on || wanted_profile(active, name);
		add_sorted(&c->st->compose_profiles, name);
	}
	return 0;
}

static void active_profiles(struct load_ctx *c, struct strv *active)
{
	const struct project_args *a = c->o->args;
	for (size_t i = 0; a && i < a->profiles.n; i++)
		strv_push(active, a->profiles.v[i]);
	const char *env = stack_compose_var(c, "COMPOSE_PROFILES");
	_cleanup_free_ char *list = xstrdup(env ? env : "");
	for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (*w)
			strv_push(active, w);
}

/* c->enabled: the services that run, before any is built. */
static int enabled_services(struct load_ctx *c, const struct ynode *svcs)
{
	struct strv active = {0};
	active_profiles(c, &active);
	for (size_t i = 0; i < svcs->n; i++) {
		bool on;
		if (is_enabled(c, svcs->items[i], &active, &on) < 0)
			stack_collect(c);
		else if (on)
			strv_push(&c->enabled, svcs->keys[i]);
	}
	strv_free(&active);
	return stack_report(c);
}

/* compose refuses to wait for the health of a service that has no check:
 * here when the file disables it; a check the image may have is looked
 * for when the images are there (svc_health.h). */
static void check_healthy_deps(struct load_ctx *c, const struct ynode *root)
{
	const struct ynode *svcs = ynode_get(root, "services");
	for (size_t i = 0; i < c->nb; i++) {
		const struct service *s = &c->b[i].svc;
		for (size_t j = 0; s->dep_conds && j < s->depends_on.n; j++) {
			if (s->dep_conds[j] != DEP_HEALTHY)
				continue;
			for (size_t k = 0; k < c->nb; k++) {
				const struct service *d = &c->b[k].svc;
				if (strcmp(d->name, s->depends_on.v[j]) != 0 || d->has_health ||
				    !d->health_off)
					continue;
				const struct ynode *deps =
				    ynode_get(ynode_get(svcs, s->name), "depends_on");
				const struct ynode *at = ynode_get(deps, d->name);
				compose_fail(c, at ? at : deps,
					     "service %s waits for %s to be healthy, but %s's "
					     "health check is disabled",
					     s->name, d->name, d->name);
				stack_collect(c);
			}
		}
	}
}

static int build_services(struct load_ctx *c, const struct ynode *root)
{
	const struct ynode *svcs = ynode_get(root, "services");
	if (enabled_services(c, svcs) < 0)
		return -1;
	c->b = xcalloc(svcs->n + 1, sizeof *c->b);
	for (size_t i = 0; i < svcs->n; i++) {
		if (!strv_contains(&c->enabled, svcs->keys[i]))
			continue;
		if (compose_build_service(c, root, svcs->keys[i], svcs->items[i], &c->b[c->nb]) <
		    0) {
			stack_collect(c);
			svc_build_free(&c->b[c->nb]);
			continue;
		}
		c->nb++;
	}
	check_healthy_deps(c, root);
	if (stack_report(c) < 0)
		return -1;
	if (c->nb == 0)
		return clan_error_code(c->err, CLAN_EXIT_USAGE,
				       "%s: no service is enabled: each has profiles: that are not "
				       "active (--profile NAME or COMPOSE_PROFILES)",
				       c->rc_file);
	return 0;
}

static int name_project(struct load_ctx *c, const struct ynode *root)
{
	const struct project_args *a = c->o->args;
	const char *flag = a && a->name ? a->name : c->o->project_name;
	const struct ynode *n = ynode_get(root, "name");
	if (n && !ynode_text(n))
		return compose_fail(c, n, "name: expected a project name");
	/* a template left as written names nothing yet */
	const char *written = ynode_text(n);
	if (written && c->o->no_interpolate && strchr(written, '$'))
		written = NULL;
	const char *env = stack_compose_var(c, "COMPOSE_PROJECT_NAME");
	if (compose_project_name(flag, env, written, c->st->dir, &c->st->name, c->err) < 0)
		return -1;
	if ((flag && *flag) || (env && *env) || (written && *written))
		return 0;
	char *named = project_name_for_job(c->st->name, stack_shell_lookup(c, "SLURM_JOB_ID"));
	free(c->st->name);
	c->st->name = named;
	return 0;
}

/* The merged files as JSON, the project's name (-p's, the file's...)
 * first as compose prints it. */
static json_t *raw_tree(const struct load_ctx *c, const struct ynode *root)
{
	json_t *o = json_object(), *files = ytree_json(root);
	json_object_set_new(o, "name", json_string(c->st->name));
	json_object_del(files, "name");
	/* the services of the active profiles, as compose prints them */
	json_t *svcs = json_object_get(files, "services");
	const char *key;
	json_t *svc;
	void *tmp;
	json_object_foreach_safe(svcs, tmp, key, svc)
	{
		if (!strv_contains(&c->enabled, key))
			json_object_del(svcs, key);
	}
	json_object_update(o, files);
	json_decref(files);
	return o;
}

int stack_load_compose(struct load_ctx *c, const struct strv *files, const struct strv *shown)
{
	struct ynode *root = NULL;
	int r = -1;
	for (size_t i = 0; i < files->n; i++) {
		struct ynode *t = NULL;
		/* compose_merge takes t, and applies the tags of the first too */
		if (read_tree(c, files->v[i], shown->v[i], &t) < 0 ||
		    compose_merge(&root, t, c->err) < 0)
			goto out;
		strv_push(&c->st->compose_files, files->v[i]);
	}
	if (!root) { /* no file: the callers never ask, cppcheck cannot know */
		clan_error_code(c->err, CLAN_EXIT_USAGE, "no compose file");
		goto out;
	}
	if (check_top(c, root) < 0 || name_project(c, root) < 0)
		goto out;
	if (c->o->no_interpolate ? enabled_services(c, ynode_get(root, "services"))
				 : build_services(c, root))
		goto out;
	if (c->o->raw)
		c->st->compose_raw = raw_tree(c, root);
	r = 0;
out:
	ynode_free(root);
	return r;
}
