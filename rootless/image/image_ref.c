/* Image references with Docker's normalisation rules (the grammar of
 * distribution/reference): "postgres" is docker.io/library/postgres:latest,
 * a first component with '.' or ':' or equal to "localhost" names a
 * registry, repositories are lowercase, digests are sha256. */
#define _GNU_SOURCE
#include "image/image_ref.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

#define DOCKER_HUB "docker.io"
#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static int bad_ref(struct clan_err *err, const char *text, const char *why)
{
	return clan_error_code(err, CLAN_EXIT_USAGE, "invalid image reference '%s': %s", text, why);
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+ joined by '.', '_', "__" or runs of '-'. */
static bool is_path_component(const char *s, size_t n)
{
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i < n;) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && !is_lower_alnum(s[j]))
			j++;
		size_t run = j - i;
		const char *sep = s + i;
		bool ok = (run == 1 && (*sep == '.' || *sep == '_')) ||
			  (run == 2 && sep[0] == '_' && sep[1] == '_') || strspn(sep, "-") >= run;
		if (!ok)
			return false;
		i = j;
	}
	return true;
}

static bool is_repository(const char *repo)
{
	const char *p = repo;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (!is_path_component(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* host label: [a-zA-Z0-9] or [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool is_host_label(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool is_port(const char *s)
{
	uint32_t port;
	return s[0] != '\0' && parse_u32(s, &port) && port > 0 && port <= 65535;
}

/* host[:port], where host is dotted labels or a bracketed IPv6 address. */
static bool is_registry_name(const char *reg)
{
	const char *port = NULL;
	_cleanup_free_ char *host = NULL;
	if (reg[0] == '[') {
		const char *close = strchr(reg, ']');
		if (!close || close == reg + 1)
			return false;
		host = xstrndup(reg + 1, (size_t)(close - reg - 1));
		struct in6_addr a6;
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return false;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return false;
		return !port || is_port(port);
	}
	const char *colon = strchr(reg, ':');
	host = colon ? xstrndup(reg, (size_t)(colon - reg)) : xstrdup(reg);
	if (colon && !is_port(colon + 1))
		return false;
	for (const char *p = host;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!is_host_label(p, n))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

static bool is_tag(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > TAG_MAX_LEN || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

static bool has_upper(const char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return true;
	return false;
}

/* Splits "name[:tag]" into out->registry/repository/tag. */
static int split_name(const char *text, char *name, struct image_ref *out, struct clan_err *err)
{
	char *slash = strrchr(name, '/');
	char *colon = strrchr(name, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (!is_tag(colon + 1))
			return bad_ref(err, text,
				       colon[1] ? "a tag is letters, digits, '_', '.' and '-' "
						  "(at most 128, not starting with '.' or '-')"
						: "empty tag after ':'");
		out->tag = xstrdup(colon + 1);
	}
	char *first = strchr(name, '/');
	if (first && (memchr(name, '.', (size_t)(first - name)) ||
		      memchr(name, ':', (size_t)(first - name)) ||
		      (first - name == 9 && strncmp(name, "localhost", 9) == 0))) {
		out->registry = xstrndup(name, (size_t)(first - name));
		out->repository = xstrdup(first + 1);
	} else {
		out->registry = xstrdup(DOCKER_HUB);
		out->repository = xstrdup(name);
	}
	return 0;
}

/* Docker Hub's aliases and its implicit "library/" namespace. */
static void normalise_hub(struct image_ref *r)
{
	if (strcmp(r->registry, "index.docker.io") == 0 ||
	    strcmp(r->registry, "registry-1.docker.io") == 0) {
		free(r->registry);
		r->registry = xstrdup(DOCKER_HUB);
	}
	if (strcmp(r->registry, DOCKER_HUB) == 0 && !strchr(r->repository, '/')) {
		char *lib = xasprintf("library/%s", r->repository);
		free(r->repository);
		r->repository = lib;
	}
}

static int check_name(const char *text, const struct image_ref *r, struct clan_err *err)
{
	if (r->repository[0] == '\0')
		return bad_ref(err, text, "no repository name");
	if (!is_registry_name(r->registry))
		return bad_ref(err, text, "the registry is not a host name or host:port");
	if (has_upper(r->repository))
		return bad_ref(err, text, "repository names must be lowercase");
	if (!is_repository(r->repository))
		return bad_ref(err, text,
			       "a repository name is lowercase letters and digits separated by "
			       "'/', '.', '_', '__' or '-'");
	if (strlen(r->registry) + 1 + strlen(r->repository) > NAME_MAX_LEN)
		return bad_ref(err, text, "the name is longer than 255 characters");
	return 0;
}

static bool is_image_id(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int parse_digest(const char *text, const char *d, struct image_ref *out,
			struct clan_err *err)
{
	if (strncmp(d, "sha256:", 7) != 0)
		return bad_ref(err, text,
			       "clan accepts only sha256 digests (name@sha256:<64 hex>)");
	if (strlen(d + 7) != 64 || strspn(d + 7, "0123456789abcdef") != 64)
		return bad_ref(err, text, "a digest is sha256: and 64 lowercase hex digits");
	out->digest = xstrdup(d);
	return 0;
}

int image_ref_parse(const char *text, struct image_ref *out, struct clan_err *err)
{
	*out = (struct image_ref){0};
	if (!text || text[0] == '\0')
		return clan_error_code(err, CLAN_EXIT_USAGE, "empty image reference");
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return bad_ref(err, text, "it contains spaces or control characters");
	_cleanup_free_ char *name = xstrdup(text);
	char *at = strchr(name, '@');
	int rc = 0;
	if (at) {
		*at = '\0';
		rc = parse_digest(text, at + 1, out, err);
	}
	if (rc == 0 && name[0] == '\0')
		rc = bad_ref(err, text, "no repository name before '@'");
	if (rc == 0 && !strchr(name, '/') && !strchr(name, ':') && !at && is_image_id(name))
		rc = bad_ref(err, text, "64 hex digits are an image id, not a name");
	if (rc == 0)
		rc = split_name(text, name, out, err);
	if (rc == 0) {
		normalise_hub(out);
		rc = check_name(text, out, err);
	}
	if (rc < 0) {
		image_ref_free(out);
		return -1;
	}
	if (!out->tag && !out->digest)
		out->tag = xstrdup("latest");
	return 0;
}

void image_ref_free(struct image_ref *r)
{
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	*r = (struct image_ref){0};
}

char *image_ref_format(const struct image_ref *r)
{
	return xasprintf("%s/%s%s%s%s%s", r->registry, r->repository, r->tag ? ":" : "",
			 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

const char *image_ref_api_host(const struct image_ref *r)
{
	return strcmp(r->registry, DOCKER_HUB) == 0 ? "registry-1.docker.io" : r->registry;
}

bool image_ref_is_loopback(const char *registry)
{
	if (!registry)
		return false;
	_cleanup_free_ char *host = NULL;
	if (registry[0] == '[') {
		const char *close = strchr(registry, ']');
		if (!close)
			return false;
		host = xstrndup(registry + 1, (size_t)(close - registry - 1));
		struct in6_addr a6;
		return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
	}
	const char *colon = strchr(registry, ':');
	host = colon ? xstrndup(registry, (size_t)(colon - registry)) : xstrdup(registry);
	if (strcasecmp(host, "localhost") == 0)
		return true;
	struct in_addr a4;
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

bool image_ref_is_registry(const char *text)
{
	if (!text || text[0] == '\0')
		return false;
	return strncmp(text, "dir:", 4) != 0 && strncmp(text, "deb:", 4) != 0 &&
	       strcmp(text, "host") != 0;
}
