/* One compose service into the stack model: each key checked against the
 * table of compose_keys.c, then converted with compose's meaning (string
 * or list forms, long and short syntax). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfgval.h"
#include "config/compose_int.h"
#include "config/compose_keys.h"
#include "config/profile_image.h"
#include "config/spec_values.h"
#include "config/words.h"
#include "container/devices.h"
#include "container/ulimit.h"
#include "ns/caps.h"
#include "base/format.h"
#include "base/safe_path.h"
#include "config/yaml_scalar.h"
#include "debimage/debimage.h"
#include "image/image_ref.h"

/* Keys converted by a handler; the rest of the honoured ones are read
 * elsewhere. */
struct handler {
	const char *key;
	int (*fn)(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		  struct svc_build *b);
};

static int check_image(struct load_ctx *c, const struct ynode *v, const char *image)
{
	if (strncmp(image, "deb:", 4) == 0) {
		char *suite = NULL;
		struct strv pkgs = {0};
		int r = debimage_parse(image, &suite, &pkgs, c->err);
		free(suite);
		strv_free(&pkgs);
		return r < 0 ? compose_fail(c, v, "image: %s", c->err->msg) : 0;
	}
	if (strncmp(image, "dir:", 4) == 0)
		return image[4] == '/'
			   ? 0
			   : compose_fail(c, v, "image %s: dir: takes an absolute path", image);
	if (strcmp(image, "host") == 0)
		return 0;
	struct image_ref ref;
	if (image_ref_parse(image, &ref, c->err) < 0)
		return compose_fail(c, v, "image: %s", c->err->msg);
	image_ref_free(&ref);
	return 0;
}

static int image(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		 struct svc_build *b)
{
	(void)root;
	const char *text = ynode_text(v);
	if (!text || !*text)
		return compose_fail(c, v, "image: expected an image name (e.g. postgres:15)");
	if (check_image(c, v, text) < 0)
		return -1;
	b->svc.image = xstrdup(text);
	return 0;
}

static bool is_blank(const char *s)
{
	return s[strspn(s, " \t\n")] == '\0';
}

/* The string form split into words as compose does, or the list as is;
 * "" is the empty list, as compose-go's shell split makes it. */
static int argv_of(struct load_ctx *c, const struct ynode *v, const char *key, struct strv *out)
{
	if (v->kind == YN_NULL || (v->kind == YN_SCALAR && is_blank(v->value)))
		return 0;
	if (v->kind == YN_SCALAR) {
		_cleanup_free_ char *fix = xasprintf("%s: ", key);
		if (words_parse_command(v->value, fix, out, c->err) < 0)
			return compose_fail(c, v, "%s: %s", key, c->err->msg);
		return 0;
	}
	if (v->kind != YN_SEQ)
		return compose_fail(c, v, "%s: expected a string or a list of strings", key);
	for (size_t i = 0; i < v->n; i++) {
		const char *w = ynode_text(v->items[i]);
		if (!w)
			return compose_fail(c, v->items[i], "%s: expected a string", key);
		strv_push(out, w);
	}
	return 0;
}

static int command(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		   struct svc_build *b)
{
	(void)root;
	return argv_of(c, v, "command", &b->svc.command);
}

static int entrypoint(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		      struct svc_build *b)
{
	(void)root;
	b->svc.entrypoint_set = v->kind != YN_NULL;
	return argv_of(c, v, "entrypoint", &b->svc.entrypoint);
}

static int working_dir(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		       struct svc_build *b)
{
	(void)root;
	const char *t = ynode_text(v);
	if (!t || t[0] != '/')
		return compose_fail(c, v, "working_dir: expected an absolute path");
	b->svc.working_dir = xstrdup(t);
	return 0;
}

static int user(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		struct svc_build *b)
{
	(void)root;
	const char *t = ynode_text(v);
	if (!t || !cfg_is_user_spec(t))
		return compose_fail(c, v, "user: expected NAME, UID, NAME:GROUP or UID:GID");
	b->svc.user = xstrdup(t);
	return 0;
}

static int hostname(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		    struct svc_build *b)
{
	(void)root;
	const char *t = ynode_text(v);
	if (!t || !cfg_is_host_name(t, strlen(t)))
		return compose_fail(c, v, "hostname: expected a host name (letters, digits, - .)");
	b->svc.hostname = xstrdup(t);
	return 0;
}

static int add_alias(struct load_ctx *c, const struct ynode *at, const char *what, const char *name,
		     struct svc_build *b)
{
	if (!name || !cfg_is_host_name(name, strlen(name)))
		return compose_fail(c, at, "%s: expected a host name (letters, digits, - _ .)",
				    what);
	for (size_t i = 0; i < b->svc.aliases.n; i++)
		if (strcmp(b->svc.aliases.v[i], name) == 0)
			return 0;
	if (strcmp(name, b->svc.name) == 0)
		return 0;
	size_t n = b->svc.aliases.n;
	b->alias_at = xrealloc(b->alias_at, (n + 1) * sizeof *b->alias_at);
	b->alias_at[n] = compose_pos(at);
	strv_push(&b->svc.aliases, name);
	return 0;
}

