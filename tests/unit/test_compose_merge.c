/* Unit tests for compose_merge: files merged in order as compose-go
 * merges them. The cases marked "compose-go" translate
 * compose-spec/compose-go's override tests (override/merge_test.go and
 * merge_environment_test.go at 0b45ea81945fa88f89fdb386db3d91800ecc46b7,
 * merge_dedup_test.go at 1694e86e0de8378e0d9f8d844e433fff781a645f) and
 * loader/reset_test.go (0d79d17e0280a246734ac097ed70e1d75e944426); where
 * compose-go answers a list and clan a mapping (environment written as a
 * mapping in one file), `want` is clan's form, the same values. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "config/compose_merge.h"
#include "config/compose_unique.h"
#include "tap.h"

struct merge_case {
	const char *name;
	const char *files[4];
	const char *want;  /* the merged tree, as YAML */
	const char *error; /* else: what the error says, '|' between parts */
};

#define addf(b, ...)                                      \
	do {                                              \
		char *addf_text = xasprintf(__VA_ARGS__); \
		strbuf_adds(b, addf_text);                \
		free(addf_text);                          \
	} while (0)

static const char *const file_names[] = {"f1.yml", "f2.yml", "f3.yml", "f4.yml"};

static void dump(const struct ynode *n, struct strbuf *b)
{
	switch (n->kind) {
	case YN_NULL:
		strbuf_adds(b, "~");
		break;
	case YN_SCALAR:
		addf(b, "'%s'", n->value);
		break;
	case YN_SEQ:
	case YN_MAP:
		strbuf_adds(b, n->kind == YN_SEQ ? "[" : "{");
		for (size_t i = 0; i < n->n; i++) {
			if (n->kind == YN_MAP)
				addf(b, "%s: ", n->keys[i]);
			dump(n->items[i], b);
			strbuf_adds(b, i + 1 < n->n ? ", " : "");
		}
		strbuf_adds(b, n->kind == YN_SEQ ? "]" : "}");
		break;
	}
}

static void show(const char *what, const struct ynode *n)
{
	struct strbuf b = {0};
	dump(n, &b);
	printf("#   %s: %s\n", what, b.s ? b.s : "");
	strbuf_free(&b);
}

static bool has_parts(const char *msg, const char *parts)
{
	_cleanup_free_ char *copy = xstrdup(parts);
	char *save = NULL;
	for (char *p = strtok_r(copy, "|", &save); p; p = strtok_r(NULL, "|", &save))
		if (!strstr(msg, p))
			return false;
	return true;
}

/* Merges the case's files in order; true when it ends as the case says. */
static bool run_case(const struct merge_case *c)
{
	struct clan_err err = {0};
	struct ynode *tree = NULL;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < 4 && c->files[i]; i++) {
		struct ynode *t;
		rc = ytree_load(c->files[i], strlen(c->files[i]), file_names[i], &t, &err);
		if (rc == 0)
			rc = compose_merge(&tree, t, &err);
	}
	bool ok;
	if (c->error) {
		ok = rc < 0 && err.code == CLAN_EXIT_USAGE && has_parts(err.msg, c->error);
		if (!ok)
			printf("#   %s: wanted an error with '%s', got %s\n", c->name, c->error,
			       rc < 0 ? err.msg : "none");
	} else {
		struct ynode *want = NULL;
		if (ytree_load(c->want, strlen(c->want), "want.yml", &want, &err) < 0) {
			printf("#   %s: want: %s\n", c->name, err.msg);
			ynode_free(tree);
			return false;
		}
		ok = rc == 0 && ynode_equal(tree, want);
		if (!ok) {
			printf("#   %s: %s\n", c->name, rc < 0 ? err.msg : "not as wanted");
			if (tree)
				show("got ", tree);
			show("want", want);
		}
		ynode_free(want);
	}
	ynode_free(tree);
	return ok;
}

