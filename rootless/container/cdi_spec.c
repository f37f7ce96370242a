#define _GNU_SOURCE
#include "container/cdi_spec.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/termsafe.h"
#include "container/cdi_yaml.h"

static const char *const versions[] = {"0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0"};

/* The edits a rootless runtime cannot make, by their field names. */
static const char *const root_fields[] = {"additionalGids", "intelRdt", "netDevices"};

struct sp {
	const char *file;
	struct clan_err *err;
};

__attribute__((format(printf, 2, 3))) static int bad(struct sp *p, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	/* the spec's own text (a name, a parser's excerpt) may hold a newline
	 * or a terminal's escape: the message stays one plain line */
	_cleanup_free_ char *safe = term_safe(what, strlen(what), false);
	return clan_error_code(p->err, CLAN_EXIT_USAGE, "CDI spec %s: %s", p->file, safe);
}

static bool is_alnum(char c)
{
	return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

/* CDI's rules: vendor and class start with a letter, names with a letter
 * or digit; all end with one; inside, what extra says. */
static bool word_ok(const char *s, size_t n, bool letter_first, const char *extra)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	if (letter_first && !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

static bool kind_ok(const char *kind)
{
	const char *slash = strchr(kind, '/');
	return slash && word_ok(kind, (size_t)(slash - kind), true, "-_.") &&
	       word_ok(slash + 1, strlen(slash + 1), true, "-_");
}

static bool name_ok(const char *name)
{
	return word_ok(name, strlen(name), false, "-_.:");
}

bool cdi_name_split(const char *text, char **kind, char **name)
{
	const char *eq = strchr(text, '=');
	if (!eq || text[0] == '/')
		return false;
	_cleanup_free_ char *k = xstrndup(text, (size_t)(eq - text));
	if (!kind_ok(k) || !name_ok(eq + 1))
		return false;
	*kind = steal_pointer(&k);
	*name = xstrdup(eq + 1);
	return true;
}

/* A string field, NUL-free; NULL (no error) when absent and optional. */
static int get_str(struct sp *p, const json_t *o, const char *key, bool need, const char *where,
		   const char **out)
{
	const json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v && !need)
		return 0;
	if (!v)
		return bad(p, "%s has no %s", where, key);
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return bad(p, "%s: %s is not a string", where, key);
	*out = json_string_value(v);
	return 0;
}

/* Absolute and without "..": a spec must not reach out of the directory
 * it names (a container path with .. could climb out of /dev). */
static int path_ok(struct sp *p, const char *path, const char *what, const char *where)
{
	if (path[0] != '/')
		return bad(p, "%s: %s '%s' is not absolute", where, what, path);
	for (const char *c = path; (c = strstr(c, "..")); c += 2)
		if (c[-1] == '/' && (c[2] == '/' || c[2] == '\0'))
			return bad(p, "%s: %s '%s' has a '..' in it", where, what, path);
	return 0;
}

static int get_path(struct sp *p, const json_t *o, const char *key, bool need, const char *where,
		    char **out)
{
	const char *s;
	if (get_str(p, o, key, need, where, &s) < 0 || (s && path_ok(p, s, key, where) < 0))
		return -1;
	*out = s ? xstrdup(s) : NULL;
	return 0;
}

static int get_array(struct sp *p, const json_t *o, const char *key, const char *where,
		     const json_t **out)
{
	*out = json_object_get(o, key);
	if (*out && !json_is_array(*out) && !json_is_null(*out))
		return bad(p, "%s: %s is not a list", where, key);
	return 0;
}

static int node(struct sp *p, const json_t *o, const char *where, struct cdi_node *n)
{
	const char *perms;
	if (!json_is_object(o))
		return bad(p, "%s: a deviceNode is not a mapping", where);
	if (get_path(p, o, "path", true, where, &n->path) < 0 ||
	    get_path(p, o, "hostPath", false, where, &n->host_path) < 0 ||
	    get_str(p, o, "permissions", false, where, &perms) < 0)
		return -1;
	if (!n->host_path)
		n->host_path = xstrdup(n->path);
	if (perms && perms[strspn(perms, "rwm")])
		return bad(p, "%s: permissions '%s': expected r, w, m", where, perms);
	n->write = !perms || !*perms || strchr(perms, 'w');
	return 0;
}

/* options as runc takes them; a rootless bind is nosuid,nodev always */
static int mount_options(struct sp *p, const json_t *o, const char *where, bool *ro)
{
	static const char *const ok[] = {"rw",	  "bind",   "rbind",	"nosuid",
					 "nodev", "noexec", "private",	"rprivate",
					 "slave", "rslave", "relatime", "noatime"};
	const json_t *opts;
	if (get_array(p, o, "options", where, &opts) < 0)
		return -1;
	for (size_t i = 0; opts && i < json_array_size(opts); i++) {
		const char *s = json_string_value(json_array_get(opts, i));
		bool known = s && strcmp(s, "ro") == 0;
		*ro = *ro || known;
		for (size_t k = 0; s && !known && k < ARRAY_SIZE(ok); k++)
			known = strcmp(s, ok[k]) == 0;
		if (!known)
			return bad(p, "%s: mount option %s is not one clan can apply", where,
				   s ? s : "(not a string)");
	}
	return 0;
}

static int mount_entry(struct sp *p, const json_t *o, const char *where, struct cdi_mount *m)
{
	const char *type;
	if (!json_is_object(o))
		return bad(p, "%s: a mount is not a mapping", where);
	if (get_path(p, o, "hostPath", true, where, &m->host_path) < 0 ||
	    get_path(p, o, "containerPath", true, where, &m->container_path) < 0 ||
	    get_str(p, o, "type", false, where, &type) < 0)
		return -1;
	if (type && *type && strcmp(type, "bind") != 0 && strcmp(type, "none") != 0)
		return bad(p, "%s: mount type %s: clan binds only", where, type);
	return mount_options(p, o, where, &m->ro);
}

static int hook(struct sp *p, const json_t *o, const char *where, struct strv *hooks)
{
	const char *name, *path;
	if (!json_is_object(o))
		return bad(p, "%s: a hook is not a mapping", where);
	if (get_str(p, o, "hookName", true, where, &name) < 0 ||
	    get_str(p, o, "path", true, where, &path) < 0)
		return -1;
	strv_push_owned(hooks, xasprintf("%s %s", name, path));
	return 0;
}

static int env(struct sp *p, const json_t *a, const char *where, struct strv *out)
{
	for (size_t i = 0; a && i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		const char *s = json_string_value(v);
		if (!s || strlen(s) != json_string_length(v) || !strchr(s, '=') || s[0] == '=')
			return bad(p, "%s: env entry %zu is not KEY=VALUE", where, i + 1);
		strv_push(out, s);
	}
	return 0;
}

static int edits(struct sp *p, const json_t *o, const char *where, struct cdi_edits *e)
{
	const json_t *nodes, *mounts, *envs, *hooks;
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return bad(p, "%s: containerEdits is not a mapping", where);
	if (get_array(p, o, "deviceNodes", where, &nodes) < 0 ||
	    get_array(p, o, "mounts", where, &mounts) < 0 ||
	    get_array(p, o, "env", where, &envs) < 0 || get_array(p, o, "hooks", where, &hooks) < 0)
		return -1;
	e->nodes = xcalloc(json_array_size(nodes) + 1, sizeof *e->nodes);
	for (size_t i = 0; i < json_array_size(nodes); i++)
		if (node(p, json_array_get(nodes, i), where, &e->nodes[e->nnodes++]) < 0)
			return -1;
	e->mounts = xcalloc(json_array_size(mounts) + 1, sizeof *e->mounts);
	for (size_t i = 0; i < json_array_size(mounts); i++)
		if (mount_entry(p, json_array_get(mounts, i), where, &e->mounts[e->nmounts++]) < 0)
			return -1;
	for (size_t i = 0; i < json_array_size(hooks); i++)
		if (hook(p, json_array_get(hooks, i), where, &e->hooks) < 0)
			return -1;
	for (size_t i = 0; i < ARRAY_SIZE(root_fields); i++) {
		const json_t *v = json_object_get(o, root_fields[i]);
		if (v && !json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0))
			strv_push(&e->root_only, root_fields[i]);
	}
	return env(p, envs, where, &e->env);
}

