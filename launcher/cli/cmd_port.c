/* clan port [--protocol tcp|udp] SERVICE PRIVATE_PORT: the host address
 * and port a service's port is published on, as compose's port. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "cli/svc_args.h"
#include "supervisor/stack_cli.h"

enum { OPT_PROTO = 1, OPT_INDEX };

static const struct opt_def port_opts[] = {
    {"protocol", 0, "PROTO", "tcp (the default) or udp", OPT_PROTO},
    {"index", 0, "N", "accepted for compose: a service has one container (1)", OPT_INDEX},
    {0},
};

const struct opt_cmd port_cmd = {
    .name = "port",
    .operands = "SERVICE PRIVATE_PORT",
    .about = "Prints the host address and port that PRIVATE_PORT of a service of\n"
	     "the running stack here is published on (its ports:).\n",
    .opts = port_opts,
};

struct port_args {
	enum port_proto proto;
};

static int port_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct port_args *a = arg;
	uint32_t n;
	if (id == OPT_INDEX && (!parse_u32(v, &n) || n != 1))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "port: --index %s: a service has one container (1)", v);
	if (id == OPT_PROTO && strcmp(v, "tcp") == 0)
		a->proto = PORT_TCP;
	else if (id == OPT_PROTO && strcmp(v, "udp") == 0)
		a->proto = PORT_UDP;
	else if (id == OPT_PROTO)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "port: --protocol is tcp or udp, not '%s'", v);
	return 0;
}

/* The mapping of svc that publishes port/proto, NULL if none. */
static const struct port_map *published(const struct service *svc, unsigned port,
					enum port_proto proto)
{
	for (size_t i = 0; i < svc->nports; i++) {
		const struct port_map *m = &svc->ports[i];
		if (m->proto == proto && port >= m->container_port &&
		    port < (unsigned)m->container_port + m->count)
			return m;
	}
	return NULL;
}

static int print_port(const struct stack_ctx *c, const char *name, const char *port_text,
		      enum port_proto proto, struct clan_err *err)
{
	uint32_t port;
	if (!parse_u32(port_text, &port) || port == 0 || port > 65535)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "port: bad PRIVATE_PORT '%s': a port, 1 to 65535",
				       port_text);
	if (stack_need_supervisor(c, "port", err) < 0)
		return -1;
	const struct port_map *m = published(stack_find(&c->st, name), port, proto);
	if (!m)
		return clan_error_code(err, CLAN_EXIT_FAIL,
				       "port: service %s does not publish port %u/%s (its ports: "
				       "in %s)",
				       name, (unsigned)port, port_proto_name(proto),
				       c->st.config_file);
	if (m->host_port == 0) {
		_cleanup_free_ char *addr =
		    stack_bound_port(&c->ss, name, (unsigned)port, proto, err);
		if (!addr)
			return clan_error_wrap(err, "port");
		puts(addr);
		return 0;
	}
	bool v6 = strchr(m->host_ip, ':') != NULL;
	printf("%s%s%s:%u\n", v6 ? "[" : "", m->host_ip, v6 ? "]" : "",
	       (unsigned)(m->host_port + (port - m->container_port)));
	return 0;
}

int cmd_port(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct port_args a = {.proto = PORT_TCP};
	int r = opts_parse(&port_cmd, argc, argv, port_opt, &a, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n != 2)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "port: name a service and its port, e.g. clan port web 80");
	struct stack_ctx c;
	if (stack_ctx_open(&c, &ctx->project, err) < 0)
		return -1;
	struct strv one = {.v = ops.v, .n = 1};
	int rc = svc_args_check(&c.st, "port", &one, err);
	if (rc == 0)
		rc = print_port(&c, ops.v[0], ops.v[1], a.proto, err);
	stack_ctx_free(&c);
	return rc;
}
