#define _GNU_SOURCE
#include "config/profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config/cfgval.h"
#include "config/profile_builtin.h"
#include "config/profile_image.h"
#include "base/safe_path.h"
#include "base/suggest.h"
#include "config/words.h"
#include "config/yaml_doc.h"

#define PROFILE_MAX_BYTES (1 << 20)

struct yp {
	yaml_document_t *doc;
	const char *path;
	const char *name;
	struct clan_err *err;
};

static int yerr(const struct yp *y, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int yerr(const struct yp *y, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[sizeof y->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return clan_error_code(y->err, CLAN_EXIT_USAGE, "%s:%zu: %s", y->path,
			       n->start_mark.line + 1, msg);
}

static yaml_node_t *node(const struct yp *y, int index)
{
	return yaml_document_get_node(y->doc, index);
}

/* A scalar's text; NULs inside are refused (C strings end there). */
static int scalar(const struct yp *y, const yaml_node_t *n, const char *what, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return yerr(y, n, "%s must be a single value", what);
	const char *v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return yerr(y, n, "%s holds a NUL byte", what);
	*out = v;
	return 0;
}

static int set_string(const struct yp *y, const yaml_node_t *n, const char *what, char **out)
{
	const char *v;
	if (scalar(y, n, what, &v) < 0)
		return -1;
	free(*out);
	*out = xstrdup(v);
	return 0;
}

/* A sequence of scalars; with split_string, "a b" is a list too. */
static int string_list(const struct yp *y, const yaml_node_t *n, const char *what,
		       bool split_string, struct strv *out)
{
	strv_free(out);
	if (n->type == YAML_SCALAR_NODE && split_string) {
		const char *v;
		if (scalar(y, n, what, &v) < 0)
			return -1;
		_cleanup_free_ char *copy = xstrdup(v);
		for (char *save = NULL, *w = strtok_r(copy, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save))
			strv_push(out, w);
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return yerr(y, n, "%s must be a list", what);
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		const char *v;
		if (scalar(y, node(y, *i), what, &v) < 0)
			return -1;
		strv_push(out, v);
	}
	return 0;
}

/* entrypoint and command: compose's string form or a list (exec form). */
static int argv_value(const struct yp *y, const yaml_node_t *n, const char *what, struct strv *out)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return string_list(y, n, what, false, out);
	const char *v;
	if (scalar(y, n, what, &v) < 0)
		return -1;
	strv_free(out);
	_cleanup_free_ char *fix_key = xasprintf("%s: ", what);
	if (words_parse_command(v, fix_key, out, y->err) < 0)
		return yerr(y, n, "%s: %s", what, y->err->msg);
	return 0;
}

static int env_value(const struct yp *y, const yaml_node_t *n, struct strv *out)
{
	strv_free(out);
	if (n->type == YAML_SEQUENCE_NODE) {
		if (string_list(y, n, "environment", false, out) < 0)
			return -1;
		for (size_t i = 0; i < out->n; i++) {
			const char *eq = strchr(out->v[i], '=');
			if (!eq || !cfg_is_env_name(out->v[i], (size_t)(eq - out->v[i])))
				return yerr(y, n, "environment: '%s' is not KEY=VALUE", out->v[i]);
		}
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return yerr(y, n,
			    "environment must be a mapping (KEY: VALUE) or a list of KEY=VALUE");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k, *v;
		yaml_node_t *kn = node(y, p->key), *vn = node(y, p->value);
		if (scalar(y, kn, "an environment name", &k) < 0 ||
		    scalar(y, vn, "an environment value", &v) < 0)
			return -1;
		if (!cfg_is_env_name(k, strlen(k)))
			return yerr(y, kn, "environment: bad name '%s'", k);
		strv_push_owned(out, xasprintf("%s=%s", k, v));
	}
	return 0;
}

static int duration_value(const struct yp *y, const yaml_node_t *n, const char *what, int *ms)
{
	const char *v;
	if (scalar(y, n, what, &v) < 0)
		return -1;
	if (duration_parse(v, ms, y->err) < 0)
		return yerr(y, n, "%s: %s", what, y->err->msg);
	return 0;
}

/* The keys of one mapping level, checked for typos and repeats. */
static int check_keys(const struct yp *y, const yaml_node_t *map, const char *what,
		      const char *const *keys, size_t nkeys)
{
	if (map->type != YAML_MAPPING_NODE)
		return yerr(y, map, "%s must be a mapping (KEY: VALUE lines)", what);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k;
		yaml_node_t *kn = node(y, p->key);
		if (scalar(y, kn, "a key", &k) < 0)
			return -1;
		bool known = false;
		for (size_t i = 0; i < nkeys && !known; i++)
			known = strcmp(k, keys[i]) == 0;
		if (!known) {
			const char *near = suggest_nearest(k, keys, nkeys);
			if (near)
				return yerr(y, kn, "unknown key '%s' in %s (did you mean %s?)", k,
					    what, near);
			return yerr(y, kn, "unknown key '%s' in %s", k, what);
		}
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			const char *prev;
			if (scalar(y, node(y, q->key), "a key", &prev) == 0 && strcmp(prev, k) == 0)
				return yerr(y, kn, "%s is set twice in %s", k, what);
		}
	}
	return 0;
}

