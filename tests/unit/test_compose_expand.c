/* Unit tests for compose's extends and include (compose_extends.c,
 * compose_include.c) on files in a temporary project. Cases marked
 * "compose-go" translate compose-spec/compose-go's loader tests:
 * extends_test.go at 26a5dd39e59ee2cb9562d7b03b77bf5f00aea3f2 and
 * include_test.go at 2937ae06ebc3f47ac22e818c8d146799d295d896. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "config/compose_include.h"
#include "config/compose_merge.h"
#include "config/compose_src.h"
#include "tap.h"

static char root[64];

static char *path_of(const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static void put(const char *rel, const char *text)
{
	struct clan_err err;
	_cleanup_free_ char *p = path_of(rel);
	_cleanup_free_ char *dir = path_dir(p);
	if (mkdir_p(dir, 0755, &err) < 0 || write_file(p, text, strlen(text), &err) < 0)
		abort();
}

static void setup(void)
{
	snprintf(root, sizeof root, "/tmp/clan-test-cexp.XXXXXX");
	if (!mkdtemp(root))
		abort();
}

static void teardown(void)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", root);
}

/* The project of the files (relative to root, NULL-ended) as compose
 * loads it: each read, expanded, merged in order. */
static struct ynode *load_files(struct compose_ctx *ctx, const char *const *files,
				struct clan_err *err)
{
	struct ynode *tree = NULL;
	for (size_t i = 0; files[i]; i++) {
		_cleanup_free_ char *path = path_of(files[i]);
		struct compose_src src = {.path = compose_ctx_name(ctx, path), .dir = root};
		struct ynode *t;
		if (compose_load_plain(ctx, &src, &t, err) < 0)
			goto fail;
		if (compose_expand(t, &src, ctx, err) < 0) {
			ynode_free(t);
			goto fail;
		}
		if (compose_merge(&tree, t, err) < 0)
			goto fail;
	}
	return tree;
fail:
	printf("#   %s\n", err->msg);
	ynode_free(tree);
	return NULL;
}

static struct ynode *load_one(struct compose_ctx *ctx, const char *file, struct clan_err *err)
{
	const char *files[] = {file, NULL};
	return load_files(ctx, files, err);
}

/* The node at a dotted path ("services.web.image"); NULL when none. */
static const struct ynode *at(const struct ynode *n, const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); n && k; k = strtok_r(NULL, ".", &save))
		n = ynode_get(n, k);
	return n;
}

static const char *text(const struct ynode *tree, const char *path)
{
	const struct ynode *n = at(tree, path);
	return n && n->kind == YN_SCALAR ? n->value : "(none)";
}

static char *in_root(const char *rel)
{
	return path_of(rel);
}

/* An error that should come: its message, or "" when there was none. */
static const char *fails(const char *file, struct clan_err *err)
{
	struct compose_ctx ctx = {0};
	_cleanup_free_ char *path = path_of(file);
	struct compose_src src = {.path = compose_ctx_name(&ctx, path), .dir = root};
	struct ynode *t = NULL;
	int rc = compose_load_plain(&ctx, &src, &t, err);
	if (rc == 0)
		rc = compose_expand(t, &src, &ctx, err);
	ynode_free(t);
	compose_ctx_free(&ctx);
	if (rc == 0)
		return "";
	return err->code == CLAN_EXIT_USAGE ? err->msg : "(not exit 2)";
}

TEST(extends_same_file_chain)
{
	/* compose-go extends_test.go TestLoadExtendsListener */
	setup();
	put("compose.yml", "services:\n  foo:\n    image: busybox\n    extends: bar\n"
			   "  bar:\n    image: alpine\n    command: echo\n    extends: wee\n"
			   "  wee:\n    extends: last\n    command: echo\n"
			   "  last:\n    image: python\n    environment: {A: 1}\n");
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_one(&ctx, "compose.yml", &err);
	CHECK(t != NULL);
	CHECK_STR(text(t, "services.foo.image"), "busybox");
	CHECK_STR(text(t, "services.foo.command"), "echo");
	CHECK_STR(text(t, "services.foo.environment.A"), "1");
	CHECK_STR(text(t, "services.wee.image"), "python");
	CHECK(at(t, "services.foo.extends") == NULL && at(t, "services.wee.extends") == NULL);
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}

