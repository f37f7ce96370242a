/* compose-go's merge of two trees (override/merge.go, v2): the rules by
 * path, then the default (mappings merged, sequences appended, scalars
 * replaced). Sequences are made unique afterwards (compose_unique.c). */
#define _GNU_SOURCE
#include "config/compose_merge.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config/compose_path.h"
#include "config/compose_unique.h"
#include "config/ytree_edit.h"

enum merge_rule {
	MR_DEFAULT,
	MR_REPLACE,	/* command, entrypoint: the later value whole */
	MR_KEY_VALUE,	/* environment, labels: KEY=V or KEY: V, by KEY */
	MR_APPEND,	/* dns, env_file, tmpfs: a string is a list of one */
	MR_EXTRA_HOSTS, /* a mapping is HOST=IP entries */
	MR_DEPENDS_ON,	/* a list is a map of {condition: service_started, required: true} */
	MR_TO_MAP,	/* networks: a list is a map of nulls */
	MR_BUILD,	/* a string is {context: STRING} */
	MR_LOGGING,	/* merged when the driver is the same, else replaced */
};

/* compose-go's mergeSpecials, override/merge.go */
static const struct {
	const char *path;
	enum merge_rule rule;
} merge_rules[] = {
    {"services.*.command", MR_REPLACE},
    {"services.*.entrypoint", MR_REPLACE},
    {"services.*.healthcheck.test", MR_REPLACE},
    {"services.*.ulimits.*", MR_REPLACE},
    {"services.*.environment", MR_KEY_VALUE},
    {"services.*.labels", MR_KEY_VALUE},
    {"services.*.annotations", MR_KEY_VALUE},
    {"services.*.sysctls", MR_KEY_VALUE},
    {"services.*.build.args", MR_KEY_VALUE},
    {"services.*.build.labels", MR_KEY_VALUE},
    {"services.*.build.additional_contexts", MR_KEY_VALUE},
    {"services.*.deploy.labels", MR_KEY_VALUE},
    {"networks.*.labels", MR_KEY_VALUE},
    {"volumes.*.labels", MR_KEY_VALUE},
    {"services.*.dns", MR_APPEND},
    {"services.*.dns_opt", MR_APPEND},
    {"services.*.dns_search", MR_APPEND},
    {"services.*.env_file", MR_APPEND},
    {"services.*.label_file", MR_APPEND},
    {"services.*.tmpfs", MR_APPEND},
    {"services.*.extra_hosts", MR_EXTRA_HOSTS},
    {"services.*.build.extra_hosts", MR_EXTRA_HOSTS},
    {"services.*.depends_on", MR_DEPENDS_ON},
    {"services.*.networks", MR_TO_MAP},
    {"services.*.models", MR_TO_MAP},
    {"services.*.build", MR_BUILD},
    {"services.*.logging", MR_LOGGING},
};

struct merger {
	struct clan_err *err;
	bool keep_tags; /* extends: the tags still apply to earlier files */
};

static enum merge_rule rule_for(const struct compose_path *p)
{
	for (size_t i = 0; i < sizeof merge_rules / sizeof *merge_rules; i++)
		if (compose_path_is(p, merge_rules[i].path))
			return merge_rules[i].rule;
	return MR_DEFAULT;
}

static bool has_tag(const struct ynode *n, const char *tag)
{
	return n && n->tag && strcmp(n->tag, tag) == 0;
}

static void drop_tag(struct ynode *n)
{
	free(n->tag);
	n->tag = NULL;
}

/* A value from the later file that has nothing to merge with: its own
 * !reset keys go, its !override tags are spent (unless kept for a later
 * merge). Tags on anything else mean nothing to compose. */
static void settle(const struct merger *m, struct ynode *n)
{
	if (m->keep_tags)
		return;
	for (size_t i = 0; i < n->n;) {
		if (n->kind == YN_MAP && has_tag(n->items[i], "!reset")) {
			ynode_free(ynode_take(n, i));
			continue;
		}
		settle(m, n->items[i]);
		i++;
	}
	if (has_tag(n, "!reset") || has_tag(n, "!override"))
		drop_tag(n);
}

