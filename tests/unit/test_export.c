/* Unit tests for clan export's conversions (config/export*.c): a stack
 * loaded from a compose file in a temp dir becomes exactly the expected
 * Kubernetes objects and compose file; hostile names are sanitised or
 * refused, hostile values stay data in the YAML written. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/export.h"
#include "config/export_int.h"
#include "config/yaml_out.h"
#include "tap.h"

static const char *no_vars(const char *name)
{
	(void)name;
	return NULL;
}

struct fx {
	char dir[64];
	struct stack st;
	bool loaded;
};

/* Loads compose text as the project of a new temp dir (no profiles). */
static int fx_load(struct fx *f, const char *compose, struct clan_err *err)
{
	snprintf(f->dir, sizeof f->dir, "/tmp/clan-test-export.XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	_cleanup_free_ char *path = path_join(f->dir, "compose.yaml");
	if (write_file(path, compose, strlen(compose), err) < 0)
		return -1;
	_cleanup_free_ char *src = path_join(f->dir, "s");
	if (mkdir_p(src, 0755, err) < 0)
		return -1;
	static const char *const none[] = {NULL};
	struct stack_load_opts o = {.dir = f->dir, .lookup = no_vars, .profile_dirs = none};
	int r = stack_load(&o, &f->st, err);
	f->loaded = r == 0;
	return r;
}

/* fx_load that says why it failed (the test then checks nothing more). */
static bool fx_ok(struct fx *f, const char *compose)
{
	struct clan_err err;
	if (fx_load(f, compose, &err) == 0)
		return true;
	printf("#   cannot load the stack: %s\n", err.msg);
	return false;
}

static void fx_free(struct fx *f)
{
	if (f->loaded)
		stack_free(&f->st);
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", f->dir);
}

/* The document of kind and name, compact JSON (NULL: none). */
static char *doc(const struct export_out *out, const char *kind, const char *name)
{
	for (size_t i = 0; i < json_array_size(out->docs); i++) {
		json_t *d = json_array_get(out->docs, i);
		const char *k = json_string_value(json_object_get(d, "kind"));
		const char *n =
		    json_string_value(json_object_get(json_object_get(d, "metadata"), "name"));
		if (k && n && strcmp(k, kind) == 0 && strcmp(n, name) == 0)
			return json_dumps(d, JSON_COMPACT);
	}
	return NULL;
}

static bool has_warning(const struct export_out *out, const char *text)
{
	for (size_t i = 0; i < out->warnings.n; i++)
		if (strstr(out->warnings.v[i], text))
			return true;
	printf("#   no warning with \"%s\"\n", text);
	return false;
}

static const char example[] = "name: shop\n"
			      "services:\n"
			      "  db:\n"
			      "    image: postgres:15\n"
			      "    environment: {POSTGRES_USER: app, POSTGRES_PASSWORD: pw}\n"
			      "    volumes: [pgdata:/var/lib/postgresql/data]\n"
			      "    healthcheck:\n"
			      "      test: [CMD-SHELL, pg_isready -U app]\n"
			      "      interval: 2s\n"
			      "      timeout: 5s\n"
			      "      retries: 30\n"
			      "      start_period: 10s\n"
			      "  web:\n"
			      "    image: registry.example/shop/web:1\n"
			      "    entrypoint: [/entry.sh]\n"
			      "    command: python3 app.py\n"
			      "    working_dir: /app\n"
			      "    user: \"1000:1000\"\n"
			      "    ports: [\"127.0.0.1:8080:8000\"]\n"
			      "    volumes: [\"./src:/app:ro\"]\n"
			      "    environment: {DB_HOST: db}\n"
			      "    depends_on: {db: {condition: service_healthy}}\n"
			      "volumes:\n"
			      "  pgdata: {}\n";

TEST(kube_objects_of_a_stack)
{
	struct fx f = {0};
	struct clan_err err;
	if (!fx_ok(&f, example)) {
		CHECK(0);
		fx_free(&f);
		return;
	}
	/* db's profile would say 5432: given as the listen ports here */
	struct port_map pg = {.container_port = 5432, .count = 1};
	struct export_listen listen[2] = {0};
	listen[stack_find(&f.st, "db") - f.st.svcs] = (struct export_listen){&pg, 1};
	struct export_opts o = {.listen = listen};
	struct export_out out;
	CHECK(export_kube(&f.st, &o, &out, &err) == 0);
	char *s = doc(&out, "PersistentVolumeClaim", "shop-pgdata");
	CHECK_STR(s,
		  "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{"
		  "\"name\":\"shop-pgdata\",\"labels\":{\"app.kubernetes.io/part-of\":\"shop\"}},"
		  "\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{"
		  "\"storage\":\"1Gi\"}}}}");
	free(s);
	s = doc(&out, "Service", "db");
	CHECK_STR(s, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"db\","
		     "\"labels\":{\"app.kubernetes.io/name\":\"db\",\"app.kubernetes.io/part-of\":"
		     "\"shop\"}},\"spec\":{\"selector\":{\"app.kubernetes.io/name\":\"db\"},"
		     "\"ports\":[{\"name\":\"tcp-5432\",\"port\":5432,\"targetPort\":5432,"
		     "\"protocol\":\"TCP\"}]}}");
	free(s);
	s = doc(&out, "Secret", "db-secret");
	CHECK(s && strstr(s, "\"type\":\"Opaque\",\"stringData\":{\"POSTGRES_PASSWORD\":\"pw\"}}"));
	free(s);
	s = doc(&out, "ConfigMap", "db-env");
	CHECK(s && strstr(s, "\"data\":{\"POSTGRES_USER\":\"app\"}}"));
	free(s);
	s = doc(&out, "Pod", "db");
	CHECK(s && strstr(s, "\"livenessProbe\":{\"exec\":{\"command\":[\"/bin/sh\",\"-c\","
			     "\"pg_isready -U app\"]},\"periodSeconds\":2,\"timeoutSeconds\":5,"
			     "\"failureThreshold\":30,\"initialDelaySeconds\":10},"
			     "\"readinessProbe\":{\"exec\":{\"command\":[\"/bin/sh\",\"-c\","
			     "\"pg_isready -U app\"]},\"periodSeconds\":2,\"timeoutSeconds\":5,"
			     "\"failureThreshold\":30}"));
	CHECK(s && strstr(s, "\"volumes\":[{\"name\":\"vol-0\",\"persistentVolumeClaim\":{"
			     "\"claimName\":\"shop-pgdata\"}}]"));
	CHECK(s && strstr(s, "\"envFrom\":[{\"configMapRef\":{\"name\":\"db-env\"}},"
			     "{\"secretRef\":{\"name\":\"db-secret\"}}]"));
	free(s);
	s = doc(&out, "Pod", "web");
	_cleanup_free_ char *want = xasprintf(
	    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\",\"labels\":{"
	    "\"app.kubernetes.io/name\":\"web\",\"app.kubernetes.io/part-of\":\"shop\"}},"
	    "\"spec\":{\"restartPolicy\":\"Never\",\"terminationGracePeriodSeconds\":10,"
	    "\"initContainers\":[{\"name\":\"wait-db\",\"image\":\"registry.example/shop/web:1\","
	    "\"command\":[\"sh\",\"-c\",\"%s\"}],"
	    "\"containers\":[{\"name\":\"web\",\"image\":\"registry.example/shop/web:1\","
	    "\"command\":[\"/entry.sh\"],\"args\":[\"python3\",\"app.py\"],\"workingDir\":\"/app\","
	    "\"envFrom\":[{\"configMapRef\":{\"name\":\"web-env\"}}],"
	    "\"ports\":[{\"containerPort\":8000,\"protocol\":\"TCP\",\"hostPort\":8080,"
	    "\"hostIP\":\"127.0.0.1\"}],"
	    "\"securityContext\":{\"runAsUser\":1000,\"runAsGroup\":1000},"
	    "\"volumeMounts\":[{\"name\":\"vol-0\",\"mountPath\":\"/app\",\"readOnly\":true}]}],"
	    "\"volumes\":[{\"name\":\"vol-0\",\"hostPath\":{\"path\":\"%s/src\",\"type\":"
	    "\"DirectoryOrCreate\"}}]}}",
	    "until bash -c ': </dev/tcp/$0/$1' \\\"$0\\\" \\\"$1\\\" 2>/dev/null || nc -z "
	    "\\\"$0\\\" "
	    "\\\"$1\\\" 2>/dev/null || python3 -c 'import socket,sys; "
	    "socket.create_connection((sys.argv[1], int(sys.argv[2])), 2)' \\\"$0\\\" \\\"$1\\\" "
	    "2>/dev/null; do echo \\\"waiting for $0:$1\\\"; sleep 1; done\",\"db\",\"5432\"],"
	    "\"workingDir\":\"/",
	    f.dir);
	CHECK_STR(s, want);
	free(s);
	/* the order to apply: claims, Services, then each Pod after what it
	 * waits for */
	const char *kinds[] = {"PersistentVolumeClaim",
			       "Service",
			       "Service",
			       "ConfigMap",
			       "Secret",
			       "Pod",
			       "ConfigMap",
			       "Pod"};
	CHECK(json_array_size(out.docs) == ARRAY_SIZE(kinds));
	for (size_t i = 0; i < ARRAY_SIZE(kinds) && i < json_array_size(out.docs); i++)
		CHECK_STR(json_string_value(json_object_get(json_array_get(out.docs, i), "kind")),
			  kinds[i]);
	CHECK(has_warning(&out, "web: bind"));
	CHECK(has_warning(&out, "web: depends_on db: service_healthy"));
	CHECK(out.warnings.n == 2);
	CHECK(out.notes.n == 0); /* nothing is built */
	export_out_free(&out);
	fx_free(&f);
}

TEST(kube_only_the_wanted_services)
{
	struct fx f = {0};
	struct clan_err err;
	if (!fx_ok(&f, example)) {
		CHECK(0);
		fx_free(&f);
		return;
	}
	bool want[2] = {0};
	want[stack_find(&f.st, "web") - f.st.svcs] = true;
	struct export_opts o = {.want = want};
	struct export_out out;
	CHECK(export_kube(&f.st, &o, &out, &err) == 0);
	char *s = doc(&out, "Pod", "db");
	CHECK(s == NULL);
	free(s);
	s = doc(&out, "PersistentVolumeClaim", "shop-pgdata");
	CHECK(s == NULL); /* no exported service mounts it */
	free(s);
	CHECK(has_warning(&out, "web: depends_on db: not exported"));
	export_out_free(&out);
	fx_free(&f);
}

TEST(kube_built_image_tag_and_note)
{
	struct fx f = {0};
	struct clan_err err;
	if (!fx_ok(&f,
		   "name: shop\n"
		   "services:\n"
		   "  web: {build: ., restart: unless-stopped, init: true, stop_signal: SIGINT,\n"
		   "        shm_size: 64m, ulimits: {nofile: 1024}, read_only: true,\n"
		   "        cap_add: [NET_ADMIN], tmpfs: [\"/run:size=1m\"], user: www,\n"
		   "        extra_hosts: [\"h.example:10.0.0.1\"]}\n")) {
		CHECK(0);
		fx_free(&f);
		return;
	}
	struct export_opts o = {.registry = "127.0.0.1:5000/team"};
	struct export_out out;
	CHECK(export_kube(&f.st, &o, &out, &err) == 0);
	char *s = doc(&out, "Pod", "web");
	CHECK(s && strstr(s, "\"image\":\"127.0.0.1:5000/team/shop-web:latest\","
			     "\"imagePullPolicy\":\"IfNotPresent\""));
	CHECK(s && strstr(s, "\"restartPolicy\":\"Always\""));
	CHECK(s &&
	      strstr(s, "\"hostAliases\":[{\"ip\":\"10.0.0.1\",\"hostnames\":[\"h.example\"]}]"));
	CHECK(s && strstr(s, "\"securityContext\":{\"capabilities\":{\"add\":[\"NET_ADMIN\"]},"
			     "\"readOnlyRootFilesystem\":true}"));
	CHECK(s && strstr(s, "{\"name\":\"tmpfs-0\",\"emptyDir\":{\"medium\":\"Memory\"}}"));
	free(s);
	CHECK(out.notes.n == 1);
	CHECK(out.notes.n &&
	      strstr(out.notes.v[0], "podman push 127.0.0.1:5000/team/shop-web:latest"));
	/* one warning per key with no form, none dropped silently */
	CHECK(has_warning(&out, "web: init:"));
	CHECK(has_warning(&out, "web: shm_size:"));
	CHECK(has_warning(&out, "web: ulimits:"));
	CHECK(has_warning(&out, "web: stop_signal SIGINT"));
	CHECK(has_warning(&out, "web: user www:"));
	CHECK(has_warning(&out, "web: tmpfs /run: options size=1m"));
	CHECK(out.warnings.n == 6);
	export_out_free(&out);
	fx_free(&f);
}

TEST(kube_names_sanitised_or_refused)
{
	char *n = kube_name("My_DB.Primary");
	CHECK_STR(n, "my-db-primary");
	free(n);
	n = kube_name("9lives");
	CHECK_STR(n, "s-9lives");
	free(n);
	n = kube_name("__");
	CHECK(n == NULL);
	char long_a[100], long_b[100];
	memset(long_a, 'a', 90);
	long_a[90] = '\0';
	memcpy(long_b, long_a, 91);
	long_b[89] = 'b';
	char *a = kube_name(long_a), *b = kube_name(long_b);
	CHECK(a && strlen(a) == KUBE_NAME_MAX);
	CHECK(b && strlen(b) == KUBE_NAME_MAX);
	CHECK(a && b && strcmp(a, b) != 0);
	free(a);
	free(b);
	CHECK(kube_is_label_value("app.kubernetes.io"));
	CHECK(!kube_is_label_value("-x"));
	CHECK(!kube_is_label_value("bad key"));

	struct fx f = {0};
	struct clan_err err;
	CHECK(fx_ok(&f, "services:\n  my_db: {image: busybox}\n  my-db: {image: busybox}\n"));
	if (f.loaded) {
		struct export_opts o = {0};
		struct export_out out;
		CHECK(export_kube(&f.st, &o, &out, &err) < 0);
		CHECK(err.code == CLAN_EXIT_USAGE);
		CHECK(strstr(err.msg, "would both be named my-db") != NULL);
	}
	fx_free(&f);
	/* two volumes that would share one claim: their data would mix */
	struct fx g = {0};
	CHECK(fx_ok(&g, "services:\n  a: {image: busybox, volumes: [\"cache_data:/x\"]}\n"
			"  b: {image: busybox, volumes: [\"cache.data:/y\"]}\n"
			"volumes: {cache_data: {}, cache.data: {}}\n"));
	if (g.loaded) {
		struct export_opts o = {0};
		struct export_out out;
		CHECK(export_kube(&g.st, &o, &out, &err) < 0);
		CHECK(err.code == CLAN_EXIT_USAGE);
		CHECK(strstr(err.msg, "both become the claim") != NULL);
		export_out_free(&out);
	}
	fx_free(&g);
}

TEST(secret_values_and_dollar_escapes)
{
	CHECK(kube_is_secret_env("POSTGRES_PASSWORD", "x"));
	CHECK(kube_is_secret_env("DJANGO_SECRET_KEY", "x"));
	CHECK(kube_is_secret_env("api_key", "x"));
	CHECK(kube_is_secret_env("GITHUB_TOKEN", "x"));
	CHECK(kube_is_secret_env("DATABASE_URL", "postgres://u:pw@db:5432/app"));
	CHECK(!kube_is_secret_env("DATABASE_URL", "postgres://db:5432/app"));
	CHECK(!kube_is_secret_env("POSTGRES_HOST_AUTH_METHOD", "trust"));
	CHECK(!kube_is_secret_env("MONKEY", "x"));
	char *e = kube_dollar_escape("$HOME $(id) $$ ${X}");
	CHECK_STR(e, "$HOME $$(id) $$$ ${X}");
	free(e);
}

/* Every document and scalar of a YAML stream: hostile values must come
 * back as one scalar each, in as many documents as were written. */
static int yaml_scan(const char *text, size_t len, const char *want, int *found)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int docs = 0;
	*found = 0;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (bool done = false; !done;) {
		if (!yaml_parser_parse(&p, &ev)) {
			docs = -1;
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT)
			docs++;
		if (ev.type == YAML_SCALAR_EVENT && strcmp((char *)ev.data.scalar.value, want) == 0)
			(*found)++;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return docs;
}

TEST(hostile_values_stay_data)
{
	static const char *const values[] = {"a \"b\" 'c'",
					     "line1\nline2: x\n---\nkind: Pod\n",
					     "{{ .Values.x }}",
					     "# not a comment",
					     "*alias",
					     "&anchor x",
					     "- item",
					     "null",
					     "1e3",
					     "\xff\xfe latin-1"};
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		/* the value through env_file, then (a .env value is one line)
		 * the raw one, newlines too, straight into the model */
		struct fx f = {0};
		struct clan_err err;
		snprintf(f.dir, sizeof f.dir, "/tmp/clan-test-export.XXXXXX");
		static const char compose[] =
		    "services:\n  app:\n    image: busybox\n    env_file: app.env\n";
		if (!mkdtemp(f.dir))
			abort();
		_cleanup_free_ char *envp = path_join(f.dir, "app.env");
		_cleanup_free_ char *one_line = xstrdup(values[i]);
		for (char *p = one_line; *p; p++)
			if (*p == '\n')
				*p = ' ';
		_cleanup_free_ char *env = xasprintf("NOTE=%s\n", one_line);
		CHECK(write_file(envp, env, strlen(env), &err) == 0);
		_cleanup_free_ char *cpath = path_join(f.dir, "compose.yaml");
		CHECK(write_file(cpath, compose, strlen(compose), &err) == 0);
		static const char *const none[] = {NULL};
		struct stack_load_opts o = {.dir = f.dir, .lookup = no_vars, .profile_dirs = none};
		if (stack_load(&o, &f.st, &err) < 0) {
			printf("# value %zu: %s\n", i, err.msg);
			CHECK(0);
			fx_free(&f);
			continue;
		}
		f.loaded = true;
		struct service *s = &f.st.svcs[0];
		strv_push_owned(&s->environment, xasprintf("RAW=%s", values[i]));
		strv_push_owned(&s->command, xstrdup(values[i]));
		struct export_opts eo = {0};
		struct export_out out;
		CHECK(export_kube(&f.st, &eo, &out, &err) == 0);
		char *text = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&text, &len);
		CHECK(export_write(&out, mf) == 0);
		fclose(mf);
		_cleanup_free_ char *want = utf8_or_replacement(values[i]);
		int found;
		int docs = yaml_scan(text, len, want, &found);
		CHECK(docs == (int)json_array_size(out.docs));
		/* RAW in the ConfigMap and the container's args */
		if (found < 2)
			printf("#   value %zu found %d times in:\n%s", i, found, text);
		CHECK(found >= 2);
		free(text);
		export_out_free(&out);
		fx_free(&f);
	}
}

