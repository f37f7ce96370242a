/* compose's top-level volumes: each a declaration (null or a mapping):
 * name: gives its storage name, shared by every project that names it;
 * external: true says it was made outside the project (clan volume
 * create), which then never makes nor removes it. Drivers are Docker's:
 * clan's volumes are directories in its storage. */
#define _GNU_SOURCE
#include <string.h>
#include <strings.h>

#include "config/cfgval.h"
#include "config/compose_int.h"
#include "base/util.h"

static int check_name(struct load_ctx *c, const struct ynode *n, const char *key)
{
	const char *name = ynode_text(n);
	if (!name || !cfg_is_name(name))
		return compose_fail(c, n,
				    "volume %s: bad name '%s': letters, digits, _ . - starting "
				    "with a letter or digit",
				    key, name ? name : "");
	return 0;
}

static int check_one(struct load_ctx *c, const char *key, const struct ynode *v)
{
	static const char *const keys[] = {"name", "external", "driver", "driver_opts", "labels"};
	if (v->kind == YN_NULL)
		return 0;
	if (v->kind != YN_MAP)
		return compose_fail(
		    c, v, "volume %s: expected a mapping (name:, external:...) or nothing", key);
	_cleanup_free_ char *what = xasprintf("volume %s", key);
	if (compose_check_keys(c, v, what, keys, ARRAY_SIZE(keys)) < 0)
		return -1;
	const struct ynode *name = ynode_get(v, "name"), *ext = ynode_get(v, "external");
	bool external = false;
	if (name && check_name(c, name, key) < 0)
		return -1;
	if (ext && ext->kind == YN_MAP) { /* compose file format 2/3's */
		static const char *const ext_keys[] = {"name"};
		const struct ynode *old = ynode_get(ext, "name");
		if (compose_check_keys(c, ext, "external", ext_keys, 1) < 0 ||
		    (old && check_name(c, old, key) < 0))
			return -1;
		compose_warn(c, ext,
			     "volume %s: external: {name: ...} is obsolete: write external: true "
			     "and name:",
			     key);
	} else if (ext && compose_bool(c, ext, "external", &external) < 0) {
		return -1;
	}
	const struct ynode *driver = ynode_get(v, "driver"), *opts = ynode_get(v, "driver_opts");
	if (driver && !(ynode_text(driver) && strcmp(ynode_text(driver), "local") == 0))
		compose_warn(c, driver,
			     "volume %s: driver %s is ignored: clan's volumes are directories in "
			     "its storage",
			     key, ynode_text(driver) ? ynode_text(driver) : "");
	if (opts)
		compose_warn(c, opts,
			     "volume %s: driver_opts are ignored (a host dir is a bind mount: "
			     "./dir:/path)",
			     key);
	return 0;
}

void compose_check_volumes(struct load_ctx *c, const struct ynode *root)
{
	const struct ynode *vols = ynode_get(root, "volumes");
	if (!vols || vols->kind == YN_NULL)
		return;
	if (vols->kind != YN_MAP) {
		compose_fail(c, vols, "volumes: expected a mapping of volume names");
		stack_collect(c);
		return;
	}
	for (size_t i = 0; i < vols->n; i++) {
		int r = cfg_is_name(vols->keys[i])
			    ? check_one(c, vols->keys[i], vols->items[i])
			    : compose_fail(c, vols->items[i],
					   "volumes: bad volume name '%s': letters, digits, _ . - "
					   "starting with a letter or digit",
					   vols->keys[i]);
		if (r < 0)
			stack_collect(c);
	}
}

void compose_volume_decl(const struct ynode *root, struct svc_mount *m)
{
	const struct ynode *v = ynode_get(ynode_get(root, "volumes"), m->volume);
	const struct ynode *ext = ynode_get(v, "external");
	const char *name = ynode_text(ynode_get(v, "name"));
	if (ext && ext->kind == YN_MAP) {
		m->external = true;
		if (!name)
			name = ynode_text(ynode_get(ext, "name"));
	} else {
		m->external = ynode_text(ext) && strcasecmp(ynode_text(ext), "true") == 0;
	}
	if (name || m->external)
		m->volume_name = xstrdup(name ? name : m->volume);
}