TEST(extends_merge_rules)
{
	setup();
	put("compose.yml",
	    "services:\n  base:\n    image: a\n    command: [x, y]\n    environment: [A=1, B=2]\n"
	    "    ports: [\"80:80\"]\n    volumes: [\"/data:/data\"]\n"
	    "  web:\n    extends: {service: base}\n    command: [z]\n    environment: {B: 3}\n"
	    "    ports:\n      - {target: 80, published: '80'}\n      - \"90:90\"\n"
	    "    volumes: !reset []\n");
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_one(&ctx, "compose.yml", &err);
	CHECK(t != NULL);
	const struct ynode *cmd = at(t, "services.web.command");
	CHECK(cmd && cmd->n == 1 && strcmp(cmd->items[0]->value, "z") == 0);
	CHECK_STR(text(t, "services.web.environment.A"), "1");
	CHECK_STR(text(t, "services.web.environment.B"), "3");
	const struct ynode *ports = at(t, "services.web.ports");
	CHECK(ports && ports->n == 2 && ports->items[0]->kind == YN_MAP);
	CHECK(at(t, "services.web.volumes") == NULL && at(t, "services.base.volumes") != NULL);
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}

TEST(extends_other_file_paths)
{
	/* compose-go extends_test.go TestLoadExtendsSameFile, and the paths of
	 * the file extended from relative to its directory */
	setup();
	put("sub/compose.yaml",
	    "services:\n  base:\n    build:\n      context: ..\n    env_file: [.env, {path: "
	    "x.env, required: false}]\n    volumes: [\"./data:/data\", \"named:/n\", "
	    "\"/abs:/abs\"]\n  service:\n    extends: base\n    build:\n      target: target\n"
	    "  far:\n    extends: {file: ../other/o.yml, service: o}\n");
	put("other/o.yml", "services:\n  o:\n    build: ./ctx\n    volumes:\n      - {type: bind, "
			   "source: ./src, target: /src}\n");
	put("compose.yaml",
	    "services:\n  out-base:\n    extends:\n      file: sub/compose.yaml\n"
	    "      service: base\n  out-service:\n    extends:\n      file: "
	    "./sub/compose.yaml\n      service: service\n  far:\n    extends: {file: "
	    "sub/compose.yaml, service: far}\n");
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_one(&ctx, "compose.yaml", &err);
	CHECK(t != NULL);
	CHECK_STR(text(t, "services.out-base.build.context"), root);
	CHECK_STR(text(t, "services.out-service.build.context"), root);
	CHECK_STR(text(t, "services.out-service.build.target"), "target");
	_cleanup_free_ char *env = in_root("sub/.env");
	_cleanup_free_ char *xenv = in_root("sub/x.env");
	const struct ynode *envs = at(t, "services.out-base.env_file");
	CHECK(envs && envs->n == 2 && strcmp(envs->items[0]->value, env) == 0);
	CHECK(envs && envs->n == 2 && strcmp(text(envs->items[1], "path"), xenv) == 0);
	_cleanup_free_ char *data = xasprintf("%s/sub/data:/data", root);
	const struct ynode *vols = at(t, "services.out-base.volumes");
	CHECK(vols && vols->n == 3 && strcmp(vols->items[0]->value, data) == 0);
	CHECK(vols && vols->n == 3 && strcmp(vols->items[1]->value, "named:/n") == 0);
	CHECK(vols && vols->n == 3 && strcmp(vols->items[2]->value, "/abs:/abs") == 0);
	/* two files away: other/ paths from other/ */
	_cleanup_free_ char *ctx_dir = in_root("other/ctx");
	_cleanup_free_ char *src_dir = in_root("other/src");
	CHECK_STR(text(t, "services.far.build"), ctx_dir);
	const struct ynode *fv = at(t, "services.far.volumes");
	CHECK(fv && fv->n == 1 && strcmp(text(fv->items[0], "source"), src_dir) == 0);
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}

