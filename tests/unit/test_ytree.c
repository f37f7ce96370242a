/* Unit tests for ytree: a YAML document as a tree that remembers where
 * each node was written, with aliases and `<<` merge keys resolved as
 * YAML defines them and a file's own tags (compose's !reset) kept. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config/ytree.h"
#include "config/ytree_json.h"
#include "tap.h"

static struct ynode *load(const char *text, struct clan_err *err)
{
	struct ynode *t = NULL;
	if (ytree_load(text, strlen(text), "c.yml", &t, err) < 0)
		return NULL;
	return t;
}

static const char *val(const struct ynode *map, const char *key)
{
	const struct ynode *v = ynode_get(map, key);
	return v && v->kind == YN_SCALAR ? v->value : "(none)";
}

TEST(scalars_nulls_and_where)
{
	struct clan_err err = {0};
	struct ynode *t = load("a: 1\nb: '1'\nc:\nd: ~\ne: \"null\"\nf: [x, y]\n", &err);
	CHECK(t && t->kind == YN_MAP && t->n == 6);
	const struct ynode *a = ynode_get(t, "a"), *b = ynode_get(t, "b");
	CHECK(a && a->plain && !b->plain && strcmp(b->value, "1") == 0);
	CHECK(ynode_get(t, "c")->kind == YN_NULL && ynode_get(t, "d")->kind == YN_NULL);
	/* a quoted "null" is a string */
	CHECK_STR(val(t, "e"), "null");
	const struct ynode *f = ynode_get(t, "f");
	CHECK(f->kind == YN_SEQ && f->n == 2 && strcmp(f->items[1]->value, "y") == 0);
	CHECK(f->line == 6 && f->column == 4 && f->items[1]->column == 8);
	CHECK(ynode_get(t, "zz") == NULL && ynode_get(f, "x") == NULL);
	ynode_free(t);
}

TEST(empty_text_is_null)
{
	struct clan_err err = {0};
	struct ynode *t = load("", &err);
	CHECK(t && t->kind == YN_NULL);
	ynode_free(t);
	t = load("# only a comment\n", &err);
	CHECK(t && t->kind == YN_NULL);
	ynode_free(t);
}

TEST(aliases_are_copies)
{
	struct clan_err err = {0};
	struct ynode *t = load("x: &e {A: 1}\ny: *e\n", &err);
	CHECK(t != NULL);
	const struct ynode *x = ynode_get(t, "x"), *y = ynode_get(t, "y");
	CHECK(x && y && x != y && strcmp(val(y, "A"), "1") == 0);
	ynode_free(t);
}

TEST(merge_keys)
{
	struct clan_err err = {0};
	const char *text = "base: &b {image: pg, env: one, port: 1}\n"
			   "more: &m {env: two, user: u}\n"
			   "svc:\n"
			   "  env: mine\n"
			   "  <<: [*b, *m]\n"
			   "solo:\n"
			   "  <<: *b\n"
			   "  port: 2\n";
	struct ynode *t = load(text, &err);
	CHECK(t != NULL);
	if (!t) {
		printf("#   %s\n", err.msg);
		return;
	}
	const struct ynode *svc = ynode_get(t, "svc"), *solo = ynode_get(t, "solo");
	/* written keys win wherever << stands; the first merged map wins */
	CHECK_STR(val(svc, "env"), "mine");
	CHECK_STR(val(svc, "image"), "pg");
	CHECK_STR(val(svc, "user"), "u");
	CHECK(ynode_get(svc, "<<") == NULL && svc->n == 4);
	CHECK_STR(val(solo, "port"), "2");
	CHECK_STR(val(solo, "image"), "pg");
	ynode_free(t);
	/* a quoted "<<" is an ordinary key */
	t = load("'<<': x\n", &err);
	CHECK(t && strcmp(val(t, "<<"), "x") == 0);
	ynode_free(t);
}

TEST(own_tags_kept)
{
	struct clan_err err = {0};
	struct ynode *t = load("ports: !reset []\nimage: !!str 5\nenv: !override {A: 1}\n", &err);
	CHECK(t != NULL);
	CHECK_STR(ynode_get(t, "ports")->tag, "!reset");
	CHECK_STR(ynode_get(t, "env")->tag, "!override");
	CHECK(ynode_get(t, "image")->tag == NULL);
	ynode_free(t);
}

TEST(refusals_say_where)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"a: 1\nb: 2\na: 3\n", "c.yml:3:1: key 'a' is written twice in this mapping"},
	    {"a:\n  <<: 5\n", "c.yml:2:7: << (a merge key) takes a mapping"},
	    {"a: &x [1]\nb:\n  <<: [*x]\n", "c.yml:1:4: << (a merge key) takes a mapping"},
	    {"? [1, 2]\n: v\n", "c.yml:1:3: a key must be a plain value"},
	    {"a: b: c\n", "c.yml:1:5: bad YAML"},
	    {"a: &x [*x]\n", "c.yml:1:8: an alias inside its own anchor"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct clan_err err = {0};
		struct ynode *t = load(cases[i].text, &err);
		CHECK(t == NULL && err.code == CLAN_EXIT_USAGE);
		if (!strstr(err.msg, cases[i].want)) {
			printf("#   got  '%s'\n#   want '%s'\n", err.msg, cases[i].want);
			CHECK(!"message");
		}
		ynode_free(t);
	}
}

TEST(deep_nesting_refused_not_crashed)
{
	struct clan_err err = {0};
	size_t depth = 5000;
	char *text = xmalloc(depth * 2 + 1);
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[depth * 2] = '\0';
	struct ynode *t = load(text, &err);
	CHECK(t == NULL && strstr(err.msg, "nested too deep"));
	free(text);
}

/* clan config --no-normalize: YAML 1.2's core types for plain scalars
 * (as compose's Go YAML library), every quoted one a string, order kept. */
TEST(as_json_typed_as_yaml_types_them)
{
	struct clan_err err = {0};
	struct ynode *t =
	    load("b: 1\na: '1'\nc: 1.50\nd: true\ne: \"true\"\nf: on\ng: ~\n"
		 "h:\ni: 0755\nj: -3\nk: [x, 2]\nl: {m: null}\nn: 1e3\no: 99999999999999999999\n"
		 "p: .\nq: \"\\xff\"\nr: .inf\ns: 0x1F\n",
		 &err);
	CHECK(t != NULL);
	json_t *j = ytree_json(t);
	char *s = json_dumps(j, JSON_COMPACT);
	CHECK_STR(
	    s, "{\"b\":1,\"a\":\"1\",\"c\":1.5,\"d\":true,\"e\":\"true\",\"f\":\"on\",\"g\":null,"
	       "\"h\":null,\"i\":493,\"j\":-3,\"k\":[\"x\",2],\"l\":{\"m\":null},"
	       "\"n\":1000,\"o\":1e20,\"p\":\".\",\"q\":\"\xc3\xbf\",\"r\":\"+Inf\",\"s\":31}");
	free(s);
	json_decref(j);
	CHECK(ytree_json(NULL) == NULL);
	ynode_free(t);
}
