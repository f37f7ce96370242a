/* HTTP for the registry client (libcurl): requests one at a time on a kept
 * connection, the 401 challenge answered with a token or basic auth,
 * retries with backoff on dropped connections and 5xx. */
#define _GNU_SOURCE
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/curl_defaults.h"
#include "base/debug.h"
#include "image/image_ref.h"
#include "registry/registry_int.h"
#include "base/termsafe.h"

#define MAX_ATTEMPTS 4
#define TOKEN_MAX (1 << 20)

int reg_client_init(struct reg_client *c, const struct reg_endpoint *ep, const char *registry,
		    const char *repository, struct clan_err *err)
{
	static bool global_done;
	*c = (struct reg_client){.verbose = clan_debug_on()};
	/* the client's helpers (base64 logins, manifest digests) count on both */
	if (dl_need(DL_CURL, err) < 0 || dl_need(DL_CRYPTO, err) < 0)
		return -1;
	if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return clan_error(err, 0, "cannot initialise libcurl");
	global_done = true;
	c->share = curl_share_init();
	c->easy = curl_easy_init();
	if (!c->share || !c->easy) {
		reg_client_free(c);
		return clan_error(err, 0, "cannot initialise libcurl");
	}
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	c->base = xstrdup(ep->base);
	c->repo = repository ? ep->prefix[0] ? xasprintf("%s/%s", ep->prefix, repository)
					     : xstrdup(repository)
			     : NULL;
	c->registry = xstrdup(ep->mirror ? ep->auth_host : registry);
	if (reg_auth_load(ep->auth_host, &c->basic, err) < 0) {
		reg_client_free(c);
		return -1;
	}
	return 0;
}

void reg_client_free(struct reg_client *c)
{
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->share)
		curl_share_cleanup(c->share);
	free(c->base);
	free(c->repo);
	free(c->registry);
	free(c->basic);
	free(c->authz);
	*c = (struct reg_client){0};
}

static void response_clear(struct reg_response *r)
{
	free(r->body);
	free(r->content_type);
	free(r->docker_digest);
	free(r->www_auth);
	size_t max = r->max;
	*r = (struct reg_response){.max = max};
}

void reg_response_free(struct reg_response *r)
{
	response_clear(r);
}

static void set_header(char **slot, const char *v, size_t n)
{
	free(*slot);
	*slot = xstrndup(v, n);
}

static size_t on_header(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct reg_response *r = arg;
	size_t len = size * nmemb;
	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or a 100): forget the last one's */
		response_clear(r);
		return len;
	}
	const char *colon = memchr(buf, ':', len);
	if (!colon)
		return len;
	size_t name = (size_t)(colon - buf);
	const char *v = colon + 1;
	while (v < buf + len && (*v == ' ' || *v == '\t'))
		v++;
	size_t n = (size_t)(buf + len - v);
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (name == 12 && strncasecmp(buf, "Content-Type", 12) == 0)
		set_header(&r->content_type, v, n);
	else if (name == 21 && strncasecmp(buf, "Docker-Content-Digest", 21) == 0)
		set_header(&r->docker_digest, v, n);
	else if (name == 16 && strncasecmp(buf, "WWW-Authenticate", 16) == 0 &&
		 (!r->www_auth || strncasecmp(r->www_auth, "Bearer", 6) != 0))
		set_header(&r->www_auth, v, n);
	return len;
}

static size_t on_body(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct reg_response *r = arg;
	size_t len = size * nmemb;
	if (r->len + len > r->max) {
		r->too_big = true;
		return 0;
	}
	r->body = xrealloc(r->body, r->len + len + 1);
	memcpy(r->body + r->len, buf, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

void reg_easy_setup(const struct reg_client *c, CURL *easy, const char *url)
{
	/* blob GETs redirect to storage (curl keeps our Authorization header
	 * to the original host); a stalled transfer counts as dropped:
	 * retried, resumed */
	curl_easy_defaults(easy, url);
	curl_easy_setopt(easy, CURLOPT_SHARE, c->share);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_VERBOSE, c->verbose ? 1L : 0L);
}

struct curl_slist *reg_headers(const struct reg_client *c, const char *extra)
{
	struct curl_slist *h = NULL;
	if (c->authz)
		h = curl_slist_append(h, c->authz);
	if (extra)
		h = curl_slist_append(h, extra);
	return h;
}

bool reg_curl_retryable(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

bool reg_status_retryable(long status)
{
	return status == 429 || status == 408 || (status >= 500 && status <= 599);
}

long reg_backoff_ms(int attempt)
{
	long ms = 250;
	for (int i = 1; i < attempt && ms < 4000; i++)
		ms *= 2;
	return ms < 4000 ? ms : 4000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* One GET of url with up to two extra header lines; transport errors and
 * 5xx retried. The final status is in r->status. */
static int request(struct reg_client *c, const char *url, const char *h1, const char *h2,
		   struct reg_response *r, struct clan_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	for (int attempt = 1;; attempt++) {
		response_clear(r);
		errbuf[0] = '\0';
		curl_easy_reset(c->easy);
		reg_easy_setup(c, c->easy, url);
		struct curl_slist *h = NULL;
		if (h1)
			h = curl_slist_append(h, h1);
		if (h2)
			h = curl_slist_append(h, h2);
		curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c->easy, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c->easy, CURLOPT_HEADERDATA, r);
		curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, errbuf);
		CURLcode cc = curl_easy_perform(c->easy);
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &r->status);
		curl_slist_free_all(h);
		if (cc == CURLE_WRITE_ERROR && r->too_big)
			return clan_error(err, 0, "%s answered more than %zu bytes for %s",
					  c->registry, r->max, url);
		bool again =
		    cc != CURLE_OK ? reg_curl_retryable(cc) : reg_status_retryable(r->status);
		if (again && attempt < (c->max_attempts ? c->max_attempts : MAX_ATTEMPTS)) {
			sleep_ms(reg_backoff_ms(attempt));
			continue;
		}
		if (cc != CURLE_OK)
			return clan_error(err, 0, "cannot reach %s (%s): %s", c->registry, url,
					  errbuf[0] ? errbuf : curl_easy_strerror(cc));
		return 0;
	}
}