static const char *key_of(const struct yp *y, const yaml_node_pair_t *p)
{
	return (const char *)node(y, p->key)->data.scalar.value;
}

static int health_test(const struct yp *y, const yaml_node_t *n, struct profile *out)
{
	struct strv t = {0};
	if (n->type == YAML_SCALAR_NODE) {
		const char *v;
		if (scalar(y, n, "healthcheck test", &v) < 0)
			return -1;
		strv_push(&t, "/bin/sh");
		strv_push(&t, "-c");
		strv_push(&t, v);
	} else if (string_list(y, n, "healthcheck test", false, &t) < 0) {
		strv_free(&t);
		return -1;
	}
	out->has_health = true;
	if (t.n && strcmp(t.v[0], "NONE") == 0) {
		out->has_health = false;
	} else if (t.n == 2 && strcmp(t.v[0], "CMD-SHELL") == 0) {
		char *text = xstrdup(t.v[1]);
		strv_free(&t);
		strv_push(&t, "/bin/sh");
		strv_push(&t, "-c");
		strv_push_owned(&t, text);
	} else if (t.n > 1 && strcmp(t.v[0], "CMD") == 0) {
		free(t.v[0]);
		memmove(t.v, t.v + 1, t.n * sizeof *t.v); /* with the NULL */
		t.n--;
	} else if (t.n == 0 || strcmp(t.v[0], "CMD") == 0 || strcmp(t.v[0], "CMD-SHELL") == 0) {
		strv_free(&t);
		return yerr(y, n,
			    "healthcheck test: expected \"shell text\", [CMD, prog, args...] "
			    "or [CMD-SHELL, text]");
	}
	strv_free(&out->health.test);
	out->health.test = t;
	return 0;
}

static int healthcheck(const struct yp *y, const yaml_node_t *n, struct profile *out)
{
	static const char *const keys[] = {"test", "interval", "timeout", "retries",
					   "start_period"};
	if (check_keys(y, n, "healthcheck", keys, ARRAY_SIZE(keys)) < 0)
		return -1;
	bool has_test = false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = key_of(y, p);
		yaml_node_t *v = node(y, p->value);
		int r = 0;
		if (strcmp(k, "test") == 0) {
			has_test = true;
			r = health_test(y, v, out);
		} else if (strcmp(k, "interval") == 0) {
			r = duration_value(y, v, "healthcheck interval", &out->health.interval_ms);
		} else if (strcmp(k, "timeout") == 0) {
			r = duration_value(y, v, "healthcheck timeout", &out->health.timeout_ms);
		} else if (strcmp(k, "start_period") == 0) {
			r = duration_value(y, v, "healthcheck start_period",
					   &out->health.start_period_ms);
		} else {
			const char *s;
			uint32_t u;
			r = scalar(y, v, "healthcheck retries", &s);
			if (r == 0 && (!parse_u32(s, &u) || u < 1 || u > 1000000))
				r = yerr(y, v, "healthcheck retries: '%s' is not a number >= 1", s);
			if (r == 0)
				out->health.retries = (int)u;
		}
		if (r < 0)
			return -1;
	}
	if (!has_test)
		return yerr(y, n, "healthcheck needs a test");
	return 0;
}

