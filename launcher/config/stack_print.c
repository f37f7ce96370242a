/* The resolved stack in the canonical form of `docker compose config`:
 * services by name, their keys in compose's order, long-form ports and
 * volumes, environment as a mapping, absolute paths, and the default
 * network. The same model prints as YAML (clan config) or JSON (--format
 * json). What is clan's own and not compose's is under x-clan-*. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config/cfgval.h"
#include "config/stack.h"
#include "config/yaml_out.h"
#include "container/devices.h"
#include "container/ulimit.h"
#include "base/util.h"

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_text(v));
}

static void set_list(json_t *o, const char *k, const struct strv *v)
{
	if (v->n == 0)
		return;
	json_t *a = json_array();
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_text(v->v[i]));
	json_object_set_new(o, k, a);
}

static void set_duration(json_t *o, const char *k, int ms)
{
	char buf[32];
	duration_format(ms, buf, sizeof buf);
	json_object_set_new(o, k, json_string(buf));
}

static const char *const conditions[] = {"service_started", "service_healthy",
					 "service_completed_successfully"};

static json_t *depends_on(const struct service *s)
{
	json_t *o = json_object();
	for (size_t i = 0; i < s->depends_on.n; i++)
		json_object_set_new(o, s->depends_on.v[i],
				    json_pack("{s:s,s:b}", "condition",
					      conditions[s->dep_conds ? s->dep_conds[i] : 0],
					      "required", 1));
	return o;
}

/* KEY=VALUE entries as a mapping; a KEY alone (a build arg taken from
 * the environment) maps to null, as compose prints it. */
static json_t *environment(const struct strv *env)
{
	json_t *o = json_object();
	for (size_t i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');
		size_t klen = eq ? (size_t)(eq - env->v[i]) : strlen(env->v[i]);
		_cleanup_free_ char *k = xstrndup(env->v[i], klen);
		_cleanup_free_ char *key = utf8_or_replacement(k);
		json_object_set_new(o, key, eq ? json_text(eq + 1) : json_null());
	}
	return o;
}

/* build: as compose prints it: the context absolute, the Dockerfile's
 * name (relative to the context when it is inside), args a mapping. */
static json_t *build(const struct svc_image_build *b)
{
	json_t *o = json_object();
	set_str(o, "context", b->context);
	size_t n = strlen(b->context);
	const char *df = b->dockerfile;
	if (df && strncmp(df, b->context, n) == 0 && df[n] == '/')
		df += n + 1;
	if (!b->inline_text)
		set_str(o, "dockerfile", df ? df : "Dockerfile");
	set_str(o, "dockerfile_inline", b->inline_text);
	if (b->args.n)
		json_object_set_new(o, "args", environment(&b->args));
	set_str(o, "target", b->target);
	return o;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The "IP\tNAME" lines clan keeps for /etc/hosts as compose-go's HostsList
 * prints them: NAME=IP, sorted (types/hostList.go, MarshalJSON). */
static json_t *extra_hosts(const struct strv *hosts)
{
	struct strv list = {0};
	for (size_t i = 0; i < hosts->n; i++) {
		const char *tab = strchr(hosts->v[i], '\t');
		if (!tab)
			continue;
		strv_push_owned(
		    &list, xasprintf("%s=%.*s", tab + 1, (int)(tab - hosts->v[i]), hosts->v[i]));
	}
	if (list.n)
		qsort(list.v, list.n, sizeof *list.v, by_text);
	json_t *a = json_array();
	for (size_t i = 0; i < list.n; i++)
		json_array_append_new(a, json_text(list.v[i]));
	strv_free(&list);
	return a;
}

/* The test as compose writes it: CMD-SHELL for what runs in sh -c. */
static json_t *health(const struct service *s)
{
	const struct strv *t = &s->health.test;
	json_t *test = json_array();
	bool shell = t->n == 3 && strcmp(t->v[0], "/bin/sh") == 0 && strcmp(t->v[1], "-c") == 0;
	json_array_append_new(test, json_string(shell ? "CMD-SHELL" : "CMD"));
	for (size_t i = shell ? 2 : 0; i < t->n; i++)
		json_array_append_new(test, json_text(t->v[i]));
	json_t *o = json_object();
	json_object_set_new(o, "test", test);
	if (s->health.interval_ms)
		set_duration(o, "interval", s->health.interval_ms);
	if (s->health.timeout_ms)
		set_duration(o, "timeout", s->health.timeout_ms);
	if (s->health.retries)
		json_object_set_new(o, "retries", json_integer(s->health.retries));
	if (s->health.start_period_ms)
		set_duration(o, "start_period", s->health.start_period_ms);
	return o;
}

static json_t *networks(const struct service *s)
{
	json_t *o = json_object();
	if (s->aliases.n == 0) {
		json_object_set_new(o, "default", json_null());
		return o;
	}
	json_t *def = json_object();
	set_list(def, "aliases", &s->aliases);
	json_object_set_new(o, "default", def);
	return o;
}

static json_t *ports(const struct service *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nports; i++) {
		const struct port_map *m = &s->ports[i];
		json_t *p = json_pack("{s:s,s:s,s:i}", "mode", "ingress", "host_ip", m->host_ip,
				      "target", (int)m->container_port);
		if (m->host_port) {
			char pub[16];
			if (m->count > 1)
				snprintf(pub, sizeof pub, "%u-%u", (unsigned)m->host_port,
					 (unsigned)(m->host_port + m->count - 1));
			else
				snprintf(pub, sizeof pub, "%u", (unsigned)m->host_port);
			json_object_set_new(p, "published", json_string(pub));
		}
		json_object_set_new(p, "protocol", json_string(port_proto_name(m->proto)));
		json_array_append_new(a, p);
	}
	return a;
}