TEST(extends_reset_reaches_earlier_files)
{
	/* compose-go's reset processor: a !reset in a later file's extending
	 * service removes the earlier file's value too */
	setup();
	put("a.yml", "services:\n  web:\n    image: a\n    ports: [\"80:80\"]\n");
	put("b.yml", "services:\n  base:\n    image: b\n    ports: [\"81:81\"]\n"
		     "  web:\n    extends: base\n    ports: !reset []\n");
	const char *files[] = {"a.yml", "b.yml", NULL};
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_files(&ctx, files, &err);
	CHECK(t != NULL);
	CHECK(at(t, "services.web.ports") == NULL);
	CHECK_STR(text(t, "services.web.image"), "b");
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}

TEST(extends_port_override)
{
	/* compose-go extends_test.go TestExtendsPortOverride: the file both
	 * loaded and extended from gives one port */
	setup();
	put("ports.yaml", "services:\n  test:\n    image: x\n    ports: [\"8000:8000\"]\n");
	put("override.yaml",
	    "services:\n  test:\n    extends:\n      file: ports.yaml\n      service: test\n");
	const char *files[] = {"ports.yaml", "override.yaml", NULL};
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_files(&ctx, files, &err);
	const struct ynode *ports = at(t, "services.test.ports");
	CHECK(ports && ports->n == 1);
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}

TEST(extends_errors)
{
	setup();
	struct clan_err err = {0};
	put("cycle.yml", "services:\n  a:\n    extends: b\n  b:\n    extends: a\n");
	const char *msg = fails("cycle.yml", &err);
	CHECK(strstr(msg, "cycle.yml:3:14: extends cycle: a (") && strstr(msg, ") -> b (") &&
	      strstr(msg, ") -> a ("));
	put("self.yml", "services:\n  a:\n    image: x\n    extends: a\n");
	CHECK(strstr(fails("self.yml", &err), "self.yml:4:14: extends cycle: a ("));
	put("x.yml", "services:\n  x:\n    extends: {file: y.yml, service: y}\n");
	put("y.yml", "services:\n  y:\n    extends: {file: x.yml, service: x}\n");
	msg = fails("x.yml", &err);
	CHECK(strstr(msg, "extends cycle: x (") && strstr(msg, "y.yml) -> x ("));
	put("missing.yml",
	    "services:\n  a:\n    extends:\n      file: nope.yml\n      service: b\n");
	msg = fails("missing.yml", &err);
	CHECK(strstr(msg, "missing.yml:4:13: extends: cannot open ") && strstr(msg, "nope.yml"));
	put("nosvc.yml", "services:\n  a:\n    extends: zz\n");
	CHECK(strstr(fails("nosvc.yml", &err),
		     "nosvc.yml:3:14: cannot extend service zz: no such service in "));
	put("bad.yml", "services:\n  a:\n    extends: {file: x.yml}\n");
	CHECK(strstr(fails("bad.yml", &err), "bad.yml:3:14: services.a.extends: expected"));
	/* a chain deeper than the bound */
	char *text_ = xstrdup("services:\n");
	for (int i = 0; i < COMPOSE_MAX_EXTENDS_DEPTH + 5; i++) {
		char *more = xasprintf("%s  s%d:\n    extends: s%d\n", text_, i, i + 1);
		free(text_);
		text_ = more;
	}
	char *last = xasprintf("%s  s%d:\n    image: x\n", text_, COMPOSE_MAX_EXTENDS_DEPTH + 5);
	put("deep.yml", last);
	CHECK(strstr(fails("deep.yml", &err), "a chain of extends longer than 32 services"));
	free(text_);
	free(last);
	teardown();
}