static int header(struct sp *p, const json_t *root, struct cdi_spec *out)
{
	const char *version, *kind;
	if (!json_is_object(root))
		return bad(p, "expected a mapping with cdiVersion, kind and devices");
	if (get_str(p, root, "cdiVersion", true, "the spec", &version) < 0 ||
	    get_str(p, root, "kind", true, "the spec", &kind) < 0)
		return -1;
	size_t v = 0;
	while (v < ARRAY_SIZE(versions) && strcmp(version, versions[v]) != 0)
		v++;
	if (v == ARRAY_SIZE(versions))
		return bad(p, "cdiVersion %s: clan reads 0.3.0 to 0.8.0", version);
	if (!kind_ok(kind))
		return bad(p, "kind '%s' is not VENDOR/CLASS (e.g. example.com/gpu)", kind);
	out->kind = xstrdup(kind);
	return 0;
}

static int from_json(struct sp *p, const json_t *root, struct cdi_spec *out)
{
	const json_t *devs;
	if (header(p, root, out) < 0 || get_array(p, root, "devices", "the spec", &devs) < 0)
		return -1;
	if (!devs || json_array_size(devs) == 0)
		return bad(p, "it has no devices");
	out->devs = xcalloc(json_array_size(devs), sizeof *out->devs);
	for (size_t i = 0; i < json_array_size(devs); i++) {
		const json_t *d = json_array_get(devs, i);
		const char *name;
		if (!json_is_object(d))
			return bad(p, "device %zu is not a mapping", i + 1);
		if (get_str(p, d, "name", true, "a device", &name) < 0)
			return -1;
		if (!name_ok(name))
			return bad(p, "device name '%s': letters, digits, - _ . : only", name);
		for (size_t k = 0; k < out->ndevs; k++)
			if (strcmp(out->devs[k].name, name) == 0)
				return bad(p, "device %s is defined twice", name);
		out->devs[out->ndevs].name = xstrdup(name);
		out->ndevs++;
		_cleanup_free_ char *where = xasprintf("device %s", name);
		const json_t *e = json_object_get(d, "containerEdits");
		if (!e)
			return bad(p, "%s has no containerEdits", where);
		if (edits(p, e, where, &out->devs[i].edits) < 0)
			return -1;
	}
	return edits(p, json_object_get(root, "containerEdits"), "containerEdits", &out->edits);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int cdi_spec_parse(const char *text, size_t len, const char *file, struct cdi_spec *out,
		   struct clan_err *err)
{
	struct sp p = {.file = file, .err = err};
	*out = (struct cdi_spec){.file = xstrdup(file)};
	if (len > CDI_SPEC_MAX)
		return bad(&p, "larger than %u bytes", CDI_SPEC_MAX);
	json_t *root = NULL;
	char why[256];
	if (ends_with(file, ".json")) {
		json_error_t je;
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
		if (!root)
			return bad(&p, "line %d: %s", je.line, je.text);
	} else if (cdi_yaml_parse(text, len, &root, why, sizeof why) < 0) {
		return bad(&p, "%s", why);
	}
	int rc = from_json(&p, root, out);
	json_decref(root);
	return rc;
}

static void edits_free(struct cdi_edits *e)
{
	for (size_t i = 0; i < e->nnodes; i++) {
		free(e->nodes[i].path);
		free(e->nodes[i].host_path);
	}
	free(e->nodes);
	for (size_t i = 0; i < e->nmounts; i++) {
		free(e->mounts[i].host_path);
		free(e->mounts[i].container_path);
	}
	free(e->mounts);
	strv_free(&e->env);
	strv_free(&e->hooks);
	strv_free(&e->root_only);
}

void cdi_spec_free(struct cdi_spec *s)
{
	for (size_t i = 0; i < s->ndevs; i++) {
		free(s->devs[i].name);
		edits_free(&s->devs[i].edits);
	}
	free(s->devs);
	edits_free(&s->edits);
	free(s->file);
	free(s->kind);
	*s = (struct cdi_spec){0};
}
