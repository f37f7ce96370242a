/* Unit tests for the registry client's pure parts: WWW-Authenticate
 * challenges, docker's config.json credentials, registries.conf and the
 * endpoints it gives, media types, platform selection from an index,
 * manifests and configs, retry policy. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/registry_int.h"
#include "tap.h"

#define D(c) "sha256:" c c c c c c c c c c c c c c c c /* 64 hex from 4 */
#define DA D("aaaa")
#define DB D("bbbb")
#define DC D("cccc")
#define DD D("dddd")
#define DE D("eeee")
#define DF D("ffff")

TEST(challenge_bearer)
{
	struct reg_challenge c;
	CHECK(
	    reg_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry."
				"docker.io\",scope=\"repository:library/postgres:pull\"",
				&c) == 0);
	CHECK_STR(c.scheme, "Bearer");
	CHECK_STR(c.realm, "https://auth.docker.io/token");
	CHECK_STR(c.service, "registry.docker.io");
	CHECK_STR(c.scope, "repository:library/postgres:pull");
	reg_challenge_free(&c);
}

TEST(challenge_quoted_commas_and_escapes)
{
	struct reg_challenge c;
	CHECK(reg_challenge_parse("bearer  realm = \"https://a/t?x=1,y=2\" , "
				  "scope=\"repository:a/b:pull,push\",service=\"s\\\"q\"",
				  &c) == 0);
	CHECK_STR(c.scheme, "bearer");
	CHECK_STR(c.realm, "https://a/t?x=1,y=2");
	CHECK_STR(c.scope, "repository:a/b:pull,push");
	CHECK_STR(c.service, "s\"q");
	reg_challenge_free(&c);
}

TEST(challenge_several_bearer_wins)
{
	struct reg_challenge c;
	CHECK(reg_challenge_parse("Basic realm=\"reg\", Bearer realm=\"https://t\",service=\"s\"",
				  &c) == 0);
	CHECK_STR(c.scheme, "Bearer");
	CHECK_STR(c.realm, "https://t");
	CHECK_STR(c.service, "s");
	reg_challenge_free(&c);
	CHECK(reg_challenge_parse("Basic realm=\"Registry Realm\"", &c) == 0);
	CHECK_STR(c.scheme, "Basic");
	CHECK_STR(c.realm, "Registry Realm");
	CHECK(c.scope == NULL);
	reg_challenge_free(&c);
	/* unquoted values, as some servers send them */
	CHECK(reg_challenge_parse("Bearer realm=https://t/token,service=reg", &c) == 0);
	CHECK_STR(c.realm, "https://t/token");
	CHECK_STR(c.service, "reg");
	reg_challenge_free(&c);
	CHECK(reg_challenge_parse("Bearer", &c) == 0);
	CHECK_STR(c.scheme, "Bearer");
	reg_challenge_free(&c);
}

TEST(challenge_malformed)
{
	struct reg_challenge c;
	CHECK(reg_challenge_parse("", &c) == -1);
	CHECK(reg_challenge_parse(NULL, &c) == -1);
	CHECK(reg_challenge_parse("Bearer realm=\"unterminated", &c) == -1);
	CHECK(c.scheme == NULL && c.realm == NULL);
	CHECK(reg_challenge_parse("Bearer realm=", &c) == -1);
	CHECK(reg_challenge_parse("\"quoted\"", &c) == -1);
}

TEST(basic_encode_decode)
{
	_cleanup_free_ char *b = reg_basic_encode("user", "pa:ss word");
	CHECK_STR(b, "dXNlcjpwYTpzcyB3b3Jk");
	char *u = NULL, *p = NULL;
	CHECK(reg_basic_decode(b, &u, &p) == 0);
	CHECK_STR(u, "user");
	CHECK_STR(p, "pa:ss word");
	free(u);
	free(p);
	CHECK(reg_basic_decode("dXNlcjpw", &u, &p) == 0); /* "user:p", no padding */
	CHECK_STR(u, "user");
	CHECK_STR(p, "p");
	free(u);
	free(p);
	CHECK(reg_basic_decode("dXNlcjo=", &u, &p) == 0); /* "user:", empty password */
	CHECK_STR(p, "");
	free(u);
	free(p);
	CHECK(reg_basic_decode("bm9jb2xvbg==", &u, &p) == -1); /* "nocolon" */
	CHECK(reg_basic_decode("Ojp4", &u, &p) == -1);	       /* "::x": empty user */
	CHECK(reg_basic_decode("abc", &u, &p) == -1);
	CHECK(reg_basic_decode("", &u, &p) == -1);
	CHECK(reg_basic_decode("!!!!", &u, &p) == -1);
	/* padding the decoder would count as bytes (found by fuzzing) */
	CHECK(reg_basic_decode("====", &u, &p) == -1);
	CHECK(reg_basic_decode("a===", &u, &p) == -1);
	CHECK(reg_basic_decode("dX=z", &u, &p) == -1);
}