/* user, working_dir, entrypoint, command, environment: shared by the top
 * level and deb:. Returns 1 when k is not one of them. */
static int part_key(const struct yp *y, const char *k, const yaml_node_t *v,
		    struct profile_part *part)
{
	if (strcmp(k, "user") == 0)
		return set_string(y, v, "user", &part->user);
	if (strcmp(k, "working_dir") == 0) {
		if (set_string(y, v, "working_dir", &part->working_dir) < 0)
			return -1;
		if (part->working_dir[0] != '/')
			return yerr(y, v, "working_dir must be an absolute path");
		return 0;
	}
	if (strcmp(k, "entrypoint") == 0)
		return argv_value(y, v, "entrypoint", &part->entrypoint);
	if (strcmp(k, "command") == 0)
		return argv_value(y, v, "command", &part->command);
	if (strcmp(k, "environment") == 0)
		return env_value(y, v, &part->environment);
	return 1;
}

static int deb_block(const struct yp *y, const yaml_node_t *n, struct profile *out)
{
	static const char *const keys[] = {"packages", "script",      "entrypoint", "command",
					   "user",     "working_dir", "environment"};
	if (check_keys(y, n, "deb", keys, ARRAY_SIZE(keys)) < 0)
		return -1;
	bool script = false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = key_of(y, p), *text;
		yaml_node_t *v = node(y, p->value);
		if (strcmp(k, "packages") == 0) {
			if (string_list(y, v, "deb packages", true, &out->deb_packages) < 0)
				return -1;
		} else if (strcmp(k, "script") == 0) {
			if (scalar(y, v, "deb script", &text) < 0)
				return -1;
			script = true;
			strv_free(&out->deb.entrypoint);
			strv_push(&out->deb.entrypoint, "/bin/sh");
			strv_push(&out->deb.entrypoint, "-c");
			strv_push(&out->deb.entrypoint, text);
			/* $0 of the script, named in its messages */
			strv_push_owned(&out->deb.entrypoint, xasprintf("%s-entrypoint", y->name));
		} else if (part_key(y, k, v, &out->deb) < 0) {
			return -1;
		}
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     script && p < n->data.mapping.pairs.top; p++)
		if (strcmp(key_of(y, p), "entrypoint") == 0)
			return yerr(y, node(y, p->key),
				    "deb: script and entrypoint exclude each other");
	return 0;
}

static int ports_value(const struct yp *y, const yaml_node_t *n, struct profile *out)
{
	struct strv items = {0};
	if (string_list(y, n, "ports", false, &items) < 0) {
		strv_free(&items);
		return -1;
	}
	out->ports = xcalloc(items.n + 1, sizeof *out->ports);
	for (size_t i = 0; i < items.n; i++) {
		if (strchr(items.v[i], ':') ||
		    port_spec_parse(items.v[i], &out->ports[i], y->err) < 0) {
			yerr(y, n, "ports: '%s' is not a container port (5432 or 53/udp)",
			     items.v[i]);
			strv_free(&items);
			return -1;
		}
		out->nports++;
	}
	strv_free(&items);
	return 0;
}

/* secrets: [NAME...]: environment variables that get a generated
 * per-stack value unless the shell or .env sets them. */