TEST(include_basic_and_paths)
{
	setup();
	put("compose.yml", "include:\n  - sub/db.yml\nservices:\n  web:\n    image: w\n"
			   "    depends_on: [db]\n");
	put("sub/db.yml", "services:\n  db:\n    image: pg\n    build: ./ctx\n    env_file: "
			  "db.env\n    volumes: [\"./init:/init\", \"pgdata:/var/lib/pg\"]\n"
			  "volumes:\n  pgdata:\nsecrets:\n  pw:\n    file: ./pw.txt\n");
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_one(&ctx, "compose.yml", &err);
	CHECK(t != NULL);
	CHECK(at(t, "include") == NULL);
	CHECK_STR(text(t, "services.web.image"), "w");
	CHECK_STR(text(t, "services.db.image"), "pg");
	_cleanup_free_ char *ctxdir = in_root("sub/ctx");
	_cleanup_free_ char *env = in_root("sub/db.env");
	_cleanup_free_ char *pw = in_root("sub/pw.txt");
	_cleanup_free_ char *init = xasprintf("%s/sub/init:/init", root);
	CHECK_STR(text(t, "services.db.build"), ctxdir);
	CHECK_STR(text(t, "services.db.env_file"), env);
	CHECK_STR(text(t, "secrets.pw.file"), pw);
	const struct ynode *vols = at(t, "services.db.volumes");
	CHECK(vols && vols->n == 2 && strcmp(vols->items[0]->value, init) == 0);
	CHECK(at(t, "volumes") && ynode_get(at(t, "volumes"), "pgdata"));
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}

TEST(include_long_form_and_nesting)
{
	setup();
	put("compose.yml", "include:\n  - path: [lib/a.yml, lib/a.override.yml]\n"
			   "    project_directory: proj\n"
			   "services:\n  web:\n    extends: a\n    image: mine\n");
	put("lib/a.yml", "include:\n  - ../deeper/c.yml\nservices:\n  a:\n    image: a\n"
			 "    build: .\n    ports: [\"80:80\"]\n");
	put("lib/a.override.yml", "services:\n  a:\n    ports: [\"90:90\"]\n");
	put("deeper/c.yml", "services:\n  c:\n    build: ./cctx\n");
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_one(&ctx, "compose.yml", &err);
	CHECK(t != NULL);
	/* the files merged, their paths from the project directory given */
	_cleanup_free_ char *proj = in_root("proj");
	CHECK_STR(text(t, "services.a.build"), proj);
	const struct ynode *ports = at(t, "services.a.ports");
	CHECK(ports && ports->n == 2);
	/* an include of an included file: its path relative to that file's
	 * project directory (proj/../deeper), its paths to its own */
	_cleanup_free_ char *cctx = in_root("deeper/cctx");
	CHECK_STR(text(t, "services.c.build"), cctx);
	/* compose-go TestIncludeWithExtends: an included service extended */
	CHECK_STR(text(t, "services.web.image"), "mine");
	CHECK(at(t, "services.web.ports") && at(t, "services.web.ports")->n == 2);
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}

struct seen_env {
	struct compose_ctx *ctx;
	char last[512];
};

/* A loader that notes the env files an include hands it. */
static int noting_loader(void *arg, const struct compose_src *src, struct ynode **out,
			 struct clan_err *err)
{
	struct seen_env *s = arg;
	s->last[0] = '\0';
	for (char *const *f = src->env_files; f && *f; f++) {
		size_t len = strlen(s->last);
		snprintf(s->last + len, sizeof s->last - len, "%s;", *f);
	}
	return compose_load_plain(s->ctx, src, out, err);
}

