/* Mirrors and plain-HTTP registries, the way sites set up pull-through
 * caches: ~/.config/clan/registries.conf (inih), one section per registry,
 *
 *   [docker.io]
 *   mirror = https://cache.example.org      ; repeatable, tried in order
 *   [registry.lab:5000]
 *   insecure = true                         ; plain HTTP
 *
 * plus CLAN_REGISTRY_MIRROR=URL, a mirror for docker.io tried first. */
#define _GNU_SOURCE
#include <errno.h>
#include <ini.h>
#include <string.h>
#include <unistd.h>

#include "image/image_ref.h"
#include "base/paths.h"
#include "registry/registry_int.h"

struct conf_parse {
	struct reg_conf *conf;
	char msg[512]; /* the first error, without its line */
};

static char *hub_alias(const char *registry)
{
	return reg_auth_key_normalise(registry);
}

static struct reg_conf_entry *conf_entry(struct reg_conf *c, const char *registry, bool add)
{
	_cleanup_free_ char *name = hub_alias(registry);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].registry, name) == 0)
			return &c->v[i];
	if (!add)
		return NULL;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n] = (struct reg_conf_entry){.registry = steal_pointer(&name), .insecure = -1};
	return &c->v[c->n++];
}

/* [scheme://]host[:port][/path] with a plausible host. */
static bool is_mirror_url(const char *v)
{
	const char *p = v;
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strstr(p, "://"))
		return false;
	size_t host = strcspn(p, "/");
	if (host == 0)
		return false;
	for (size_t i = 0; i < host; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]",
			    p[i]))
			return false;
	return strspn(p + host, "abcdefghijklmnopqrstuvwxyz0123456789._-/") == strlen(p + host);
}

static int parse_bool(const char *v)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
		return 1;
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
		return 0;
	return -1;
}

static int conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parse *cp = user;
	if (cp->msg[0])
		return 1; /* report only the first error */
	if (!section[0]) {
		snprintf(cp->msg, sizeof cp->msg,
			 "'%s' is outside a section; put it under [REGISTRY], e.g. [docker.io]",
			 name);
		return 0;
	}
	struct reg_conf_entry *e = conf_entry(cp->conf, section, true);
	if (strcmp(name, "mirror") == 0) {
		if (!is_mirror_url(value)) {
			snprintf(cp->msg, sizeof cp->msg,
				 "mirror '%s' is not a URL like https://host[:port][/path]", value);
			return 0;
		}
		strv_push(&e->mirrors, value);
		return 1;
	}
	if (strcmp(name, "insecure") == 0) {
		e->insecure = parse_bool(value);
		if (e->insecure < 0)
			snprintf(cp->msg, sizeof cp->msg, "insecure is true or false, not '%s'",
				 value);
		return e->insecure >= 0;
	}
	snprintf(cp->msg, sizeof cp->msg, "unknown key '%s' in [%s] (keys: mirror, insecure)", name,
		 section);
	return 0;
}

int reg_conf_parse(const char *text, const char *file, struct reg_conf *c, struct clan_err *err)
{
	*c = (struct reg_conf){0};
	struct conf_parse cp = {.conf = c};
	int line = ini_parse_string(text, conf_handler, &cp);
	if (line == 0)
		return 0;
	reg_conf_free(c);
	if (line < 0)
		return clan_error(err, ENOMEM, "cannot parse %s", file);
	return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d: %s", file, line,
			       cp.msg[0] ? cp.msg : "not a [section] or key = value line");
}

int reg_conf_load(struct reg_conf *c, struct clan_err *err)
{
	*c = (struct reg_conf){0};
	const char *xdg = getenv("XDG_CONFIG_HOME");
	_cleanup_free_ char *file =
	    xdg && *xdg ? xasprintf("%s/clan/registries.conf", xdg)
			: xasprintf("%s/.config/clan/registries.conf", paths_home_dir());
	if (access(file, F_OK) < 0 && errno == ENOENT)
		return 0;
	_cleanup_free_ char *text = NULL;
	if (read_file(file, 1 << 20, &text, err) < 0)
		return -1;
	return reg_conf_parse(text, file, c, err);
}

void reg_conf_free(struct reg_conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].registry);
		strv_free(&c->v[i].mirrors);
	}
	free(c->v);
	*c = (struct reg_conf){0};
}

/* A mirror URL as an endpoint: scheme (https unless given, http for a
 * loopback host), host[:port], and the namespace path after it. */
static void mirror_endpoint(const char *url, struct reg_endpoint *e)
{
	const char *p = url, *scheme = NULL;
	if (strncmp(p, "https://", 8) == 0) {
		scheme = "https";
		p += 8;
	} else if (strncmp(p, "http://", 7) == 0) {
		scheme = "http";
		p += 7;
	}
	size_t host = strcspn(p, "/");
	_cleanup_free_ char *hostport = xstrndup(p, host);
	if (!scheme)
		scheme = image_ref_is_loopback(hostport) ? "http" : "https";
	const char *path = p + host;
	while (*path == '/')
		path++;
	_cleanup_free_ char *prefix = xstrdup(path);
	size_t n = strlen(prefix);
	while (n > 0 && prefix[n - 1] == '/')
		prefix[--n] = '\0';
	e->base = xasprintf("%s://%s", scheme, hostport);
	e->prefix = steal_pointer(&prefix);
	e->auth_host = steal_pointer(&hostport);
	e->mirror = true;
}

int reg_endpoints(const struct reg_conf *c, const char *registry, const char *api_host,
		  const char *env_mirror, struct reg_endpoint **out, size_t *n,
		  struct clan_err *err)
{
	const struct reg_conf_entry *e = conf_entry((struct reg_conf *)c, registry, false);
	size_t max = 2 + (e ? e->mirrors.n : 0), k = 0;
	struct reg_endpoint *v = xcalloc(max, sizeof *v);
	bool hub = strcmp(registry, "docker.io") == 0;
	if (hub && env_mirror && *env_mirror) {
		if (!is_mirror_url(env_mirror)) {
			free(v);
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "CLAN_REGISTRY_MIRROR='%s' is not a URL like "
					       "https://host[:port]",
					       env_mirror);
		}
		mirror_endpoint(env_mirror, &v[k++]);
	}
	for (size_t i = 0; e && i < e->mirrors.n; i++)
		mirror_endpoint(e->mirrors.v[i], &v[k++]);
	/* loopback registries need no TLS; insecure = false asks for it anyway */
	bool plain = e && e->insecure >= 0 ? e->insecure == 1 : image_ref_is_loopback(registry);
	v[k].base = xasprintf("%s://%s", plain ? "http" : "https", api_host);
	v[k].prefix = xstrdup("");
	v[k].auth_host = xstrdup(registry);
	k++;
	*out = v;
	*n = k;
	return 0;
}

void reg_endpoints_free(struct reg_endpoint *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].base);
		free(e[i].prefix);
		free(e[i].auth_host);
	}
	free(e);
}