static const struct merge_case cases[] = {
    /* compose-go override/merge_test.go Test_mergeOverrides */
    {"overrides",
     {"services:\n  test:\n    image: foo\n    scale: 1\n", "services:\n  test:\n    image: bar\n",
      "services:\n  test:\n    scale: 2\n"},
     "services:\n  test:\n    image: bar\n    scale: 2\n",
     NULL},
    /* compose-go merge_environment_test.go */
    {"environment lists",
     {"services:\n  test:\n    image: foo\n    environment:\n      - FOO=BAR\n",
      "services:\n  test:\n    environment:\n      - QIX=ZOT\n      - EMPTY=\n      - NIL\n"},
     "services:\n  test:\n    image: foo\n    environment: [FOO=BAR, QIX=ZOT, EMPTY=, NIL]\n",
     NULL},
    {"environment mappings",
     {"services:\n  test:\n    image: foo\n    environment:\n      FOO: BAR\n",
      "services:\n  test:\n    environment:\n      EMPTY: \"\"\n      NIL: null\n      QIX: ZOT\n"},
     "services:\n  test:\n    image: foo\n    environment: {FOO: BAR, EMPTY: '', NIL: null, QIX: "
     "ZOT}\n",
     NULL},
    {"environment mapping then list",
     {"services:\n  test:\n    image: foo\n    environment:\n      FOO: BAR\n",
      "services:\n  test:\n    environment:\n      - QIX=ZOT\n      - FOO=baz\n"},
     "services:\n  test:\n    image: foo\n    environment: {FOO: baz, QIX: ZOT}\n",
     NULL},
    {"environment list then mapping, KEY alone is null",
     {"services:\n  t:\n    environment: [A=1, B, C=3]\n",
      "services:\n  t:\n    environment: {B: 2, C: null}\n"},
     "services:\n  t:\n    environment: {A: '1', B: 2, C: null}\n",
     NULL},
    /* compose-go merge_dedup_test.go */
    {"identical entries dropped",
     {"services:\n  test:\n    image: foo\n    dns: [8.8.8.8]\n    cap_add: [NET_ADMIN]\n"
      "    volumes:\n      - {type: volume, source: data, target: /data}\n",
      "services:\n  test:\n    dns: [8.8.8.8, 9.9.9.9]\n    cap_add: [NET_ADMIN, SYS_PTRACE]\n"
      "    volumes:\n      - {type: volume, source: data, target: /data}\n"},
     "services:\n  test:\n    image: foo\n    dns: [8.8.8.8, 9.9.9.9]\n    cap_add: [NET_ADMIN, "
     "SYS_PTRACE]\n    volumes:\n      - {type: volume, source: data, target: /data}\n",
     NULL},
    {"merging the same file twice is a no-op",
     {"services:\n  test:\n    dns: [8.8.8.8]\n    env_file: [common.env]\n"
      "    extra_hosts: [\"host1:127.0.0.1\"]\n",
      "services:\n  test:\n    dns: [9.9.9.9]\n    env_file: [common.env, test.env]\n"
      "    extra_hosts: [\"host1:127.0.0.1\", \"host2:127.0.0.2\"]\n",
      "services:\n  test:\n    dns: [9.9.9.9]\n    env_file: [common.env, test.env]\n"
      "    extra_hosts: [\"host1:127.0.0.1\", \"host2:127.0.0.2\"]\n"},
     "services:\n  test:\n    dns: [8.8.8.8, 9.9.9.9]\n    env_file: [common.env, test.env]\n"
     "    extra_hosts: [\"host1:127.0.0.1\", \"host2:127.0.0.2\"]\n",
     NULL},
    {"KEY=VALUE: the last entry wins",
     {"services:\n  test:\n    image: foo\n    labels: [MODE=release]\n    build:\n      args: "
      "[MODE=release]\n",
      "services:\n  test:\n    labels: [MODE=debug, MODE=release]\n    build:\n      args: "
      "[MODE=debug, MODE=release]\n"},
     "services:\n  test:\n    image: foo\n    labels: [MODE=release]\n    build:\n      args: "
     "[MODE=release]\n",
     NULL},
    /* the loader's unicity (uncity.go) over compose-go's
     * Test_mergeYamlSequenceKeepsEquivalentButDistinctForms: one target */
    {"volumes short and long, one target",
     {"services:\n  test:\n    volumes: [\"data:/data\", \"./src:/src\"]\n",
      "services:\n  test:\n    volumes:\n      - {type: volume, source: other, target: /data}\n"},
     "services:\n  test:\n    volumes:\n      - {type: volume, source: other, target: /data}\n"
     "      - ./src:/src\n",
     NULL},
    {"volumes by target",
     {"services:\n  t:\n    volumes: [\"./a:/data\", \"/b:/b:ro\", /anon]\n",
      "services:\n  t:\n    volumes: [\"./c:/data:ro\", /anon]\n"},
     "services:\n  t:\n    volumes: [\"./c:/data:ro\", \"/b:/b:ro\", /anon]\n",
     NULL},
    {"ports short and long, one identity",
     {"services:\n  t:\n    ports: [\"8080:80\", \"127.0.0.1:9000:90\", \"53:53/udp\", 5000]\n",
      "services:\n  t:\n    ports:\n      - {target: 80, published: \"8080\", mode: host}\n"
      "      - {target: 90, published: 9000, host_ip: 127.0.0.1}\n"
      "      - \"53:53\"\n      - \"5000\"\n"},
     "services:\n  t:\n    ports:\n      - {target: 80, published: \"8080\", mode: host}\n"
     "      - {target: 90, published: 9000, host_ip: 127.0.0.1}\n"
     "      - \"53:53/udp\"\n      - \"5000\"\n      - \"53:53\"\n",
     NULL},
    {"ports: another ip or protocol is another port",
     {"services:\n  t:\n    ports: [\"8080:80\"]\n",
      "services:\n  t:\n    ports: [\"127.0.0.1:8080:80\", \"8080:80/udp\", \"[::1]:8080:80\"]\n"},
     "services:\n  t:\n    ports: [\"8080:80\", \"127.0.0.1:8080:80\", \"8080:80/udp\", "
     "\"[::1]:8080:80\"]\n",
     NULL},
    {"duplicate ports within one file",
     {"services:\n  t:\n    ports: [\"80:80\", \"0.0.0.0:80:80/tcp\"]\n"},
     "services:\n  t:\n    ports: [\"0.0.0.0:80:80/tcp\"]\n",
     NULL},
    {"command, entrypoint, healthcheck.test replaced",
     {"services:\n  t:\n    command: [a, b]\n    entrypoint: [sh, -c]\n    healthcheck:\n      "
      "test: "
      "[CMD, x]\n      retries: 3\n",
      "services:\n  t:\n    command: [c]\n    entrypoint: run\n    healthcheck:\n      test: [CMD, "
      "y]\n"},
     "services:\n  t:\n    command: [c]\n    entrypoint: run\n    healthcheck:\n      test: [CMD, "
     "y]\n      retries: 3\n",
     NULL},
    {"depends_on: a list is service_started, required",
     {"services:\n  t:\n    depends_on: [db, cache]\n",
      "services:\n  t:\n    depends_on:\n      db: {condition: service_healthy}\n      queue: "
      "{condition: service_started}\n"},
     "services:\n  t:\n    depends_on:\n      db: {condition: service_healthy, required: true}\n"
     "      cache: {condition: service_started, required: true}\n"
     "      queue: {condition: service_started}\n",
     NULL},
    {"networks list and mapping",
     {"services:\n  t:\n    networks: [front, back]\n",
      "services:\n  t:\n    networks:\n      back: {aliases: [b]}\n      extra:\n"},
     "services:\n  t:\n    networks: {front: null, back: {aliases: [b]}, extra: null}\n",
     NULL},
    {"extra_hosts mapping and list",
     {"services:\n  t:\n    extra_hosts: {a: 1.1.1.1, b: [2.2.2.2, 3.3.3.3]}\n",
      "services:\n  t:\n    extra_hosts: [\"b=2.2.2.2\", \"c:4.4.4.4\"]\n"},
     "services:\n  t:\n    extra_hosts: [a=1.1.1.1, b=2.2.2.2, b=3.3.3.3, \"c:4.4.4.4\"]\n",
     NULL},
    {"build as a string is the context",
     {"services:\n  t:\n    build: ./app\n",
      "services:\n  t:\n    build:\n      dockerfile: Dockerfile.dev\n      args: {A: 1}\n"},
     "services:\n  t:\n    build: {context: ./app, dockerfile: Dockerfile.dev, args: {A: 1}}\n",
     NULL},
    {"logging: same driver merged, another replaced",
     {"services:\n  a:\n    logging: {driver: json-file, options: {max-size: 1m}}\n  b:\n    "
      "logging: {driver: json-file, options: {max-size: 1m}}\n",
      "services:\n  a:\n    logging: {options: {max-file: '3'}}\n  b:\n    logging: {driver: "
      "syslog, options: {tag: x}}\n"},
     "services:\n  a:\n    logging: {driver: json-file, options: {max-size: 1m, max-file: '3'}}\n"
     "  b:\n    logging: {driver: syslog, options: {tag: x}}\n",
     NULL},
    {"ulimits: each replaced whole",
     {"services:\n  t:\n    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 10}\n",
      "services:\n  t:\n    ulimits: {nofile: {soft: 3}}\n"},
     "services:\n  t:\n    ulimits: {nofile: {soft: 3}, nproc: 10}\n",
     NULL},
    {"tmpfs by target, a string is a list",
     {"services:\n  t:\n    tmpfs: /run\n",
      "services:\n  t:\n    tmpfs: [\"/run:size=1m\", /tmp]\n"},
     "services:\n  t:\n    tmpfs: [\"/run:size=1m\", /tmp]\n",
     NULL},
    {"secrets and configs by target",
     {"services:\n  t:\n    secrets: [db, api]\n    configs: [conf]\n",
      "services:\n  t:\n    secrets:\n      - {source: db, mode: 0400}\n      - {source: other, "
      "target: api}\n    configs:\n      - {source: conf, target: /conf}\n"},
     "services:\n  t:\n    secrets:\n      - {source: db, mode: 0400}\n      - {source: other, "
     "target: api}\n    configs:\n      - {source: conf, target: /conf}\n",
     NULL},
    {"null keeps the earlier value",
     {"services:\n  t:\n    image: a\n    ports: [\"80:80\"]\n",
      "services:\n  t:\n    image:\n    ports:\n"},
     "services:\n  t:\n    image: a\n    ports: [\"80:80\"]\n",
     NULL},
    {"a scalar replaces a mapping's value, a new service is added",
     {"services:\n  t:\n    image: a\n    user: root\nvolumes:\n  data:\n",
      "services:\n  t:\n    user: '1000'\n  u:\n    image: b\nvolumes:\n  data: {external: "
      "true}\n"},
     "services:\n  t:\n    image: a\n    user: '1000'\n  u:\n    image: b\nvolumes:\n  data: "
     "{external: true}\n",
     NULL},
    /* compose-go loader/reset_test.go TestResetRemove, TestOverrideReplace */
    {"!reset removes",
     {"networks:\n  test:\n    name: test\n    external: true\n", "networks:\n  test: !reset {}\n"},
     "networks: {}\n",
     NULL},
    {"!override replaces",
     {"networks:\n  test:\n    name: test\n    external: true\n",
      "networks:\n  test: !override {}\n"},
     "networks:\n  test: {}\n",
     NULL},
    {"!reset [] and null, !override a list",
     {"services:\n  t:\n    image: a\n    ports: [\"80:80\", \"90:90\"]\n    environment: {A: 1}\n"
      "    volumes: [\"/a:/a\"]\n",
      "services:\n  t:\n    ports: !reset []\n    image: !reset null\n    environment: !reset "
      "{}\n    volumes: !override [\"/b:/b\"]\n"},
     "services:\n  t:\n    volumes: [\"/b:/b\"]\n",
     NULL},
    {"!reset of one key of a mapping, in either form",
     {"services:\n  t:\n    environment: [A=1, B=2]\n    labels: {x: 1, y: 2}\n",
      "services:\n  t:\n    environment:\n      A: !reset\n    labels:\n      y: !reset\n"},
     "services:\n  t:\n    environment: {B: '2'}\n    labels: {x: 1}\n",
     NULL},
    {"!reset in a file's new keys and in the first file",
     {"services:\n  t:\n    image: a\n    user: !reset root\n",
      "services:\n  u:\n    image: b\n    command: !reset [x]\n    init: !override true\n"},
     "services:\n  t:\n    image: a\n  u:\n    image: b\n    init: true\n",
     NULL},
    {"a tag on a list's item means nothing",
     {"services:\n  t:\n    ports: [\"80:80\"]\n",
      "services:\n  t:\n    ports: [!reset \"90:90\"]\n"},
     "services:\n  t:\n    ports: [\"80:80\", \"90:90\"]\n",
     NULL},
    {"a mapping over a list names both places",
     {"services:\n  web:\n    ports: [\"80:80\"]\n",
      "services:\n  web:\n    ports:\n      http: 80\n"},
     NULL,
     "f2.yml:4:7: services.web.ports: a mapping cannot override a list|f1.yml:3:12"},
    {"a list over a mapping",
     {"services:\n  web:\n    deploy: {replicas: 1}\n", "services:\n  web:\n    deploy: [x]\n"},
     NULL,
     "f2.yml:3:13: services.web.deploy: a list cannot override a mapping|f1.yml:3:13"},
    {"a top level that is no mapping",
     {"services: {}\n", "- a\n"},
     NULL,
     "f2.yml:1:1: the top level must be a mapping"},
    {"a long volume without target",
     {"services:\n  t:\n    volumes:\n      - {source: x}\n"},
     NULL,
     "f1.yml:4:9: this volume has no target"},
    {"a long port without target",
     {"services:\n  t:\n    ports:\n      - {published: 80}\n"},
     NULL,
     "f1.yml:4:9: this port has no target"},
    {"depends_on item that is no name",
     {"services:\n  t:\n    depends_on: [a]\n", "services:\n  t:\n    depends_on: [{b: 1}]\n"},
     NULL,
     "f2.yml:3:18: services.t.depends_on: expected a name, not a mapping"},
    {"environment item that is a mapping",
     {"services:\n  t:\n    environment: [A=1]\n", "services:\n  t:\n    environment: [{B: 2}]\n"},
     NULL,
     "f2.yml:3:19: expected KEY=VALUE"},
};