TEST(include_env_files)
{
	setup();
	put("compose.yml", "include:\n  - inc/a.yml\n");
	put("inc/a.yml", "services:\n  a:\n    image: a\n");
	put("inc/.env", "A=1\n");
	put("two.yml", "include:\n  - path: inc/a.yml\n    env_file: [x.env, /dev/null]\n");
	put("x.env", "X=1\n");
	put("none.yml", "include:\n  - path: inc/a.yml\n    env_file: nope.env\n");
	struct compose_ctx ctx = {0};
	struct seen_env seen = {.ctx = &ctx};
	ctx.load = noting_loader;
	ctx.load_arg = &seen;
	struct clan_err err = {0};
	struct ynode *t = load_one(&ctx, "compose.yml", &err);
	_cleanup_free_ char *dotenv = xasprintf("%s/inc/.env;", root);
	CHECK(t != NULL);
	CHECK_STR(seen.last, dotenv);
	ynode_free(t);
	t = load_one(&ctx, "two.yml", &err);
	_cleanup_free_ char *xenv = xasprintf("%s/x.env;", root);
	CHECK(t != NULL);
	CHECK_STR(seen.last, xenv);
	ynode_free(t);
	CHECK(load_one(&ctx, "none.yml", &err) == NULL);
	CHECK(strstr(err.msg, "none.yml:3:15: include: env_file ") && strstr(err.msg, "nope.env"));
	compose_ctx_free(&ctx);
	teardown();
}

TEST(include_conflicts)
{
	/* compose-go include_test.go: a resource defined twice is an error,
	 * unless both definitions are the same */
	setup();
	put("compose.yml", "include:\n  - inc.yml\nservices:\n  db:\n    image: mine\n");
	put("inc.yml", "services:\n  db:\n    image: theirs\n");
	put("same.yml", "include:\n  - inc.yml\nservices:\n  db:\n    image: theirs\n");
	put("twice.yml", "include:\n  - inc.yml\n  - inc2.yml\n");
	put("inc2.yml", "volumes:\n  v:\nservices:\n  db:\n    image: other\n");
	struct clan_err err = {0};
	const char *msg = fails("compose.yml", &err);
	CHECK(strstr(msg, "compose.yml:5:5: services.db is defined both here and in an included "
			  "file (") &&
	      strstr(msg, "inc.yml:3:5)"));
	CHECK_STR(fails("same.yml", &err), "");
	CHECK(strstr(fails("twice.yml", &err), "twice.yml:") == NULL);
	CHECK(strstr(fails("twice.yml", &err), "inc.yml:3:5: services.db is defined both here"));
	teardown();
}