int reg_get(struct reg_client *c, const char *path, const char *accept, size_t max,
	    struct reg_response *r, struct clan_err *err)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s", c->base, path);
	bool challenged = false;
	*r = (struct reg_response){.max = max};
	/* on failure nothing is left in r for the caller to free */
	for (;;) {
		if (request(c, url, accept, c->authz, r, err) < 0) {
			reg_response_free(r);
			return -1;
		}
		if (r->status != 401 || challenged)
			return 0;
		/* the first 401 is the registry asking for a token */
		challenged = true;
		_cleanup_free_ char *challenge = r->www_auth ? xstrdup(r->www_auth) : NULL;
		if (reg_authorize(c, challenge, err) < 0) {
			reg_response_free(r);
			return -1;
		}
	}
}

/* "https://auth.example/token?service=S&scope=S" */
static char *token_url(CURL *easy, const struct reg_challenge *ch, const char *repo)
{
	_cleanup_free_ char *scope = ch->scope ? xstrdup(ch->scope)
				     : repo    ? xasprintf("repository:%s:pull", repo)
					       : NULL;
	char *svc = ch->service ? curl_easy_escape(easy, ch->service, 0) : NULL;
	char *sc = scope ? curl_easy_escape(easy, scope, 0) : NULL;
	_cleanup_free_ char *query =
	    xasprintf("%s%s%s%s%s", svc ? "service=" : "", svc ? svc : "", svc && sc ? "&" : "",
		      sc ? "scope=" : "", sc ? sc : "");
	curl_free(svc);
	curl_free(sc);
	if (!query[0])
		return xstrdup(ch->realm);
	return xasprintf("%s%c%s", ch->realm, strchr(ch->realm, '?') ? '&' : '?', query);
}

void reg_origin_free(struct reg_origin *o)
{
	free(o->scheme);
	free(o->host);
	free(o->port);
	*o = (struct reg_origin){0};
}

/* One part of u, or NULL when it has none. */
static char *url_part(CURLU *u, CURLUPart what, unsigned flags)
{
	char *v = NULL;
	if (curl_url_get(u, what, &v, flags) != CURLUE_OK)
		return NULL;
	char *copy = xstrdup(v);
	curl_free(v);
	return copy;
}

int reg_origin_parse(const char *url, struct reg_origin *o)
{
	*o = (struct reg_origin){0};
	CURLU *u = curl_url();
	if (!u)
		return -1;
	int rc = -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
		static const CURLUPart userinfo[] = {CURLUPART_USER, CURLUPART_PASSWORD,
						     CURLUPART_OPTIONS};
		for (size_t i = 0; i < ARRAY_SIZE(userinfo); i++) {
			_cleanup_free_ char *part = url_part(u, userinfo[i], 0);
			o->userinfo = o->userinfo || part;
		}
		o->scheme = url_part(u, CURLUPART_SCHEME, 0);
		o->host = url_part(u, CURLUPART_HOST, 0);
		o->port = url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
		rc = o->scheme && o->host && o->port ? 0 : -1;
	}
	curl_url_cleanup(u);
	if (rc < 0)
		reg_origin_free(o);
	return rc;
}

/* Parsed by curl, the parser that will connect: cutting the text by hand
 * took "http://127.0.0.1:1@evil.example/" for loopback. */
bool reg_may_send_credentials(const char *base, const char *realm)
{
	struct reg_origin r, b;
	if (reg_origin_parse(realm, &r) < 0)
		return false;
	bool ok = false;
	if (r.userinfo)
		ok = false; /* never ours to add to, and a classic disguise */
	else if (strcasecmp(r.scheme, "https") == 0)
		ok = true;
	else if (strcasecmp(r.scheme, "http") == 0 && image_ref_is_loopback(r.host))
		ok = true;
	else if (reg_origin_parse(base, &b) == 0) {
		/* a plain-HTTP registry may keep its token server on itself */
		ok = strcasecmp(r.scheme, b.scheme) == 0 && strcasecmp(r.host, b.host) == 0 &&
		     strcmp(r.port, b.port) == 0;
		reg_origin_free(&b);
	}
	reg_origin_free(&r);
	return ok;
}

