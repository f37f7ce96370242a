/* clan network ls [-q] [--format json]: the networks of running containers.
 * A container with a network namespace of its own owns a network named
 * after it; containers started with --network container:NAME join NAME's;
 * --network host containers share the one "host" network. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "container/store.h"

struct net_row {
	char *name;
	char driver[16];
	char handler[16];
	struct strv members, ports;
};

struct net_list {
	struct net_row *v;
	size_t n;
};

static struct net_row *row_for(struct net_list *l, const char *name, const char *driver)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	struct net_row *r = &l->v[l->n++];
	*r = (struct net_row){.name = xstrdup(name)};
	snprintf(r->driver, sizeof r->driver, "%s", driver);
	return r;
}

static int collect(const struct container_rec *c, void *arg)
{
	if (!store_is_running(c))
		return 0;
	bool host = strcmp(c->network, "host") == 0;
	const char *owner = host ? "host" : c->net_owner ? c->net_owner : c->name;
	struct net_row *r = row_for(arg, owner, c->network[0] ? c->network : "?");
	strv_push(&r->members, c->name);
	for (size_t i = 0; i < c->ports.n; i++)
		strv_push(&r->ports, c->ports.v[i]);
	if (c->port_handler[0])
		snprintf(r->handler, sizeof r->handler, "%s", c->port_handler);
	return 0;
}

static char *joined(const struct strv *s)
{
	size_t len = 1;
	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + 2;
	char *out = xcalloc(1, len);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, s->v[i]);
	}
	return out;
}

struct net_opts {
	bool json, quiet;
};

static void print_rows(const struct net_list *l, const struct net_opts *o)
{
	bool json = o->json;
	if (o->quiet) {
		for (size_t i = 0; i < l->n; i++)
			puts(l->v[i].name);
		return;
	}
	json_t *out = json ? json_array() : NULL;
	if (!json)
		printf("%-20s  %-12s  %-12s  %-28s  %s\n", "NETWORK", "DRIVER", "PORT HANDLER",
		       "CONTAINERS", "PORTS");
	for (size_t i = 0; i < l->n; i++) {
		const struct net_row *r = &l->v[i];
		if (json) {
			json_t *m = json_array(), *p = json_array();
			for (size_t k = 0; k < r->members.n; k++)
				json_array_append_new(m, json_string(r->members.v[k]));
			for (size_t k = 0; k < r->ports.n; k++)
				json_array_append_new(p, json_string(r->ports.v[k]));
			json_array_append_new(out,
					      json_pack("{s:s,s:s,s:s,s:o,s:o}", "name", r->name,
							"driver", r->driver, "port_handler",
							r->handler, "containers", m, "ports", p));
			continue;
		}
		_cleanup_free_ char *members = joined(&r->members), *ports = joined(&r->ports);
		printf("%-20s  %-12s  %-12s  %-28s  %s\n", r->name, r->driver,
		       r->handler[0] ? r->handler : "-", members, ports);
	}
	if (json) {
		char *s = json_dumps(out, JSON_INDENT(2));
		puts(s ? s : "[]");
		free(s);
		json_decref(out);
	}
}

enum { OPT_FORMAT = 1, OPT_QUIET };

static const struct opt_def network_opts[] = {
    {"quiet", 'q', NULL, "ls: only the names, one a line", OPT_QUIET},
    {"format", 0, "json", "ls: one JSON array instead of the table", OPT_FORMAT},
    {0},
};

const struct opt_cmd network_cmd = {
    .name = "network",
    .operands = "ls",
    .about = "The networks of running containers (a stack's services share one) and their\n"
	     "published ports; clan run and stacks make them, not the user.\n",
    .opts = network_opts,
};

static int network_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct net_opts *o = arg;
	if (id == OPT_QUIET)
		o->quiet = true;
	return id == OPT_FORMAT ? opts_format("network ls", v, &o->json, err) : 0;
}

static int network_ls(const struct strv *ops, const struct net_opts *o, struct clan_err *err)
{
	if (ops->n > 1)
		return clan_error_code(err, CLAN_EXIT_USAGE, "network ls: unexpected argument '%s'",
				       ops->v[1]);
	_cleanup_free_ char *storage = paths_storage_dir();
	struct net_list l = {0};
	int rc = store_list(storage, collect, &l, err);
	if (rc == 0)
		print_rows(&l, o);
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].name);
		strv_free(&l.v[i].members);
		strv_free(&l.v[i].ports);
	}
	free(l.v);
	return rc < 0 ? -1 : 0;
}

int cmd_network(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct net_opts o = {0};
	(void)ctx;
	int r = opts_parse(&network_cmd, argc, argv, network_opt, &o, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n == 0) {
		opts_usage(&network_cmd, stderr);
		return CLAN_EXIT_USAGE;
	}
	if (strcmp(ops.v[0], "ls") == 0 || strcmp(ops.v[0], "list") == 0)
		return network_ls(&ops, &o, err);
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "network: unknown subcommand '%s' (ls); networks are made by "
			       "clan run and stacks, not by hand",
			       ops.v[0]);
}