TEST(compose_refuses_deb_and_doubles_dollars)
{
	struct fx f = {0};
	struct clan_err err;
	if (!fx_ok(&f,
		   "name: shop\n"
		   "services:\n"
		   "  db: {image: postgres:15, environment: {PW: \"a$$b\"}, volumes: [d:/data],\n"
		   "       healthcheck: {test: [CMD, pg_isready]}}\n"
		   "  web:\n"
		   "    build: .\n"
		   "    ports: [\"8080:8000\", \"[::1]:9000-9001:9000-9001/udp\", \"7000\"]\n"
		   "    volumes: [{type: bind, source: ./s, target: /s, bind: {create_host_path: "
		   "false}}]\n"
		   "    depends_on: [db]\n"
		   "volumes: {d: {}}\n")) {
		CHECK(0);
		fx_free(&f);
		return;
	}
	struct export_opts o = {0};
	struct export_out out;
	CHECK(export_compose(&f.st, &o, &out, &err) == 0);
	char *s = json_dumps(json_array_get(out.docs, 0), JSON_COMPACT);
	CHECK(s && strstr(s, "\"environment\":{\"PW\":\"a$$b\"}"));
	CHECK(s && strstr(s, "\"ports\":[\"127.0.0.1:8080:8000\",\"[::1]:9000-9001:9000-9001/udp\","
			     "\"127.0.0.1::7000\"]"));
	CHECK(s && strstr(s, "\"image\":\"shop-web\""));
	/* depends_on: db as clan runs it: waited for healthy, having a check */
	CHECK(s && strstr(s, "\"depends_on\":{\"db\":{\"condition\":\"service_healthy\""));
	CHECK(s && strstr(s, "\"create_host_path\":false"));
	CHECK(s && strstr(s, "\"volumes\":[\"d:/data\"]"));
	CHECK(s && !strstr(s, "x-clan"));
	CHECK(s && !strstr(s, "\"networks\""));
	free(s);
	export_out_free(&out);
	/* db alone: web and its dangling depends_on go */
	bool want[2] = {0};
	want[stack_find(&f.st, "db") - f.st.svcs] = true;
	o.want = want;
	CHECK(export_compose(&f.st, &o, &out, &err) == 0);
	s = json_dumps(json_array_get(out.docs, 0), JSON_COMPACT);
	CHECK(s && !strstr(s, "\"web\""));
	free(s);
	export_out_free(&out);
	/* a deb: image: one clear line, exit 2 */
	free(f.st.svcs[0].image);
	f.st.svcs[0].image = xstrdup("deb:bookworm+postgresql-15");
	o.want = NULL;
	CHECK(export_compose(&f.st, &o, &out, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE);
	CHECK(strstr(err.msg, "image deb:bookworm+postgresql-15 exists only on this machine"));
	CHECK(!strchr(err.msg, '\n'));
	export_out_free(&out);
	CHECK(export_kube(&f.st, &o, &out, &err) < 0);
	CHECK(strstr(err.msg, "has no kube form"));
	export_out_free(&out);
	fx_free(&f);
}

/* A comment (a bind's source, a file name from the repository) with the
 * other line breaks YAML knows (\r, U+0085, U+2028, U+2029) stays one
 * comment line: no object of its own can follow it. */
TEST(comment_line_breaks_escaped)
{
	struct export_out out = {.docs = json_array()};
	json_array_append_new(out.docs, json_object());
	strv_push(&out.comments, "bind x\rkind: Pod\xc2\x85kind: Pod\xe2\x80\xa8"
				 "kind: Pod\xe2\x80\xa9kind: Pod\nsecond line");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CHECK(f && export_write(&out, f) == 0);
	fclose(f);
	CHECK(text && !strchr(text, '\r') && !strstr(text, "\xc2\x85") &&
	      !strstr(text, "\xe2\x80\xa8") && !strstr(text, "\xe2\x80\xa9"));
	static const char want[] = "# bind x\\x0dkind: Pod\\u0085kind: Pod\\u2028kind: Pod"
				   "\\u2029kind: Pod\n# second line\n---\n";
	CHECK(text && strncmp(text, want, strlen(want)) == 0);
	free(text);
	export_out_free(&out);
}
