#define _GNU_SOURCE
#include "config/svc_config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config/cfgval.h"

static const char *const restart_names[] = {"no", "on-failure", "always", "unless-stopped"};

static json_t *strv_json(const struct strv *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static json_t *ports_json(const struct service *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nports; i++) {
		const struct port_map *m = &s->ports[i];
		json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:i,s:s}", "ip", m->host_ip,
						   "host", (int)m->host_port, "container",
						   (int)m->container_port, "count", (int)m->count,
						   "proto", m->proto == PORT_UDP ? "udp" : "tcp"));
	}
	return a;
}

static json_t *mounts_json(const struct service *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct svc_mount *m = &s->mounts[i];
		json_t *o = json_pack("{s:s?,s:s?,s:s,s:b}", "volume", m->volume, "src", m->src,
				      "dst", m->dst, "ro", m->ro);
		/* only when set: an earlier clan's supervisor has no such key */
		if (m->create)
			json_object_set_new(o, "create", json_true());
		if (m->volume_name)
			json_object_set_new(o, "volume_name", json_string(m->volume_name));
		if (m->external)
			json_object_set_new(o, "external", json_true());
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *health_json(const struct service *s)
{
	if (!s->has_health)
		return json_null();
	const struct healthcheck *h = &s->health;
	return json_pack("{s:o,s:i,s:i,s:i,s:i}", "test", strv_json(&h->test), "interval_ms",
			 h->interval_ms, "timeout_ms", h->timeout_ms, "retries", h->retries,
			 "start_period_ms", h->start_period_ms);
}

static const char *const condition_names[] = {"service_started", "service_healthy",
					      "service_completed_successfully"};

/* What compose files add, only when set: a supervisor of an earlier clan
 * answers without these keys, and must not see a change where there is
 * none. */
static void compose_extras(const struct service *s, json_t *o)
{
	if (s->hostname)
		json_object_set_new(o, "hostname", json_string(s->hostname));
	if (s->single_user)
		json_object_set_new(o, "single_user", json_string(s->single_user));
	if (s->image_id)
		json_object_set_new(o, "image_id", json_string(s->image_id));
	if (s->extra_hosts.n)
		json_object_set_new(o, "extra_hosts", strv_json(&s->extra_hosts));
	if (s->init)
		json_object_set_new(o, "init", json_true());
	if (s->tmpfs.n)
		json_object_set_new(o, "tmpfs", strv_json(&s->tmpfs));
	if (s->read_only)
		json_object_set_new(o, "read_only", json_true());
	if (s->cap_add.n)
		json_object_set_new(o, "cap_add", strv_json(&s->cap_add));
	if (s->cap_drop.n)
		json_object_set_new(o, "cap_drop", strv_json(&s->cap_drop));
	if (s->shm_size)
		json_object_set_new(o, "shm_size", json_integer((json_int_t)s->shm_size));
	if (s->ulimits.n)
		json_object_set_new(o, "ulimits", strv_json(&s->ulimits));
	if (s->devices.n)
		json_object_set_new(o, "devices", strv_json(&s->devices));
	bool conds = false;
	for (size_t i = 0; s->dep_conds && i < s->depends_on.n; i++)
		conds = conds || s->dep_conds[i] != DEP_STARTED;
	if (!conds)
		return;
	json_t *a = json_array();
	for (size_t i = 0; i < s->depends_on.n; i++)
		json_array_append_new(a, json_string(condition_names[s->dep_conds[i]]));
	json_object_set_new(o, "depends_on_conditions", a);
}

json_t *svc_config_json(const struct service *s)
{
	unsigned restart = (unsigned)s->restart < ARRAY_SIZE(restart_names) ? s->restart : 0;
	json_t *o =
	    json_pack("{s:s,s:s?,s:s,s:o,s:o,s:s?,s:s?,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:i,s:i,"
		      "s:s?}",
		      "name", s->name, "profile", s->profile, "image", s->image, "entrypoint",
		      strv_json(&s->entrypoint), "command", strv_json(&s->command), "working_dir",
		      s->working_dir, "user", s->user, "environment", strv_json(&s->environment),
		      "ports", ports_json(s), "mounts", mounts_json(s), "depends_on",
		      strv_json(&s->depends_on), "aliases", strv_json(&s->aliases), "healthcheck",
		      health_json(s), "restart", restart_names[restart], "stop_grace_ms",
		      s->stop_grace_ms, "stop_signal", s->stop_signal, "seccomp", s->seccomp);
	compose_extras(s, o);
	return o;
}

struct parse {
	json_t *o;
	char *why;
	size_t len;
};

static int bad(struct parse *p, const char *key, const char *what)
{
	snprintf(p->why, p->len, "bad service config: %s %s", key, what);
	return -1;
}

/* A string, or (nullable) null as NULL. */
static int get_str(struct parse *p, json_t *o, const char *key, bool nullable, char **out)
{
	json_t *v = json_object_get(o, key);
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v) || (!nullable && !json_string_length(v)))
		return bad(p, key, nullable ? "is not a string or null" : "is not a string");
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int get_strv(struct parse *p, json_t *o, const char *key, struct strv *out)
{
	json_t *a = json_object_get(o, key);
	if (!json_is_array(a))
		return bad(p, key, "is not a list");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s)
			return bad(p, key, "has a non-string");
		strv_push(out, s);
	}
	return 0;
}