/* Another service reaches this one by it too: every service shares the
 * stack's /etc/hosts. The container itself is still PROJECT-SERVICE. */
static int container_name(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
			  struct svc_build *b)
{
	(void)root;
	return add_alias(c, v, "container_name", ynode_text(v), b);
}

/* A network of the list or map form must be declared at the top level
 * (default is always there); its aliases name the service in the one
 * network a stack has. */
static int networks(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		    struct svc_build *b)
{
	if (v->kind != YN_SEQ && v->kind != YN_MAP)
		return compose_fail(c, v, "networks: expected a list or a mapping of networks");
	const struct ynode *declared = ynode_get(root, "networks");
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		const char *net = v->kind == YN_MAP ? v->keys[i] : ynode_text(item);
		if (!net)
			return compose_fail(c, item, "networks: expected a network name");
		if (strcmp(net, "default") != 0 && !ynode_get(declared, net))
			return compose_fail(c, item,
					    "service %s: network %s is not declared under the "
					    "top-level networks:",
					    b->svc.name, net);
		if (v->kind == YN_SEQ || item->kind == YN_NULL)
			continue;
		if (item->kind != YN_MAP)
			return compose_fail(c, item, "networks.%s: expected a mapping or null",
					    net);
		static const char *const keys[] = {"aliases",	   "interface_name", "ipv4_address",
						   "ipv6_address", "link_local_ips", "mac_address",
						   "driver_opts",  "priority",	     "gw_priority"};
		if (compose_check_keys(c, item, "networks", keys, ARRAY_SIZE(keys)) < 0)
			return -1;
		const struct ynode *aliases = ynode_get(item, "aliases");
		if (aliases && aliases->kind != YN_SEQ)
			return compose_fail(c, aliases, "aliases: expected a list of names");
		for (size_t j = 0; aliases && j < aliases->n; j++)
			if (add_alias(c, aliases->items[j], "aliases",
				      ynode_text(aliases->items[j]), b) < 0)
				return -1;
	}
	return 0;
}

/* links: SERVICE or SERVICE:ALIAS. Every service reaches every other by
 * name already; an alias is taken as one of the linked service's names. */
static int links(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		 struct svc_build *b)
{
	(void)root;
	if (v->kind != YN_SEQ)
		return compose_fail(c, v, "links: expected a list of SERVICE[:ALIAS]");
	for (size_t i = 0; i < v->n; i++) {
		const char *t = ynode_text(v->items[i]);
		if (!t || !*t)
			return compose_fail(c, v->items[i], "links: expected SERVICE[:ALIAS]");
		if (strchr(t, ':'))
			compose_warn(c, v->items[i],
				     "links: the alias in '%s' is not added; name it under the "
				     "linked service's networks: aliases:",
				     t);
	}
	(void)b;
	return 0;
}

static int extra_hosts(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		       struct svc_build *b)
{
	(void)root;
	if (v->kind != YN_SEQ && v->kind != YN_MAP)
		return compose_fail(c, v, "extra_hosts: expected a list of HOST:IP or a mapping");
	struct container_spec tmp;
	spec_init(&tmp);
	int r = 0;
	for (size_t i = 0; i < v->n && r == 0; i++) {
		const struct ynode *item = v->items[i];
		const char *t = ynode_text(item);
		_cleanup_free_ char *entry =
		    v->kind == YN_MAP && t ? xasprintf("%s=%s", v->keys[i], t) : NULL;
		if (!t)
			r = compose_fail(c, item, "extra_hosts: expected HOST:IP");
		else if (parse_add_host(entry ? entry : t, &tmp, c->err) < 0)
			/* parse_add_host speaks of run's --add-host and repeats
			 * the value, control characters and all */
			r = compose_fail(c, item,
					 "extra_hosts: expected HOST:IP or HOST=IP (e.g. "
					 "db:10.0.0.2)");
	}
	for (size_t i = 0; r == 0 && i < tmp.add_hosts.n; i++)
		strv_push(&b->svc.extra_hosts, tmp.add_hosts.v[i]);
	spec_free(&tmp);
	return r;
}

/* environment: a mapping or a list of KEY=VALUE; KEY alone (or a null
 * value) takes the shell's value, and is left out when it has none, an
 * env_file's KEY too (compose-go: the unresolved KEY overrides the
 * env_file's with nothing). */
