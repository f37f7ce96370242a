/* clan config [-q] [--services] [--volumes]: the resolved stack (after
 * .env, profiles and interpolation), like `docker compose config`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "supervisor/secrets.h"
#include "config/stack.h"
#include "base/util.h"

enum { OPT_QUIET = 1, OPT_SERVICES, OPT_VOLUMES };

static const struct opt_def config_opts[] = {
    {"quiet", 'q', NULL, "only check the configuration (exit 2 when it is bad)", OPT_QUIET},
    {"services", 0, NULL, "print the service names, one a line", OPT_SERVICES},
    {"volumes", 0, NULL, "print the named volumes, one a line", OPT_VOLUMES},
    {0},
};

static const struct opt_cmd config_cmd = {
    .name = "config",
    .about = "Prints the stack of .clanrc in the current dir as clan resolves it: .env,\n"
	     "profiles and ${VAR} interpolation applied, services in start order.\n",
    .opts = config_opts,
};

/* The last of -q, --services, --volumes wins. */
static int set_what(void *arg, int id, const char *v, struct clan_err *err)
{
	(void)v, (void)err;
	*(int *)arg = id;
	return 0;
}

int cmd_config(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	int what = 0;
	int r = opts_parse(&config_cmd, argc, argv, set_what, &what, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (opts_no_operands(&config_cmd, &ops, err) < 0)
		return -1;
	/* the generated secrets too: clan config is where the user reads them */
	_cleanup_free_ char *storage = paths_storage_dir();
	struct stack_load_opts o = {
	    .args = &ctx->project, .secret = secret_for_stack, .secret_arg = storage};
	struct stack st;
	if (stack_load(&o, &st, err) < 0)
		return -1;
	for (size_t i = 0; i < st.warnings.n; i++)
		fprintf(stderr, "clan: warning: %s\n", st.warnings.v[i]);
	if (st.note)
		fprintf(stderr, "clan: %s\n", st.note);
	if (what == OPT_SERVICES)
		for (size_t i = 0; i < st.nsvcs; i++)
			puts(st.svcs[i].name);
	else if (what == OPT_VOLUMES)
		for (size_t i = 0; i < st.volumes.n; i++)
			puts(st.volumes.v[i]);
	else if (what != OPT_QUIET)
		stack_print(&st, stdout);
	stack_free(&st);
	if (fflush(stdout) != 0 || ferror(stdout))
		return clan_error(err, 0, "config: cannot write the output");
	return 0;
}