static int get_int(struct parse *p, json_t *o, const char *key, long long max, int *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad(p, key, "is not a number in range");
	*out = (int)json_integer_value(v);
	return 0;
}

static int get_ports(struct parse *p, struct service *s)
{
	json_t *a = json_object_get(p->o, "ports");
	if (!json_is_array(a))
		return bad(p, "ports", "is not a list");
	s->ports = xcalloc(json_array_size(a) + 1, sizeof *s->ports);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		struct port_map *m = &s->ports[s->nports++];
		const char *ip = json_string_value(json_object_get(e, "ip"));
		const char *proto = json_string_value(json_object_get(e, "proto"));
		int host, ctr, count;
		if (!ip || strlen(ip) >= sizeof m->host_ip || !proto ||
		    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0) ||
		    get_int(p, e, "host", 65535, &host) < 0 ||
		    get_int(p, e, "container", 65535, &ctr) < 0 ||
		    get_int(p, e, "count", 65535, &count) < 0 || ctr == 0 || count == 0)
			return bad(p, "ports", "has a bad entry");
		strcpy(m->host_ip, ip);
		m->host_port = (uint16_t)host;
		m->container_port = (uint16_t)ctr;
		m->count = (uint16_t)count;
		m->proto = strcmp(proto, "udp") == 0 ? PORT_UDP : PORT_TCP;
		/* this form has no expose or profile ports: the published ones
		 * are what a recreated service's check waits for */
		if (m->proto == PORT_TCP)
			svc_listen_add(s, m->container_port, m->count);
	}
	return 0;
}

static int get_mounts(struct parse *p, struct service *s)
{
	json_t *a = json_object_get(p->o, "mounts");
	if (!json_is_array(a))
		return bad(p, "mounts", "is not a list");
	s->mounts = xcalloc(json_array_size(a) + 1, sizeof *s->mounts);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		struct svc_mount *m = &s->mounts[s->nmounts++];
		if (get_str(p, e, "volume", true, &m->volume) < 0 ||
		    get_str(p, e, "src", true, &m->src) < 0 ||
		    get_str(p, e, "dst", false, &m->dst) < 0 ||
		    /* only when set: an earlier clan's record has no such key */
		    (json_object_get(e, "volume_name") &&
		     get_str(p, e, "volume_name", true, &m->volume_name) < 0))
			return -1;
		if (m->volume_name && (!m->volume || !cfg_is_name(m->volume_name)))
			return bad(p, "mounts", "has a bad volume name");
		m->external = json_is_true(json_object_get(e, "external")) && m->volume_name;
		/* a bind has an absolute source, a volume a name: never both */
		if (m->dst[0] != '/' || !m->volume == !m->src || (m->src && m->src[0] != '/') ||
		    !json_is_boolean(json_object_get(e, "ro")))
			return bad(p, "mounts", "has a bad entry");
		m->ro = json_is_true(json_object_get(e, "ro"));
		m->create = json_is_true(json_object_get(e, "create")) && m->src;
	}
	return 0;
}

