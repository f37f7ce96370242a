/* Checks across services, once each is built: every depends_on names a
 * service, no dependency cycle, no two services on one container port
 * (they share a network namespace, like a pod) or one host port; then the
 * start order. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "netns/portfwd.h"
#include "config/stack_int.h"
#include "base/strbuf.h"
#include "base/suggest.h"

static ssize_t find(const struct load_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nb; i++)
		if (strcmp(c->b[i].svc.name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* Where item i of a service's depends_on, ports or aliases was written:
 * compose's FILE:LINE:COLUMN, a .clanrc's line. */
static struct item_pos pos(const struct item_pos *at, size_t i, int line)
{
	return at ? at[i] : (struct item_pos){.line = line};
}

/* An earlier item, as a message names it: "line N" in the same .clanrc,
 * FILE:LINE:COLUMN in compose files. */
static void pos_format(struct item_pos at, char *buf, size_t len)
{
	if (at.file)
		snprintf(buf, len, "%s:%d:%d", at.file, at.line, at.column);
	else
		snprintf(buf, len, "line %d", at.line);
}

static int check_names(struct load_ctx *c)
{
	const char **names = xcalloc(c->nb + 1, sizeof *names);
	int r = 0;
	for (size_t i = 0; i < c->nb; i++) {
		const struct svc_build *b = &c->b[i];
		/* the others: a service never depends on itself, so "did you
		 * mean" never names it */
		size_t nn = 0;
		for (size_t k = 0; k < c->nb; k++)
			if (k != i)
				names[nn++] = c->b[k].svc.name;
		for (size_t j = 0; j < b->svc.depends_on.n; j++) {
			const char *dep = b->svc.depends_on.v[j];
			if (find(c, dep) >= 0)
				continue;
			const char *near = suggest_nearest(dep, names, nn);
			struct item_pos at = pos(b->dep_at, j, b->dep_lines[j]);
			r = near ? stack_fail_pos(c, at,
						  "depends_on: no service %s (did you mean %s?)",
						  dep, near)
				 : stack_fail_pos(c, at, "depends_on: no service %s", dep);
			stack_collect(c);
		}
		/* a service's aliases must not take another's name */
		for (size_t j = 0; j < b->svc.aliases.n; j++) {
			ssize_t other = find(c, b->svc.aliases.v[j]);
			if (other >= 0 && (size_t)other != i) {
				/* a compose service has no .clanrc section */
				r = stack_fail_pos(c,
						   pos(b->alias_at, j, b->sec ? b->sec->line : 0),
						   "alias %s of %s is the name of a service",
						   b->svc.aliases.v[j], b->svc.name);
				stack_collect(c);
			}
		}
	}
	free(names);
	return r;
}

enum { WHITE, GREY, BLACK };

/* Depth-first; path holds the services being visited, for the message. */
static int visit(struct load_ctx *c, size_t i, int *color, size_t *path, size_t depth)
{
	color[i] = GREY;
	path[depth] = i;
	const struct svc_build *b = &c->b[i];
	for (size_t j = 0; j < b->svc.depends_on.n; j++) {
		size_t d = (size_t)find(c, b->svc.depends_on.v[j]);
		if (color[d] == BLACK)
			continue;
		if (color[d] == GREY) {
			struct strbuf msg = {0};
			size_t from = depth;
			while (path[from] != d)
				from--;
			for (size_t k = from; k <= depth; k++) {
				strbuf_adds(&msg, c->b[path[k]].svc.name);
				strbuf_adds(&msg, " -> ");
			}
			strbuf_adds(&msg, c->b[d].svc.name);
			/* the line of the depends_on that closes the cycle */
			stack_fail_pos(c, pos(b->dep_at, j, b->dep_lines[j]),
				       "dependency cycle: %s", msg.s);
			strbuf_free(&msg);
			return -1;
		}
		if (visit(c, d, color, path, depth + 1) < 0)
			return -1;
	}
	color[i] = BLACK;
	return 0;
}

static int check_cycles(struct load_ctx *c)
{
	int *color = xcalloc(c->nb, sizeof *color);
	size_t *path = xcalloc(c->nb + 1, sizeof *path);
	int r = 0;
	for (size_t i = 0; i < c->nb && r == 0; i++)
		if (color[i] == WHITE)
			r = visit(c, i, color, path, 0);
	free(color);
	free(path);
	return r;
}

static bool ranges_overlap(const struct listen_port *a, const struct listen_port *b)
{
	return a->proto == b->proto && a->port < (unsigned)b->port + b->count &&
	       b->port < (unsigned)a->port + a->count;
}

