/* Internals of the registry client, shared by registry*.c and the unit
 * tests: media types and manifests (registry_manifest.c), auth challenges
 * and credentials (registry_auth.c), mirrors and plain-HTTP registries
 * (registry_conf.c), HTTP requests (registry_http.c) and parallel blob
 * downloads with progress (registry_fetch.c). */
#ifndef CLAN_REGISTRY_INT_H
#define CLAN_REGISTRY_INT_H

#include "base/dl_crypto.h"
#include "base/dl_curl.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "image/imgstore.h"
#include "image/layer_bounds.h"
#include "registry/registry.h"
#include "base/util.h"

/* ---- media types and documents (registry_manifest.c) ---- */

#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"

/* The Accept header of a manifest request: the four types clan reads. */
extern const char reg_manifest_accept[];

enum reg_kind { REG_KIND_UNKNOWN, REG_KIND_MANIFEST, REG_KIND_INDEX, REG_KIND_SCHEMA1 };

/* What a manifest document is: from its Content-Type (parameters
 * ignored), else its mediaType field, else its shape. */
enum reg_kind reg_manifest_kind(const char *content_type, json_t *doc);

/* Whether a descriptor's media type is a filesystem layer clan extracts
 * (docker and OCI tars: plain, gzip, zstd). */
bool reg_is_layer_type(const char *media_type);
/* Whether a config media type is a container image config. */
bool reg_is_config_type(const char *media_type);

struct reg_platform {
	const char *os, *arch, *variant; /* variant may be NULL */
};

/* This machine: linux, registry_this_arch(), and the arm variant. */
void reg_platform_this(const struct registry_opts *o, struct reg_platform *p);

/* Picks the manifest for p from an index / manifest list: exact variant
 * first, then an entry without one (and for arm, an older variant). Fails
 * naming the platforms the index has. */
int reg_index_select(json_t *index, const struct reg_platform *p, char digest[72],
		     struct clan_err *err);

struct reg_descriptor {
	char digest[72];
	char *media_type;
	int64_t size;
};

struct reg_manifest {
	struct reg_descriptor config;
	struct reg_descriptor *layers;
	size_t nlayers;
};

/* A schema2 / OCI image manifest: a container config and layers with valid
 * sha256 digests and sizes. */
int reg_manifest_parse(json_t *doc, struct reg_manifest *m, struct clan_err *err);
void reg_manifest_free(struct reg_manifest *m);

struct reg_config {
	struct strv diff_ids; /* bottom first */
	struct strv env, entrypoint, cmd;
	char *workdir, *user; /* NULL when empty */
	struct image_health health;
};

/* An image config: rootfs.diff_ids (all valid) and the run defaults. */
int reg_config_parse(const char *text, size_t len, struct reg_config *c, struct clan_err *err);
void reg_config_free(struct reg_config *c);

/* ---- auth (registry_auth.c) ---- */

struct reg_challenge {
	char *scheme; /* "Bearer" or "Basic" */
	char *realm, *service, *scope;
};

/* Parses a WWW-Authenticate value (auth-params, quoted strings with
 * escapes and commas). With several challenges, a Bearer one wins. -1 when
 * it is malformed or names no scheme. */
int reg_challenge_parse(const char *header, struct reg_challenge *c);
void reg_challenge_free(struct reg_challenge *c);

/* "user:password" in base64, as Basic auth and docker's config.json hold it. */
char *reg_basic_encode(const char *user, const char *password);
/* Decodes config.json's "auth" into user and password; -1 when malformed. */
int reg_basic_decode(const char *b64, char **user, char **password);

/* A registry name as config.json keys it: no scheme or path, docker hub's
 * aliases as docker.io. */
char *reg_auth_key_normalise(const char *key);

/* Finds the credentials of registry in a config.json text: 1 found (b64 in
 * docker's "auth" form), 0 none, -1 malformed (err names the file). */
int reg_auth_lookup(const char *json_text, const char *file, const char *registry, char **b64,
		    struct clan_err *err);

/* $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json. */
char *reg_auth_file(void);
/* Credentials for registry from reg_auth_file(): 1, 0 or -1. */
int reg_auth_load(const char *registry, char **b64, struct clan_err *err);
/* Sets registry's entry in the auth file (0600, temp + rename), keeping
 * everything else in it. */
int reg_auth_store(const char *file, const char *registry, const char *b64, struct clan_err *err);

/* ---- mirrors and plain HTTP (registry_conf.c) ---- */

struct reg_conf_entry {
	char *registry;
	struct strv mirrors;
	int insecure; /* -1 unset, 0 https, 1 plain http */
};

struct reg_conf {
	struct reg_conf_entry *v;
	size_t n;
};

/* Parses registries.conf text; file is for messages ("file:line: ..."). */
int reg_conf_parse(const char *text, const char *file, struct reg_conf *c, struct clan_err *err);
/* ${XDG_CONFIG_HOME:-~/.config}/clan/registries.conf; none is empty. */
int reg_conf_load(struct reg_conf *c, struct clan_err *err);
void reg_conf_free(struct reg_conf *c);

struct reg_endpoint {
	char *base;	 /* "https://registry-1.docker.io", "http://127.0.0.1:5000" */
	char *prefix;	 /* a mirror's namespace before the repository, or "" */
	char *auth_host; /* the name credentials are filed under */
	bool mirror;
};

/* Where to pull registry's images from, in order: CLAN_REGISTRY_MIRROR
 * (docker.io only), the conf's mirrors, then the registry itself over
 * https (plain http when insecure, or loopback unless insecure = false). */