static const char *kind_name(const struct ynode *n)
{
	switch (n->kind) {
	case YN_MAP:
		return "a mapping";
	case YN_SEQ:
		return "a list";
	case YN_SCALAR:
		return "a value";
	default:
		return "null";
	}
}

static int conflict(const struct merger *m, const struct ynode *base, const struct ynode *over,
		    const struct compose_path *p)
{
	char path[256], at[512];
	return clan_error_code(m->err, CLAN_EXIT_USAGE,
			       "%s:%d:%d: %s: %s cannot override %s (written at %s)", over->file,
			       over->line, over->column, compose_path_str(p, path, sizeof path),
			       kind_name(over), kind_name(base), ynode_where(base, at, sizeof at));
}

static int merge_value(const struct merger *m, struct ynode **base, struct ynode *over,
		       const struct compose_path *p);

/* Merges the mapping over (consumed) into the mapping base, key by key. */
static int merge_map(const struct merger *m, struct ynode *base, struct ynode *over,
		     const struct compose_path *p)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < over->n; i++) {
		const char *key = over->keys[i];
		struct ynode *v = over->items[i];
		over->items[i] = NULL;
		ssize_t at = ynode_index(base, key);
		if (has_tag(v, "!reset")) {
			if (at >= 0)
				ynode_free(ynode_take(base, (size_t)at));
			if (m->keep_tags)
				ynode_set(base, key, v);
			else
				ynode_free(v);
		} else if (has_tag(v, "!override") || at < 0) {
			settle(m, v);
			ynode_set(base, key, v);
		} else {
			struct compose_path next = compose_path_next(p, base->keys[at]);
			rc = merge_value(m, &base->items[at], v, &next);
		}
	}
	ynode_free(over);
	return rc;
}

/* KEY=VALUE (or KEY alone, a null) as a mapping's entry. */
static int add_key_value(const struct merger *m, struct ynode *map, const struct ynode *item)
{
	if (item->kind != YN_SCALAR)
		return clan_error_code(m->err, CLAN_EXIT_USAGE,
				       "%s:%d:%d: expected KEY=VALUE, not %s", item->file,
				       item->line, item->column, kind_name(item));
	const char *eq = strchr(item->value, '=');
	_cleanup_free_ char *key =
	    eq ? xstrndup(item->value, (size_t)(eq - item->value)) : xstrdup(item->value);
	ynode_set(map, key, eq ? ynode_new_scalar(eq + 1, false, item) : ynode_new(YN_NULL, item));
	return 0;
}

/* n (consumed) as a mapping: a list of KEY=VALUE, a single such string,
 * or nothing. */
static int key_value_map(const struct merger *m, struct ynode *n, struct ynode **out)
{
	*out = NULL;
	if (n->kind == YN_MAP) {
		*out = n;
		return 0;
	}
	struct ynode *map = ynode_new(YN_MAP, n);
	int rc = 0;
	if (n->kind == YN_SCALAR)
		rc = add_key_value(m, map, n);
	for (size_t i = 0; rc == 0 && n->kind == YN_SEQ && i < n->n; i++)
		rc = add_key_value(m, map, n->items[i]);
	ynode_free(n);
	if (rc < 0) {
		ynode_free(map);
		return -1;
	}
	*out = map;
	return 0;
}

/* The mapping back as a list of KEY=VALUE, when both files wrote lists. */
static struct ynode *key_value_list(struct ynode *map)
{
	struct ynode *seq = ynode_new(YN_SEQ, map);
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *v = map->items[i];
		_cleanup_free_ char *text = v->kind == YN_SCALAR
						? xasprintf("%s=%s", map->keys[i], v->value)
						: xstrdup(map->keys[i]);
		ynode_push(seq, ynode_new_scalar(text, false, v));
	}
	ynode_free(map);
	return seq;
}