static int environment(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		       struct svc_build *b)
{
	(void)root;
	if (v->kind != YN_SEQ && v->kind != YN_MAP)
		return compose_fail(c, v, "environment: expected a mapping or a list of KEY=VALUE");
	if (v->n > DOTENV_MAX_VARS)
		return compose_fail(c, v, "environment: more than %d variables", DOTENV_MAX_VARS);
	/* a plain number or boolean as compose makes it text again */
	_cleanup_free_ char *typed = NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		const char *key, *value;
		size_t klen;
		if (v->kind == YN_MAP) {
			key = v->keys[i];
			klen = strlen(key);
			if (item->kind != YN_NULL && item->kind != YN_SCALAR)
				return compose_fail(c, item, "environment.%s: expected a value",
						    key);
			value = ynode_text(item);
			free(typed);
			typed = item->plain && value ? yaml_scalar_as_go(value) : NULL;
			if (typed)
				value = typed;
		} else {
			key = ynode_text(item);
			if (!key)
				return compose_fail(c, item, "environment: expected KEY=VALUE");
			const char *eq = strchr(key, '=');
			klen = eq ? (size_t)(eq - key) : strlen(key);
			value = eq ? eq + 1 : NULL;
		}
		if (klen == 0)
			return compose_fail(c, item, "environment: a variable needs a name");
		if (!value) {
			_cleanup_free_ char *name = xstrndup(key, klen);
			value = c->env.lookup(c->env.arg, name);
		}
		if (value)
			stack_env_set(&b->svc.environment, key, klen, value);
		else
			stack_env_unset(&b->svc.environment, key, klen);
	}
	return 0;
}

static int env_files(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		     struct svc_build *b)
{
	(void)root;
	if (v->kind == YN_SCALAR)
		return stack_env_file(c, v->value, compose_pos(v), true, true, &b->svc.environment);
	if (v->kind != YN_SEQ)
		return compose_fail(c, v, "env_file: expected a path or a list of them");
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		const struct ynode *path = item->kind == YN_MAP ? ynode_get(item, "path") : item;
		const struct ynode *req = item->kind == YN_MAP ? ynode_get(item, "required") : NULL;
		bool required = true;
		static const char *const keys[] = {"path", "required", "format"};
		if (compose_check_keys(c, item, "env_file", keys, ARRAY_SIZE(keys)) < 0)
			return -1;
		if (!ynode_text(path))
			return compose_fail(c, item, "env_file: expected a path (or path: PATH)");
		if (req && compose_bool(c, req, "env_file required", &required) < 0)
			return -1;
		if (stack_env_file(c, path->value, compose_pos(path), required, true,
				   &b->svc.environment) < 0)
			return -1;
	}
	return 0;
}

static const char *const conditions[] = {"service_started", "service_healthy",
					 "service_completed_successfully"};

static int add_dep(struct load_ctx *c, const struct ynode *at, const char *name,
		   enum dep_condition cond, struct svc_build *b)
{
	struct service *s = &b->svc;
	if (!name || !cfg_is_name(name))
		return compose_fail(c, at, "depends_on: expected service names");
	for (size_t i = 0; i < s->depends_on.n; i++)
		if (strcmp(s->depends_on.v[i], name) == 0)
			return compose_fail(c, at, "depends_on: %s is written twice", name);
	size_t n = s->depends_on.n;
	s->dep_conds = xrealloc(s->dep_conds, (n + 1) * sizeof *s->dep_conds);
	s->dep_conds[n] = cond;
	b->dep_lines = xrealloc(b->dep_lines, (n + 1) * sizeof *b->dep_lines);
	b->dep_lines[n] = at->line;
	b->dep_at = xrealloc(b->dep_at, (n + 1) * sizeof *b->dep_at);
	b->dep_at[n] = compose_pos(at);
	strv_push(&s->depends_on, name);
	return 0;
}

static int depends_on(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		      struct svc_build *b)
{
	(void)root;
	if (v->kind == YN_SEQ) {
		for (size_t i = 0; i < v->n; i++)
			if (add_dep(c, v->items[i], ynode_text(v->items[i]), DEP_STARTED, b) < 0)
				return -1;
		return 0;
	}
	if (v->kind != YN_MAP)
		return compose_fail(c, v, "depends_on: expected a list or a mapping of services");
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *d = v->items[i];
		if (d->kind != YN_MAP && d->kind != YN_NULL)
			return compose_fail(c, d, "depends_on.%s: expected a mapping (condition:)",
					    v->keys[i]);
		static const char *const keys[] = {"condition", "restart", "required"};
		if (compose_check_keys(c, d, "depends_on", keys, ARRAY_SIZE(keys)) < 0)
			return -1;
		const struct ynode *cond = ynode_get(d, "condition");
		size_t k = 0;
		while (cond && k < ARRAY_SIZE(conditions) &&
		       !(ynode_text(cond) && strcmp(cond->value, conditions[k]) == 0))
			k++;
		if (cond && k == ARRAY_SIZE(conditions))
			return compose_fail(c, cond,
					    "depends_on.%s.condition: expected service_started, "
					    "service_healthy or service_completed_successfully",
					    v->keys[i]);
		const struct ynode *req = ynode_get(d, "required");
		bool required = true;
		if (req && compose_bool(c, req, "depends_on required", &required) < 0)
			return -1;
		/* an optional dependency that does not run (not in the project, or
		 * its profiles are off) is no error (spec.md, depends_on required) */
		if (!required && !strv_contains(&c->enabled, v->keys[i]))
			continue;
		if (add_dep(c, d, v->keys[i], cond ? (enum dep_condition)k : DEP_STARTED, b) < 0)
			return -1;
	}
	return 0;
}

