/* clan exec [-itT] [-u USER] [-w DIR] [-e K=V] CONTAINER|SERVICE CMD...:
 * a command in a running container (docker exec's defaults: no stdin, no
 * terminal), or in a service of the stack of the current directory
 * (compose exec's: stdin attached, a terminal when stdin and stdout are
 * one). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "container/exec.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "cli/svc_args.h"
#include "base/paths.h"
#include "cli/run_args.h"
#include "supervisor/stack_cli.h"
#include "container/store.h"

enum { OPT_I = 1, OPT_T, OPT_NO_TTY, OPT_U, OPT_W, OPT_E };

static const struct opt_def exec_opts[] = {
    {"interactive", 'i', NULL, "keep stdin open (a service's: always)", OPT_I},
    {"tty", 't', NULL, "allocate a terminal (a service's: when stdin and stdout are one)", OPT_T},
    {"no-TTY", 'T', NULL, "no terminal (compose's exec -T)", OPT_NO_TTY},
    {"user", 'u', "USER", "run as USER (name or uid[:gid]); default: the service's", OPT_U},
    {"workdir", 'w', "WORKDIR", "working directory inside", OPT_W},
    {"env", 'e', "K=V", "set an environment variable (repeat for more)", OPT_E},
    {0},
};

/* Options before and after SERVICE (`clan exec db -T psql`, as compose
 * takes them); from CMD's first word on, every word is CMD's. */
const struct opt_cmd exec_cmd = {
    .name = "exec",
    .operands = "SERVICE|CONTAINER CMD...",
    .about = "Runs CMD in a running service of the stack here (or a container of clan run).\n",
    .opts = exec_opts,
    .opts_end_at = 2,
};

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

/* compose's default terminal: stdout is one (compose v2's exec), and so
 * is stdin, and clan runs in the foreground of it (raw mode from a
 * background job would stop it with SIGTTOU, e.g. under timeout). */
static bool at_terminal(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
	       tcgetpgrp(STDIN_FILENO) == getpgrp();
}

struct exec_args {
	struct exec_spec e;
	bool tty_given; /* -t or -T: no default of compose's */
};

static int exec_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct exec_args *a = arg;
	struct exec_spec *e = &a->e;
	switch (id) {
	case OPT_I:
		e->interactive = true;
		break;
	case OPT_T:
	case OPT_NO_TTY:
		e->tty = id == OPT_T;
		a->tty_given = true;
		break;
	case OPT_U:
		free(e->user);
		e->user = xstrdup(v);
		break;
	case OPT_W:
		if (v[0] != '/')
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "exec: bad --workdir '%s': must be absolute", v);
		free(e->workdir);
		e->workdir = xstrdup(v);
		break;
	case OPT_E:
		return parse_env_flag(v, host_getenv, &e->env, err);
	}
	return 0;
}

/* Returns 0, OPTS_HELP or -1; *target is the first operand. */
static int parse(int argc, char **argv, struct exec_args *a, char **target, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	int r = opts_parse(&exec_cmd, argc, argv, exec_opt, a, &ops, err);
	if (r != 0)
		return r;
	if (ops.n < 2)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "exec: needs a service (or container) and a command, e.g. "
				       "clan exec db psql -U postgres");
	*target = xstrdup(ops.v[0]);
	for (size_t i = 1; i < ops.n; i++)
		strv_push(&a->e.argv, ops.v[i]);
	return 0;
}

int cmd_exec(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	struct exec_args a = {.e = {.out_fd = -1}};
	struct exec_spec *e = &a.e;
	_cleanup_free_ char *target = NULL;
	int r = parse(argc, argv, &a, &target, err);
	if (r != 0) {
		exec_spec_free(e);
		return r == OPTS_HELP ? 0 : -1;
	}
	struct container_rec rec;
	int code = -1;
	bool here = stack_here(&ctx->project);
	/* compose exec: `docker-compose exec db psql -U postgres` in a README
	 * is an interactive psql, `... pg_dump > dump.sql` gets no terminal */
	if (here) {
		e->interactive = true;
		if (!a.tty_given)
			e->tty = at_terminal();
	}
	/* in a project dir a path or shell text is neither a service nor a
	 * container name: refused as a usage error, as every verb does */
	if (here && !svc_args_is_name(target))
		clan_error_code(err, CLAN_EXIT_USAGE, "exec: '%s' is not a service name", target);
	else if (stack_find_container(&ctx->project, target, &rec, err) == 0) {
		(void)store_await_init(&rec); /* container_exec says if it is not running */
		code = container_exec(&rec, e, err);
		container_rec_free(&rec);
	}
	exec_spec_free(e);
	return code;
}