static int merge_key_value(const struct merger *m, struct ynode **base, struct ynode *over)
{
	/* a list when both files wrote one (and no tag must survive) */
	bool as_list = (*base)->kind != YN_MAP && over->kind != YN_MAP && !m->keep_tags;
	struct ynode *b, *o;
	if (key_value_map(m, over, &o) < 0)
		return -1;
	struct ynode *old = *base;
	*base = NULL;
	if (key_value_map(m, old, &b) < 0) {
		*base = ynode_new(YN_NULL, o);
		ynode_free(o);
		return -1;
	}
	/* the later entry wins whole, a null (KEY alone) too */
	for (size_t i = 0; i < o->n; i++) {
		struct ynode *v = o->items[i];
		o->items[i] = NULL;
		if (has_tag(v, "!reset")) {
			ssize_t at = ynode_index(b, o->keys[i]);
			if (at >= 0)
				ynode_free(ynode_take(b, (size_t)at));
			if (!m->keep_tags) {
				ynode_free(v);
				continue;
			}
		}
		settle(m, v);
		ynode_set(b, o->keys[i], v);
	}
	ynode_free(o);
	*base = as_list ? key_value_list(b) : b;
	return 0;
}

/* n (consumed) as a list: a string is a list of one, null an empty one. */
static int as_list(const struct merger *m, struct ynode *n, struct ynode **out,
		   const struct compose_path *p)
{
	*out = NULL;
	if (n->kind == YN_SEQ) {
		*out = n;
		return 0;
	}
	if (n->kind == YN_MAP) {
		char path[256];
		int rc =
		    clan_error_code(m->err, CLAN_EXIT_USAGE, "%s:%d:%d: %s must be a list", n->file,
				    n->line, n->column, compose_path_str(p, path, sizeof path));
		ynode_free(n);
		return rc;
	}
	struct ynode *seq = ynode_new(YN_SEQ, n);
	if (n->kind == YN_SCALAR)
		ynode_push(seq, n);
	else
		ynode_free(n);
	*out = seq;
	return 0;
}

/* extra_hosts: a mapping is host=ip entries (one per ip of a list). */
static int hosts_list(const struct merger *m, struct ynode *n, struct ynode **out,
		      const struct compose_path *p)
{
	if (n->kind != YN_MAP)
		return as_list(m, n, out, p);
	struct ynode *seq = ynode_new(YN_SEQ, n);
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *v = n->items[i];
		size_t count = v->kind == YN_SEQ ? v->n : 1;
		for (size_t j = 0; j < count; j++) {
			const struct ynode *ip = v->kind == YN_SEQ ? v->items[j] : v;
			_cleanup_free_ char *text =
			    xasprintf("%s=%s", n->keys[i], ip->kind == YN_SCALAR ? ip->value : "");
			ynode_push(seq, ynode_new_scalar(text, false, ip));
		}
	}
	ynode_free(n);
	*out = seq;
	return 0;
}

/* A hash of n's values, blind to a mapping's order as ynode_equal is. */
static uint64_t node_hash(const struct ynode *n)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)n->kind;
	if (n->kind == YN_SCALAR)
		for (const char *c = n->value; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	for (size_t i = 0; i < n->n; i++) {
		uint64_t item = node_hash(n->items[i]);
		if (n->kind == YN_MAP) {
			uint64_t k = 1469598103934665603ULL;
			for (const char *c = n->keys[i]; *c; c++)
				k = (k ^ (unsigned char)*c) * 1099511628211ULL;
			h += (k ^ item) * 0x9E3779B97F4A7C15ULL; /* a sum: order does not count */
		} else {
			h = (h ^ item) * 1099511628211ULL;
		}
	}
	return h;
}

struct hashed {
	uint64_t hash;
	size_t index;
};

static int by_hash(const void *a, const void *b)
{
	const struct hashed *x = a, *y = b;
	return (x->hash > y->hash) - (x->hash < y->hash);
}