TEST(auth_key_normalise)
{
	const char *cases[][2] = {
	    {"https://index.docker.io/v1/", "docker.io"},    {"index.docker.io", "docker.io"},
	    {"registry-1.docker.io", "docker.io"},	     {"docker.io", "docker.io"},
	    {"http://127.0.0.1:5000/v2/", "127.0.0.1:5000"}, {"ghcr.io", "ghcr.io"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *k = reg_auth_key_normalise(cases[i][0]);
		CHECK_STR(k, cases[i][1]);
	}
}

static const char docker_config[] =
    "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"aHViOnNlY3JldA==\"},"
    " \"http://127.0.0.1:5000/v2/\": {\"auth\": \"bG9jYWw6cHc=\"},"
    " \"ghcr.io\": {}},"
    " \"credsStore\": \"desktop\"}";

TEST(auth_lookup)
{
	struct clan_err err;
	char *b64 = NULL;
	CHECK(reg_auth_lookup(docker_config, "cfg", "docker.io", &b64, &err) == 1);
	CHECK_STR(b64, "aHViOnNlY3JldA==");
	free(b64);
	b64 = NULL;
	CHECK(reg_auth_lookup(docker_config, "cfg", "127.0.0.1:5000", &b64, &err) == 1);
	CHECK_STR(b64, "bG9jYWw6cHc=");
	free(b64);
	b64 = NULL;
	CHECK(reg_auth_lookup(docker_config, "cfg", "ghcr.io", &b64, &err) == 0);
	CHECK(reg_auth_lookup(docker_config, "cfg", "quay.io", &b64, &err) == 0);
	CHECK(b64 == NULL);
	CHECK(reg_auth_lookup("{}", "cfg", "quay.io", &b64, &err) == 0);
	CHECK(reg_auth_lookup("[1]", "cfg", "quay.io", &b64, &err) == -1);
	CHECK(reg_auth_lookup("{\"auths\":", "/x/config.json", "quay.io", &b64, &err) == -1);
	CHECK(strstr(err.msg, "/x/config.json:") != NULL);
}

TEST(auth_store_keeps_the_rest)
{
	char dir[] = "/tmp/clan-test-auth-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	_cleanup_free_ char *file = xasprintf("%s/sub/config.json", dir);
	struct clan_err err;
	CHECK(reg_auth_store(file, "127.0.0.1:5000", "YTpi", &err) == 0);
	struct stat sb;
	CHECK(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	_cleanup_free_ char *sub = xasprintf("%s/sub", dir);
	CHECK(stat(sub, &sb) == 0 && (sb.st_mode & 0777) == 0700);
	CHECK(write_file(file, docker_config, strlen(docker_config), &err) == 0);
	CHECK(reg_auth_store(file, "index.docker.io", "bmV3OnB3", &err) == 0);
	CHECK(reg_auth_store(file, "127.0.0.1:5000", "YTpj", &err) == 0);
	_cleanup_free_ char *text = NULL;
	CHECK(read_file(file, 1 << 20, &text, &err) == 0);
	char *b = NULL;
	CHECK(reg_auth_lookup(text, file, "docker.io", &b, &err) == 1);
	CHECK_STR(b, "bmV3OnB3");
	free(b);
	CHECK(reg_auth_lookup(text, file, "127.0.0.1:5000", &b, &err) == 1);
	CHECK_STR(b, "YTpj");
	free(b);
	CHECK(strstr(text, "\"credsStore\": \"desktop\"") != NULL);
	CHECK(strstr(text, "https://index.docker.io/v1/") != NULL);
	CHECK(strstr(text, "http://127.0.0.1:5000/v2/") == NULL); /* the stale spelling */
	CHECK(write_file(file, "not json", 8, &err) == 0);
	CHECK(reg_auth_store(file, "x.io", "YTpi", &err) == -1);
	CHECK(remove_tree(dir, &err) == 0);
}

static const char conf_text[] = "; site mirrors\n"
				"[docker.io]\n"
				"mirror = https://cache.example.org\n"
				"mirror = http://127.0.0.1:5001/hub/\n"
				"\n"
				"[registry.lab:5000]\n"
				"insecure = true\n"
				"[127.0.0.1:5000]\n"
				"insecure = no\n";

TEST(conf_parse_and_endpoints)
{
	struct reg_conf c;
	struct clan_err err;
	CHECK(reg_conf_parse(conf_text, "r.conf", &c, &err) == 0);
	CHECK(c.n == 3);
	struct reg_endpoint *e = NULL;
	size_t n = 0;
	CHECK(reg_endpoints(&c, "docker.io", "registry-1.docker.io", "mirror.env:443", &e, &n,
			    &err) == 0);
	CHECK(n == 4);
	if (n == 4) {
		CHECK_STR(e[0].base, "https://mirror.env:443");
		CHECK(e[0].mirror);
		CHECK_STR(e[1].base, "https://cache.example.org");
		CHECK_STR(e[1].prefix, "");
		CHECK_STR(e[2].base, "http://127.0.0.1:5001");
		CHECK_STR(e[2].prefix, "hub");
		CHECK_STR(e[2].auth_host, "127.0.0.1:5001");
		CHECK_STR(e[3].base, "https://registry-1.docker.io");
		CHECK_STR(e[3].auth_host, "docker.io");
		CHECK(!e[3].mirror);
	}
	reg_endpoints_free(e, n);
	CHECK(reg_endpoints(&c, "registry.lab:5000", "registry.lab:5000", "m.env", &e, &n, &err) ==
	      0);
	CHECK(n == 1 && strcmp(e[0].base, "http://registry.lab:5000") == 0);
	reg_endpoints_free(e, n);
	/* loopback is plain HTTP unless the conf says insecure = false */
	CHECK(reg_endpoints(&c, "127.0.0.1:5000", "127.0.0.1:5000", NULL, &e, &n, &err) == 0);
	CHECK(n == 1 && strcmp(e[0].base, "https://127.0.0.1:5000") == 0);
	reg_endpoints_free(e, n);
	CHECK(reg_endpoints(&c, "localhost:6000", "localhost:6000", NULL, &e, &n, &err) == 0);
	CHECK(n == 1 && strcmp(e[0].base, "http://localhost:6000") == 0);
	reg_endpoints_free(e, n);
	CHECK(reg_endpoints(&c, "ghcr.io", "ghcr.io", NULL, &e, &n, &err) == 0);
	CHECK(n == 1 && strcmp(e[0].base, "https://ghcr.io") == 0);
	reg_endpoints_free(e, n);
	CHECK(reg_endpoints(&c, "docker.io", "registry-1.docker.io", "ftp://x", &e, &n, &err) ==
	      -1);
	CHECK(err.code == CLAN_EXIT_USAGE);
	reg_conf_free(&c);
}

TEST(conf_errors_name_the_line)
{
	struct {
		const char *text, *want;
	} bad[] = {
	    {"mirror = https://x\n", "r.conf:1: 'mirror' is outside a section"},
	    {"[docker.io]\nmirrors = https://x\n", "r.conf:2: unknown key 'mirrors'"},
	    {"[a.io]\n\ninsecure = maybe\n", "r.conf:3: insecure is true or false"},
	    {"[a.io]\nmirror = ftp://x\n", "r.conf:2: mirror 'ftp://x' is not a URL"},
	    {"[a.io]\nmirror = https://\n", "r.conf:2: mirror"},
	    {"[a.io\n", "r.conf:1:"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct reg_conf c;
		struct clan_err err = {0};
		CHECK(reg_conf_parse(bad[i].text, "r.conf", &c, &err) == -1);
		CHECK(err.code == CLAN_EXIT_USAGE);
		if (!strstr(err.msg, bad[i].want))
			printf("#   got '%s', want '%s'\n", err.msg, bad[i].want);
		CHECK(strstr(err.msg, bad[i].want) != NULL);
	}
}

TEST(manifest_kinds)
{
	json_t *empty = json_object();
	CHECK(reg_manifest_kind(MT_OCI_INDEX, empty) == REG_KIND_INDEX);
	CHECK(reg_manifest_kind(MT_DOCKER_LIST "; charset=utf-8", empty) == REG_KIND_INDEX);
	CHECK(reg_manifest_kind(MT_DOCKER_MANIFEST, empty) == REG_KIND_MANIFEST);
	CHECK(reg_manifest_kind(MT_OCI_MANIFEST, empty) == REG_KIND_MANIFEST);
	CHECK(reg_manifest_kind("application/vnd.docker.distribution.manifest.v1+prettyjws",
				empty) == REG_KIND_SCHEMA1);
	CHECK(reg_manifest_kind("application/json", empty) == REG_KIND_UNKNOWN);
	json_decref(empty);
	json_t *d = json_pack("{s:s}", "mediaType", MT_OCI_INDEX);
	CHECK(reg_manifest_kind("application/json", d) == REG_KIND_INDEX);
	json_decref(d);
	d = json_pack("{s:i,s:[]}", "schemaVersion", 2, "manifests");
	CHECK(reg_manifest_kind(NULL, d) == REG_KIND_INDEX);
	json_decref(d);
	d = json_pack("{s:i,s:{},s:[]}", "schemaVersion", 2, "config", "layers");
	CHECK(reg_manifest_kind(NULL, d) == REG_KIND_MANIFEST);
	json_decref(d);
	d = json_pack("{s:i,s:[]}", "schemaVersion", 1, "fsLayers");
	CHECK(reg_manifest_kind(NULL, d) == REG_KIND_SCHEMA1);
	json_decref(d);
	CHECK(strstr(reg_manifest_accept, MT_OCI_INDEX) &&
	      strstr(reg_manifest_accept, MT_DOCKER_LIST) &&
	      strstr(reg_manifest_accept, MT_OCI_MANIFEST) &&
	      strstr(reg_manifest_accept, MT_DOCKER_MANIFEST));
	CHECK(strncmp(reg_manifest_accept, "Accept: ", 8) == 0);
}

TEST(layer_and_config_types)
{
	CHECK(reg_is_layer_type("application/vnd.docker.image.rootfs.diff.tar.gzip"));
	CHECK(reg_is_layer_type("application/vnd.oci.image.layer.v1.tar+zstd"));
	CHECK(reg_is_layer_type("application/vnd.oci.image.layer.v1.tar"));
	CHECK(!reg_is_layer_type("application/vnd.oci.image.layer.v1.tar+gzip+encrypted"));
	CHECK(!reg_is_layer_type("application/vnd.cncf.helm.chart.content.v1.tar+gzip"));
	CHECK(!reg_is_layer_type(NULL));
	CHECK(reg_is_config_type("application/vnd.oci.image.config.v1+json"));
	CHECK(reg_is_config_type("application/vnd.docker.container.image.v1+json"));
	CHECK(!reg_is_config_type("application/vnd.cncf.helm.config.v1+json"));
}

static const char index_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DA "\",\"size\":1,"
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DB "\",\"size\":1,"
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DC "\",\"size\":1,"
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DD "\",\"size\":1,"
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DE "\",\"size\":1,"
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DF "\",\"size\":1,"
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},"
    "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}}]}";

static const char *pick(json_t *idx, const char *os, const char *arch, const char *variant,
			char out[72], struct clan_err *err)
{
	struct reg_platform p = {os, arch, variant};
	return reg_index_select(idx, &p, out, err) == 0 ? out : NULL;
}

TEST(index_platform_selection)
{
	json_error_t je;
	json_t *idx = json_loads(index_json, 0, &je);
	CHECK(idx != NULL);
	char d[72];
	struct clan_err err;
	CHECK_STR(pick(idx, "linux", "amd64", NULL, d, &err), DA);
	CHECK_STR(pick(idx, "linux", "arm64", "v8", d, &err), DB);
	CHECK_STR(pick(idx, "linux", "arm", "v7", d, &err), DD);
	CHECK_STR(pick(idx, "linux", "arm", "v6", d, &err), DC);
	CHECK_STR(pick(idx, "linux", "arm", NULL, d, &err), DC); /* any: the first */
	CHECK_STR(pick(idx, "windows", "amd64", NULL, d, &err), DE);
	CHECK(pick(idx, "linux", "arm", "v5", d, &err) == NULL);
	CHECK(pick(idx, "linux", "s390x", NULL, d, &err) == NULL);
	CHECK(strstr(err.msg, "no image for linux/s390x") != NULL);
	CHECK(strstr(err.msg, "linux/amd64, linux/arm64/v8, linux/arm/v6, linux/arm/v7, "
			      "windows/amd64)") != NULL);
	CHECK(strstr(err.msg, "unknown") == NULL);
	json_decref(idx);
	/* an arm v8 machine runs v7 when there is no v8 */
	idx = json_loads(index_json, 0, &je);
	json_array_remove(json_object_get(idx, "manifests"), 1);
	CHECK_STR(pick(idx, "linux", "arm", "v8", d, &err), DD);
	json_decref(idx);
	idx = json_pack("{s:[{s:s,s:{s:s,s:s}}]}", "manifests", "digest", "sha256:bad", "platform",
			"os", "linux", "architecture", "amd64");
	CHECK(pick(idx, "linux", "amd64", NULL, d, &err) == NULL);
	json_decref(idx);
}

TEST(platform_this)
{
	struct reg_platform p;
	struct registry_opts o = {0};
	reg_platform_this(&o, &p);
	CHECK_STR(p.os, "linux");
	CHECK_STR(p.arch, registry_this_arch());
	o.arch = "riscv64";
	o.os = "freebsd";
	reg_platform_this(&o, &p);
	CHECK_STR(p.arch, "riscv64");
	CHECK_STR(p.os, "freebsd");
	CHECK(p.variant == NULL);
#if defined(__x86_64__)
	CHECK_STR(registry_this_arch(), "amd64");
#elif defined(__aarch64__)
	CHECK_STR(registry_this_arch(), "arm64");
#endif
}

static json_t *manifest(const char *config_type, const char *layer_type, const char *digest)
{
	return json_pack(
	    "{s:i,s:s,s:{s:s,s:s,s:i},s:[{s:s,s:s,s:i},{s:s,s:s,s:i}]}", "schemaVersion", 2,
	    "mediaType", MT_OCI_MANIFEST, "config", "mediaType", config_type, "digest", DA, "size",
	    100, "layers", "mediaType", layer_type, "digest", DB, "size", 1000, "mediaType",
	    "application/vnd.oci.image.layer.v1.tar+zstd", "digest", digest, "size", 2000);
}

TEST(manifest_parse)
{
	struct reg_manifest m;
	struct clan_err err;
	json_t *d = manifest("application/vnd.oci.image.config.v1+json",
			     "application/vnd.oci.image.layer.v1.tar+gzip", DC);
	CHECK(reg_manifest_parse(d, &m, &err) == 0);
	CHECK_STR(m.config.digest, DA);
	CHECK(m.config.size == 100);
	CHECK(m.nlayers == 2);
	if (m.nlayers == 2) {
		CHECK_STR(m.layers[0].digest, DB);
		CHECK(m.layers[1].size == 2000);
	}
	reg_manifest_free(&m);
	json_decref(d);
	d = manifest("application/vnd.cncf.helm.config.v1+json",
		     "application/vnd.oci.image.layer.v1.tar+gzip", DC);
	CHECK(reg_manifest_parse(d, &m, &err) == -1);
	CHECK(strstr(err.msg, "not a container image") != NULL);
	json_decref(d);
	d = manifest("application/vnd.oci.image.config.v1+json", "text/plain", DC);
	CHECK(reg_manifest_parse(d, &m, &err) == -1);
	CHECK(strstr(err.msg, "'text/plain', not a filesystem layer") != NULL);
	json_decref(d);
	d = manifest("application/vnd.oci.image.config.v1+json",
		     "application/vnd.oci.image.layer.v1.tar", "sha256:../../etc");
	CHECK(reg_manifest_parse(d, &m, &err) == -1);
	CHECK(strstr(err.msg, "not sha256:<64 hex>") != NULL);
	json_decref(d);
	d = json_pack("{s:i,s:{s:s,s:s,s:i},s:[]}", "schemaVersion", 2, "config", "mediaType",
		      "application/vnd.oci.image.config.v1+json", "digest", DA, "size", -1,
		      "layers");
	CHECK(reg_manifest_parse(d, &m, &err) == -1);
	json_decref(d);
}

TEST(config_parse)
{
	static const char cfg[] =
	    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\","
	    "\"A=1\"],\"Entrypoint\":[\"/init\"],\"Cmd\":[\"sh\",\"-c\",\"x\"],"
	    "\"WorkingDir\":\"/"
	    "app\",\"User\":\"1000:1000\",\"Healthcheck\":{\"Test\":[\"CMD-SHELL\","
	    "\"curl -f x\"],\"Interval\":5000000000,\"Retries\":4,\"Timeout\":-1}},"
	    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DA "\",\"" DB "\"]}}";
	struct reg_config c;
	struct clan_err err;
	CHECK(reg_config_parse(cfg, strlen(cfg), &c, &err) == 0);
	CHECK(c.diff_ids.n == 2);
	CHECK(c.env.n == 2 && c.cmd.n == 3 && c.entrypoint.n == 1);
	CHECK_STR(c.env.v[1], "A=1");
	CHECK_STR(c.workdir, "/app");
	CHECK_STR(c.user, "1000:1000");
	CHECK(c.health.test.n == 2 && strcmp(c.health.test.v[1], "curl -f x") == 0);
	/* Go's nanoseconds; a negative one is unset */
	CHECK(c.health.interval_ns == 5000000000LL && c.health.timeout_ns == 0);
	CHECK(c.health.retries == 4);
	reg_config_free(&c);
	static const char bare[] =
	    "{\"rootfs\":{\"diff_ids\":[]},\"config\":{\"WorkingDir\":\"\"}}";
	CHECK(reg_config_parse(bare, strlen(bare), &c, &err) == 0);
	CHECK(c.workdir == NULL && c.user == NULL && c.cmd.n == 0);
	reg_config_free(&c);
	static const char bad[] = "{\"rootfs\":{\"diff_ids\":[\"sha256:x\"]}}";
	CHECK(reg_config_parse(bad, strlen(bad), &c, &err) == -1);
	CHECK(strstr(err.msg, "bad diff id 'sha256:x'") != NULL);
	CHECK(reg_config_parse("{}", 2, &c, &err) == -1);
	CHECK(reg_config_parse("nope", 4, &c, &err) == -1);
}

TEST(retry_policy)
{
	CHECK(reg_backoff_ms(1) == 250);
	CHECK(reg_backoff_ms(2) == 500);
	CHECK(reg_backoff_ms(3) == 1000);
	CHECK(reg_backoff_ms(10) == 4000);
	CHECK(reg_curl_retryable(CURLE_COULDNT_CONNECT));
	CHECK(reg_curl_retryable(CURLE_PARTIAL_FILE));
	CHECK(reg_curl_retryable(CURLE_RECV_ERROR));
	CHECK(!reg_curl_retryable(CURLE_COULDNT_RESOLVE_HOST));
	CHECK(!reg_curl_retryable(CURLE_PEER_FAILED_VERIFICATION));
	CHECK(reg_status_retryable(503) && reg_status_retryable(429));
	CHECK(!reg_status_retryable(404) && !reg_status_retryable(401));
}

TEST(error_text_and_sizes)
{
	char body[] = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
		      "unknown\",\"detail\":{}}]}";
	struct reg_response r = {.status = 404, .body = body, .len = strlen(body)};
	_cleanup_free_ char *t = reg_error_text(&r);
	CHECK_STR(t, "manifest unknown (MANIFEST_UNKNOWN)");
	char plain[] = "not found\nmore";
	r = (struct reg_response){.status = 404, .body = plain, .len = strlen(plain)};
	_cleanup_free_ char *t2 = reg_error_text(&r);
	CHECK_STR(t2, "not found");
	char html[] = "<html>oops</html>";
	r = (struct reg_response){.status = 502, .body = html, .len = strlen(html)};
	_cleanup_free_ char *t3 = reg_error_text(&r);
	CHECK_STR(t3, "");
}

TEST(credentials_only_to_the_right_origin)
{
	/* the host is evil.example: "127.0.0.1:1" is a user and password */
	CHECK(
	    !reg_may_send_credentials("https://reg.example", "http://127.0.0.1:1@evil.example/t"));
	CHECK(!reg_may_send_credentials("http://127.0.0.1:5000",
					"http://127.0.0.1:1@evil.example/t"));
	CHECK(!reg_may_send_credentials("https://reg.example", "https://u:p@auth.example/t"));
	CHECK(!reg_may_send_credentials("https://reg.example", "https://@auth.example/t"));
	CHECK(!reg_may_send_credentials("https://reg.example", "http://auth.example/t"));
	CHECK(!reg_may_send_credentials("https://reg.example", "http://localhost.evil.example/t"));
	CHECK(!reg_may_send_credentials("https://reg.example", "ftp://127.0.0.1/t"));
	CHECK(!reg_may_send_credentials("https://reg.example", "not a url"));
	/* plain HTTP: loopback, or the registry's own scheme, host and port */
	CHECK(reg_may_send_credentials("https://reg.example", "https://auth.example/token?x=1"));
	CHECK(reg_may_send_credentials("https://reg.example", "http://127.0.0.1:5001/t"));
	CHECK(reg_may_send_credentials("https://reg.example", "http://[::1]:5001/t"));
	CHECK(reg_may_send_credentials("http://reg.lan:5000", "http://reg.lan:5000/token"));
	CHECK(reg_may_send_credentials("http://reg.lan", "http://REG.lan:80/token"));
	CHECK(!reg_may_send_credentials("http://reg.lan:5000", "http://reg.lan:5001/token"));
	CHECK(!reg_may_send_credentials("http://reg.lan:5000", "http://auth.lan:5000/token"));
	struct reg_origin o;
	CHECK(reg_origin_parse("https://u@h.example/x", &o) == 0);
	CHECK(o.userinfo);
	CHECK_STR(o.host, "h.example");
	CHECK_STR(o.port, "443");
	reg_origin_free(&o);
}

TEST(error_text_escaped)
{
	/* a registry's error message that would clear the screen and write
	 * the clipboard (OSC 52) if printed as it is */
	char body[] = "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"\\u001b[2J\\u001b]52;c;"
		      "ZXZpbA==\\u0007caf\\u00e9\"}]}";
	struct reg_response r = {.status = 403, .body = body, .len = strlen(body)};
	_cleanup_free_ char *t = reg_error_text(&r);
	CHECK_STR(t, "\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07caf\xc3\xa9 (DENIED)");
	char plain[] = "no\rway\n";
	r = (struct reg_response){.status = 500, .body = plain, .len = strlen(plain)};
	_cleanup_free_ char *t2 = reg_error_text(&r);
	CHECK_STR(t2, "no");
}

/* the auth file under the home of paths_home_dir: a relative HOME was
 * taken here (and named a file relative to the cwd) */
TEST(auth_file_home_is_absolute)
{
	const char *keep[] = {"HOME", "REGISTRY_AUTH_FILE", "DOCKER_CONFIG"};
	char *saved[3];
	for (int i = 0; i < 3; i++) {
		saved[i] = getenv(keep[i]) ? xstrdup(getenv(keep[i])) : NULL;
		unsetenv(keep[i]);
	}
	struct passwd *pw = getpwuid(getuid());
	_cleanup_free_ char *want =
	    xasprintf("%s/.docker/config.json", pw && pw->pw_dir ? pw->pw_dir : "/");
	setenv("HOME", "relative/home", 1);
	_cleanup_free_ char *got = reg_auth_file();
	CHECK_STR(got, want);
	setenv("HOME", "/home/someone", 1);
	_cleanup_free_ char *abs = reg_auth_file();
	CHECK_STR(abs, "/home/someone/.docker/config.json");
	for (int i = 0; i < 3; i++) {
		if (saved[i])
			setenv(keep[i], saved[i], 1);
		else
			unsetenv(keep[i]);
		free(saved[i]);
	}
}
