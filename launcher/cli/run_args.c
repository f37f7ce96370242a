#define _GNU_SOURCE
#include "cli/run_args.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "base/debug.h"
#include "base/format.h"
#include "container/devices.h"
#include "ns/caps.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "netns/slirp.h"
#include "base/settings.h"

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
	OPT_TMPFS,
	OPT_READ_ONLY,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_SHM_SIZE,
	OPT_ULIMIT,
	OPT_DEVICE,
};

static const struct opt_def run_opts[] = {
    {"rm", 0, NULL, "remove the container when it exits", OPT_RM},
    {"interactive", 'i', NULL, "keep stdin open", OPT_I},
    {"tty", 't', NULL, "allocate a terminal", OPT_T},
    {"volume", 'v', "SRC:DST[:ro]", "bind-mount a host path", OPT_V},
    {"env", 'e', "K=V", "set an environment variable (-e K: take it from the host)", OPT_E},
    {"env-file", 0, "F", "read K=V lines from F", OPT_ENV_FILE},
    {"workdir", 'w', "WORKDIR", "working directory inside", OPT_W},
    {"user", 'u', "USER[:GROUP]", "user inside (name from the image's /etc/passwd, or uid)", OPT_U},
    {"hostname", 0, "H", "hostname inside", OPT_HOSTNAME},
    {"name", 0, "NAME", "name the container", OPT_NAME},
    {"network", 0, "slirp4netns[:OPTS]|none|host|container:NAME",
     "OPTS: port_handler=clan|slirp4netns,\n"
     "allow_host_loopback=true; --net is the same flag",
     OPT_NETWORK},
    {"net", 0, "MODE", NULL, OPT_NETWORK},
    {"publish", 'p', "[IP:]HOST:CONTAINER[/udp]",
     "publish a port (127.0.0.1 unless an IP is\n"
     "given; 0.0.0.0 for every address)",
     OPT_PUBLISH},
    {"add-host", 0, "NAME:IP", "add a line to /etc/hosts (IP host-gateway: the host)",
     OPT_ADD_HOST},
    {"userns", 0, "auto|single|subuid|host", "(host: root only)", OPT_USERNS},
    {"init", 0, NULL, "run a reaping init as pid 1 (the command is pid 2)", OPT_INIT},
    {"security-opt", 0, "seccomp=unconfined|FILE",
     "no syscall filter, or a profile in Docker's\n"
     "JSON format instead of clan's default",
     OPT_SECURITY_OPT},
    {"tmpfs", 0, "DST[:OPTS]",
     "mount a tmpfs at DST; OPTS: size=N[k|m|g],\n"
     "mode=OCTAL, ro, exec, suid, dev (default:\n"
     "rw,noexec,nosuid,nodev, half of RAM, 1777)",
     OPT_TMPFS},
    {"read-only", 0, NULL,
     "the root filesystem read-only (volumes, tmpfs,\n"
     "/dev, /proc stay writable as they are)",
     OPT_READ_ONLY},
    {"cap-add", 0, "CAP",
     "add a capability (NET_ADMIN, CAP_NET_ADMIN, ALL);\n"
     "it counts inside the container's user namespace\n"
     "only, never on the host",
     OPT_CAP_ADD},
    {"cap-drop", 0, "CAP", "drop a capability (ALL: every one, then --cap-add)", OPT_CAP_DROP},
    {"shm-size", 0, "N[b|k|m|g]", "size of /dev/shm (default 64m)", OPT_SHM_SIZE},
    {"ulimit", 0, "NAME=SOFT[:HARD]",
     "a resource limit (nofile, nproc, core, memlock,\n"
     "stack, fsize, cpu, as...; -1: unlimited); no\n"
     "hard limit above the host's",
     OPT_ULIMIT},
    {"device", 0, "/dev/X[:/dev/Y][:rwm]|VENDOR/CLASS=NAME",
     "bind a host device node (r alone: a read-only\n"
     "mount, which the kernel does not enforce for\n"
     "devices), or a CDI device (=all: every one)",
     OPT_DEVICE},
    {"debug", 0, NULL, "say what the runtime does", OPT_DEBUG},
    {0},
};