static json_t *volumes(const struct service *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct svc_mount *m = &s->mounts[i];
		json_t *v = json_object();
		set_str(v, "type", m->volume ? "volume" : "bind");
		set_str(v, "source", m->volume ? m->volume : m->src);
		set_str(v, "target", m->dst);
		if (m->ro)
			json_object_set_new(v, "read_only", json_true());
		if (m->volume)
			json_object_set_new(v, "volume", json_object());
		else
			json_object_set_new(v, "bind",
					    json_pack("{s:b}", "create_host_path", m->create));
		json_array_append_new(a, v);
	}
	return a;
}

/* As compose's long form; a CDI name is its own source and target, as
 * compose-go gives it. */
static json_t *devices(const struct strv *d)
{
	json_t *a = json_array();
	for (size_t i = 0; i < d->n; i++) {
		struct device_node_req r = {0};
		struct clan_err err;
		if (device_req_check(d->v[i], &r, &err) < 0)
			continue; /* the load checked each */
		char perms[4] = "rwm";
		if (r.src)
			snprintf(perms, sizeof perms, "%s%s%s", r.read ? "r" : "",
				 r.write ? "w" : "", r.mknod ? "m" : "");
		json_t *o = json_object();
		json_object_set_new(o, "permissions", json_string(perms));
		json_object_set_new(o, "source", json_text(r.src ? r.src : d->v[i]));
		json_object_set_new(o, "target", json_text(r.dst ? r.dst : d->v[i]));
		json_array_append_new(a, o);
		device_node_req_free(&r);
	}
	return a;
}

/* "nofile=1024:2048" as compose's {nofile: {soft: 1024, hard: 2048}}, a
 * single number when both are equal; -1 is unlimited. */
static json_t *ulimits(const struct strv *u)
{
	json_t *o = json_object();
	for (size_t i = 0; i < u->n; i++) {
		struct ulimit_spec l;
		struct clan_err err;
		if (ulimit_parse(u->v[i], &l, &err) < 0)
			continue; /* the load checked each */
		json_int_t soft = l.soft == RLIM_INFINITY ? -1 : (json_int_t)l.soft;
		json_int_t hard = l.hard == RLIM_INFINITY ? -1 : (json_int_t)l.hard;
		json_object_set_new(o, ulimit_name(l.resource),
				    soft == hard
					? json_integer(soft)
					: json_pack("{s:I,s:I}", "soft", soft, "hard", hard));
	}
	return o;
}