static int duration_at(struct load_ctx *c, const struct ynode *v, const char *what, int *ms)
{
	const char *t = ynode_text(v);
	if (!t || duration_parse(t, ms, c->err) < 0)
		return compose_fail(c, v, "%s: expected a duration (e.g. 10s, 1m30s)", what);
	return 0;
}

static int health_test(struct load_ctx *c, const struct ynode *t, struct service *s)
{
	struct strv *test = &s->health.test;
	if (t->kind == YN_SCALAR) {
		if (!*t->value)
			return compose_fail(c, t, "healthcheck.test: an empty command");
		strv_push(test, "/bin/sh");
		strv_push(test, "-c");
		strv_push(test, t->value);
		return 0;
	}
	const char *first = t->kind == YN_SEQ && t->n ? ynode_text(t->items[0]) : NULL;
	if (!first)
		return compose_fail(c, t, "healthcheck.test: expected a string or [CMD, ...]");
	if (strcmp(first, "NONE") == 0) {
		s->has_health = false;
		return 1;
	}
	bool shell = strcmp(first, "CMD-SHELL") == 0;
	if ((!shell && strcmp(first, "CMD") != 0) || t->n < 2 || (shell && t->n != 2))
		return compose_fail(c, t,
				    "healthcheck.test: expected [CMD, ARG...], [CMD-SHELL, TEXT] "
				    "or [NONE]");
	if (shell) {
		strv_push(test, "/bin/sh");
		strv_push(test, "-c");
	}
	for (size_t i = 1; i < t->n; i++) {
		const char *w = ynode_text(t->items[i]);
		if (!w)
			return compose_fail(c, t->items[i], "healthcheck.test: expected strings");
		strv_push(test, w);
	}
	return 0;
}

static int healthcheck(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		       struct svc_build *b)
{
	(void)root;
	struct service *s = &b->svc;
	if (v->kind != YN_MAP)
		return compose_fail(c, v, "healthcheck: expected a mapping (test:, interval:...)");
	static const char *const keys[] = {"test",	   "interval",	     "timeout", "retries",
					   "start_period", "start_interval", "disable"};
	if (compose_check_keys(c, v, "healthcheck", keys, ARRAY_SIZE(keys)) < 0)
		return -1;
	const struct ynode *n;
	bool off = false;
	if ((n = ynode_get(v, "disable")) && compose_bool(c, n, "healthcheck.disable", &off) < 0)
		return -1;
	s->health_off = off;
	if (off)
		return 0;
	/* without a test the timings are kept for the image's check */
	const struct ynode *t = ynode_get(v, "test");
	int r = t ? health_test(c, t, s) : 0;
	if (r < 0)
		return -1;
	s->health_off = r == 1;
	s->has_health = t && r == 0;
	struct healthcheck *h = &s->health;
	if (((n = ynode_get(v, "interval")) &&
	     duration_at(c, n, "interval", &h->interval_ms) < 0) ||
	    ((n = ynode_get(v, "timeout")) && duration_at(c, n, "timeout", &h->timeout_ms) < 0) ||
	    ((n = ynode_get(v, "start_period")) &&
	     duration_at(c, n, "start_period", &h->start_period_ms) < 0))
		return -1;
	if ((n = ynode_get(v, "retries"))) {
		uint32_t u;
		if (!ynode_text(n) || !parse_u32(n->value, &u) || u > 10000)
			return compose_fail(c, n, "retries: expected a number");
		h->retries = (int)u;
	}
	return 0;
}

/* compose's on-failure[:MAX_RETRIES]: clan's supervisor has no count, so
 * a count is said to be ignored rather than refused. */
static int restart(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		   struct svc_build *b)
{
	(void)root;
	const char *t = ynode_text(v);
	const char *colon = t && strncmp(t, "on-failure:", 11) == 0 ? t + 10 : NULL;
	uint32_t max;
	if (colon && parse_u32(colon + 1, &max)) {
		b->svc.restart = RESTART_ON_FAILURE;
		compose_warn(c, v,
			     "service %s: restart %s: the count is ignored: clan restarts it after "
			     "every failure",
			     b->svc.name, t);
		return 0;
	}
	if (!t || restart_parse(t, &b->svc.restart, c->err) < 0)
		return compose_fail(
		    c, v, "restart: expected no, always, on-failure[:N] or unless-stopped");
	return 0;
}

static int stop_signal(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		       struct svc_build *b)
{
	(void)root;
	const char *t = ynode_text(v);
	if (!t || signal_parse(t, &b->svc.stop_signal, c->err) < 0)
		return compose_fail(c, v, "stop_signal: %s", t ? c->err->msg : "expected a signal");
	return 0;
}