int reg_endpoints(const struct reg_conf *c, const char *registry, const char *api_host,
		  const char *env_mirror, struct reg_endpoint **out, size_t *n,
		  struct clan_err *err);
void reg_endpoints_free(struct reg_endpoint *e, size_t n);

/* ---- HTTP (registry_http.c) ---- */

struct reg_client {
	CURL *easy;	  /* for requests one at a time; keeps its connection */
	CURLSH *share;	  /* DNS, connections and TLS sessions for every handle */
	char *base;	  /* the endpoint's base URL */
	char *repo;	  /* the repository path on this endpoint (mirror prefix + name) */
	char *registry;	  /* for messages */
	char *basic;	  /* credentials (base64 user:password), NULL: anonymous */
	char *authz;	  /* "Authorization: ..." header once authorised, NULL before */
	bool verbose;	  /* curl's own trace on stderr (--debug) */
	int max_attempts; /* per request; 0: the default */
	bool logging_in;  /* a refusal is the login's failure, not a hint to log in */
};

struct reg_response {
	long status;
	char *body;
	size_t len;
	char *content_type;
	char *docker_digest; /* Docker-Content-Digest */
	char *www_auth;	     /* WWW-Authenticate (a Bearer one if several) */
	size_t max;	     /* body limit */
	bool too_big;
};

int reg_client_init(struct reg_client *c, const struct reg_endpoint *ep, const char *registry,
		    const char *repository, struct clan_err *err);
void reg_client_free(struct reg_client *c);
void reg_response_free(struct reg_response *r);

/* GET base/v2/PATH (path "" pings the API). Authorises on a 401 challenge
 * (token or basic) and retries once; retries connection errors, 429 and
 * 5xx with backoff. Returns 0 with any final HTTP status in r->status. */
int reg_get(struct reg_client *c, const char *path, const char *accept, size_t max,
	    struct reg_response *r, struct clan_err *err);

/* Answers a WWW-Authenticate challenge: fetches a token or arms basic
 * auth. Fails when the registry refuses the credentials. */
int reg_authorize(struct reg_client *c, const char *www_authenticate, struct clan_err *err);

/* The options every request gets: share, user agent, redirects, timeouts. */
void reg_easy_setup(const struct reg_client *c, CURL *easy, const char *url);
/* The request headers: Authorization (when authorised) and extra. */
struct curl_slist *reg_headers(const struct reg_client *c, const char *extra);

/* Whether a transfer failure is worth another try (dropped or refused
 * connection, timeout), and a status (429, 5xx). */
bool reg_curl_retryable(CURLcode cc);
bool reg_status_retryable(long status);
/* Backoff before attempt n (1-based): 250 ms doubling, at most 4 s. */
long reg_backoff_ms(int attempt);

struct reg_origin {
	char *scheme, *host, *port; /* port: the scheme's default when absent */
	bool userinfo;		    /* a user, password or options before the host */
};

/* Parses url with curl's parser (the one that connects): -1 when it is not
 * a URL curl would fetch. */
int reg_origin_parse(const char *url, struct reg_origin *o);
void reg_origin_free(struct reg_origin *o);

/* Whether the user's credentials may go to a token server at realm for a
 * registry at base: never to a URL with userinfo; over https; over plain
 * HTTP only to loopback or to the registry's own scheme, host and port. */
bool reg_may_send_credentials(const char *base, const char *realm);

/* A registry error body ({"errors":[{"code","message"}]}) as text, or "". */
char *reg_error_text(const struct reg_response *r);

/* ---- blobs and layers (registry_fetch.c, registry_extract.c) ---- */

struct reg_blob {
	const char *digest;
	int64_t size;
	const char *diff_id; /* the layer to extract it into; NULL: download only */
	bool have_layer;     /* already extracted: shown, not fetched */
};

/* The bounds of a pull's extractions (layer_bounds.h). */
struct reg_pull_bounds {
	const char *image;   /* for messages */
	uint64_t floor_mib;  /* CLAN_PULL_EXPAND_MIB or the default */
	uint64_t compressed; /* the blobs to extract, together (saturating) */
};

/* Downloads every blob not in st, at most 4 at once, each verified against
 * its digest and committed to the store; resumes .partial files (hashing
 * the part already there), retries with backoff. Each verified blob with a
 * diff id is extracted (layer_extract with o->userns) in a child process
 * while the rest download, each within its layer's bounds and all within
 * the pull's (pb). o->progress draws one bar per blob, else one
 * line per finished step unless o->quiet. */
int reg_fetch_layers(struct reg_client *c, struct imgstore *st, const struct reg_blob *blobs,
		     size_t n, const struct registry_opts *o, const struct reg_pull_bounds *pb,
		     struct clan_err *err);

struct reg_worker {
	pid_t pid; /* 0: none */
	int fd;	   /* read end: the child's error, or what the layer came to */
};

/* What an extracted layer came to, for the pull's bounds. */
struct reg_layer_usage {
	uint64_t bytes, entries;
};

/* Forks a child that runs layer_extract of blob into layer diff_id within
 * bounds b (its max_ fields and names). A blob refused for its bounds is
 * removed from the store. */
int reg_worker_start(struct imgstore *st, const char *blob_digest, const char *diff_id,
		     const struct userns_plan *u, const struct layer_bounds *b,
		     struct reg_worker *w, struct clan_err *err);
/* Waits for the child (its fd is readable): 0 with *used (when not NULL)
 * filled, or -1 with its error. */
int reg_worker_reap(struct reg_worker *w, struct reg_layer_usage *used, struct clan_err *err);
/* Waits for a child that is still running (on an error path). */
void reg_worker_stop(struct reg_worker *w);

#endif
