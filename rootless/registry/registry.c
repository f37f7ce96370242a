/* clan's pull: a reference resolved to a manifest (through an index to this
 * platform), its config, its layer blobs (registry_fetch.c) and its
 * extracted layers, all verified against their digests before use, then an
 * image record and a tag. Mirrors are tried in order, then the registry.
 * A pull of an image already in the store costs one manifest request. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/debug.h"
#include "base/settings.h"
#include "registry/registry_int.h"
#include "base/termsafe.h"

#define MANIFEST_MAX (4u << 20)
#define CONFIG_MAX (32u << 20)

struct pull {
	struct imgstore *st;
	const struct image_ref *ref;
	const struct registry_opts *o;
	char *name; /* canonical reference, for messages and the tag */
	struct reg_client c;
	char top[72];	   /* digest of what the reference names */
	char manifest[72]; /* digest of the image manifest */
	struct reg_manifest m;
	struct reg_config cfg;
	bool final;	    /* the failure is not the endpoint's: stop trying others */
	uint64_t floor_mib; /* CLAN_PULL_EXPAND_MIB (layer_bounds.h) */
};

static void say(const struct pull *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const struct pull *p, const char *fmt, ...)
{
	if (p->o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static int manifest_status_error(struct pull *p, const char *reference,
				 const struct reg_response *r, struct clan_err *err)
{
	_cleanup_free_ char *why = reg_error_text(r);
	if (r->status == 404)
		return clan_error(err, 0, "%s: not found on %s (%s)", p->name, p->c.registry,
				  *why ? why : "manifest unknown");
	if (r->status == 401 || r->status == 403)
		return clan_error(err, 0,
				  "%s: %s refused access%s: the repository does not exist or "
				  "needs a login (clan login %s)",
				  p->name, p->c.registry,
				  p->c.basic ? " with the login on file" : "", p->c.registry);
	return clan_error(err, 0, "%s: %s answered HTTP %ld for manifest %s%s%s", p->name,
			  p->c.registry, r->status, reference, *why ? ": " : "", why);
}

/* Checks a fetched manifest against the digest asked for and the one the
 * registry claims. */
static int manifest_verify(struct pull *p, const struct reg_response *r, const char *want,
			   char digest[72], struct clan_err *err)
{
	if (sha256_digest(r->body ? r->body : "", r->len, digest, err) < 0)
		return -1;
	if (want && strcmp(digest, want) != 0)
		return clan_error(err, 0, "%s: manifest %s failed verification: it hashes to %s",
				  p->name, want, digest);
	const char *claimed = r->docker_digest;
	if (claimed && strncmp(claimed, "sha256:", 7) == 0 && strcmp(claimed, digest) != 0)
		return clan_error(err, 0,
				  "%s: %s says the manifest is %s but its content hashes to %s",
				  p->name, p->c.registry, claimed, digest);
	return 0;
}

/* A manifest by tag or digest: from the store when the digest is known and
 * there, else from the registry. *doc and *kind describe it. */
static int manifest_get(struct pull *p, const char *reference, const char *want, char digest[72],
			json_t **doc, enum reg_kind *kind, struct clan_err *err)
{
	struct reg_response r = {0};
	int rc = 0;
	bool fetched = false;
	if (want && imgstore_has_blob(p->st, want)) {
		_cleanup_free_ char *path = imgstore_blob_path(p->st, want);
		rc = read_file(path, MANIFEST_MAX, &r.body, err);
		r.len = r.body ? strlen(r.body) : 0;
		snprintf(digest, 72, "%s", want);
	} else {
		_cleanup_free_ char *path = xasprintf("%s/manifests/%s", p->c.repo, reference);
		rc = reg_get(&p->c, path, reg_manifest_accept, MANIFEST_MAX, &r, err);
		if (rc < 0)
			clan_error_wrap(err, "%s", p->name);
		if (rc == 0 && r.status != 200)
			rc = manifest_status_error(p, reference, &r, err);
		if (rc == 0)
			rc = manifest_verify(p, &r, want, digest, err);
		fetched = rc == 0;
	}
	json_error_t je;
	*doc = rc == 0 ? json_loadb(r.body ? r.body : "", r.len, 0, &je) : NULL;
	if (rc == 0 && !*doc)
		rc = clan_error(err, 0, "%s: manifest %s is not JSON (line %d: %s)", p->name,
				digest, je.line, je.text);
	if (rc == 0)
		*kind = reg_manifest_kind(r.content_type, *doc);
	/* filed under its digest only once it is a kind clan pulls */
	if (rc == 0 && fetched && (*kind == REG_KIND_MANIFEST || *kind == REG_KIND_INDEX) &&
	    imgstore_blob_put(p->st, digest, r.body ? r.body : "", r.len, err) < 0) {
		json_decref(*doc);
		*doc = NULL;
		rc = -1;
	}
	reg_response_free(&r);
	return rc;
}

static int kind_error(struct pull *p, enum reg_kind kind, struct clan_err *err)
{
	if (kind == REG_KIND_SCHEMA1)
		return clan_error(err, 0,
				  "%s uses the old Docker schema 1 manifest, which clan does not "
				  "pull; push it again with a current docker, podman or skopeo",
				  p->name);
	return clan_error(err, 0, "%s: the registry answered a manifest of unknown type", p->name);
}

/* The image manifest for this platform, parsed into p->m. */
static int resolve_manifest(struct pull *p, struct clan_err *err)
{
	const struct image_ref *ref = p->ref;
	json_t *doc = NULL;
	enum reg_kind kind = REG_KIND_UNKNOWN;
	if (manifest_get(p, ref->digest ? ref->digest : ref->tag, ref->digest, p->top, &doc, &kind,
			 err) < 0)
		return -1;
	snprintf(p->manifest, sizeof p->manifest, "%s", p->top);
	if (kind == REG_KIND_INDEX) {
		struct reg_platform plat;
		char chosen[72];
		reg_platform_this(p->o, &plat);
		int rc = reg_index_select(doc, &plat, chosen, err);
		json_decref(doc);
		doc = NULL;
		if (rc < 0)
			return clan_error_wrap(err, "%s", p->name);
		if (manifest_get(p, chosen, chosen, p->manifest, &doc, &kind, err) < 0)
			return -1;
		if (kind == REG_KIND_INDEX)
			kind = REG_KIND_UNKNOWN; /* an index inside an index: not an image */
	}
	int rc = kind == REG_KIND_MANIFEST ? reg_manifest_parse(doc, &p->m, err)
					   : kind_error(p, kind, err);
	json_decref(doc);
	if (rc < 0 && kind == REG_KIND_MANIFEST)
		clan_error_wrap(err, "%s (manifest %s)", p->name, p->manifest);
	return rc;
}

/* The config blob: from the store, else fetched and verified. */
static int config_get(struct pull *p, char **text, struct clan_err *err)
{
	const char *d = p->m.config.digest;
	_cleanup_free_ char *path = imgstore_blob_path(p->st, d);
	if (imgstore_has_blob(p->st, d))
		return read_file(path, CONFIG_MAX, text, err);
	_cleanup_free_ char *rel = xasprintf("%s/blobs/%s", p->c.repo, d);
	struct reg_response r = {0};
	int rc = reg_get(&p->c, rel, NULL, CONFIG_MAX, &r, err);
	if (rc < 0)
		clan_error_wrap(err, "%s", p->name);
	if (rc == 0 && r.status != 200) {
		_cleanup_free_ char *why = reg_error_text(&r);
		rc = clan_error(err, 0, "%s: %s answered HTTP %ld for config %s%s%s", p->name,
				p->c.registry, r.status, d, *why ? ": " : "", why);
	}
	if (rc == 0 && imgstore_blob_put(p->st, d, r.body ? r.body : "", r.len, err) < 0)
		rc = clan_error_wrap(err, "%s", p->name);
	if (rc == 0)
		*text = r.body ? steal_pointer(&r.body) : xstrdup("");
	reg_response_free(&r);
	return rc;
}

static int config_load(struct pull *p, struct clan_err *err)
{
	_cleanup_free_ char *text = NULL;
	if (config_get(p, &text, err) < 0)
		return -1;
	if (reg_config_parse(text, strlen(text), &p->cfg, err) < 0)
		return clan_error_wrap(err, "%s (config %s)", p->name, p->m.config.digest);
	if (p->cfg.diff_ids.n != p->m.nlayers)
		return clan_error(err, 0, "%s: the manifest has %zu layers but the config %zu",
				  p->name, p->m.nlayers, p->cfg.diff_ids.n);
	return 0;
}

/* Whether the image is already in the store with all its layers; fills
 * rec when it is. */
static bool image_complete(struct pull *p, struct image_record *rec)
{
	struct clan_err ignored;
	if (imgstore_load_image(p->st, p->m.config.digest, rec, &ignored) < 0)
		return false;
	bool ok = strcmp(rec->id, p->m.config.digest) == 0;
	for (size_t i = 0; ok && i < rec->layers.n; i++)
		ok = imgstore_has_layer(p->st, rec->layers.v[i]);
	if (!ok) {
		image_record_free(rec);
		return false;
	}
	/* a record an earlier clan wrote kept no health check: the next pull
	 * adds the config's (best effort: the image works without it) */
	if (rec->health.test.n == 0 && p->cfg.health.test.n > 0) {
		image_health_copy(&p->cfg.health, &rec->health);
		(void)imgstore_save_image(p->st, rec, &ignored);
	}
	return true;
}

static bool all_blobs_stored(const struct pull *p)
{
	for (size_t i = 0; i < p->m.nlayers; i++)
		if (!imgstore_has_blob(p->st, p->m.layers[i].digest) &&
		    !imgstore_has_layer(p->st, p->cfg.diff_ids.v[i]))
			return false;
	return true;
}

/* Every layer downloaded and extracted. A failure once every blob is in
 * the store is the content's (a hostile tar), not the endpoint's. */
static int fetch_layers(struct pull *p, struct clan_err *err)
{
	struct reg_blob *blobs = xcalloc(p->m.nlayers, sizeof *blobs);
	struct reg_pull_bounds pb = {.image = p->name, .floor_mib = p->floor_mib};
	size_t n = 0;
	for (size_t i = 0; i < p->m.nlayers; i++) {
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup = dup || strcmp(blobs[j].digest, p->m.layers[i].digest) == 0;
		if (dup)
			continue; /* the same layer twice in one image */
		blobs[n++] = (struct reg_blob){
		    .digest = p->m.layers[i].digest,
		    .size = p->m.layers[i].size,
		    .diff_id = p->cfg.diff_ids.v[i],
		    .have_layer = imgstore_has_layer(p->st, p->cfg.diff_ids.v[i]),
		};
		/* declared sizes are the registry's word: saturate, never wrap */
		uint64_t size = (uint64_t)p->m.layers[i].size;
		if (!blobs[n - 1].have_layer)
			pb.compressed =
			    size > UINT64_MAX - pb.compressed ? UINT64_MAX : pb.compressed + size;
	}
	int rc = reg_fetch_layers(&p->c, p->st, blobs, n, p->o, &pb, err);
	free(blobs);
	/* a bomb is the content's fault, not the endpoint's */
	if (rc < 0)
		p->final = all_blobs_stored(p) || layer_bounds_is_error(err);
	if (rc < 0 && !layer_bounds_is_error(err))
		clan_error_wrap(err, "%s", p->name);
	return rc;
}

static int save_record(struct pull *p, struct image_record *rec, struct clan_err *err)
{
	*rec = (struct image_record){0};
	snprintf(rec->id, sizeof rec->id, "%s", p->m.config.digest);
	rec->manifest = xstrdup(p->manifest);
	for (size_t i = 0; i < p->cfg.diff_ids.n; i++) {
		strv_push(&rec->layers, p->cfg.diff_ids.v[i]);
		rec->size += (uint64_t)p->m.layers[i].size;
	}
	rec->env = p->cfg.env;
	rec->entrypoint = p->cfg.entrypoint;
	rec->cmd = p->cfg.cmd;
	rec->workdir = steal_pointer(&p->cfg.workdir);
	rec->user = steal_pointer(&p->cfg.user);
	rec->health = p->cfg.health;
	p->cfg.env = p->cfg.entrypoint = p->cfg.cmd = p->cfg.health.test = (struct strv){0};
	rec->created = (int64_t)time(NULL);
	rec->source = xstrdup("registry");
	return imgstore_save_image(p->st, rec, err);
}

/* Under the pull lock: download, extract, record. */
static int pull_locked(struct pull *p, struct image_record *rec, bool *fresh, struct clan_err *err)
{
	if (image_complete(p, rec))
		return 0; /* another clan pulled it while we waited */
	if (fetch_layers(p, err) < 0)
		return -1;
	/* from here on a failure is the store's, not the endpoint's */
	p->final = true;
	*fresh = true;
	return save_record(p, rec, err);
}

static int pull_from(struct pull *p, const struct reg_endpoint *ep, struct image_record *rec,
		     struct clan_err *err)
{
	bool fresh = false;
	if (reg_client_init(&p->c, ep, p->ref->registry, p->ref->repository, err) < 0)
		return -1;
	/* a mirror that is down should not hold up the fallback for long */
	p->c.max_attempts = ep->mirror ? 2 : 0;
	int rc = resolve_manifest(p, err);
	if (rc == 0)
		rc = config_load(p, err);
	if (rc == 0 && !image_complete(p, rec)) {
		int lock = -1;
		_cleanup_free_ char *name = xasprintf("pull-%s", p->manifest + 7);
		rc = imgstore_lock(p->st, name, &lock, err);
		if (rc == 0) {
			rc = pull_locked(p, rec, &fresh, err);
			close(lock);
		}
	}
	if (rc == 0) {
		char tagged[72];
		p->final = true;
		if (!imgstore_lookup_tag(p->st, p->name, tagged) || strcmp(tagged, rec->id) != 0)
			rc = imgstore_tag(p->st, p->name, rec->id, err);
	}
	if (rc == 0) {
		say(p, "digest: %s\n", p->top);
		say(p, "status: %s %s\n",
		    fresh ? "downloaded newer image for" : "image is up to date for", p->name);
	}
	return rc;
}

static void pull_reset(struct pull *p)
{
	reg_client_free(&p->c);
	reg_manifest_free(&p->m);
	reg_config_free(&p->cfg);
}

static int pull_endpoints(struct pull *p, struct image_record *rec, struct clan_err *err)
{
	struct reg_conf conf;
	struct reg_endpoint *eps = NULL;
	size_t n = 0;
	if (reg_conf_load(&conf, err) < 0)
		return -1;
	_cleanup_free_ char *mirror = settings_get(SETTING_REGISTRY_MIRROR, NULL);
	int rc = reg_endpoints(&conf, p->ref->registry, image_ref_api_host(p->ref), mirror, &eps,
			       &n, err);
	reg_conf_free(&conf);
	if (rc == 0)
		say(p, "%s: pulling from %s/%s\n", p->ref->tag ? p->ref->tag : p->ref->digest,
		    p->ref->registry, p->ref->repository);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = pull_from(p, &eps[i], rec, err);
		bool next = rc < 0 && !p->final && i + 1 < n;
		if (next && clan_debug_on()) {
			_cleanup_free_ char *why = term_safe(err->msg, strlen(err->msg), false);
			clan_debug("mirror %s failed, trying the next: %s", eps[i].base, why);
		}
		pull_reset(p);
		if (next)
			rc = 0;
		else
			break;
	}
	reg_endpoints_free(eps, n);
	return rc;
}

/* Whatever a registry sent can reach a message (an error body, a
 * challenge, a media type, a tar entry's name): shown escaped, so the
 * terminal it is printed on never acts on it. */
static int escape_message(struct clan_err *err)
{
	_cleanup_free_ char *safe = term_safe(err->msg, strlen(err->msg), false);
	snprintf(err->msg, sizeof err->msg, "%s", safe);
	return -1;
}

int registry_pull(struct imgstore *st, const struct image_ref *ref, const struct registry_opts *o,
		  struct image_record *rec, struct clan_err *err)
{
	struct userns_plan plan;
	struct registry_opts opts = *o;
	if (!opts.userns) {
		if (userns_plan_make(USERNS_AUTO, 0, 0, &plan, err) < 0)
			return -1;
		opts.userns = &plan;
	}
	struct pull p = {.st = st, .ref = ref, .o = &opts, .name = image_ref_format(ref)};
	*rec = (struct image_record){0};
	int rc = layer_bounds_floor(getenv("CLAN_PULL_EXPAND_MIB"), &p.floor_mib, err);
	if (rc == 0)
		rc = pull_endpoints(&p, rec, err);
	free(p.name);
	return rc < 0 ? escape_message(err) : rc;
}

/* The registry's own endpoint (no mirror), as pulls would reach it. */
static int login_endpoint(const char *name, struct reg_endpoint **eps, size_t *n,
			  struct clan_err *err)
{
	struct reg_conf conf;
	if (reg_conf_load(&conf, err) < 0)
		return -1;
	const char *api = strcmp(name, "docker.io") == 0 ? "registry-1.docker.io" : name;
	int rc = reg_endpoints(&conf, name, api, NULL, eps, n, err);
	reg_conf_free(&conf);
	return rc;
}

static int login_check(struct reg_client *c, const char *name, struct clan_err *err)
{
	struct reg_response r = {0};
	if (reg_get(c, "", NULL, 1 << 16, &r, err) < 0)
		return -1;
	long status = r.status;
	reg_response_free(&r);
	if (status == 401 || status == 403)
		return clan_error(err, 0, "%s refused the user and password", name);
	if (status != 200)
		return clan_error(err, 0, "%s answered HTTP %ld to the login", name, status);
	return 0;
}

int registry_login(const char *registry, const char *user, const char *password,
		   struct clan_err *err)
{
	_cleanup_free_ char *name = reg_auth_key_normalise(registry);
	_cleanup_free_ char *probe = xasprintf("%s/x", name);
	struct image_ref ref;
	if (image_ref_parse(probe, &ref, err) < 0 || strcmp(ref.registry, name) != 0) {
		if (ref.registry)
			image_ref_free(&ref);
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "'%s' is not a registry name (host or host:port)", registry);
	}
	image_ref_free(&ref);
	if (!*user || strchr(user, ':'))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "a user name is not empty and has no ':'");
	struct reg_endpoint *eps = NULL;
	size_t n = 0;
	if (login_endpoint(name, &eps, &n, err) < 0)
		return -1;
	struct reg_client c;
	int rc = reg_client_init(&c, &eps[n - 1], name, NULL, err);
	if (rc == 0) {
		/* curl's trace would show the password's Authorization header */
		c.verbose = false;
		free(c.basic);
		c.basic = reg_basic_encode(user, password);
		c.logging_in = true;
		rc = login_check(&c, name, err);
	}
	if (rc == 0) {
		_cleanup_free_ char *file = reg_auth_file();
		rc = reg_auth_store(file, name, c.basic, err);
	}
	reg_client_free(&c);
	reg_endpoints_free(eps, n);
	return rc < 0 ? escape_message(err) : rc;
}