/* Whether v is one of base's first items (their hashes sorted in seen). */
static bool is_repeated(const struct ynode *base, const struct hashed *seen, size_t n,
			const struct ynode *v)
{
	uint64_t h = node_hash(v);
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (seen[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && seen[lo].hash == h; lo++)
		if (ynode_equal(base->items[seen[lo].index], v))
			return true;
	return false;
}

/* Appends over's items (consumed) to base's, both lists by now. An item
 * identical to one base held is dropped: it never means more than one,
 * and merging the same file twice stays a no-op (compose-go v2.15's
 * merge_dedup_test.go). Sorted hashes keep a hostile list n log n. */
static void append_items(const struct merger *m, struct ynode *base, struct ynode *over)
{
	size_t had = base->n;
	struct hashed *seen = xcalloc(had + 1, sizeof *seen);
	for (size_t i = 0; i < had; i++)
		seen[i] = (struct hashed){node_hash(base->items[i]), i};
	qsort(seen, had, sizeof *seen, by_hash);
	for (size_t i = 0; i < over->n; i++) {
		struct ynode *v = over->items[i];
		over->items[i] = NULL;
		if (is_repeated(base, seen, had, v)) {
			ynode_free(v);
			continue;
		}
		settle(m, v);
		ynode_push(base, v);
	}
	free(seen);
	ynode_free(over);
}

typedef int (*list_fn)(const struct merger *, struct ynode *, struct ynode **,
		       const struct compose_path *);

static int merge_lists(const struct merger *m, struct ynode **base, struct ynode *over,
		       const struct compose_path *p, list_fn to_list)
{
	struct ynode *o, *b;
	if (to_list(m, over, &o, p) < 0)
		return -1;
	struct ynode *old = *base;
	*base = NULL;
	if (to_list(m, old, &b, p) < 0) {
		*base = o;
		return -1;
	}
	append_items(m, b, o);
	*base = b;
	return 0;
}

/* depends_on, networks: a list of names is a mapping of defaults
 * (depends_on's: condition service_started, required true). */
static int name_map(const struct merger *m, struct ynode *n, bool depends_on, struct ynode **out,
		    const struct compose_path *p)
{
	*out = NULL;
	if (n->kind == YN_MAP || n->kind == YN_NULL) {
		*out = n;
		return 0;
	}
	char path[256];
	if (n->kind != YN_SEQ) {
		int rc = clan_error_code(
		    m->err, CLAN_EXIT_USAGE, "%s:%d:%d: %s must be a list or a mapping", n->file,
		    n->line, n->column, compose_path_str(p, path, sizeof path));
		ynode_free(n);
		return rc;
	}
	struct ynode *map = ynode_new(YN_MAP, n);
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *item = n->items[i];
		if (item->kind != YN_SCALAR) {
			int rc = clan_error_code(
			    m->err, CLAN_EXIT_USAGE, "%s:%d:%d: %s: expected a name, not %s",
			    item->file, item->line, item->column,
			    compose_path_str(p, path, sizeof path), kind_name(item));
			ynode_free(map);
			ynode_free(n);
			return rc;
		}
		struct ynode *v = ynode_new(depends_on ? YN_MAP : YN_NULL, item);
		if (depends_on) {
			ynode_set(v, "condition", ynode_new_scalar("service_started", true, item));
			ynode_set(v, "required", ynode_new_scalar("true", true, item));
		}
		ynode_set(map, item->value, v);
	}
	ynode_free(n);
	*out = map;
	return 0;
}

static int merge_name_maps(const struct merger *m, struct ynode **base, struct ynode *over,
			   const struct compose_path *p, bool depends_on)
{
	struct ynode *o, *b;
	if (name_map(m, over, depends_on, &o, p) < 0)
		return -1;
	struct ynode *old = *base;
	*base = NULL;
	if (name_map(m, old, depends_on, &b, p) < 0) {
		*base = o;
		return -1;
	}
	*base = b;
	if (o->kind == YN_NULL) {
		ynode_free(o);
		return 0;
	}
	if (b->kind == YN_NULL) {
		settle(m, o);
		ynode_free(b);
		*base = o;
		return 0;
	}
	return merge_map(m, b, o, p);
}

