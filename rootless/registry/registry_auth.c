/* Registry credentials: WWW-Authenticate challenges, Basic auth encoding,
 * and docker's config.json (or $REGISTRY_AUTH_FILE) read and written the
 * way docker and podman do, so a `docker login` works for clan and a
 * `clan login` for them. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/paths.h"
#include "registry/registry_int.h"

/* RFC 7230 tchar */
static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static char *read_token(const char **pp)
{
	const char *p = *pp, *start = p;
	while (is_tchar(*p))
		p++;
	*pp = p;
	return p > start ? xstrndup(start, (size_t)(p - start)) : NULL;
}

/* A quoted-string after its opening quote; NULL when unterminated. */
static char *read_quoted(const char **pp)
{
	const char *p = *pp;
	size_t cap = strlen(p) + 1, n = 0;
	_cleanup_free_ char *out = xmalloc(cap);
	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		out[n++] = *p;
	}
	if (*p != '"')
		return NULL;
	out[n] = '\0';
	*pp = p + 1;
	return steal_pointer(&out);
}

static void set_param(struct reg_challenge *c, const char *name, char *value)
{
	char **slot = strcasecmp(name, "realm") == 0	 ? &c->realm
		      : strcasecmp(name, "service") == 0 ? &c->service
		      : strcasecmp(name, "scope") == 0	 ? &c->scope
							 : NULL;
	if (slot && !*slot)
		*slot = value;
	else
		free(value);
}

/* One challenge's auth-params up to the next scheme; 1 when another
 * challenge follows (*pp at its scheme), 0 at the end, -1 malformed. */
static int read_params(const char **pp, struct reg_challenge *c)
{
	const char *p = *pp;
	for (;;) {
		p = skip_ws(p);
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p) {
			*pp = p;
			return 0;
		}
		const char *name_at = p;
		_cleanup_free_ char *name = read_token(&p);
		if (!name)
			return -1;
		p = skip_ws(p);
		if (*p != '=') {
			*pp = name_at; /* a new scheme */
			return 1;
		}
		p = skip_ws(p + 1);
		char *value = NULL;
		if (*p == '"') {
			p++;
			value = read_quoted(&p);
		} else {
			/* unquoted: lenient up to the next separator (some servers
			 * send URLs unquoted) */
			size_t k = strcspn(p, ", \t");
			value = k ? xstrndup(p, k) : NULL;
			p += k;
		}
		if (!value)
			return -1;
		set_param(c, name, value);
	}
}

int reg_challenge_parse(const char *header, struct reg_challenge *out)
{
	*out = (struct reg_challenge){0};
	const char *p = header ? header : "";
	for (;;) {
		struct reg_challenge c = {0};
		p = skip_ws(p);
		c.scheme = read_token(&p);
		if (!c.scheme) {
			reg_challenge_free(&c);
			break;
		}
		int more = read_params(&p, &c);
		bool take = more >= 0 && (!out->scheme || (strcasecmp(c.scheme, "bearer") == 0 &&
							   strcasecmp(out->scheme, "bearer") != 0));
		if (take) {
			reg_challenge_free(out);
			*out = c;
		} else {
			reg_challenge_free(&c);
		}
		if (more <= 0) {
			if (more < 0)
				reg_challenge_free(out);
			break;
		}
	}
	return out->scheme ? 0 : -1;
}

void reg_challenge_free(struct reg_challenge *c)
{
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	*c = (struct reg_challenge){0};
}

char *reg_basic_encode(const char *user, const char *password)
{
	_cleanup_free_ char *plain = xasprintf("%s:%s", user, password);
	size_t n = strlen(plain);
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)plain, (int)n);
	return out;
}

int reg_basic_decode(const char *b64, char **user, char **password)
{
	size_t n = strlen(b64);
	if (n == 0 || n % 4 != 0 || n > 65536)
		return -1;
	_cleanup_free_ unsigned char *plain = xmalloc(n / 4 * 3 + 1);
	size_t pad = 0;
	while (pad < n && b64[n - 1 - pad] == '=')
		pad++;
	/* padding only at the end, at most two */
	if (pad > 2 || strcspn(b64, "=") != n - pad)
		return -1;
	int len = EVP_DecodeBlock(plain, (const unsigned char *)b64, (int)n);
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (len < (int)pad)
		return -1;
	len -= (int)pad;
	plain[len] = '\0';
	if (strlen((char *)plain) != (size_t)len)
		return -1;
	char *colon = strchr((char *)plain, ':');
	if (!colon || colon == (char *)plain)
		return -1;
	*user = xstrndup((char *)plain, (size_t)(colon - (char *)plain));
	*password = xstrdup(colon + 1);
	return 0;
}

