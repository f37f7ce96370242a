/* A compose service's volumes (short "SRC:DST[:MODE]" and long form),
 * secrets and configs (files mounted read-only). A named volume must be
 * declared under the top-level volumes:, as compose requires; one with
 * no name (DST alone) is a volume named SERVICE_DIR that clan keeps like
 * any other, where compose would make a new one after `down`. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config/cfgval.h"
#include "base/safe_path.h"
#include "config/compose_int.h"
#include "fs/tmpfs_spec.h"

struct mount_in {
	const char *src; /* NULL: an anonymous volume */
	const char *dst;
	bool ro, bind, create;
};

static const struct svc_mount *mounted_at(const struct service *s, const char *dst)
{
	for (size_t i = 0; i < s->nmounts; i++)
		if (strcmp(s->mounts[i].dst, dst) == 0)
			return &s->mounts[i];
	return NULL;
}

static bool is_path(const char *src)
{
	return src[0] == '/' || src[0] == '.' || src[0] == '~';
}

static int add(struct load_ctx *c, const struct ynode *root, const struct ynode *at,
	       const struct mount_in *in, struct svc_build *b)
{
	struct service *s = &b->svc;
	if (!in->dst || in->dst[0] != '/')
		return compose_fail(c, at, "volumes: the path inside must be absolute");
	_cleanup_free_ char *dst = path_clean(in->dst);
	if (strcmp(dst, "/") == 0)
		return compose_fail(c, at, "volumes: cannot mount over /");
	const struct svc_mount *dup = mounted_at(s, dst);
	if (dup)
		return compose_fail(c, at, "volumes: %s is mounted twice (first at line %d)", dst,
				    dup->loc.line);
	struct svc_mount m = {.ro = in->ro, .loc = {at->file, at->line}};
	if (in->bind) {
		_cleanup_free_ char *path = stack_host_path(c, in->src);
		struct stat st;
		if (!in->create && stat(path, &st) < 0)
			return compose_fail(c, at, "volumes: bind source %s: %s", in->src,
					    strerror(errno));
		m.src = steal_pointer(&path);
		m.create = in->create;
	} else if (in->src) {
		if (!cfg_is_name(in->src))
			return compose_fail(c, at,
					    "volumes: bad volume name '%s': letters, digits, _ . - "
					    "starting with a letter or digit",
					    in->src);
		if (!ynode_get(ynode_get(root, "volumes"), in->src))
			return compose_fail(
			    c, at,
			    "service %s uses volume %s, which is not declared under "
			    "the top-level volumes:",
			    s->name, in->src);
		m.volume = xstrdup(in->src);
		compose_volume_decl(root, &m);
	} else {
		const char *base = strrchr(dst, '/') + 1;
		m.volume = xasprintf("%s_%s", s->name, *base ? base : "data");
	}
	m.dst = steal_pointer(&dst);
	s->mounts = xrealloc(s->mounts, (s->nmounts + 1) * sizeof *s->mounts);
	s->mounts[s->nmounts++] = m;
	return 0;
}

/* A short form's option other than ro and rw that changes nothing here:
 * SELinux labels, consistency (for Docker Desktop), nocopy, and mount
 * propagation (a bind into a rootless container is private). */
static bool is_inert_option(const char *o)
{
	static const char *const inert[] = {"z",	  "Z",	    "cached",  "delegated",
					    "consistent", "nocopy", "shared",  "rshared",
					    "slave",	  "rslave", "private", "rprivate"};
	for (size_t i = 0; i < ARRAY_SIZE(inert); i++)
		if (strcmp(o, inert[i]) == 0)
			return true;
	return false;
}

/* SRC:DST[:MODE], or DST alone. MODE is a comma list: ro, rw and the
 * inert options; compose ignores any other (format/volume.go), so clan
 * warns about it and the service still runs. */