static int token_from(struct reg_client *c, struct reg_response *r, struct clan_err *err)
{
	json_error_t je;
	json_t *doc = json_loadb(r->body ? r->body : "", r->len, 0, &je);
	const char *tok = json_string_value(json_object_get(doc, "token"));
	if (!tok || !*tok)
		tok = json_string_value(json_object_get(doc, "access_token"));
	int rc = 0;
	if (!tok || !*tok || strpbrk(tok, "\r\n"))
		rc = clan_error(err, 0, "the token server of %s answered no token", c->registry);
	else
		c->authz = xasprintf("Authorization: Bearer %s", tok);
	json_decref(doc);
	return rc;
}

static int fetch_token(struct reg_client *c, const struct reg_challenge *ch, struct clan_err *err)
{
	if (!ch->realm ||
	    (strncmp(ch->realm, "https://", 8) != 0 && strncmp(ch->realm, "http://", 7) != 0))
		return clan_error(err, 0, "%s asks for a token from realm '%s', not a URL",
				  c->registry, ch->realm ? ch->realm : "");
	struct reg_origin o;
	if (reg_origin_parse(ch->realm, &o) < 0)
		return clan_error(err, 0, "%s asks for a token from realm '%s', not a URL",
				  c->registry, ch->realm);
	bool userinfo = o.userinfo;
	reg_origin_free(&o);
	if (userinfo)
		return clan_error(err, 0,
				  "%s asks for a token from '%s', a URL with a user name in it; "
				  "refusing it (a registry has no reason to)",
				  c->registry, ch->realm);
	_cleanup_free_ char *url = token_url(c->easy, ch, c->repo);
	bool creds = c->basic && reg_may_send_credentials(c->base, ch->realm);
	_cleanup_free_ char *basic = creds ? xasprintf("Authorization: Basic %s", c->basic) : NULL;
	struct reg_response r = {.max = TOKEN_MAX};
	if (request(c, url, basic, NULL, &r, err) < 0) {
		reg_response_free(&r);
		return -1;
	}
	int rc = 0;
	if ((r.status == 401 || r.status == 403) && c->logging_in)
		rc = clan_error(err, 0, "%s refused the user and password", c->registry);
	else if (r.status == 401 || r.status == 403)
		rc = clan_error(err, 0,
				creds ? "%s refused the user and password on file; clan login %s"
				      : "%s refused an anonymous token; clan login %s",
				c->registry, c->registry);
	else if (r.status != 200)
		rc = clan_error(err, 0, "the token server of %s answered HTTP %ld", c->registry,
				r.status);
	else
		rc = token_from(c, &r, err);
	reg_response_free(&r);
	return rc;
}

int reg_authorize(struct reg_client *c, const char *www_authenticate, struct clan_err *err)
{
	struct reg_challenge ch;
	if (!www_authenticate)
		return clan_error(err, 0, "%s answered 401 without saying how to authenticate",
				  c->registry);
	if (reg_challenge_parse(www_authenticate, &ch) < 0)
		return clan_error(err, 0, "cannot understand the challenge of %s: '%s'",
				  c->registry, www_authenticate);
	int rc = 0;
	free(c->authz);
	c->authz = NULL;
	if (strcasecmp(ch.scheme, "bearer") == 0)
		rc = fetch_token(c, &ch, err);
	else if (strcasecmp(ch.scheme, "basic") != 0)
		rc =
		    clan_error(err, 0, "%s asks for '%s' authentication, which clan does not speak",
			       c->registry, ch.scheme);
	else if (!c->basic)
		rc =
		    clan_error(err, 0, "%s needs a login: clan login %s", c->registry, c->registry);
	else
		c->authz = xasprintf("Authorization: Basic %s", c->basic);
	reg_challenge_free(&ch);
	return rc;
}

char *reg_error_text(const struct reg_response *r)
{
	json_error_t je;
	json_t *doc = r->body ? json_loadb(r->body, r->len, 0, &je) : NULL;
	json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *code = json_string_value(json_object_get(e, "code"));
	char *out = NULL;
	if (msg && code)
		out = xasprintf("%s (%s)", msg, code);
	else if (msg || code)
		out = xstrdup(msg ? msg : code);
	else if (!doc && r->body && r->len > 0 && r->len < 200 && !memchr(r->body, '<', r->len))
		out = xstrndup(r->body, strcspn(r->body, "\r\n"));
	json_decref(doc);
	if (!out)
		return xstrdup("");
	/* the registry's words, bound for a terminal */
	char *safe = term_safe(out, strlen(out), false);
	free(out);
	return safe;
}