static int stop_grace(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		      struct svc_build *b)
{
	(void)root;
	return duration_at(c, v, "stop_grace_period", &b->svc.stop_grace_ms);
}

static int init(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		struct svc_build *b)
{
	(void)root;
	return compose_bool(c, v, "init", &b->svc.init);
}

static int security_opt(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
			struct svc_build *b)
{
	(void)root;
	if (v->kind != YN_SEQ)
		return compose_fail(c, v, "security_opt: expected a list");
	for (size_t i = 0; i < v->n; i++) {
		const char *t = ynode_text(v->items[i]);
		if (!t)
			return compose_fail(c, v->items[i], "security_opt: expected a string");
		if (strncmp(t, "label", 5) == 0 || strncmp(t, "apparmor", 8) == 0) {
			compose_warn(c, v->items[i], "security_opt %s: ignored (no LSM profiles)",
				     t);
			continue;
		}
		free(b->svc.seccomp);
		b->svc.seccomp = NULL;
		const char *why = security_opt_parse(t, &b->svc.seccomp);
		if (why)
			return compose_fail(c, v->items[i], "security_opt %s: %s", t, why);
	}
	return 0;
}

static int platform(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		    struct svc_build *b)
{
	(void)root, (void)b;
	static const char *const ok[] = {"linux/amd64", "linux/x86_64", "amd64", "x86_64"};
	const char *t = ynode_text(v);
	for (size_t i = 0; t && i < ARRAY_SIZE(ok); i++)
		if (strcmp(t, ok[i]) == 0)
			return 0;
	return compose_fail(c, v, "platform %s: clan runs linux/amd64 images only",
			    t ? t : "(not a string)");
}

static int pull_policy(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		       struct svc_build *b)
{
	(void)root;
	const char *t = ynode_text(v);
	if (t && (strcmp(t, "missing") == 0 || strcmp(t, "if_not_present") == 0))
		return 0;
	if (t &&
	    (strcmp(t, "always") == 0 || strcmp(t, "never") == 0 || strncmp(t, "every_", 6) == 0 ||
	     strcmp(t, "daily") == 0 || strcmp(t, "weekly") == 0)) {
		compose_warn(c, v,
			     "pull_policy %s: clan pulls a missing image only (clan pull "
			     "updates it)",
			     t);
		return 0;
	}
	if (t && strcmp(t, "build") == 0 && b->svc.build) {
		b->svc.build->always = true; /* up builds it each time, as with --build */
		return 0;
	}
	if (t && strcmp(t, "build") == 0)
		return compose_fail(c, v, "pull_policy build: the service has no build:");
	return compose_fail(c, v, "pull_policy: expected always, never, missing or build");
}

static int caps(struct load_ctx *c, const struct ynode *v, const char *key, struct strv *out)
{
	if (v->kind != YN_SEQ)
		return compose_fail(c, v, "%s: expected a list of capabilities", key);
	for (size_t i = 0; i < v->n; i++) {
		const char *t = ynode_text(v->items[i]);
		int cap;
		if (!t)
			return compose_fail(c, v->items[i], "%s: expected a capability name", key);
		if (strcasecmp(t, "ALL") != 0 && caps_from_name(t, &cap, c->err) < 0)
			return compose_fail(c, v->items[i], "%s: %s", key, c->err->msg);
		strv_push(out, t);
	}
	return 0;
}

static int cap_add(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		   struct svc_build *b)
{
	(void)root;
	return caps(c, v, "cap_add", &b->svc.cap_add);
}

static int cap_drop(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		    struct svc_build *b)
{
	(void)root;
	return caps(c, v, "cap_drop", &b->svc.cap_drop);
}

static int read_only(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		     struct svc_build *b)
{
	(void)root;
	return compose_bool(c, v, "read_only", &b->svc.read_only);
}

static int shm_size(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		    struct svc_build *b)
{
	(void)root;
	const char *t = ynode_text(v);
	if (!t || !parse_size(t, &b->svc.shm_size) || b->svc.shm_size == 0)
		return compose_fail(c, v, "shm_size: expected a size (e.g. 256m, 1g)");
	return 0;
}

/* ulimits: NAME: N (soft and hard) or NAME: {soft: N, hard: N}, kept in
 * --ulimit's form after ulimit_parse checked it. */
static int ulimits(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		   struct svc_build *b)
{
	(void)root;
	if (v->kind != YN_MAP)
		return compose_fail(c, v, "ulimits: expected a mapping (nofile: 1024)");
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *l = v->items[i];
		const char *soft =
		    l->kind == YN_MAP ? ynode_text(ynode_get(l, "soft")) : ynode_text(l);
		const char *hard = l->kind == YN_MAP ? ynode_text(ynode_get(l, "hard")) : soft;
		if (!soft || !hard)
			return compose_fail(
			    c, l, "ulimits.%s: expected a number or soft: and hard:", v->keys[i]);
		_cleanup_free_ char *text = xasprintf("%s=%s:%s", v->keys[i], soft, hard);
		struct ulimit_spec u;
		if (ulimit_parse(text, &u, c->err) < 0)
			return compose_fail(c, l, "ulimits: %s", c->err->msg);
		char canon[96];
		ulimit_format(&u, canon, sizeof canon);
		strv_push(&b->svc.ulimits, canon);
	}
	return 0;
}