static int short_form(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		      struct svc_build *b)
{
	_cleanup_free_ char *copy = xstrdup(v->value);
	char *first = copy, *second = strchr(copy, ':'), *mode = NULL;
	if (second) {
		*second++ = '\0';
		if ((mode = strchr(second, ':')))
			*mode++ = '\0';
	}
	if (mode && strchr(mode, ':'))
		return compose_fail(c, v, "volumes: too many colons in '%s' (SRC:DST[:MODE])",
				    v->value);
	struct mount_in in = {.src = second ? first : NULL, .dst = second ? second : first};
	for (char *save = NULL, *o = mode ? strtok_r(mode, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "ro") == 0)
			in.ro = true;
		else if (strcmp(o, "rw") == 0)
			in.ro = false;
		else if (!is_inert_option(o))
			compose_warn(c, v, "volumes: unknown option '%s' in '%s' is ignored", o,
				     v->value);
	}
	if (in.src && !*in.src)
		return compose_fail(c, v, "volumes: '%s' has an empty source", v->value);
	in.bind = in.src && is_path(in.src);
	in.create = in.bind; /* compose's short form makes a missing dir */
	return add(c, root, v, &in, b);
}

/* A tmpfs, checked by the runtime's parser and kept in --tmpfs's form. */
static int add_tmpfs(struct load_ctx *c, const struct ynode *at, const char *text,
		     struct svc_build *b)
{
	struct tmpfs_spec t;
	if (tmpfs_spec_parse(text, &t, c->err) < 0)
		return compose_fail(c, at, "tmpfs: %s", c->err->msg);
	bool dup = mounted_at(&b->svc, t.dst) != NULL;
	for (size_t i = 0; i < b->svc.tmpfs.n && !dup; i++) {
		size_t n = strcspn(b->svc.tmpfs.v[i], ":");
		dup = strlen(t.dst) == n && strncmp(b->svc.tmpfs.v[i], t.dst, n) == 0;
	}
	tmpfs_spec_free(&t);
	if (dup)
		return compose_fail(c, at, "tmpfs: %.*s is mounted twice", (int)strcspn(text, ":"),
				    text);
	strv_push(&b->svc.tmpfs, text);
	return 0;
}

/* type: tmpfs with tmpfs: {size, mode}: size in bytes or with a unit,
 * mode an octal number as compose writes it (1777). */
static int long_tmpfs(struct load_ctx *c, const struct ynode *v, const char *dst, bool ro,
		      struct svc_build *b)
{
	const struct ynode *opts = ynode_get(v, "tmpfs");
	const char *size = ynode_text(ynode_get(opts, "size"));
	const char *mode = ynode_text(ynode_get(opts, "mode"));
	if (!dst)
		return compose_fail(c, v, "volumes: a tmpfs needs target:");
	_cleanup_free_ char *text =
	    xasprintf("%s:%s%s%s%s%s", dst, ro ? "ro" : "rw", size ? ",size=" : "",
		      size ? size : "", mode ? ",mode=" : "", mode ? mode : "");
	return add_tmpfs(c, v, text, b);
}

static int long_form(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		     struct svc_build *b)
{
	const char *type = ynode_text(ynode_get(v, "type"));
	const struct ynode *n;
	struct mount_in in = {.src = ynode_text(ynode_get(v, "source")),
			      .dst = ynode_text(ynode_get(v, "target"))};
	static const char *const keys[] = {"type", "source", "target", "read_only", "consistency",
					   "bind", "volume", "tmpfs",  "image"};
	static const char *const bind_keys[] = {"propagation", "create_host_path", "recursive",
						"selinux"};
	if (compose_check_keys(c, v, "volumes", keys, ARRAY_SIZE(keys)) < 0 ||
	    compose_check_keys(c, ynode_get(v, "bind"), "volumes bind", bind_keys,
			       ARRAY_SIZE(bind_keys)) < 0)
		return -1;
	if (!type)
		return compose_fail(c, v,
				    "volumes: the long form needs type: (volume, bind, tmpfs)");
	if ((n = ynode_get(v, "read_only")) && compose_bool(c, n, "read_only", &in.ro) < 0)
		return -1;
	if (strcmp(type, "bind") == 0) {
		if (!in.src)
			return compose_fail(c, v, "volumes: a bind needs source:");
		const struct ynode *opts = ynode_get(v, "bind");
		if ((n = ynode_get(opts, "create_host_path")) &&
		    compose_bool(c, n, "create_host_path", &in.create) < 0)
			return -1;
		in.bind = true;
		return add(c, root, v, &in, b);
	}
	if (strcmp(type, "volume") == 0) {
		if (in.src && is_path(in.src))
			return compose_fail(
			    c, v, "volumes: type volume takes a volume name, not %s", in.src);
		return add(c, root, v, &in, b);
	}
	if (strcmp(type, "tmpfs") == 0)
		return long_tmpfs(c, v, in.dst, in.ro, b);
	if (strcmp(type, "npipe") == 0 || strcmp(type, "cluster") == 0 ||
	    strcmp(type, "image") == 0) {
		compose_warn(c, v, "service %s: volumes of type %s are not supported yet: ignored",
			     b->svc.name, type);
		return 0;
	}
	return compose_fail(c, v, "volumes: unknown type %s (volume, bind or tmpfs)", type);
}