static int secrets_value(const struct yp *y, const yaml_node_t *v, struct profile *out)
{
	if (string_list(y, v, "secrets", false, &out->secrets) < 0)
		return -1;
	for (size_t i = 0; i < out->secrets.n; i++)
		if (!cfg_is_identifier(out->secrets.v[i]))
			return yerr(y, v, "secrets: '%s' is not an environment variable name",
				    out->secrets.v[i]);
	return 0;
}

/* images: [PATTERN...]: each checked now, so a typo is an error at load
 * rather than an image silently not recognised. */
static int images_value(const struct yp *y, const yaml_node_t *v, struct profile *out)
{
	if (string_list(y, v, "images", true, &out->images) < 0)
		return -1;
	for (size_t i = 0; i < out->images.n; i++)
		if (profile_image_pattern_check(out->images.v[i], y->err) < 0)
			return yerr(y, v, "%s", y->err->msg);
	return 0;
}

static int top_key(const struct yp *y, const char *k, const yaml_node_t *v, struct profile *out)
{
	int r = part_key(y, k, v, &out->base);
	if (r <= 0)
		return r;
	if (strcmp(k, "description") == 0)
		return set_string(y, v, "description", &out->description);
	if (strcmp(k, "image") == 0)
		return set_string(y, v, "image", &out->image);
	if (strcmp(k, "images") == 0)
		return images_value(y, v, out);
	if (strcmp(k, "deb") == 0)
		return deb_block(y, v, out);
	if (strcmp(k, "ports") == 0)
		return ports_value(y, v, out);
	if (strcmp(k, "volumes") == 0) {
		if (string_list(y, v, "volumes", false, &out->volumes) < 0)
			return -1;
		for (size_t i = 0; i < out->volumes.n; i++)
			if (out->volumes.v[i][0] != '/')
				return yerr(y, v, "volumes: '%s' is not an absolute path",
					    out->volumes.v[i]);
		return 0;
	}
	if (strcmp(k, "healthcheck") == 0)
		return healthcheck(y, v, out);
	if (strcmp(k, "secrets") == 0)
		return secrets_value(y, v, out);
	if (strcmp(k, "stop_grace_period") == 0)
		return duration_value(y, v, "stop_grace_period", &out->stop_grace_ms);
	const char *s;
	if (scalar(y, v, "stop_signal", &s) < 0)
		return -1;
	if (signal_parse(s, &out->stop_signal, y->err) < 0)
		return yerr(y, v, "stop_signal: %s", y->err->msg);
	return 0;
}

static int parse_root(const struct yp *y, struct profile *out)
{
	static const char *const keys[] = {
	    "description",	 "image",	"images", "user",    "working_dir", "entrypoint",
	    "command",		 "environment", "ports",  "volumes", "healthcheck", "stop_signal",
	    "stop_grace_period", "secrets",	"deb"};
	yaml_node_t *root = yaml_document_get_root_node(y->doc);
	if (!root)
		return clan_error_code(y->err, CLAN_EXIT_USAGE, "%s: the profile is empty",
				       y->path);
	if (check_keys(y, root, "the profile", keys, ARRAY_SIZE(keys)) < 0)
		return -1;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++)
		if (top_key(y, key_of(y, p), node(y, p->value), out) < 0)
			return -1;
	return 0;
}

int profile_parse(const char *text, const char *path, const char *name, struct profile *out,
		  struct clan_err *err)
{
	yaml_document_t doc;
	*out =
	    (struct profile){.name = xstrdup(name),
			     .path = xstrdup(path),
			     .stop_grace_ms = -1,
			     .health = {.interval_ms = 30000, .timeout_ms = 30000, .retries = 3}};
	if (yaml_doc_load(text, strlen(text), path, &doc, err) < 0) {
		profile_free(out);
		return -1;
	}
	struct yp y = {.doc = &doc, .path = path, .name = name, .err = err};
	int r = parse_root(&y, out);
	yaml_document_delete(&doc);
	if (r < 0)
		profile_free(out);
	return r;
}