TEST(merge_table)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK(run_case(&cases[i]));
}

TEST(port_keys)
{
	static const struct {
		const char *yaml, *key;
	} keys[] = {
	    {"\"80\"", "0.0.0.0::80/tcp"},
	    {"\"8080:80\"", "0.0.0.0:8080:80/tcp"},
	    {"\"127.0.0.1::80/udp\"", "127.0.0.1::80/udp"},
	    {"\"[::1]:8080:80\"", "::1:8080:80/tcp"},
	    {"\"[::1]::80\"", "::1::80/tcp"},
	    {"{target: 80, published: 8080}", "0.0.0.0:8080:80/tcp"},
	    {"{target: 53, protocol: udp, host_ip: 10.0.0.1}", "10.0.0.1::53/udp"},
	};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		struct clan_err err = {0};
		struct ynode *t = NULL;
		CHECK(ytree_load(keys[i].yaml, strlen(keys[i].yaml), "p.yml", &t, &err) == 0);
		_cleanup_free_ char *key = t ? compose_port_key(t) : NULL;
		CHECK_STR(key, keys[i].key);
		ynode_free(t);
	}
}

/* A list as long as a 4 MiB file allows, merged over itself: sorted, not
 * compared pair by pair (this would take minutes). */
TEST(long_lists_stay_fast)
{
	struct strbuf a = {0};
	strbuf_adds(&a, "services:\n  t:\n    ports:\n");
	for (int i = 0; i < 60000; i++)
		addf(&a, "      - \"%d:%d\"\n", i, i);
	struct clan_err err = {0};
	struct ynode *tree = NULL, *t1, *t2;
	CHECK(ytree_load(a.s, a.len, "a.yml", &t1, &err) == 0);
	CHECK(ytree_load(a.s, a.len, "b.yml", &t2, &err) == 0);
	CHECK(compose_merge(&tree, t1, &err) == 0);
	CHECK(compose_merge(&tree, t2, &err) == 0);
	const struct ynode *ports = ynode_get(ynode_get(ynode_get(tree, "services"), "t"), "ports");
	CHECK(ports && ports->n == 60000);
	ynode_free(tree);
	strbuf_free(&a);
}

TEST(clone_is_deep)
{
	struct clan_err err = {0};
	const char *text = "a: !reset [x, {y: 1}]\nb: 'q'\n";
	struct ynode *t = NULL;
	CHECK(ytree_load(text, strlen(text), "c.yml", &t, &err) == 0);
	struct ynode *c = ynode_clone(t);
	CHECK(c && c != t && ynode_equal(c, t));
	const struct ynode *a = ynode_get(c, "a");
	CHECK(a && a->tag && strcmp(a->tag, "!reset") == 0 && a != ynode_get(t, "a"));
	CHECK(a && a->line == 1 && a->column == 4 && strcmp(a->file, "c.yml") == 0);
	CHECK(!ynode_get(c, "b")->plain);
	ynode_free(t);
	/* the copy lives on its own */
	CHECK(strcmp(ynode_get(ynode_get(c, "a")->items[1], "y")->value, "1") == 0);
	ynode_free(c);
	CHECK(ynode_clone(NULL) == NULL);
}