static int get_health(struct parse *p, struct service *s)
{
	json_t *h = json_object_get(p->o, "healthcheck");
	if (json_is_null(h))
		return 0;
	if (!json_is_object(h))
		return bad(p, "healthcheck", "is not an object or null");
	s->has_health = true;
	struct healthcheck *hc = &s->health;
	if (get_strv(p, h, "test", &hc->test) < 0 ||
	    get_int(p, h, "interval_ms", INT32_MAX, &hc->interval_ms) < 0 ||
	    get_int(p, h, "timeout_ms", INT32_MAX, &hc->timeout_ms) < 0 ||
	    get_int(p, h, "retries", INT32_MAX, &hc->retries) < 0 ||
	    get_int(p, h, "start_period_ms", INT32_MAX, &hc->start_period_ms) < 0)
		return -1;
	if (hc->test.n == 0)
		return bad(p, "healthcheck", "has no test");
	return 0;
}

static int get_restart(struct parse *p, struct service *s)
{
	const char *r = json_string_value(json_object_get(p->o, "restart"));
	for (size_t i = 0; r && i < ARRAY_SIZE(restart_names); i++)
		if (strcmp(r, restart_names[i]) == 0) {
			s->restart = (enum restart_policy)i;
			return 0;
		}
	return bad(p, "restart", "is not a restart policy");
}

static int get_extras(struct parse *p, struct service *s)
{
	json_t *v;
	if (json_object_get(p->o, "hostname") &&
	    get_str(p, p->o, "hostname", false, &s->hostname) < 0)
		return -1;
	if (json_object_get(p->o, "single_user") &&
	    get_str(p, p->o, "single_user", false, &s->single_user) < 0)
		return -1;
	if (json_object_get(p->o, "image_id") &&
	    get_str(p, p->o, "image_id", false, &s->image_id) < 0)
		return -1;
	if (json_object_get(p->o, "extra_hosts") &&
	    get_strv(p, p->o, "extra_hosts", &s->extra_hosts) < 0)
		return -1;
	if ((v = json_object_get(p->o, "init"))) {
		if (!json_is_boolean(v))
			return bad(p, "init", "is not a boolean");
		s->init = json_is_true(v);
	}
	if ((v = json_object_get(p->o, "read_only"))) {
		if (!json_is_boolean(v))
			return bad(p, "read_only", "is not a boolean");
		s->read_only = json_is_true(v);
	}
	if ((v = json_object_get(p->o, "shm_size"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(p, "shm_size", "is not a size");
		s->shm_size = (uint64_t)json_integer_value(v);
	}
	static const struct {
		const char *key;
		size_t off;
	} lists[] = {{"tmpfs", offsetof(struct service, tmpfs)},
		     {"cap_add", offsetof(struct service, cap_add)},
		     {"cap_drop", offsetof(struct service, cap_drop)},
		     {"ulimits", offsetof(struct service, ulimits)},
		     {"devices", offsetof(struct service, devices)}};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (json_object_get(p->o, lists[i].key) &&
		    get_strv(p, p->o, lists[i].key, (struct strv *)((char *)s + lists[i].off)) < 0)
			return -1;
	json_t *a = json_object_get(p->o, "depends_on_conditions");
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) != s->depends_on.n)
		return bad(p, "depends_on_conditions", "is not one per depends_on");
	s->dep_conds = xcalloc(s->depends_on.n + 1, sizeof *s->dep_conds);
	for (size_t i = 0; i < s->depends_on.n; i++) {
		const char *c = json_string_value(json_array_get(a, i));
		size_t k = 0;
		while (c && k < ARRAY_SIZE(condition_names) && strcmp(c, condition_names[k]) != 0)
			k++;
		if (!c || k == ARRAY_SIZE(condition_names))
			return bad(p, "depends_on_conditions", "has an unknown condition");
		s->dep_conds[i] = (enum dep_condition)k;
	}
	return 0;
}