int profile_load(const char *const *dirs, const char *name, struct profile *out,
		 struct clan_err *err)
{
	if (!cfg_is_name(name)) {
		clan_error_code(err, CLAN_EXIT_USAGE,
				"bad profile name '%s': letters, digits, _ . -", name);
		err->sys_errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; dirs && dirs[i]; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s.yaml", dirs[i], name);
		_cleanup_free_ char *text = NULL;
		if (!profile_dir_has(dirs[i], name))
			continue;
		if (profile_is_builtin_dir(dirs[i]))
			return profile_parse(profile_builtin_text(name), path, name, out, err);
		if (read_file(path, PROFILE_MAX_BYTES, &text, err) < 0)
			return -1;
		return profile_parse(text, path, name, out, err);
	}
	clan_error_code(err, CLAN_EXIT_USAGE, "no profile %s", name);
	err->sys_errno = ENOENT;
	return -1;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pushes name unless names has it or it is no profile name. */
static void push_name(struct strv *names, const char *name)
{
	for (size_t j = 0; j < names->n; j++)
		if (strcmp(names->v[j], name) == 0)
			return;
	if (cfg_is_name(name))
		strv_push(names, name);
}

void profile_list(const char *const *dirs, struct strv *names)
{
	for (size_t i = 0; dirs && dirs[i]; i++) {
		if (profile_is_builtin_dir(dirs[i])) {
			struct strv builtin = {0};
			profile_builtin_names(&builtin);
			for (size_t k = 0; k < builtin.n; k++)
				push_name(names, builtin.v[k]);
			strv_free(&builtin);
			continue;
		}
		_cleanup_closedir_ DIR *d = opendir(dirs[i]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			size_t n = strlen(e->d_name);
			if (n <= 5 || strcmp(e->d_name + n - 5, ".yaml") != 0)
				continue;
			_cleanup_free_ char *name = xstrndup(e->d_name, n - 5);
			push_name(names, name);
		}
	}
	if (names->n)
		qsort(names->v, names->n, sizeof *names->v, compare_names);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* BINDIR/../share/clan/profiles, else BINDIR/../profiles. */
static void push_installed(struct strv *dirs)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	_cleanup_free_ char *share_raw = xasprintf("%s/../share/clan/profiles", exe);
	_cleanup_free_ char *tree_raw = xasprintf("%s/../profiles", exe);
	_cleanup_free_ char *share = path_clean(share_raw), *tree = path_clean(tree_raw);
	/* an install (PREFIX/bin/clan), else a source tree's build/clan */
	strv_push(dirs, is_dir(share) || !is_dir(tree) ? share : tree);
}

void profile_default_dirs(const char *project_dir, const char *(*lookup)(void *, const char *),
			  void *arg, struct strv *dirs)
{
	strv_push_owned(dirs, xasprintf("%s/profiles", project_dir));
	const char *xdg = lookup(arg, "XDG_CONFIG_HOME"), *home = lookup(arg, "HOME");
	if (xdg && xdg[0] == '/')
		strv_push_owned(dirs, xasprintf("%s/clan/profiles", xdg));
	else if (home && home[0] == '/')
		strv_push_owned(dirs, xasprintf("%s/.config/clan/profiles", home));
	const char *installed = lookup(arg, "CLAN_PROFILES_DIR");
	if (installed && *installed)
		strv_push(dirs, installed);
	else
		push_installed(dirs);
	strv_push(dirs, PROFILE_BUILTIN_DIR);
}

static void part_free(struct profile_part *p)
{
	strv_free(&p->entrypoint);
	strv_free(&p->command);
	strv_free(&p->environment);
	free(p->user);
	free(p->working_dir);
}

void profile_free(struct profile *p)
{
	free(p->name);
	free(p->path);
	free(p->description);
	free(p->image);
	strv_free(&p->images);
	part_free(&p->base);
	part_free(&p->deb);
	strv_free(&p->deb_packages);
	free(p->ports);
	strv_free(&p->volumes);
	strv_free(&p->secrets);
	strv_free(&p->health.test);
	*p = (struct profile){0};
}
