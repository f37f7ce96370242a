#define _GNU_SOURCE
#include "cli/run_args.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "base/debug.h"
#include "cli/opts.h"
#include "netns/slirp.h"

const char run_usage[] =
    "usage: clan run [FLAGS] IMAGE [CMD...]\n"
    "\n"
    "IMAGE: dir:/path/to/rootfs | host\n"
    "      --rm             remove the container when it exits\n"
    "  -i, --interactive    keep stdin open\n"
    "  -t, --tty            allocate a terminal\n"
    "  -v, --volume SRC:DST[:ro]  bind-mount a host path\n"
    "  -e, --env K=V        set an environment variable (-e K: take it from the host)\n"
    "      --env-file F     read K=V lines from F\n"
    "  -w, --workdir DIR    working directory inside\n"
    "  -u, --user USER[:GROUP]  user inside (name from the image's /etc/passwd, or uid)\n"
    "      --hostname H     hostname inside\n"
    "      --name NAME      name the container\n"
    "  -p, --publish [IP:]HOST:CONTAINER[/udp]  publish a port (127.0.0.1 unless an IP\n"
    "                       is given; 0.0.0.0 for every address)\n"
    "      --network slirp4netns[:OPTS]|none|host|container:NAME\n"
    "                       OPTS: port_handler=clan|slirp4netns, allow_host_loopback=true;\n"
    "                       --net is the same flag\n"
    "      --add-host NAME:IP   add a line to /etc/hosts (IP host-gateway: the host)\n"
    "      --userns auto|single|subuid|host   (host: root only)\n"
    "      --init           run a reaping init as pid 1 (the command is pid 2)\n"
    "      --security-opt seccomp=unconfined|FILE   no syscall filter, or a profile in\n"
    "                       Docker's JSON format instead of clan's default\n"
    "      --debug          say what the runtime does\n"
    "  -h, --help           this text\n";

enum {
	OPT_RM = 1,
	OPT_I,
	OPT_T,
	OPT_V,
	OPT_E,
	OPT_ENV_FILE,
	OPT_W,
	OPT_U,
	OPT_HOSTNAME,
	OPT_NAME,
	OPT_NETWORK,
	OPT_PUBLISH,
	OPT_ADD_HOST,
	OPT_USERNS,
	OPT_DEBUG,
	OPT_INIT,
	OPT_SECURITY_OPT,
	OPT_HELP,
};

static const struct opt_def run_opts[] = {
    {"rm", 0, false, OPT_RM},
    {"interactive", 'i', false, OPT_I},
    {"tty", 't', false, OPT_T},
    {"volume", 'v', true, OPT_V},
    {"env", 'e', true, OPT_E},
    {"env-file", 0, true, OPT_ENV_FILE},
    {"workdir", 'w', true, OPT_W},
    {"user", 'u', true, OPT_U},
    {"hostname", 0, true, OPT_HOSTNAME},
    {"name", 0, true, OPT_NAME},
    {"network", 0, true, OPT_NETWORK},
    {"net", 0, true, OPT_NETWORK},
    {"publish", 'p', true, OPT_PUBLISH},
    {"add-host", 0, true, OPT_ADD_HOST},
    {"userns", 0, true, OPT_USERNS},
    {"debug", 0, false, OPT_DEBUG},
    {"init", 0, false, OPT_INIT},
    {"security-opt", 0, true, OPT_SECURITY_OPT},
    {"help", 'h', false, OPT_HELP},
    {0},
};

static const char *host_getenv(const char *k)
{
	return getenv(k);
}

static int parse_enum(const char *flag, const char *v, const char *const *names, size_t n, int *out,
		      struct clan_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "run: bad --%s '%s': expected auto, single, subuid or host", flag,
			       v);
}

static int add_port(struct container_spec *s, const char *v, struct clan_err *err)
{
	struct port_map m;
	if (port_spec_parse(v, &m, err) < 0)
		return clan_error_wrap(err, "run");
	for (size_t i = 0; i < s->nports; i++)
		if (port_maps_clash(&s->ports[i], &m))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "run: -p %s: host port %u is published twice", v,
					       (unsigned)m.host_port);
	s->ports = xrealloc(s->ports, (s->nports + 1) * sizeof *s->ports);
	s->ports[s->nports++] = m;
	return 0;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static int apply_opt(struct run_args *a, int id, const char *v, struct clan_err *err)
{
	static const char *const userns_names[] = {"auto", "single", "subuid", "host"};
	struct container_spec *s = &a->spec;
	int tmp = 0;

	switch (id) {
	case OPT_RM:
		s->rm = true;
		break;
	case OPT_I:
		s->interactive = true;
		break;
	case OPT_T:
		s->tty = true;
		break;
	case OPT_DEBUG:
		clan_debug_enable();
		break;
	case OPT_INIT:
		s->init = true;
		break;
	case OPT_HELP:
		a->help = true;
		break;
	case OPT_W:
		if (v[0] != '/')
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "run: bad --workdir '%s': must be absolute", v);
		set_str(&s->workdir, v);
		break;
	case OPT_U:
		set_str(&s->user, v);
		break;
	case OPT_HOSTNAME:
		set_str(&s->hostname, v);
		break;
	case OPT_NAME:
		set_str(&s->name, v);
		break;
	case OPT_ENV_FILE:
		strv_push(&a->env_files, v);
		break;
	case OPT_E:
		return parse_env_flag(v, host_getenv, &s->env, err);
	case OPT_V:
		s->binds = xrealloc(s->binds, (s->nbinds + 1) * sizeof *s->binds);
		if (parse_bind(v, &s->binds[s->nbinds], err) < 0)
			return -1;
		s->nbinds++;
		break;
	case OPT_NETWORK:
		return parse_network(v, s, err);
	case OPT_PUBLISH:
		return add_port(s, v, err);
	case OPT_ADD_HOST:
		return parse_add_host(v, s, err);
	case OPT_SECURITY_OPT: {
		const char *why = security_opt_parse(v, &s->seccomp);
		if (why)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "run: bad --security-opt '%s': %s", v, why);
		break;
	}
	case OPT_USERNS:
		if (parse_enum("userns", v, userns_names, 4, &tmp, err) < 0)
			return -1;
		s->userns = (enum userns_mode)tmp;
		break;
	}
	return 0;
}

int run_args_parse(int argc, char **argv, struct run_args *out, struct clan_err *err)
{
	struct opt_parser p;
	const char *v;
	int id;

	*out = (struct run_args){0};
	spec_init(&out->spec);
	opts_init(&p, argc, argv);
	while ((id = opts_next(&p, run_opts, &v, err)) > 0)
		if (apply_opt(out, id, v, err) < 0)
			return -1;
	if (id < 0)
		return -1;
	if (out->help)
		return 0;
	if (out->spec.nports && out->spec.net != NET_SLIRP)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: -p needs a network of the container's own: --network "
				       "%s has %s; drop -p or use --network slirp4netns",
				       net_mode_name(out->spec.net),
				       out->spec.net == NET_HOST   ? "the host's ports already"
				       : out->spec.net == NET_NONE ? "no network to publish"
								   : "the other container's ports");
	if (p.i >= argc)
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "run: missing IMAGE (e.g. clan run --rm dir:/path/rootfs sh)");
	out->spec.image_ref = xstrdup(argv[p.i++]);
	for (; p.i < argc; p.i++)
		strv_push(&out->spec.cmd, argv[p.i]);
	return 0;
}

void run_args_free(struct run_args *a)
{
	spec_free(&a->spec);
	strv_free(&a->env_files);
}
