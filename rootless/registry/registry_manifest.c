/* Manifests, indexes and image configs: media type decisions, platform
 * selection and the checks that make a document usable. Pure. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/utsname.h>

#include "registry/registry_int.h"

const char reg_manifest_accept[] =
    "Accept: " MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST;

/* "type/subtype; charset=..." -> whether it is exactly mt. */
static bool media_is(const char *ct, const char *mt)
{
	size_t n = strlen(mt);
	return strncasecmp(ct, mt, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static enum reg_kind kind_of_type(const char *mt)
{
	if (!mt)
		return REG_KIND_UNKNOWN;
	if (media_is(mt, MT_DOCKER_MANIFEST) || media_is(mt, MT_OCI_MANIFEST))
		return REG_KIND_MANIFEST;
	if (media_is(mt, MT_DOCKER_LIST) || media_is(mt, MT_OCI_INDEX))
		return REG_KIND_INDEX;
	if (media_is(mt, "application/vnd.docker.distribution.manifest.v1+json") ||
	    media_is(mt, "application/vnd.docker.distribution.manifest.v1+prettyjws"))
		return REG_KIND_SCHEMA1;
	return REG_KIND_UNKNOWN;
}

enum reg_kind reg_manifest_kind(const char *content_type, json_t *doc)
{
	enum reg_kind k = kind_of_type(content_type);
	if (k != REG_KIND_UNKNOWN)
		return k;
	k = kind_of_type(json_string_value(json_object_get(doc, "mediaType")));
	if (k != REG_KIND_UNKNOWN)
		return k;
	/* registries that answer application/json: go by the document */
	if (json_integer_value(json_object_get(doc, "schemaVersion")) == 1)
		return REG_KIND_SCHEMA1;
	if (json_is_array(json_object_get(doc, "manifests")))
		return REG_KIND_INDEX;
	if (json_is_object(json_object_get(doc, "config")) &&
	    json_is_array(json_object_get(doc, "layers")))
		return REG_KIND_MANIFEST;
	return REG_KIND_UNKNOWN;
}

bool reg_is_layer_type(const char *mt)
{
	static const char *const ok[] = {
	    "application/vnd.docker.image.rootfs.diff.tar.gzip",
	    "application/vnd.docker.image.rootfs.diff.tar.zstd",
	    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	    "application/vnd.oci.image.layer.v1.tar",
	    "application/vnd.oci.image.layer.v1.tar+gzip",
	    "application/vnd.oci.image.layer.v1.tar+zstd",
	    "application/vnd.oci.image.layer.nondistributable.v1.tar",
	    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	};
	for (size_t i = 0; mt && i < ARRAY_SIZE(ok); i++)
		if (strcmp(mt, ok[i]) == 0)
			return true;
	return false;
}

bool reg_is_config_type(const char *mt)
{
	return mt && (strcmp(mt, "application/vnd.docker.container.image.v1+json") == 0 ||
		      strcmp(mt, "application/vnd.oci.image.config.v1+json") == 0);
}

const char *registry_this_arch(void)
{
	static const struct {
		const char *uname, *oci;
	} arches[] = {
	    {"x86_64", "amd64"},    {"aarch64", "arm64"},
	    {"arm64", "arm64"},	    {"armv8l", "arm"},
	    {"armv7l", "arm"},	    {"armv6l", "arm"},
	    {"armv5tel", "arm"},    {"i386", "386"},
	    {"i486", "386"},	    {"i586", "386"},
	    {"i686", "386"},	    {"ppc64le", "ppc64le"},
	    {"s390x", "s390x"},	    {"riscv64", "riscv64"},
	    {"mips64", "mips64le"}, {"loongarch64", "loong64"},
	};
	static struct utsname u;
	if (u.machine[0] == '\0' && uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (strcmp(u.machine, arches[i].uname) == 0)
			return arches[i].oci;
	return u.machine;
}

/* The arm variant of this machine (v5..v8), NULL elsewhere. */
static const char *this_variant(const char *arch)
{
	struct utsname u;
	if (uname(&u) < 0)
		return NULL;
	if (strcmp(arch, "arm64") == 0)
		return "v8";
	if (strcmp(arch, "arm") != 0)
		return NULL;
	if (strncmp(u.machine, "armv", 4) == 0 && u.machine[4] >= '5' && u.machine[4] <= '8')
		return u.machine[4] == '8'   ? "v8"
		       : u.machine[4] == '7' ? "v7"
		       : u.machine[4] == '6' ? "v6"
					     : "v5";
	return "v7";
}

void reg_platform_this(const struct registry_opts *o, struct reg_platform *p)
{
	p->os = o && o->os ? o->os : "linux";
	p->arch = o && o->arch ? o->arch : registry_this_arch();
	/* an explicit foreign arch: any variant of it */
	p->variant = o && o->arch && strcmp(o->arch, registry_this_arch()) != 0
			 ? NULL
			 : this_variant(p->arch);
}

/* 30 exact variant, 20 none given, 1x an older arm variant this one runs
 * (the newest of those best), 0 no. */
static int variant_score(const struct reg_platform *want, const char *arch, const char *v)
{
	if (!want->variant)
		return v && *v ? 20 : 30;
	if (!v || !*v)
		return 20;
	if (strcmp(v, want->variant) == 0)
		return 30;
	if (strcmp(arch, "arm") == 0 && v[0] == 'v' && want->variant[0] == 'v' && v[1] >= '5' &&
	    v[1] < want->variant[1] && v[2] == '\0')
		return 10 + (v[1] - '0');
	return 0;
}

static char *platform_text(json_t *p)
{
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	const char *v = json_string_value(json_object_get(p, "variant"));
	return xasprintf("%s/%s%s%s", os ? os : "?", arch ? arch : "?", v && *v ? "/" : "",
			 v && *v ? v : "");
}

/* "linux/arm64, linux/arm/v7" for the error message. */
static char *index_platforms(json_t *ms)
{
	char *all = xstrdup("");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		json_t *p = json_object_get(json_array_get(ms, i), "platform");
		if (!json_is_object(p) ||
		    strcmp(json_string_value(json_object_get(p, "os")) ?: "", "unknown") == 0)
			continue; /* attestations */
		_cleanup_free_ char *t = platform_text(p);
		char *next = xasprintf("%s%s%s", all, *all ? ", " : "", t);
		free(all);
		all = next;
	}
	return all;
}

static int entry_score(json_t *m, const struct reg_platform *want)
{
	json_t *p = json_object_get(m, "platform");
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	const char *mt = json_string_value(json_object_get(m, "mediaType"));
	if (!os || !arch || strcmp(os, want->os) != 0 || strcmp(arch, want->arch) != 0)
		return 0;
	if (mt && kind_of_type(mt) != REG_KIND_MANIFEST)
		return 0;
	return variant_score(want, arch, json_string_value(json_object_get(p, "variant")));
}

int reg_index_select(json_t *index, const struct reg_platform *want, char digest[72],
		     struct clan_err *err)
{
	json_t *ms = json_object_get(index, "manifests");
	if (!json_is_array(ms))
		return clan_error(err, 0, "the image index has no \"manifests\" list");
	json_t *best = NULL;
	int best_score = 0;
	for (size_t i = 0; i < json_array_size(ms); i++) {
		json_t *m = json_array_get(ms, i);
		int s = entry_score(m, want);
		if (s > best_score) {
			best = m;
			best_score = s;
		}
	}
	if (!best) {
		_cleanup_free_ char *have = index_platforms(ms);
		return clan_error(err, 0, "no image for %s/%s%s%s here (it has: %s)", want->os,
				  want->arch, want->variant ? "/" : "",
				  want->variant ? want->variant : "", *have ? have : "nothing");
	}
	const char *d = json_string_value(json_object_get(best, "digest"));
	if (!digest_is_valid(d))
		return clan_error(err, 0, "the image index has a bad digest '%s'", d ? d : "");
	snprintf(digest, 72, "%s", d);
	return 0;
}

static int parse_descriptor(json_t *o, const char *what, struct reg_descriptor *d,
			    struct clan_err *err)
{
	const char *digest = json_string_value(json_object_get(o, "digest"));
	json_t *size = json_object_get(o, "size");
	if (!json_is_object(o))
		return clan_error(err, 0, "the manifest's %s is not an object", what);
	if (!digest_is_valid(digest))
		return clan_error(err, 0, "the manifest's %s has digest '%s', not sha256:<64 hex>",
				  what, digest ? digest : "");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return clan_error(err, 0, "the manifest's %s %s has no valid size", what, digest);
	snprintf(d->digest, sizeof d->digest, "%s", digest);
	const char *mt = json_string_value(json_object_get(o, "mediaType"));
	d->media_type = xstrdup(mt ? mt : "");
	d->size = json_integer_value(size);
	return 0;
}

int reg_manifest_parse(json_t *doc, struct reg_manifest *m, struct clan_err *err)
{
	*m = (struct reg_manifest){0};
	json_t *layers = json_object_get(doc, "layers");
	if (json_integer_value(json_object_get(doc, "schemaVersion")) != 2)
		return clan_error(err, 0, "the manifest is not schemaVersion 2");
	if (!json_is_array(layers))
		return clan_error(err, 0, "the manifest has no \"layers\" list");
	if (parse_descriptor(json_object_get(doc, "config"), "config", &m->config, err) < 0)
		return -1;
	if (!reg_is_config_type(m->config.media_type)) {
		clan_error(err, 0, "this is not a container image (its config is '%s')",
			   m->config.media_type);
		reg_manifest_free(m);
		return -1;
	}
	m->layers = xcalloc(json_array_size(layers), sizeof *m->layers);
	for (size_t i = 0; i < json_array_size(layers); i++) {
		struct reg_descriptor *d = &m->layers[m->nlayers++];
		if (parse_descriptor(json_array_get(layers, i), "layer", d, err) < 0 ||
		    (!reg_is_layer_type(d->media_type) &&
		     clan_error(err, 0, "layer %s has media type '%s', not a filesystem layer",
				d->digest, d->media_type) < 0)) {
			reg_manifest_free(m);
			return -1;
		}
	}
	return 0;
}

void reg_manifest_free(struct reg_manifest *m)
{
	free(m->config.media_type);
	for (size_t i = 0; i < m->nlayers; i++)
		free(m->layers[i].media_type);
	free(m->layers);
	*m = (struct reg_manifest){0};
}

static void strv_from_array(json_t *a, struct strv *out)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s)
			strv_push(out, s);
	}
}