/* In compose's key order (alphabetical, as its types declare them). */
static json_t *service(const struct service *s)
{
	json_t *o = json_object();
	char sig[32];
	if (s->build)
		json_object_set_new(o, "build", build(s->build));
	set_list(o, "cap_add", &s->cap_add);
	set_list(o, "cap_drop", &s->cap_drop);
	set_list(o, "command", &s->command);
	if (s->devices.n)
		json_object_set_new(o, "devices", devices(&s->devices));
	if (s->depends_on.n)
		json_object_set_new(o, "depends_on", depends_on(s));
	set_list(o, "entrypoint", &s->entrypoint);
	if (s->environment.n)
		json_object_set_new(o, "environment", environment(&s->environment));
	if (s->extra_hosts.n)
		json_object_set_new(o, "extra_hosts", extra_hosts(&s->extra_hosts));
	if (s->has_health)
		json_object_set_new(o, "healthcheck", health(s));
	set_str(o, "hostname", s->hostname);
	/* compose names a built image without image: itself, and shows none */
	if (!s->build || !s->build->image_default)
		set_str(o, "image", s->image);
	if (s->labels.n) /* KEY=VALUE, as the environment */
		json_object_set_new(o, "labels", environment(&s->labels));
	if (s->init)
		json_object_set_new(o, "init", json_true());
	json_object_set_new(o, "networks", networks(s));
	if (s->nports)
		json_object_set_new(o, "ports", ports(s));
	if (s->read_only)
		json_object_set_new(o, "read_only", json_true());
	if (s->restart != RESTART_NO)
		set_str(o, "restart", restart_name(s->restart));
	if (s->seccomp) {
		_cleanup_free_ char *opt = xasprintf("seccomp=%s", s->seccomp);
		json_object_set_new(o, "security_opt", json_pack("[s]", opt));
	}
	if (s->shm_size) {
		char bytes[32];
		snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)s->shm_size);
		set_str(o, "shm_size", bytes);
	}
	if (s->stop_grace_ms != 10000)
		set_duration(o, "stop_grace_period", s->stop_grace_ms);
	if (s->stop_signal && s->stop_signal != SIGTERM) {
		signal_format(s->stop_signal, sig, sizeof sig);
		set_str(o, "stop_signal", sig);
	}
	set_list(o, "tmpfs", &s->tmpfs);
	if (s->ulimits.n)
		json_object_set_new(o, "ulimits", ulimits(&s->ulimits));
	set_str(o, "user", s->user);
	if (s->nmounts)
		json_object_set_new(o, "volumes", volumes(s));
	set_str(o, "working_dir", s->working_dir);
	if (s->health_from_profile)
		set_str(o, "x-clan-healthcheck",
			"the profile's, for depends_on (healthcheck: disable: true turns it off)");
	set_str(o, "x-clan-profile", s->profile);
	set_str(o, "x-clan-single-id-user", s->single_user);
	return o;
}

static int by_name(const void *a, const void *b)
{
	const struct service *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

json_t *stack_config_json(const struct stack *st)
{
	json_t *o = json_object();
	set_str(o, "name", st->name);
	const struct service **sorted = xcalloc(st->nsvcs + 1, sizeof *sorted);
	for (size_t i = 0; i < st->nsvcs; i++)
		sorted[i] = &st->svcs[i];
	qsort(sorted, st->nsvcs, sizeof *sorted, by_name);
	json_t *svcs = json_object();
	for (size_t i = 0; i < st->nsvcs; i++)
		json_object_set_new(svcs, sorted[i]->name, service(sorted[i]));
	free(sorted);
	json_object_set_new(o, "services", svcs);
	_cleanup_free_ char *net = xasprintf("%s_default", st->name);
	json_object_set_new(o, "networks", json_pack("{s:{s:s}}", "default", "name", net));
	if (st->volumes.n) {
		json_t *v = json_object();
		for (size_t i = 0; i < st->volumes.n; i++) {
			const struct svc_mount *m = stack_volume_mount(st, st->volumes.v[i]);
			json_t *one = json_object();
			if (m && m->volume_name)
				json_object_set_new(one, "name", json_text(m->volume_name));
			if (m && m->external)
				json_object_set_new(one, "external", json_true());
			json_object_set_new(v, st->volumes.v[i], one);
		}
		json_object_set_new(o, "volumes", v);
	}
	return o;
}

int stack_print(const struct stack *st, FILE *f)
{
	json_t *o = stack_config_json(st);
	int r = yaml_out_json(o, f);
	json_decref(o);
	return r;
}