TEST(include_errors_and_bounds)
{
	setup();
	struct clan_err err = {0};
	put("self.yml", "include:\n  - self.yml\n");
	CHECK(strstr(fails("self.yml", &err), "self.yml:2:5: include cycle: "));
	put("a.yml", "include:\n  - b/b.yml\n");
	put("b/b.yml", "include:\n  - ../a.yml\n");
	const char *msg = fails("a.yml", &err);
	CHECK(strstr(msg, "b.yml:2:5: include cycle: ") && strstr(msg, "a.yml"));
	/* through the second path of a list: a cycle, not the depth bound */
	put("c.yml", "services: {}\n");
	put("list.yml", "include:\n  - path: [c.yml, list.yml]\n");
	msg = fails("list.yml", &err);
	CHECK(strstr(msg, "include cycle: ") != NULL);
	put("missing.yml", "services: {}\ninclude:\n  - nope/x.yml\n");
	msg = fails("missing.yml", &err);
	CHECK(strstr(msg, "missing.yml:3:5: include: cannot open ") && strstr(msg, "nope/x.yml"));
	/* a secret included by mistake is never shown */
	put("secret.txt", "hunter2-TOPSECRET\n");
	put("yamlish.txt", "pw: hunter2: TOPSECRET\n");
	put("leak.yml", "include:\n  - secret.txt\n");
	put("leak2.yml", "include:\n  - yamlish.txt\n");
	msg = fails("leak.yml", &err);
	CHECK(strstr(msg, "leak.yml:2:5: include ") && strstr(msg, "not a compose file"));
	CHECK(!strstr(msg, "TOPSECRET"));
	msg = fails("leak2.yml", &err);
	CHECK(*msg && !strstr(msg, "TOPSECRET") && !strstr(msg, "hunter2"));
	put("kind.yml", "include: {a: b}\n");
	CHECK(strstr(fails("kind.yml", &err), "kind.yml:1:10: include: expected a list"));
	/* nesting deeper than the bound */
	for (int i = 0; i < COMPOSE_MAX_INCLUDE_DEPTH + 3; i++) {
		_cleanup_free_ char *name = xasprintf("chain/%d.yml", i);
		_cleanup_free_ char *body =
		    xasprintf("include:\n  - %s/chain/%d.yml\n", root, i + 1);
		put(name, body);
	}
	msg = fails("chain/0.yml", &err);
	CHECK(strstr(msg, "more than 16 levels of include"));
	/* the same file included past the file bound */
	put("one.yml", "services:\n  o:\n    image: o\n");
	char *many = xstrdup("include:\n");
	for (int i = 0; i <= COMPOSE_MAX_FILES; i++) {
		char *more = xasprintf("%s  - one.yml\n", many);
		free(many);
		many = more;
	}
	put("many.yml", many);
	free(many);
	CHECK(strstr(fails("many.yml", &err), "more than 100 compose files"));
	teardown();
}

TEST(rebase_cleans_as_go)
{
	static const char *const cases[][3] = {
	    {"/p", ".", "/p"},
	    {"/p", "./a/../b", "/p/b"},
	    {"/p/q", "..", "/p"},
	    {"/p", "../../..", "/"},
	    {"/p", "/x//y/./z/", "/x/y/z"},
	    {"/p", "~/x", "~/x"},
	    {"/p", "https://h/r.git", "https://h/r.git"},
	    {"rel", "./x", "rel/./x"},
	    {"/", "a", "/a"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		_cleanup_free_ char *got = compose_rebase(cases[i][0], cases[i][1]);
		CHECK_STR(got, cases[i][2]);
	}
}

TEST(include_project_directory_for_extends)
{
	/* compose-go include_test.go TestNestedIncludeAndExtends: the included
	 * file's extends is relative to the include's project directory */
	setup();
	put("compose.yml", "include:\n  - project_directory: .\n    path: dir/included.yaml\n");
	put("dir/included.yaml", "services:\n  included:\n    extends:\n      file: "
				 "dir/extended.yaml\n      service: extended\n");
	put("dir/extended.yaml", "services:\n  extended:\n    image: alpine\n");
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_one(&ctx, "compose.yml", &err);
	CHECK(t != NULL);
	CHECK_STR(text(t, "services.included.image"), "alpine");
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}

TEST(include_same_file_twice)
{
	/* compose-go include_test.go TestLoadWithMultipleInclude: the same
	 * service reached twice is no conflict */
	setup();
	put("compose.yml", "include:\n  - one.yml\n  - path: ./one.yml\nservices:\n  foo:\n    "
			   "depends_on: [o]\n");
	put("one.yml", "services:\n  o:\n    image: o\n    ports: [\"80:80\"]\n");
	struct compose_ctx ctx = {0};
	struct clan_err err = {0};
	struct ynode *t = load_one(&ctx, "compose.yml", &err);
	CHECK(t != NULL);
	const struct ynode *ports = at(t, "services.o.ports");
	CHECK(ports && ports->n == 1);
	CHECK(ctx.files == 2); /* each include read, the top file not counted */
	ynode_free(t);
	compose_ctx_free(&ctx);
	teardown();
}