char *reg_auth_key_normalise(const char *key)
{
	const char *p = key;
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	size_t n = strcspn(p, "/");
	char *host = xstrndup(p, n);
	if (strcmp(host, "index.docker.io") == 0 || strcmp(host, "registry-1.docker.io") == 0) {
		free(host);
		host = xstrdup("docker.io");
	}
	return host;
}

int reg_auth_lookup(const char *text, const char *file, const char *registry, char **b64,
		    struct clan_err *err)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d: not a JSON object (%s)", file,
				       je.line, doc ? "" : je.text);
	}
	_cleanup_free_ char *want = reg_auth_key_normalise(registry);
	json_t *auths = json_object_get(doc, "auths");
	const char *key;
	json_t *v;
	int found = 0;
	json_object_foreach(auths, key, v)
	{
		_cleanup_free_ char *k = reg_auth_key_normalise(key);
		const char *a = json_string_value(json_object_get(v, "auth"));
		if (strcmp(k, want) == 0 && a && *a) {
			*b64 = xstrdup(a);
			found = 1;
			break;
		}
	}
	json_decref(doc);
	return found;
}

char *reg_auth_file(void)
{
	const char *f = getenv("REGISTRY_AUTH_FILE");
	if (f && *f)
		return xstrdup(f);
	const char *dc = getenv("DOCKER_CONFIG");
	if (dc && *dc)
		return xasprintf("%s/config.json", dc);
	return xasprintf("%s/.docker/config.json", paths_home_dir());
}

int reg_auth_load(const char *registry, char **b64, struct clan_err *err)
{
	_cleanup_free_ char *file = reg_auth_file();
	_cleanup_free_ char *text = NULL;
	*b64 = NULL;
	if (access(file, F_OK) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : clan_error(err, errno, "%s", file);
	if (read_file(file, 1 << 20, &text, err) < 0)
		return -1;
	return reg_auth_lookup(text, file, registry, b64, err);
}

/* The file's JSON object, or a new one when there is no file. */
static json_t *auth_doc_read(const char *file, struct clan_err *err)
{
	if (access(file, F_OK) < 0 && errno == ENOENT)
		return json_object();
	_cleanup_free_ char *text = NULL;
	if (read_file(file, 1 << 20, &text, err) < 0)
		return NULL;
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	if (!json_is_object(doc)) {
		json_decref(doc);
		clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d: not a JSON object; fix or move it",
				file, je.line);
		return NULL;
	}
	return doc;
}

static int write_private(const char *file, const char *text, struct clan_err *err)
{
	_cleanup_free_ char *dir = xstrdup(file);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0700, err) < 0)
			return -1;
	}
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", file, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return clan_error(err, errno, "cannot write %s", tmp);
	bool ok = write_all(fd, text, strlen(text)) && fsync(fd) == 0;
	int e = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok || rename(tmp, file) < 0) {
		e = ok ? errno : e;
		unlink(tmp);
		return clan_error(err, e, "cannot write %s", file);
	}
	return 0;
}

int reg_auth_store(const char *file, const char *registry, const char *b64, struct clan_err *err)
{
	json_t *doc = auth_doc_read(file, err);
	if (!doc)
		return -1;
	json_t *auths = json_object_get(doc, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(doc, "auths", auths);
	}
	_cleanup_free_ char *want = reg_auth_key_normalise(registry);
	const char *key;
	json_t *v;
	void *tmp;
	/* drop other spellings of the same registry so no stale one wins */
	json_object_foreach_safe(auths, tmp, key, v)
	{
		_cleanup_free_ char *k = reg_auth_key_normalise(key);
		if (strcmp(k, want) == 0)
			json_object_del(auths, key);
	}
	/* docker keys docker hub by its v1 URL */
	const char *store_key =
	    strcmp(want, "docker.io") == 0 ? "https://index.docker.io/v1/" : want;
	json_object_set_new(auths, store_key, json_pack("{s:s}", "auth", b64));
	char *text = json_dumps(doc, JSON_INDENT(8));
	json_decref(doc);
	if (!text)
		return clan_error(err, 0, "cannot encode %s", file);
	_cleanup_free_ char *with_nl = xasprintf("%s\n", text);
	free(text);
	return write_private(file, with_nl, err);
}
