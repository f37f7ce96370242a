#define _GNU_SOURCE
#include "container/devices.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/progress.h"
#include "container/cdi_registry.h"
#include "fs/bind_source.h"

static bool is_mode(const char *s)
{
	if (!*s || strlen(s) > 3 || s[strspn(s, "rwm")])
		return false;
	for (const char *c = s; *c; c++)
		if (strchr(c + 1, *c))
			return false;
	return true;
}

static int bad_node(const char *text, const char *why, struct clan_err *err)
{
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "bad device '%s': %s (expected /dev/HOST[:/dev/CONTAINER][:rwm] "
			       "or a CDI name such as vendor.com/class=name)",
			       text, why);
}

void device_node_req_free(struct device_node_req *r)
{
	free(r->src);
	free(r->dst);
	*r = (struct device_node_req){0};
}

/* docker's split: SRC, SRC:DST or SRC:MODE, SRC:DST:MODE */
static int parse_node(const char *text, struct device_node_req *r, struct clan_err *err)
{
	const char *c1 = strchr(text, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c2 && strchr(c2 + 1, ':'))
		return bad_node(text, "too many ':'", err);
	_cleanup_free_ char *src = xstrndup(text, c1 ? (size_t)(c1 - text) : strlen(text));
	_cleanup_free_ char *mid =
	    c1 ? xstrndup(c1 + 1, c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)) : NULL;
	const char *mode = c2 ? c2 + 1 : mid && is_mode(mid) ? mid : "rwm";
	const char *dst = mid && mode != mid ? mid : src;
	if (src[0] != '/')
		return bad_node(text, "the host path must be absolute", err);
	if (dst[0] != '/')
		return bad_node(text, "the container path must be absolute", err);
	if (!is_mode(mode))
		return bad_node(text, "the permissions are some of r, w and m, each once", err);
	*r = (struct device_node_req){.src = xstrdup(src),
				      .dst = xstrdup(dst),
				      .read = strchr(mode, 'r') != NULL,
				      .write = strchr(mode, 'w') != NULL,
				      .mknod = strchr(mode, 'm') != NULL};
	return 0;
}

int device_req_check(const char *text, struct device_node_req *node, struct clan_err *err)
{
	struct device_node_req r;
	if (text[0] == '/') {
		if (parse_node(text, &r, err) < 0)
			return -1;
		if (node)
			*node = r;
		else
			device_node_req_free(&r);
		return 0;
	}
	char *kind, *name;
	if (!cdi_name_split(text, &kind, &name))
		return bad_node(text, strchr(text, '=') ? "not a CDI name" : "not an absolute path",
				err);
	free(kind);
	free(name);
	if (node)
		*node = (struct device_node_req){0};
	return 0;
}

/* One bind more on s, pinned: a device node, or a CDI mount. */
static int add_bind(struct container_spec *s, const char *src, const char *dst, bool ro,
		    int device_amode, const char *what, struct clan_err *err)
{
	s->binds = xrealloc(s->binds, (s->nbinds + 1) * sizeof *s->binds);
	struct bind_spec *b = &s->binds[s->nbinds++];
	*b = (struct bind_spec){.src = xstrdup(src), .dst = xstrdup(dst), .ro = ro, .pin_fd = -1};
	return device_amode >= 0 ? bind_source_pin_device(b, device_amode, what, err)
				 : bind_source_pin(b, what, err);
}

static int apply_node(struct container_spec *s, const char *text, struct clan_err *err)
{
	struct device_node_req r;
	if (device_req_check(text, &r, err) < 0)
		return -1;
	_cleanup_free_ char *what = xasprintf("--device %s", r.src);
	int amode = (r.read ? R_OK : 0) | (r.write ? W_OK : 0);
	int rc = add_bind(s, r.src, r.dst, !r.write, amode ? amode : F_OK, what, err);
	device_node_req_free(&r);
	return rc;
}

/* Hooks run programs as the runtime (root, for CDI's authors); clan has
 * no root to give them, and skipping one would leave the device half set
 * up. */