static int check_ports(struct load_ctx *c)
{
	char shown[128];
	for (size_t i = 0; i < c->nb; i++) {
		const struct svc_build *b = &c->b[i];
		for (size_t j = 0; j < i; j++) {
			const struct svc_build *o = &c->b[j];
			for (size_t k = 0; k < b->nlisten; k++)
				for (size_t l = 0; l < o->nlisten; l++)
					if (ranges_overlap(&b->listen[k], &o->listen[l]))
						return stack_fail_pos(
						    c, b->listen[k].at,
						    "%s and %s both listen on port %u/%s: services "
						    "share one network (like a pod); move one to "
						    "another port (its command and port = "
						    "HOST:OTHER)",
						    b->svc.name, o->svc.name,
						    (unsigned)(b->listen[k].port > o->listen[l].port
								   ? b->listen[k].port
								   : o->listen[l].port),
						    port_proto_name(b->listen[k].proto));
		}
		/* host ports, against every port written before this one */
		for (size_t k = 0; k < b->svc.nports; k++)
			for (size_t j = 0; j <= i; j++) {
				/* in this service itself: only the ports before k */
				size_t before = j < i ? c->b[j].svc.nports : k;
				for (size_t l = 0; l < before; l++)
					if (port_maps_clash(&b->svc.ports[k],
							    &c->b[j].svc.ports[l])) {
						port_map_format(&b->svc.ports[k], shown,
								sizeof shown);
						*strstr(shown, "->") = '\0';
						char first[PATH_MAX + 32];
						pos_format(
						    pos(c->b[j].port_at, l, c->b[j].port_lines[l]),
						    first, sizeof first);
						return stack_fail_pos(
						    c, pos(b->port_at, k, b->port_lines[k]),
						    "host port %s is already published "
						    "by %s (%s)",
						    shown, c->b[j].svc.name, first);
					}
			}
	}
	return 0;
}

/* Stable: each round takes the first service, in file order, whose
 * dependencies are all placed. No cycles by now, so every round places
 * one. */
static void sort(struct load_ctx *c)
{
	if (c->nb == 0) /* config --no-interpolate builds no services */
		return;
	struct svc_build *sorted = xcalloc(c->nb + 1, sizeof *sorted);
	bool *placed = xcalloc(c->nb, sizeof *placed);
	for (size_t n = 0; n < c->nb; n++) {
		for (size_t i = 0; i < c->nb; i++) {
			if (placed[i])
				continue;
			bool ready = true;
			for (size_t j = 0; j < c->b[i].svc.depends_on.n && ready; j++)
				ready = placed[find(c, c->b[i].svc.depends_on.v[j])];
			if (!ready)
				continue;
			placed[i] = true;
			sorted[n] = c->b[i];
			break;
		}
	}
	/* find() reads c->b: swap only once every index is known */
	memcpy(c->b, sorted, c->nb * sizeof *sorted);
	free(sorted);
	free(placed);
}

int stack_check_all(struct load_ctx *c)
{
	/* every unknown name and every clash at once; a cycle needs the
	 * names right */
	check_names(c);
	if (check_ports(c) < 0)
		stack_collect(c); /* the first clash: the next ones often follow from it */
	if (stack_report(c) < 0 || check_cycles(c) < 0)
		return -1;
	sort(c);
	return 0;
}

/* msg with each "-p " after "e.g. " said as .clanrc says it: "port = ". */
static void as_clanrc(const char *msg, struct strbuf *out)
{
	const char *p = msg, *eg;
	while ((eg = strstr(p, "e.g. -p "))) {
		strbuf_addn(out, p, (size_t)(eg - p));
		strbuf_adds(out, "e.g. port = ");
		p = eg + strlen("e.g. -p ");
	}
	strbuf_adds(out, p);
}

void stack_explain_port_error(const struct stack *st, struct clan_err *err)
{
	for (size_t i = 0; i < st->nsvcs; i++) {
		const struct service *svc = &st->svcs[i];
		for (size_t k = 0; k < svc->nports; k++) {
			struct port_set set;
			struct clan_err why;
			struct port_map m = svc->ports[k];
			if (portfwd_bind(&m, 1, &set, &why) == 0) {
				port_set_close(&set);
				continue;
			}
			struct strbuf msg = {0};
			as_clanrc(why.msg, &msg);
			clan_error_code(err, why.code, "%s:%d: service %s, port =: %s",
					svc->loc.file ? svc->loc.file : ".clanrc",
					svc->port_lines ? svc->port_lines[k] : svc->loc.line,
					svc->name, msg.s);
			strbuf_free(&msg);
			return;
		}
	}
}
