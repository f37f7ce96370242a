/* clan exec [-it] [-u USER] [-w DIR] [-e K=V] CONTAINER|SERVICE CMD...:
 * a command in a running container, or in a service of the stack of the
 * current directory. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "container/exec.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "cli/run_args.h"
#include "supervisor/stack_cli.h"
#include "container/store.h"

static const char exec_usage[] =
    "usage: clan exec [-i] [-t] [-u USER] [-w DIR] [-e K=V] SERVICE|CONTAINER CMD...\n"
    "\n"
    "Runs CMD in a running service of the stack here (or a container of clan run).\n"
    "  -i, --interactive   keep stdin open\n"
    "  -t, --tty           allocate a terminal\n"
    "  -u, --user USER     run as USER (name or uid[:gid]); default: the service's\n"
    "  -w, --workdir DIR   working directory inside\n"
    "  -e, --env K=V       set an environment variable (repeat for more)\n"
    "  -h, --help          this text\n";

static const char *host_getenv(const char *k)
{
	return getenv(k);
}

static void exec_spec_free(struct exec_spec *e)
{
	strv_free(&e->argv);
	strv_free(&e->env);
	free(e->workdir);
	free(e->user);
}

static int parse(int argc, char **argv, struct exec_spec *e, const char **target, bool *help,
		 struct clan_err *err)
{
	enum { OPT_I = 1, OPT_T, OPT_U, OPT_W, OPT_E, OPT_D, OPT_HELP };
	static const struct opt_def defs[] = {{"interactive", 'i', false, OPT_I},
					      {"tty", 't', false, OPT_T},
					      {"user", 'u', true, OPT_U},
					      {"workdir", 'w', true, OPT_W},
					      {"env", 'e', true, OPT_E},
					      {"help", 'h', false, OPT_HELP},
					      {0}};
	struct opt_parser p;
	const char *v;
	int id;
	opts_init(&p, argc, argv);
	while ((id = opts_next(&p, defs, &v, err)) > 0) {
		switch (id) {
		case OPT_I:
			e->interactive = true;
			break;
		case OPT_T:
			e->tty = true;
			break;
		case OPT_U:
			free(e->user);
			e->user = xstrdup(v);
			break;
		case OPT_W:
			if (v[0] != '/')
				return clan_error_code(err, CLAN_EXIT_USAGE,
						       "exec: bad --workdir '%s': must be absolute",
						       v);
			free(e->workdir);
			e->workdir = xstrdup(v);
			break;
		case OPT_E:
			if (parse_env_flag(v, host_getenv, &e->env, err) < 0)
				return -1;
			break;
		case OPT_HELP:
			*help = true;
			return 0;
		}
	}
	if (id < 0)
		return -1;
	if (argc - p.i < 2)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "exec: needs a service (or container) and a command, e.g. "
				       "clan exec db psql -U postgres");
	*target = argv[p.i++];
	for (; p.i < argc; p.i++)
		strv_push(&e->argv, argv[p.i]);
	return 0;
}

int cmd_exec(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	struct exec_spec e = {.out_fd = -1};
	const char *target = NULL;
	bool help = false;
	(void)ctx;
	if (parse(argc, argv, &e, &target, &help, err) < 0) {
		exec_spec_free(&e);
		return -1;
	}
	if (help) {
		fputs(exec_usage, stdout);
		exec_spec_free(&e);
		return 0;
	}
	struct container_rec rec;
	int code = -1;
	if (stack_find_container(target, &rec, err) == 0) {
		code = container_exec(&rec, &e, err);
		container_rec_free(&rec);
	}
	exec_spec_free(&e);
	return code;
}
