/* clan ps [-a] [-q] [--services] [--format json] [SERVICE...]: the
 * containers of `clan run`; in a project dir, the services of its stack. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/format.h"
#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "cli/ps_stack.h"
#include "supervisor/stack_cli.h"
#include "container/store.h"

struct ps_opts {
	bool all, json, quiet, services;
	const char *storage;
	json_t *out;
};

static void ago(int64_t t, char *buf, size_t len)
{
	format_duration((int64_t)time(NULL) - t, buf, len);
}

static void status_text(const struct container_rec *r, bool running, char *buf, size_t len)
{
	char t[64];
	if (running) {
		ago(r->created, t, sizeof t);
		snprintf(buf, len, "Up %s", t);
	} else if (strcmp(r->state, "exited") == 0) {
		ago(r->finished, t, sizeof t);
		snprintf(buf, len, "Exited (%d) %s ago", r->exit_code, t);
	} else {
		snprintf(buf, len, "Gone (clan was killed)");
	}
}

static int print_one(const struct container_rec *r, void *arg)
{
	struct ps_opts *o = arg;
	bool running = store_is_running(r);
	struct clan_err ignored;
	/* an --rm container whose clan was killed: finish the removal it asked for */
	if (!running && r->rm && store_remove(o->storage, r, &ignored) == 0)
		return 0;
	if (!running && !o->all)
		return 0;
	if (o->quiet) {
		puts(r->id);
		return 0;
	}
	char status[96], created[64], cmd[64] = "";
	status_text(r, running, status, sizeof status);
	for (size_t i = 0; i < r->cmd.n; i++) {
		size_t n = strlen(cmd);
		snprintf(cmd + n, sizeof cmd - n, "%s%s", i ? " " : "", r->cmd.v[i]);
	}
	if (o->json) {
		json_t *ports = json_array();
		for (size_t i = 0; running && i < r->ports.n; i++)
			json_array_append_new(ports, json_string(r->ports.v[i]));
		json_array_append_new(
		    o->out,
		    json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:b,s:i,s:s,s:o}", "id", r->id, "name",
			      r->name, "image", r->image, "command", cmd, "created",
			      (json_int_t)r->created, "status", status, "running", running,
			      "exit_code", r->exit_code, "network", r->network, "ports", ports));
		return 0;
	}
	/* docker shows the ports of running containers only */
	char ports[256] = "";
	for (size_t i = 0; running && i < r->ports.n; i++) {
		size_t n = strlen(ports);
		snprintf(ports + n, sizeof ports - n, "%s%s", i ? ", " : "", r->ports.v[i]);
	}
	char age[48];
	ago(r->created, age, sizeof age);
	snprintf(created, sizeof created, "%s ago", age);
	/* the image in full, as docker: a cut dir: path or tag names
	 * nothing (the command is cut: --format json has it whole) */
	printf("%-12.12s  %-24s  %-22.22s  %-16s  %-26s  %-24s  %s\n", r->id, r->image, cmd,
	       created, status, ports, r->name);
	return 0;
}

enum { OPT_ALL = 1, OPT_FORMAT, OPT_QUIET, OPT_SERVICES };

static const struct opt_def ps_opts[] = {
    {"all", 'a', NULL, "also stopped ones", OPT_ALL},
    {"quiet", 'q', NULL, "only the container ids, one a line", OPT_QUIET},
    {"services", 0, NULL, "in a project dir: only the service names, one a line", OPT_SERVICES},
    {"format", 0, "json",
     "one JSON array instead of the table; in a project\n"
     "dir every service, stopped ones too, with compose's\n"
     "keys (Name, Service, State, Health, ExitCode,\n"
     "Publishers...) beside clan's",
     OPT_FORMAT},
    {0},
};

const struct opt_cmd ps_cmd = {
    .name = "ps",
    .operands = "[SERVICE...]",
    .about = "In a project dir: its services (state, health, ports), or those named;\n"
	     "elsewhere the containers of clan run.\n",
    .opts = ps_opts,
};

static int ps_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct ps_opts *o = arg;
	if (id == OPT_ALL)
		o->all = true;
	if (id == OPT_QUIET)
		o->quiet = true;
	if (id == OPT_SERVICES)
		o->services = true;
	if (id == OPT_FORMAT)
		return opts_format("ps", v, &o->json, err);
	return 0;
}

int cmd_ps(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct ps_opts o = {0};

	int r = opts_parse(&ps_cmd, argc, argv, ps_opt, &o, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	/* in a project dir, as docker compose ps */
	if (stack_here(&ctx->project)) {
		struct ps_stack_opts so = {.all = o.all,
					   .json = o.json,
					   .quiet = o.quiet,
					   .services = o.services,
					   .names = &ops};
		return ps_stack(&ctx->project, &so, err);
	}
	if (opts_no_operands(&ps_cmd, &ops, err) < 0)
		return -1;
	if (o.services)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "ps: --services lists a project's services; there is no "
				       "compose file or .clanrc here");
	_cleanup_free_ char *storage = paths_storage_dir();
	o.storage = storage;
	if (o.json && !o.quiet)
		o.out = json_array();
	else if (!o.quiet)
		printf("%-12s  %-24s  %-22s  %-16s  %-26s  %-24s  %s\n", "CONTAINER ID", "IMAGE",
		       "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
	int rc = store_list(storage, print_one, &o, err);
	if (o.out) {
		if (rc == 0) {
			char *s = json_dumps(o.out, JSON_INDENT(2));
			puts(s ? s : "[]");
			free(s);
		}
		json_decref(o.out);
	}
	return rc < 0 ? -1 : 0;
}
