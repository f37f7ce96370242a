/* clan export compose: the model `clan config` prints, as a file that
 * Docker Compose and podman-compose read back to the same stack: what
 * profiles and .clanrc shorthand resolved to is written out plainly,
 * ports and volumes in the short form every compose reads (with the host
 * address clan binds, 127.0.0.1, written: compose's default is every
 * address), built images under the name clan gives them, and each $ of a
 * value doubled so that compose's interpolation gives the value back. */
#define _GNU_SOURCE
#include <string.h>

#include "base/strbuf.h"
#include "config/export.h"
#include "config/yaml_out.h"

static json_t *dollars_doubled(const char *t)
{
	struct strbuf b = {0};
	for (const char *p = t; *p; p++) {
		if (*p == '$')
			strbuf_addc(&b, '$');
		strbuf_addc(&b, *p);
	}
	_cleanup_free_ char *e = strbuf_steal(&b);
	return json_string(e);
}

/* Every string value (not the keys) with $ as $$. */
static void escape_dollars(json_t *v)
{
	const char *k;
	json_t *item;
	if (json_is_object(v)) {
		json_object_foreach(v, k, item)
		{
			if (json_is_string(item))
				json_object_set_new(v, k, dollars_doubled(json_string_value(item)));
			else
				escape_dollars(item);
		}
	}
	for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++) {
		item = json_array_get(v, i);
		if (json_is_string(item))
			json_array_set_new(v, i, dollars_doubled(json_string_value(item)));
		else
			escape_dollars(item);
	}
}

static json_t *short_ports(const struct service *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nports; i++) {
		const struct port_map *m = &s->ports[i];
		bool v6 = strchr(m->host_ip, ':') != NULL;
		char host[24] = "", cont[16], proto[8] = "";
		if (m->host_port && m->count > 1)
			snprintf(host, sizeof host, "%u-%u", (unsigned)m->host_port,
				 (unsigned)(m->host_port + m->count - 1));
		else if (m->host_port)
			snprintf(host, sizeof host, "%u", (unsigned)m->host_port);
		if (m->count > 1)
			snprintf(cont, sizeof cont, "%u-%u", (unsigned)m->container_port,
				 (unsigned)(m->container_port + m->count - 1));
		else
			snprintf(cont, sizeof cont, "%u", (unsigned)m->container_port);
		if (m->proto == PORT_UDP)
			snprintf(proto, sizeof proto, "/udp");
		_cleanup_free_ char *p = xasprintf("%s%s%s:%s:%s%s", v6 ? "[" : "", m->host_ip,
						   v6 ? "]" : "", host, cont, proto);
		json_array_append_new(a, json_string(p));
	}
	return a;
}

/* Short form where it says the same: SRC:DST[:ro]; a bind whose missing
 * source must not be made stays long (the short form makes it). */
static json_t *short_volumes(const struct service *s, json_t *long_form)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct svc_mount *m = &s->mounts[i];
		if (!m->volume && !m->create) {
			json_array_append(a, json_array_get(long_form, i));
			continue;
		}
		_cleanup_free_ char *v = xasprintf("%s:%s%s", m->volume ? m->volume : m->src,
						   m->dst, m->ro ? ":ro" : "");
		json_array_append_new(a, json_text(v));
	}
	return a;
}

static void service(const struct service *s, json_t *o)
{
	const char *k;
	void *tmp;
	json_t *item;
	json_object_foreach_safe(o, tmp, k, item)
	{
		if (strncmp(k, "x-clan-", 7) == 0)
			json_object_del(o, k);
	}
	/* the name clan tags a built image with, so both tools agree on it */
	if (s->build)
		json_object_set_new(o, "image", json_text(s->image));
	if (s->nports)
		json_object_set_new(o, "ports", short_ports(s));
	if (s->nmounts)
		json_object_set_new(o, "volumes", short_volumes(s, json_object_get(o, "volumes")));
	/* the default network is every compose's own */
	if (!s->aliases.n)
		json_object_del(o, "networks");
}

int export_compose(const struct stack *st, const struct export_opts *o, struct export_out *out,
		   struct clan_err *err)
{
	*out = (struct export_out){.docs = json_array()};
	for (size_t i = 0; i < st->nsvcs; i++)
		if ((!o->want || o->want[i]) &&
		    export_check_image(&st->svcs[i], "compose", err) < 0)
			return -1;
	json_t *doc = stack_config_json(st);
	json_t *svcs = json_object_get(doc, "services");
	bool aliases = false;
	for (size_t i = 0; i < st->nsvcs; i++) {
		const struct service *s = &st->svcs[i];
		if (o->want && !o->want[i]) {
			json_object_del(svcs, s->name);
			continue;
		}
		aliases |= s->aliases.n > 0;
		service(s, json_object_get(svcs, s->name));
		/* a dependency left out is no dependency of this file; one with
		 * a health check is waited for healthy, as clan does (a .clanrc's
		 * depends_on says nothing more) */
		json_t *deps = json_object_get(json_object_get(svcs, s->name), "depends_on");
		for (size_t j = 0; deps && j < s->depends_on.n; j++) {
			const struct service *d = stack_find(st, s->depends_on.v[j]);
			json_t *dep = d ? json_object_get(deps, d->name) : NULL;
			if (dep && d->has_health &&
			    (!s->dep_conds || s->dep_conds[j] == DEP_STARTED))
				json_object_set_new(dep, "condition",
						    json_string("service_healthy"));
			if (o->want && d && !o->want[d - st->svcs]) {
				json_object_del(deps, d->name);
				strv_push_owned(&out->warnings,
						xasprintf("export compose: %s: depends_on %s: not "
							  "exported: left out",
							  s->name, d->name));
			}
		}
		if (deps && json_object_size(deps) == 0)
			json_object_del(json_object_get(svcs, s->name), "depends_on");
	}
	if (!aliases)
		json_object_del(doc, "networks");
	/* volumes no exported service mounts */
	json_t *vols = json_object_get(doc, "volumes");
	const char *vk;
	void *tmp;
	json_t *vi;
	json_object_foreach_safe(vols, tmp, vk, vi)
	{
		bool used = false;
		for (size_t i = 0; i < st->nsvcs && !used; i++)
			for (size_t j = 0; (!o->want || o->want[i]) && j < st->svcs[i].nmounts; j++)
				used |= st->svcs[i].mounts[j].volume &&
					strcmp(st->svcs[i].mounts[j].volume, vk) == 0;
		if (!used)
			json_object_del(vols, vk);
	}
	if (vols && json_object_size(vols) == 0)
		json_object_del(doc, "volumes");
	escape_dollars(doc);
	json_array_append_new(out->docs, doc);
	strv_push_owned(&out->comments,
			xasprintf("the stack %s as clan resolved it (clan export compose)\n"
				  "docker compose -f FILE up, or podman-compose -f FILE up",
				  st->name));
	return 0;
}
