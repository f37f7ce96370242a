#define _GNU_SOURCE
#include "config/compose_unique.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config/compose_path.h"
#include "config/ytree_edit.h"

enum identity {
	ID_KEY_VALUE, /* KEY of KEY=VALUE, else the whole text */
	ID_PORT,
	ID_VOLUME, /* the target */
	ID_DEVICE, /* HOST:CONTAINER[:PERMS]'s CONTAINER */
	ID_TMPFS,  /* the target, before any :OPTIONS */
	ID_SECRET, /* where it is mounted: /run/secrets/SOURCE by default */
	ID_CONFIG, /* /SOURCE by default */
	ID_ENV_FILE,
	ID_TEXT,
};

/* compose-go's `unique` table. tmpfs is ours: compose-go keys
 * "/run:size=1m" as "/run:size" (KEY=VALUE), so a later file's options
 * for the same target would mount it twice. */
static const struct {
	const char *path;
	enum identity id;
} unique_rules[] = {
    {"services.*.annotations", ID_KEY_VALUE},
    {"services.*.build.args", ID_KEY_VALUE},
    {"services.*.build.additional_contexts", ID_KEY_VALUE},
    {"services.*.build.platforms", ID_KEY_VALUE},
    {"services.*.build.tags", ID_KEY_VALUE},
    {"services.*.build.labels", ID_KEY_VALUE},
    {"services.*.cap_add", ID_KEY_VALUE},
    {"services.*.cap_drop", ID_KEY_VALUE},
    {"services.*.deploy.labels", ID_KEY_VALUE},
    {"services.*.dns", ID_KEY_VALUE},
    {"services.*.dns_opt", ID_KEY_VALUE},
    {"services.*.dns_search", ID_KEY_VALUE},
    {"services.*.environment", ID_KEY_VALUE},
    {"services.*.labels", ID_KEY_VALUE},
    {"services.*.links", ID_KEY_VALUE},
    {"services.*.networks.*.aliases", ID_KEY_VALUE},
    {"services.*.networks.*.link_local_ips", ID_KEY_VALUE},
    {"services.*.profiles", ID_KEY_VALUE},
    {"services.*.sysctls", ID_KEY_VALUE},
    {"networks.*.labels", ID_KEY_VALUE},
    {"networks.*.ipam.options", ID_KEY_VALUE},
    {"services.*.ports", ID_PORT},
    {"services.*.volumes", ID_VOLUME},
    {"services.*.devices", ID_DEVICE},
    {"services.*.tmpfs", ID_TMPFS},
    {"services.*.secrets", ID_SECRET},
    {"services.*.configs", ID_CONFIG},
    {"services.*.env_file", ID_ENV_FILE},
    {"services.*.expose", ID_TEXT},
};

static const char *text_of(const struct ynode *n)
{
	return n && n->kind == YN_SCALAR ? n->value : NULL;
}

/* The part of s before the first c (all of s without one). */
static char *before(const char *s, char c)
{
	const char *at = strchr(s, c);
	return at ? xstrndup(s, (size_t)(at - s)) : xstrdup(s);
}

/* [IP:][PUBLISHED:]TARGET[/PROTO], an IPv6 address in brackets. */
static char *short_port_key(const char *s)
{
	_cleanup_free_ char *spec = xstrdup(s);
	const char *proto = "tcp";
	char *slash = strrchr(spec, '/');
	if (slash) {
		*slash = '\0';
		proto = slash + 1;
	}
	const char *ip = "", *published = "", *target = spec;
	char *colon = strrchr(spec, ':');
	if (colon) {
		*colon = '\0';
		target = colon + 1;
		published = spec;
		char *c2 = strrchr(spec, ':');
		if (c2 && !(spec[0] == '[' && c2 < strrchr(spec, ']'))) {
			*c2 = '\0';
			ip = spec;
			published = c2 + 1;
		} else if (spec[0] == '[') {
			ip = spec;
			published = "";
		}
	}
	size_t iplen = strlen(ip);
	if (iplen >= 2 && ip[0] == '[' && ip[iplen - 1] == ']')
		return xasprintf("%.*s:%s:%s/%s", (int)(iplen - 2), ip + 1, published, target,
				 proto);
	return xasprintf("%s:%s:%s/%s", *ip ? ip : "0.0.0.0", published, target, proto);
}

char *compose_port_key(const struct ynode *port)
{
	if (port->kind == YN_SCALAR)
		return short_port_key(port->value);
	const char *target = text_of(ynode_get(port, "target"));
	if (port->kind != YN_MAP || !target)
		return NULL;
	const char *ip = text_of(ynode_get(port, "host_ip"));
	const char *published = text_of(ynode_get(port, "published"));
	const char *proto = text_of(ynode_get(port, "protocol"));
	return xasprintf("%s:%s:%s/%s", ip ? ip : "0.0.0.0", published ? published : "", target,
			 proto ? proto : "tcp");
}