static bool is_known(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static int get_all(struct parse *p, const char *const *names, size_t n, struct service *s)
{
	if (!json_is_object(p->o))
		return bad(p, "", "is not an object");
	if (get_str(p, p->o, "name", false, &s->name) < 0 ||
	    get_str(p, p->o, "profile", true, &s->profile) < 0 ||
	    get_str(p, p->o, "image", false, &s->image) < 0 ||
	    get_strv(p, p->o, "entrypoint", &s->entrypoint) < 0 ||
	    get_strv(p, p->o, "command", &s->command) < 0 ||
	    get_str(p, p->o, "working_dir", true, &s->working_dir) < 0 ||
	    get_str(p, p->o, "user", true, &s->user) < 0 ||
	    get_strv(p, p->o, "environment", &s->environment) < 0 || get_ports(p, s) < 0 ||
	    get_mounts(p, s) < 0 || get_strv(p, p->o, "depends_on", &s->depends_on) < 0 ||
	    get_strv(p, p->o, "aliases", &s->aliases) < 0 || get_health(p, s) < 0 ||
	    get_restart(p, s) < 0 ||
	    get_int(p, p->o, "stop_grace_ms", INT32_MAX, &s->stop_grace_ms) < 0 ||
	    get_int(p, p->o, "stop_signal", 64, &s->stop_signal) < 0 ||
	    get_str(p, p->o, "seccomp", true, &s->seccomp) < 0 || get_extras(p, s) < 0)
		return -1;
	if (!is_known(s->name, names, n))
		return bad(p, "name", "is not a service of the stack");
	for (size_t i = 0; i < s->depends_on.n; i++)
		if (!is_known(s->depends_on.v[i], names, n) ||
		    strcmp(s->depends_on.v[i], s->name) == 0)
			return bad(p, "depends_on", "names an unknown service or itself");
	return 0;
}

int svc_config_parse(json_t *o, const char *const *names, size_t n, struct service *out, char *why,
		     size_t whylen)
{
	*out = (struct service){0};
	struct parse p = {.o = o, .why = why, .len = whylen};
	if (get_all(&p, names, n, out) < 0) {
		service_free(out);
		return -1;
	}
	return 0;
}

static bool same(json_t *a, json_t *b)
{
	return (!a && !b) || json_equal(a, b);
}

static void add_key(char **out, const char *key)
{
	char *next = *out ? xasprintf("%s, %s", *out, key) : xstrdup(key);
	free(*out);
	*out = next;
}

char *svc_config_diff(json_t *running, json_t *wanted)
{
	char *out = NULL;
	const char *k;
	json_t *v;
	/* in the order svc_config_json writes them (jansson keeps it) */
	json_object_foreach(wanted, k, v) if (!same(json_object_get(running, k), v))
	    add_key(&out, k);
	json_object_foreach(running, k, v) if (!json_object_get(wanted, k)) add_key(&out, k);
	return out;
}

bool svc_config_needs_pod(json_t *running, json_t *wanted)
{
	static const char *const pod_keys[] = {"name", "ports", "aliases"};
	for (size_t i = 0; i < ARRAY_SIZE(pod_keys); i++)
		if (!same(json_object_get(running, pod_keys[i]),
			  json_object_get(wanted, pod_keys[i])))
			return true;
	return false;
}