/* devices: docker's short form, or the long one (source, target,
 * permissions), kept in --device's form after the runtime's check. */
static int devices(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		   struct svc_build *b)
{
	(void)root;
	if (v->kind != YN_SEQ)
		return compose_fail(c, v, "devices: expected a list (- /dev/ttyUSB0)");
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *d = v->items[i];
		const char *t = ynode_text(d);
		_cleanup_free_ char *text = NULL;
		if (!t && d->kind == YN_MAP) {
			const char *src = ynode_text(ynode_get(d, "source"));
			const char *dst = ynode_text(ynode_get(d, "target"));
			const char *perms = ynode_text(ynode_get(d, "permissions"));
			if (!src)
				return compose_fail(c, d, "devices: the long form needs source:");
			text = xasprintf("%s:%s:%s", src, dst ? dst : src, perms ? perms : "rwm");
			t = text;
		}
		if (!t)
			return compose_fail(c, d,
					    "devices: expected /dev/HOST[:/dev/CONTAINER][:rwm] "
					    "or a CDI name");
		if (device_req_check(t, NULL, c->err) < 0)
			return compose_fail(c, d, "devices: %s", c->err->msg);
		strv_push(&b->svc.devices, t);
	}
	return 0;
}

/* Metadata: checked for shape, kept nowhere (nothing in clan reads it). */
/* labels: a mapping, or a list of KEY=VALUE (KEY alone: empty), typed as
 * environment's; a later KEY replaces an earlier one. Metadata: clan
 * config prints them, nothing else reads them. */
static int labels(struct load_ctx *c, const struct ynode *root, const struct ynode *v,
		  struct svc_build *b)
{
	(void)root;
	if (v->kind != YN_SEQ && v->kind != YN_MAP)
		return compose_fail(c, v, "labels: expected a mapping or a list of KEY=VALUE");
	if (v->n > DOTENV_MAX_VARS)
		return compose_fail(c, v, "labels: more than %d", DOTENV_MAX_VARS);
	struct strv *out = &b->svc.labels;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		const char *t = ynode_text(item);
		if ((v->kind == YN_SEQ && !t) || (item->kind != YN_SCALAR && item->kind != YN_NULL))
			return compose_fail(c, item, "labels: expected KEY=VALUE");
		const char *key = v->kind == YN_MAP ? v->keys[i] : t;
		size_t klen = v->kind == YN_MAP ? strlen(key) : strcspn(t, "=");
		const char *value = v->kind == YN_MAP ? (t ? t : "") : t[klen] ? t + klen + 1 : "";
		if (klen == 0)
			return compose_fail(c, item, "labels: a label needs a name");
		if (v->kind == YN_MAP && strchr(key, '='))
			return compose_fail(c, item, "labels: the name %s has an =", key);
		/* a plain number or boolean as compose makes it text again */
		_cleanup_free_ char *typed =
		    v->kind == YN_MAP && item->plain && t ? yaml_scalar_as_go(t) : NULL;
		stack_env_set(out, key, klen, typed ? typed : value);
	}
	return 0;
}

static const struct handler handlers[] = {
    {"cap_add", cap_add},
    {"cap_drop", cap_drop},
    {"command", command},
    {"container_name", container_name},
    {"depends_on", depends_on},
    {"devices", devices},
    {"entrypoint", entrypoint},
    {"extra_hosts", extra_hosts},
    {"healthcheck", healthcheck},
    {"hostname", hostname},
    {"image", image},
    {"init", init},
    {"labels", labels},
    {"links", links},
    {"networks", networks},
    {"platform", platform},
    {"pull_policy", pull_policy},
    {"read_only", read_only},
    {"restart", restart},
    {"security_opt", security_opt},
    {"shm_size", shm_size},
    {"stop_grace_period", stop_grace},
    {"stop_signal", stop_signal},
    {"ulimits", ulimits},
    {"user", user},
    {"working_dir", working_dir},
};

static const struct handler *find_handler(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(handlers); i++)
		if (strcmp(handlers[i].key, key) == 0)
			return &handlers[i];
	return NULL;
}