static int refuse_root_edits(const char *dev, const struct cdi_edits *e, struct clan_err *err)
{
	if (e->hooks.n)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CDI device %s: CDI hooks need a runtime with root; its "
				       "%s hook cannot run in a rootless container (ask the "
				       "vendor for a spec without hooks)",
				       dev, e->hooks.v[0]);
	if (e->root_only.n)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CDI device %s: its %s need a runtime with root", dev,
				       e->root_only.v[0]);
	return 0;
}

static int apply_edits(struct container_spec *s, const char *dev, const struct cdi_edits *e,
		       struct clan_err *err)
{
	if (refuse_root_edits(dev, e, err) < 0)
		return -1;
	for (size_t i = 0; i < e->nnodes; i++) {
		const struct cdi_node *n = &e->nodes[i];
		_cleanup_free_ char *what =
		    xasprintf("CDI device %s: device node %s", dev, n->host_path);
		if (add_bind(s, n->host_path, n->path, !n->write, R_OK | (n->write ? W_OK : 0),
			     what, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < e->nmounts; i++) {
		const struct cdi_mount *m = &e->mounts[i];
		_cleanup_free_ char *what = xasprintf("CDI device %s: mount %s", dev, m->host_path);
		if (add_bind(s, m->host_path, m->container_path, m->ro, -1, what, err) < 0)
			return -1;
	}
	strv_extend(&s->env, &e->env);
	return 0;
}

/* A spec's own edits go once with any number of its devices. */
static int apply_cdi(struct container_spec *s, const struct cdi_registry *reg, const char *text,
		     struct strv *specs_done, struct clan_err *err)
{
	char *kind, *name;
	if (!cdi_name_split(text, &kind, &name))
		return device_req_check(text, NULL, err);
	struct cdi_pick *picks;
	size_t n;
	int rc = cdi_registry_resolve(reg, kind, name, &picks, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		_cleanup_free_ char *dev = xasprintf("%s=%s", kind, picks[i].dev->name);
		if (!strv_contains(specs_done, picks[i].spec->file)) {
			strv_push(specs_done, picks[i].spec->file);
			rc = apply_edits(s, dev, &picks[i].spec->edits, err);
		}
		if (rc == 0)
			rc = apply_edits(s, dev, &picks[i].dev->edits, err);
	}
	free(picks);
	free(kind);
	free(name);
	return rc;
}

static int load_registry(struct cdi_registry *reg, struct strv *warnings, struct clan_err *err)
{
	const char *dirs = getenv(CDI_DIRS_ENV);
	int rc = cdi_registry_load(dirs && *dirs ? dirs : CDI_DEFAULT_DIRS, reg, warnings, err);
	for (size_t i = 0; i < warnings->n; i++)
		progress_warn("%s", warnings->v[i]);
	return rc;
}

/* A stack's supervisor writes its warnings to its log: the error that a
 * skipped spec causes says why itself. */
static void add_skipped(const struct strv *warnings, struct clan_err *err)
{
	size_t len = strlen(err->msg);
	if (warnings->n && err->code == CLAN_EXIT_USAGE && strstr(err->msg, "unknown CDI"))
		snprintf(err->msg + len, sizeof err->msg - len, "; note: %s%s", warnings->v[0],
			 warnings->n > 1 ? " (and more: see the warnings)" : "");
}

int devices_apply(struct container_spec *s, struct clan_err *err)
{
	struct cdi_registry reg = {0};
	bool loaded = false;
	struct strv specs_done = {0}, warnings = {0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < s->devices.n; i++) {
		const char *text = s->devices.v[i];
		if (text[0] == '/') {
			rc = apply_node(s, text, err);
			continue;
		}
		if (!loaded) {
			loaded = true;
			rc = load_registry(&reg, &warnings, err);
		}
		if (rc == 0 && apply_cdi(s, &reg, text, &specs_done, err) < 0) {
			add_skipped(&warnings, err);
			rc = -1;
		}
	}
	cdi_registry_free(&reg);
	strv_free(&specs_done);
	strv_free(&warnings);
	return rc;
}
