/* A compose service's ports (short "[IP:][HOST:]CONTAINER[/PROTO]" and
 * long form) and expose. Unlike compose, a port with no host IP is
 * published on 127.0.0.1 only, as everywhere in clan: a developer's
 * database is not for the whole network (write 0.0.0.0 for that). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/compose_int.h"

static void add_listen(struct svc_build *b, const struct port_map *m, int line)
{
	b->listen = xrealloc(b->listen, (b->nlisten + 1) * sizeof *b->listen);
	b->listen[b->nlisten++] = (struct listen_port){
	    .port = m->container_port, .count = m->count, .proto = m->proto, .line = line};
}

/* The long form written as the short one port_spec_parse reads. */
static int long_form(struct load_ctx *c, const struct ynode *p, char **out)
{
	const char *target = ynode_text(ynode_get(p, "target"));
	const struct ynode *pub = ynode_get(p, "published");
	const char *ip = ynode_text(ynode_get(p, "host_ip"));
	const char *proto = ynode_text(ynode_get(p, "protocol"));
	const char *mode = ynode_text(ynode_get(p, "mode"));
	if (!target)
		return compose_fail(c, p,
				    "ports: the long form needs target: (the container port)");
	if (pub && !ynode_text(pub))
		return compose_fail(c, pub, "ports: published: expected a port or a range");
	if (mode && strcmp(mode, "host") != 0 && strcmp(mode, "ingress") != 0)
		return compose_fail(c, p, "ports: mode: expected host or ingress");
	for (size_t i = 0; i < p->n; i++) {
		static const char *const known[] = {
		    "target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"};
		size_t k = 0;
		while (k < ARRAY_SIZE(known) && strcmp(known[k], p->keys[i]) != 0)
			k++;
		if (k == ARRAY_SIZE(known))
			return compose_fail(c, p->items[i], "ports: unknown key %s", p->keys[i]);
	}
	bool v6 = ip && strchr(ip, ':');
	*out = xasprintf("%s%s%s%s%s%s%s", ip && v6 ? "[" : "", ip ? ip : "", ip && v6 ? "]" : "",
			 ip ? ":" : "", pub ? pub->value : "", ip || pub ? ":" : "", target);
	if (proto) {
		char *with = xasprintf("%s/%s", *out, proto);
		free(*out);
		*out = with;
	}
	return 0;
}

static int one_port(struct load_ctx *c, const struct ynode *p, struct svc_build *b)
{
	_cleanup_free_ char *text = NULL;
	if (p->kind == YN_MAP) {
		if (long_form(c, p, &text) < 0)
			return -1;
	} else if (ynode_text(p)) {
		text = xstrdup(p->value);
	} else {
		return compose_fail(c, p,
				    "ports: expected \"[IP:][HOST:]CONTAINER[/udp]\" or a "
				    "mapping (target:, published:)");
	}
	struct port_map m;
	if (port_spec_parse(text, &m, c->err) < 0) {
		/* port_spec_parse speaks of -p; the file has ports: */
		char *eg = strstr(c->err->msg, " (e.g. -p");
		if (eg)
			*eg = '\0';
		return compose_fail(c, p, "ports: %s (e.g. \"8000:8000\", \"127.0.0.1:5432:5432\")",
				    c->err->msg);
	}
	struct service *s = &b->svc;
	s->ports = xrealloc(s->ports, (s->nports + 1) * sizeof *s->ports);
	b->port_lines = xrealloc(b->port_lines, (s->nports + 1) * sizeof *b->port_lines);
	b->port_lines[s->nports] = p->line;
	s->ports[s->nports++] = m;
	add_listen(b, &m, p->line);
	return 0;
}

static int one_expose(struct load_ctx *c, const struct ynode *e, struct svc_build *b)
{
	const char *t = ynode_text(e);
	struct port_map m;
	if (!t || strchr(t, ':') || port_spec_parse(t, &m, c->err) < 0)
		return compose_fail(c, e,
				    "expose: expected a container port (8000, 8000-8010, "
				    "53/udp)");
	add_listen(b, &m, e->line);
	return 0;
}

int compose_build_ports(struct load_ctx *c, const struct ynode *svc, struct svc_build *b)
{
	const struct ynode *ports = ynode_get(svc, "ports");
	const struct ynode *expose = ynode_get(svc, "expose");
	if (ports && ports->kind != YN_SEQ)
		return compose_fail(c, ports, "ports: expected a list");
	if (expose && expose->kind != YN_SEQ)
		return compose_fail(c, expose, "expose: expected a list");
	for (size_t i = 0; ports && i < ports->n; i++)
		if (one_port(c, ports->items[i], b) < 0)
			return -1;
	for (size_t i = 0; expose && i < expose->n; i++)
		if (one_expose(c, expose->items[i], b) < 0)
			return -1;
	return 0;
}