/* SOURCE:TARGET[:MODE] or TARGET alone: the target. */
static char *short_volume_target(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon)
		return xstrdup(s);
	return before(colon + 1, ':');
}

static char *mount_key(const struct ynode *n, const char *dir)
{
	const char *target = text_of(ynode_get(n, "target"));
	const char *source = n->kind == YN_SCALAR ? n->value : text_of(ynode_get(n, "source"));
	if (target && target[0] == '/')
		return xstrdup(target);
	/* a relative target is under the default directory, as mounted */
	return xasprintf("%s/%s", dir, target ? target : source ? source : "");
}

static int missing_target(const struct ynode *n, const char *what, struct clan_err *err)
{
	return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d:%d: this %s has no target", n->file,
			       n->line, n->column, what);
}

/* The identity of item in a list of kind id: *key NULL when it has none
 * (a mapping where a string belongs: left as it is, for the checks of
 * the stack to name). */
static int identity_of(const struct ynode *item, enum identity id, char **key, struct clan_err *err)
{
	*key = NULL;
	const char *text = text_of(item);
	switch (id) {
	case ID_KEY_VALUE:
		*key = text ? before(text, '=') : NULL;
		return 0;
	case ID_TEXT:
		*key = text ? xstrdup(text) : NULL;
		return 0;
	case ID_TMPFS:
		*key = text ? before(text, ':') : NULL;
		return 0;
	case ID_ENV_FILE:
		text = text ? text : text_of(ynode_get(item, "path"));
		*key = text ? xstrdup(text) : NULL;
		return 0;
	case ID_SECRET:
	case ID_CONFIG:
		if (text || item->kind == YN_MAP)
			*key = mount_key(item, id == ID_SECRET ? "/run/secrets" : "");
		return 0;
	case ID_PORT:
		if (item->kind != YN_SCALAR && item->kind != YN_MAP)
			return 0;
		*key = compose_port_key(item);
		return *key ? 0 : missing_target(item, "port", err);
	case ID_VOLUME:
	case ID_DEVICE:
		if (text) {
			*key = short_volume_target(text);
			return 0;
		}
		if (item->kind != YN_MAP)
			return 0;
		text = text_of(ynode_get(item, "target"));
		if (!text)
			return missing_target(item, id == ID_VOLUME ? "volume" : "device", err);
		*key = xstrdup(text);
		return 0;
	}
	return 0;
}

struct keyed {
	char *key;
	size_t index;
};

static int by_key_then_index(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Keeps one entry per identity, at the first one's place, holding the
 * last one's value; sorting makes it n log n for a hostile list. */
static int unique_list(struct ynode *seq, enum identity id, struct clan_err *err)
{
	struct keyed *keys = xcalloc(seq->n + 1, sizeof *keys);
	size_t nkeys = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < seq->n; i++) {
		char *key;
		rc = identity_of(seq->items[i], id, &key, err);
		if (key)
			keys[nkeys++] = (struct keyed){key, i};
	}
	if (rc == 0 && nkeys > 1) {
		qsort(keys, nkeys, sizeof *keys, by_key_then_index);
		bool *drop = xcalloc(seq->n, sizeof *drop);
		for (size_t g = 0; g < nkeys;) {
			size_t e = g + 1;
			while (e < nkeys && strcmp(keys[e].key, keys[g].key) == 0)
				e++;
			if (e - g > 1) {
				size_t first = keys[g].index, last = keys[e - 1].index;
				ynode_free(seq->items[first]);
				seq->items[first] = seq->items[last];
				seq->items[last] = NULL;
				for (size_t k = g + 1; k < e; k++)
					drop[keys[k].index] = true;
			}
			g = e;
		}
		size_t w = 0;
		for (size_t i = 0; i < seq->n; i++) {
			if (drop[i])
				ynode_free(seq->items[i]);
			else
				seq->items[w++] = seq->items[i];
		}
		seq->n = w;
		free(drop);
	}
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i].key);
	free(keys);
	return rc;
}

static int unique_at(struct ynode *n, const struct compose_path *p, struct clan_err *err)
{
	if (n->kind == YN_SEQ) {
		for (size_t i = 0; i < sizeof unique_rules / sizeof *unique_rules; i++)
			if (compose_path_is(p, unique_rules[i].path))
				return unique_list(n, unique_rules[i].id, err);
		return 0;
	}
	/* every rule is at most five keys deep */
	if (n->kind != YN_MAP || p->n >= 5)
		return 0;
	for (size_t i = 0; i < n->n; i++) {
		struct compose_path next = compose_path_next(p, n->keys[i]);
		if (unique_at(n->items[i], &next, err) < 0)
			return -1;
	}
	return 0;
}

int compose_unique(struct ynode *tree, struct clan_err *err)
{
	struct compose_path root = {.n = 0};
	return unique_at(tree, &root, err);
}
