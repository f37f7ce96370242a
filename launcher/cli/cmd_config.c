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

static const char config_usage[] =
    "usage: clan config [-q] [--services] [--volumes]\n"
    "\n"
    "Prints the stack of .clanrc in the current dir as clan resolves it: .env,\n"
    "profiles and ${VAR} interpolation applied, services in start order.\n"
    "  -q, --quiet     only check the configuration (exit 2 when it is bad)\n"
    "      --services  print the service names, one a line\n"
    "      --volumes   print the named volumes, one a line\n"
    "  -h, --help      this text\n";

int cmd_config(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	enum { OPT_QUIET = 1, OPT_SERVICES, OPT_VOLUMES, OPT_HELP };
	static const struct opt_def defs[] = {{"quiet", 'q', false, OPT_QUIET},
					      {"services", 0, false, OPT_SERVICES},
					      {"volumes", 0, false, OPT_VOLUMES},
					      {"help", 'h', false, OPT_HELP},
					      {0}};
	struct opt_parser p;
	const char *v;
	int id, what = 0;
	(void)ctx;

	opts_init(&p, argc, argv);
	while ((id = opts_next(&p, defs, &v, err)) > 0) {
		if (id == OPT_HELP) {
			fputs(config_usage, stdout);
			return 0;
		}
		what = id;
	}
	if (id < 0)
		return -1;
	if (p.i < argc)
		return clan_error_code(err, CLAN_EXIT_USAGE, "config: unexpected argument '%s'",
				       argv[p.i]);
	/* the generated secrets too: clan config is where the user reads them */
	_cleanup_free_ char *storage = paths_storage_dir();
	struct stack_load_opts o = {.secret = secret_for_stack, .secret_arg = storage};
	struct stack st;
	if (stack_load(&o, &st, err) < 0)
		return -1;
	for (size_t i = 0; i < st.warnings.n; i++)
		fprintf(stderr, "clan: warning: %s\n", st.warnings.v[i]);
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