static char *nonempty(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? xstrdup(s) : NULL;
}

int reg_config_parse(const char *text, size_t len, struct reg_config *c, struct clan_err *err)
{
	*c = (struct reg_config){0};
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	if (!doc)
		return clan_error(err, 0, "the image config is not JSON (line %d: %s)", je.line,
				  je.text);
	json_t *rootfs = json_object_get(doc, "rootfs");
	json_t *ids = json_object_get(rootfs, "diff_ids");
	int rc = 0;
	if (!json_is_array(ids))
		rc = clan_error(err, 0, "the image config has no rootfs.diff_ids");
	for (size_t i = 0; rc == 0 && i < json_array_size(ids); i++) {
		const char *d = json_string_value(json_array_get(ids, i));
		if (!digest_is_valid(d))
			rc = clan_error(err, 0, "the image config has a bad diff id '%s'",
					d ? d : "");
		else
			strv_push(&c->diff_ids, d);
	}
	json_t *cfg = json_object_get(doc, "config");
	strv_from_array(json_object_get(cfg, "Env"), &c->env);
	strv_from_array(json_object_get(cfg, "Entrypoint"), &c->entrypoint);
	strv_from_array(json_object_get(cfg, "Cmd"), &c->cmd);
	c->workdir = nonempty(cfg, "WorkingDir");
	c->user = nonempty(cfg, "User");
	image_health_parse(json_object_get(cfg, "Healthcheck"), &c->health);
	json_decref(doc);
	if (rc < 0)
		reg_config_free(c);
	return rc;
}

void reg_config_free(struct reg_config *c)
{
	strv_free(&c->diff_ids);
	strv_free(&c->env);
	strv_free(&c->entrypoint);
	strv_free(&c->cmd);
	free(c->workdir);
	free(c->user);
	strv_free(&c->health.test);
	*c = (struct reg_config){0};
}