/* secrets: and configs: of a service: NAME or {source, target}; the
 * top-level entry's file: is mounted read-only at the target (secrets:
 * /run/secrets/NAME; configs: /NAME). */
static int file_mounts(struct load_ctx *c, const struct ynode *root, const struct ynode *svc,
		       const char *key, const char *dir, struct svc_build *b)
{
	const struct ynode *list = ynode_get(svc, key);
	const struct ynode *top = ynode_get(root, key);
	if (!list)
		return 0;
	if (list->kind != YN_SEQ)
		return compose_fail(c, list, "%s: expected a list", key);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		const char *name =
		    it->kind == YN_MAP ? ynode_text(ynode_get(it, "source")) : ynode_text(it);
		const char *target =
		    it->kind == YN_MAP ? ynode_text(ynode_get(it, "target")) : NULL;
		const struct ynode *def = name ? ynode_get(top, name) : NULL;
		static const char *const keys[] = {"source", "target", "uid", "gid", "mode"};
		if (compose_check_keys(c, it, key, keys, ARRAY_SIZE(keys)) < 0)
			return -1;
		if (!name)
			return compose_fail(c, it, "%s: expected a name (or source:)", key);
		if (!def)
			return compose_fail(c, it,
					    "service %s uses %s %s, not declared under the "
					    "top-level %s:",
					    b->svc.name, key, name, key);
		const char *file = ynode_text(ynode_get(def, "file"));
		if (!file) {
			compose_warn(c, def, "%s %s: only file: %s are supported: not mounted", key,
				     name, key);
			continue;
		}
		_cleanup_free_ char *dst = !target	      ? xasprintf("%s/%s", dir, name)
					   : target[0] == '/' ? xstrdup(target)
							      : xasprintf("%s/%s", dir, target);
		struct mount_in in = {.src = file, .dst = dst, .ro = true, .bind = true};
		if (add(c, root, it, &in, b) < 0)
			return -1;
	}
	return 0;
}

int compose_build_mounts(struct load_ctx *c, const struct ynode *root, const struct ynode *svc,
			 struct svc_build *b)
{
	const struct ynode *vols = ynode_get(svc, "volumes");
	if (vols && vols->kind != YN_SEQ)
		return compose_fail(c, vols, "volumes: expected a list");
	for (size_t i = 0; vols && i < vols->n; i++) {
		const struct ynode *v = vols->items[i];
		int r = v->kind == YN_MAP ? long_form(c, root, v, b)
			: ynode_text(v)
			    ? short_form(c, root, v, b)
			    : compose_fail(c, v, "volumes: expected SRC:DST or a mapping");
		if (r < 0)
			return -1;
	}
	const struct ynode *tmpfs = ynode_get(svc, "tmpfs");
	if (tmpfs && ynode_text(tmpfs) && add_tmpfs(c, tmpfs, tmpfs->value, b) < 0)
		return -1;
	if (tmpfs && !ynode_text(tmpfs) && tmpfs->kind != YN_SEQ)
		return compose_fail(c, tmpfs, "tmpfs: expected a path or a list of them");
	for (size_t i = 0; tmpfs && tmpfs->kind == YN_SEQ && i < tmpfs->n; i++) {
		const char *t = ynode_text(tmpfs->items[i]);
		if (!t)
			return compose_fail(c, tmpfs->items[i], "tmpfs: expected a path");
		if (add_tmpfs(c, tmpfs->items[i], t, b) < 0)
			return -1;
	}
	return file_mounts(c, root, svc, "secrets", "/run/secrets", b) < 0 ||
		       file_mounts(c, root, svc, "configs", "", b) < 0
		   ? -1
		   : 0;
}
