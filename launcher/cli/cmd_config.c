/* clan config [-q] [--services] [--volumes] [--images] [--profiles]
 * [--format yaml|json] [--no-interpolate] [--no-normalize]: the resolved
 * stack (after .env, profiles and interpolation) in the canonical form of
 * `docker compose config`; or, not normalised, the compose files merged
 * as written. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "base/progress.h"
#include "supervisor/secrets.h"
#include "config/stack.h"
#include "config/yaml_out.h"
#include "base/util.h"

enum {
	OPT_QUIET = 1,
	OPT_SERVICES,
	OPT_VOLUMES,
	OPT_IMAGES,
	OPT_PROFILES,
	OPT_FORMAT,
	OPT_NO_INTERPOLATE,
	OPT_NO_NORMALIZE,
};

static const struct opt_def config_opts[] = {
    {"quiet", 'q', NULL, "only check the configuration (exit 2 when it is bad)", OPT_QUIET},
    {"services", 0, NULL, "print the service names, one a line", OPT_SERVICES},
    {"volumes", 0, NULL, "print the named volumes, one a line", OPT_VOLUMES},
    {"images", 0, NULL, "print the services' images, one a line", OPT_IMAGES},
    {"profiles", 0, NULL, "print the compose profiles the services name, one a line", OPT_PROFILES},
    {"format", 0, "yaml|json", "yaml (the default) or json", OPT_FORMAT},
    {"no-interpolate", 0, NULL, "leave ${VAR} as written (implies --no-normalize)",
     OPT_NO_INTERPOLATE},
    {"no-normalize", 0, NULL, "print the compose files merged as written, not in canonical form",
     OPT_NO_NORMALIZE},
    {0},
};

struct config_opts {
	int what;
	bool json, raw, no_interpolate;
};

const struct opt_cmd config_cmd = {
    .name = "config",
    .about = "Prints the project in the current dir (.clanrc or compose file) as clan\n"
	     "resolves it, in the canonical form of docker compose config: .env, profiles\n"
	     "and ${VAR} interpolation applied, files merged, long-form ports and volumes.\n",
    .opts = config_opts,
};

/* The last of -q, --services, --volumes... wins. */
static int set_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct config_opts *c = arg;
	if (id == OPT_NO_INTERPOLATE || id == OPT_NO_NORMALIZE) {
		c->raw = true;
		c->no_interpolate |= id == OPT_NO_INTERPOLATE;
		return 0;
	}
	if (id != OPT_FORMAT) {
		c->what = id;
		return 0;
	}
	if (strcmp(v, "json") != 0 && strcmp(v, "yaml") != 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "config: --format %s: expected yaml or json", v);
	c->json = strcmp(v, "json") == 0;
	return 0;
}

static int json_out(const json_t *o)
{
	return json_dumpf(o, stdout, JSON_INDENT(2)) < 0 || putchar('\n') == EOF ? -1 : 0;
}

static int print(const struct stack *st, const struct config_opts *c)
{
	switch (c->what) {
	case OPT_SERVICES:
		for (size_t i = 0; i < st->nsvcs; i++)
			puts(st->svcs[i].name);
		return 0;
	case OPT_VOLUMES:
		for (size_t i = 0; i < st->volumes.n; i++)
			puts(st->volumes.v[i]);
		return 0;
	case OPT_IMAGES:
		for (size_t i = 0; i < st->nsvcs; i++)
			puts(st->svcs[i].image);
		return 0;
	case OPT_PROFILES:
		for (size_t i = 0; i < st->compose_profiles.n; i++)
			puts(st->compose_profiles.v[i]);
		return 0;
	case OPT_QUIET:
		return 0;
	default:
		break;
	}
	if (c->raw)
		return c->json ? json_out(st->compose_raw) : yaml_out_json(st->compose_raw, stdout);
	if (!c->json)
		return stack_print(st, stdout);
	json_t *o = stack_config_json(st);
	int r = json_out(o);
	json_decref(o);
	return r;
}

int cmd_config(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct config_opts c = {0};
	int r = opts_parse(&config_cmd, argc, argv, set_opt, &c, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (opts_no_operands(&config_cmd, &ops, err) < 0)
		return -1;
	/* the generated secrets too: clan config is where the user reads them */
	_cleanup_free_ char *storage = paths_storage_dir();
	/* --services and the like read the stack: only the whole print can
	 * be of the files as written */
	bool raw = c.raw && !c.what;
	struct stack_load_opts o = {.args = &ctx->project,
				    .secret = secret_for_stack,
				    .secret_arg = storage,
				    .raw = raw,
				    .no_interpolate = raw && c.no_interpolate};
	struct stack st;
	if (stack_load(&o, &st, err) < 0)
		return -1;
	for (size_t i = 0; i < st.warnings.n; i++)
		progress_warn("%s", st.warnings.v[i]);
	if (st.note)
		progress_say("%s", st.note);
	if (raw && !st.compose_raw) {
		stack_free(&st);
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "config: --no-interpolate and --no-normalize are for compose files; "
		    "this project is a .clanrc");
	}
	r = print(&st, &c);
	stack_free(&st);
	if (r < 0 || fflush(stdout) != 0 || ferror(stdout))
		return clan_error(err, 0, "config: cannot write the output");
	return 0;
}