/* Keys read by others: compose_mounts.c, compose_ports.c, the loader. */
static bool read_elsewhere(const char *key)
{
	static const char *const keys[] = {"volumes", "tmpfs",	  "secrets",	"configs",
					   "ports",   "expose",	  "profiles",	"build",
					   "extends", "env_file", "environment"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

/* A key of a service's sub-mapping written one level too high (the
 * newcomer's indentation slip): which mapping it belongs in. */
static const char *sub_key_of(const char *key)
{
	static const struct {
		const char *key, *parent;
	} sub[] = {
	    {"test", "healthcheck"},
	    {"interval", "healthcheck"},
	    {"timeout", "healthcheck"},
	    {"retries", "healthcheck"},
	    {"start_period", "healthcheck"},
	    {"start_interval", "healthcheck"},
	    {"condition", "depends_on: SERVICE"},
	    {"context", "build"},
	    {"dockerfile", "build"},
	    {"aliases", "networks: NETWORK"},
	    {"resources", "deploy"},
	    {"replicas", "deploy"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
		if (strcmp(sub[i].key, key) == 0)
			return sub[i].parent;
	return NULL;
}

static int one_key(struct load_ctx *c, const struct ynode *root, const char *key,
		   const struct ynode *v, struct svc_build *b)
{
	const struct compose_key *k =
	    compose_key_find(compose_service_keys, compose_service_nkeys, key);
	if (!k && strncmp(key, "x-", 2) == 0)
		return 0;
	const char *parent = !k ? sub_key_of(key) : NULL;
	if (parent)
		return compose_fail(c, v, "service %s: unknown key %s (it goes under %s:)",
				    b->svc.name, key, parent);
	if (!k) {
		const char *near =
		    compose_key_suggest(compose_service_keys, compose_service_nkeys, key);
		return near ? compose_fail(c, v, "service %s: unknown key %s (did you mean %s?)",
					   b->svc.name, key, near)
			    : compose_fail(c, v, "service %s: unknown key %s", b->svc.name, key);
	}
	if (k->use == COMPOSE_WARNED) {
		compose_warn(c, v, "service %s: %s is ignored: %s", b->svc.name, key, k->why);
		return 0;
	}
	const struct handler *h = find_handler(key);
	if (h)
		return h->fn(c, root, v, b);
	if (read_elsewhere(key))
		return 0;
	compose_warn(c, v, "service %s: %s is ignored: not supported yet", b->svc.name, key);
	return 0;
}

/* build.args: a mapping or a list of K=V (K alone: from the environment). */
static int build_args(struct load_ctx *c, const struct ynode *v, struct strv *out)
{
	if (v->kind != YN_SEQ && v->kind != YN_MAP)
		return compose_fail(c, v, "build.args: expected a mapping or a list of KEY=VALUE");
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		const char *text = ynode_text(item);
		if (v->kind == YN_MAP) {
			if (item->kind != YN_NULL && !text)
				return compose_fail(c, item, "build.args.%s: expected a value",
						    v->keys[i]);
			_cleanup_free_ char *typed =
			    item->plain && text ? yaml_scalar_as_go(text) : NULL;
			const char *value = typed ? typed : text;
			/* KEY with no value: the environment's (the shell's, then
			 * .env's), dropped when it has none, as compose does */
			if (!value)
				value = stack_compose_var(c, v->keys[i]);
			if (value)
				strv_push_owned(out, xasprintf("%s=%s", v->keys[i], value));
		} else if (!text) {
			return compose_fail(c, item, "build.args: expected KEY=VALUE");
		} else if (!strchr(text, '=')) {
			const char *value = stack_compose_var(c, text);
			if (value)
				strv_push_owned(out, xasprintf("%s=%s", text, value));
		} else {
			strv_push(out, text);
		}
	}
	return 0;
}

/* Keys of build: clan reads, and those it leaves alone with a warning. */
static int build_key_of(struct load_ctx *c, const struct ynode *v, const char *key,
			struct svc_image_build *ib, const char *name)
{
	const char *text = ynode_text(v);
	if (strcmp(key, "context") == 0 || strcmp(key, "dockerfile") == 0 ||
	    strcmp(key, "dockerfile_inline") == 0 || strcmp(key, "target") == 0) {
		if (!text || !*text)
			return compose_fail(c, v, "build.%s: expected a value", key);
		if (strcmp(key, "target") == 0)
			ib->target = xstrdup(text);
		else if (strcmp(key, "dockerfile_inline") == 0)
			ib->inline_text = xstrdup(text);
		else if (key[0] == 'd')
			ib->dockerfile = xstrdup(text);
		else
			ib->context = xstrdup(text);
		return 0;
	}
	if (strcmp(key, "args") == 0)
		return build_args(c, v, &ib->args);
	if (strncmp(key, "x-", 2) == 0)
		return 0;
	compose_warn(c, v, "service %s: build.%s is ignored: clan builds without it", name, key);
	return 0;
}

/* compose: build: a context dir, or a mapping; the image is built from it
 * and tagged as the service's image (image:, else PROJECT-SERVICE). */
static int build_spec(struct load_ctx *c, const struct ynode *svc, struct svc_build *b)
{
	const struct ynode *v = ynode_get(svc, "build");
	if (!v)
		return 0;
	struct svc_image_build *ib = xcalloc(1, sizeof *ib);
	b->svc.build = ib;
	const char *text = ynode_text(v);
	if (v->kind == YN_SCALAR) {
		if (!text || !*text)
			return compose_fail(c, v, "build: expected a context dir");
		ib->context = xstrdup(text);
	} else if (v->kind == YN_MAP) {
		for (size_t i = 0; i < v->n; i++)
			if (build_key_of(c, v->items[i], v->keys[i], ib, b->svc.name) < 0)
				return -1;
	} else {
		return compose_fail(c, v, "build: expected a context dir or a mapping");
	}
	if (strstr(ib->context ? ib->context : "", "://") ||
	    (ib->context && strncmp(ib->context, "git@", 4) == 0))
		return compose_fail(c, v,
				    "build: a remote context (%s) is not supported; clone it "
				    "and give the dir",
				    ib->context);
	char *ctx = path_under(c->st->dir, ib->context ? ib->context : ".");
	free(ib->context);
	ib->context = ctx;
	if (ib->dockerfile) {
		char *df = path_under(ib->context, ib->dockerfile);
		free(ib->dockerfile);
		ib->dockerfile = df;
	}
	return 0;
}

/* A profile's check for a service whose file gives none: the timings the
 * file gives without a test stay. */
static void copy_health(struct healthcheck *to, const struct healthcheck *from)
{
	const struct healthcheck files = *to;
	*to = *from;
	to->test = (struct strv){0};
	strv_extend(&to->test, &from->test);
	if (files.interval_ms > 0)
		to->interval_ms = files.interval_ms;
	if (files.timeout_ms > 0)
		to->timeout_ms = files.timeout_ms;
	if (files.start_period_ms > 0)
		to->start_period_ms = files.start_period_ms;
	if (files.retries > 0)
		to->retries = files.retries;
}

/* An official image a profile recognises (postgres:15): what the compose
 * file leaves out and the image's own config does not give clan, from
 * the profile. Its health check orders depends_on (most compose files
 * have none, and the web service then starts before the database takes
 * connections); its user is run as with one mapped id, where the image's
 * root branch (chown, then gosu) cannot work; its stop signal. */
static int recognise(struct load_ctx *c, const struct ynode *svc, struct svc_build *b)
{
	struct service *s = &b->svc;
	if (strncmp(s->image, "deb:", 4) == 0 || strncmp(s->image, "dir:", 4) == 0 ||
	    strcmp(s->image, "host") == 0)
		return 0;
	if (!c->recognisers_loaded &&
	    profile_set_load((const char *const *)c->profile_dirs.v, &c->recognisers, c->err) < 0)
		return compose_fail(c, ynode_get(svc, "image"), "image %s: %s", s->image,
				    c->err->msg);
	c->recognisers_loaded = true;
	const struct profile *p = profile_set_for_image(&c->recognisers, s->image);
	if (!p)
		return 0;
	s->profile = xstrdup(p->name);
	for (size_t i = 0; i < p->nports; i++)
		if (p->ports[i].proto == PORT_TCP)
			svc_listen_add(s, p->ports[i].container_port, p->ports[i].count);
	if (!s->has_health && !s->health_off && p->has_health) {
		copy_health(&s->health, &p->health);
		s->has_health = true;
		s->health_from_profile = true;
	}
	if (!s->user && p->base.user)
		s->single_user = xstrdup(p->base.user);
	if (!ynode_get(svc, "stop_signal") && p->stop_signal)
		s->stop_signal = p->stop_signal;
	return 0;
}

int compose_build_service(struct load_ctx *c, const struct ynode *root, const char *name,
			  const struct ynode *svc, struct svc_build *b)
{
	b->svc.name = xstrdup(name);
	b->svc.loc = (struct src_loc){svc->file, svc->line};
	b->svc.stop_grace_ms = 10000; /* compose's default */
	b->svc.stop_signal = SIGTERM;
	if (!cfg_is_name(name))
		return compose_fail(c, svc,
				    "service name '%s': letters, digits, _ . - starting with a "
				    "letter or digit",
				    name);
	if (svc->kind != YN_MAP)
		return compose_fail(c, svc, "service %s: expected a mapping of keys", name);
	if (build_spec(c, svc, b) < 0)
		return -1;
	for (size_t i = 0; i < svc->n; i++)
		if (one_key(c, root, svc->keys[i], svc->items[i], b) < 0)
			return -1;
	/* compose's name for a built image without image: */
	if (!b->svc.image && b->svc.build) {
		b->svc.image = xasprintf("%s-%s", c->st->name, name);
		b->svc.build->image_default = true;
	}
	if (!b->svc.image)
		return compose_fail(c, svc,
				    "service %s has no image: set image: (e.g. postgres:15) or "
				    "build: (a dir with a Dockerfile)",
				    name);
	/* environment beats env_file, wherever each is written */
	const struct ynode *n;
	if (((n = ynode_get(svc, "env_file")) && env_files(c, root, n, b) < 0) ||
	    ((n = ynode_get(svc, "environment")) && environment(c, root, n, b) < 0))
		return -1;
	if (compose_build_ports(c, svc, b) < 0 || compose_build_mounts(c, root, svc, b) < 0 ||
	    recognise(c, svc, b) < 0)
		return -1;
	return 0;
}