/* build: a string is the context. */
static struct ynode *build_map(struct ynode *n)
{
	if (n->kind != YN_SCALAR)
		return n;
	struct ynode *map = ynode_new(YN_MAP, n);
	ynode_set(map, "context", n);
	return map;
}

static bool same_driver(const struct ynode *a, const struct ynode *b)
{
	const struct ynode *da = ynode_get(a, "driver"), *db = ynode_get(b, "driver");
	return !da || !db || ynode_equal(da, db);
}

/* The rules for what both files wrote, for the value at p. */
static int merge_value(const struct merger *m, struct ynode **base, struct ynode *over,
		       const struct compose_path *p)
{
	switch (rule_for(p)) {
	case MR_REPLACE:
		settle(m, over);
		ynode_free(*base);
		*base = over;
		return 0;
	case MR_KEY_VALUE:
		return merge_key_value(m, base, over);
	case MR_APPEND:
		return merge_lists(m, base, over, p, as_list);
	case MR_EXTRA_HOSTS:
		return merge_lists(m, base, over, p, hosts_list);
	case MR_DEPENDS_ON:
		return merge_name_maps(m, base, over, p, true);
	case MR_TO_MAP:
		return merge_name_maps(m, base, over, p, false);
	case MR_BUILD:
		*base = build_map(*base);
		over = build_map(over);
		break;
	case MR_LOGGING:
		if ((*base)->kind == YN_MAP && over->kind == YN_MAP && !same_driver(*base, over)) {
			settle(m, over);
			ynode_free(*base);
			*base = over;
			return 0;
		}
		break;
	case MR_DEFAULT:
		break;
	}
	if (over->kind == YN_NULL) {
		ynode_free(over);
		return 0;
	}
	if ((*base)->kind == YN_MAP || (*base)->kind == YN_SEQ) {
		if (over->kind != (*base)->kind) {
			int rc = conflict(m, *base, over, p);
			ynode_free(over);
			return rc;
		}
		if (over->kind == YN_MAP)
			return merge_map(m, *base, over, p);
		append_items(m, *base, over);
		return 0;
	}
	settle(m, over);
	ynode_free(*base);
	*base = over;
	return 0;
}

static int top_is_mapping(const struct ynode *n, struct clan_err *err)
{
	if (n->kind == YN_MAP || n->kind == YN_NULL)
		return 0;
	return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d:%d: the top level must be a mapping",
			       n->file, n->line, n->column);
}

int compose_merge(struct ynode **base, struct ynode *over, struct clan_err *err)
{
	struct merger m = {.err = err};
	if (top_is_mapping(over, err) < 0 || (*base && top_is_mapping(*base, err) < 0)) {
		ynode_free(over);
		return -1;
	}
	struct compose_path root = {.n = 0};
	int rc = 0;
	if (!*base || (*base)->kind == YN_NULL) {
		settle(&m, over);
		ynode_free(*base);
		*base = over;
	} else {
		rc = merge_value(&m, base, over, &root);
	}
	return rc < 0 ? -1 : compose_unique(*base, err);
}

int compose_merge_service(struct ynode **base, struct ynode *over, struct clan_err *err)
{
	struct merger m = {.err = err, .keep_tags = true};
	/* compose-go merges an extended service at the path services.x */
	struct compose_path p = {.key = {"services", "x"}, .n = 2};
	/* the base's own tags were for its own name's earlier definitions */
	struct merger plain = {.err = err};
	settle(&plain, *base);
	return merge_value(&m, base, over, &p);
}

bool ynode_equal(const struct ynode *a, const struct ynode *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->n != b->n)
		return false;
	if (a->kind == YN_SCALAR)
		return strcmp(a->value, b->value) == 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct ynode *other =
		    a->kind == YN_MAP ? ynode_get(b, a->keys[i]) : b->items[i];
		if (!ynode_equal(a->items[i], other))
			return false;
	}
	return true;
}