/* docker run's order: options, IMAGE, then the command's own words. */
const struct opt_cmd run_cmd = {
    .name = "run",
    .operands = "IMAGE [CMD...]",
    .about = "IMAGE: dir:/path/to/rootfs | host\n",
    .opts = run_opts,
    .opts_end_at = 1,
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

static int add_tmpfs(struct container_spec *s, const char *v, struct clan_err *err)
{
	struct tmpfs_spec t;
	if (tmpfs_spec_parse(v, &t, err) < 0)
		return clan_error_wrap(err, "run");
	s->tmpfs = xrealloc(s->tmpfs, (s->ntmpfs + 1) * sizeof *s->tmpfs);
	s->tmpfs[s->ntmpfs++] = t;
	return 0;
}

/* Checked here for an exit 2 before anything starts; kept as given, in
 * order (prepare applies them). */
static int add_cap(struct strv *list, const char *flag, const char *v, struct clan_err *err)
{
	int cap;
	if (caps_from_name(v, &cap, err) < 0)
		return clan_error_wrap(err, "run: --%s", flag);
	strv_push(list, v);
	return 0;
}

static int set_shm_size(struct container_spec *s, const char *v, struct clan_err *err)
{
	if (!parse_size(v, &s->shm_size))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad --shm-size '%s': expected a size such as 64m, "
				       "512k, 1g or bytes",
				       v);
	return 0;
}

static int add_ulimit(struct container_spec *s, const char *v, struct clan_err *err)
{
	struct ulimit_spec u;
	if (ulimit_parse(v, &u, err) < 0)
		return clan_error_wrap(err, "run");
	ulimit_put(&s->ulimits, &s->nulimits, &u);
	return 0;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static int apply_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct run_args *a = arg;
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
	case OPT_TMPFS:
		return add_tmpfs(s, v, err);
	case OPT_READ_ONLY:
		s->read_only = true;
		break;
	case OPT_CAP_ADD:
		return add_cap(&s->cap_add, "cap-add", v, err);
	case OPT_CAP_DROP:
		return add_cap(&s->cap_drop, "cap-drop", v, err);
	case OPT_SHM_SIZE:
		return set_shm_size(s, v, err);
	case OPT_ULIMIT:
		return add_ulimit(s, v, err);
	case OPT_DEVICE:
		if (device_req_check(v, NULL, err) < 0)
			return clan_error_wrap(err, "run");
		strv_push(&s->devices, v);
		break;
	case OPT_USERNS:
		if (parse_enum("userns", v, userns_names, 4, &tmp, err) < 0)
			return -1;
		s->userns = (enum userns_mode)tmp;
		break;
	}
	return 0;
}

/* -p needs the container's own network stack. */
static int check_ports(const struct container_spec *s, struct clan_err *err)
{
	if (!s->nports || s->net == NET_SLIRP)
		return 0;
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "run: -p needs a network of the container's own: --network "
			       "%s has %s; drop -p or use --network slirp4netns",
			       net_mode_name(s->net),
			       s->net == NET_HOST   ? "the host's ports already"
			       : s->net == NET_NONE ? "no network to publish"
						    : "the other container's ports");
}

/* How much of RAM an --rm container's writable layer may take unless
 * clan.conf's [run] rm_layer says otherwise. */
#define RM_LAYER_DEFAULT "25%"

/* --rm's writable layer in memory. A Slurm job's memory limit would count
 * it, so there it stays on disk unless the setting asks for memory. */
static void choose_rm_layer(struct container_spec *s)
{
	if (!s->rm)
		return;
	_cleanup_free_ char *v = settings_get(SETTING_RM_LAYER, NULL);
	char size[32];
	if ((!v && getenv("SLURM_JOB_ID")) ||
	    settings_rm_layer(v ? v : RM_LAYER_DEFAULT, size, sizeof size) <= 0)
		return;
	s->rm_layer_size = xstrdup(size);
}

int run_args_parse(int argc, char **argv, struct run_args *out, struct clan_err *err)
{
	struct strv ops = {0};

	*out = (struct run_args){0};
	spec_init(&out->spec);
	/* a site's default network (clan.conf [run] network, CLAN_NETWORK);
	 * --network beats it */
	_cleanup_free_ char *net = settings_get(SETTING_NETWORK, NULL);
	int rc = net ? parse_network(net, &out->spec, err) : 0;
	if (rc == 0)
		rc = opts_parse(&run_cmd, argc, argv, apply_opt, out, &ops, err);
	out->help = rc == OPTS_HELP;
	if (rc == 0)
		rc = check_ports(&out->spec, err);
	if (rc == 0)
		choose_rm_layer(&out->spec);
	if (rc == 0 && ops.n == 0)
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "run: missing IMAGE (e.g. clan run --rm dir:/path/rootfs sh)");
	if (rc == 0) {
		out->spec.image_ref = xstrdup(ops.v[0]);
		for (size_t i = 1; i < ops.n; i++)
			strv_push(&out->spec.cmd, ops.v[i]);
	}
	strv_free(&ops);
	return rc < 0 ? -1 : 0;
}

void run_args_free(struct run_args *a)
{
	spec_free(&a->spec);
	strv_free(&a->env_files);
}
