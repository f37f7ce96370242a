/* clan logs [-f] [--tail N] [--since T] [-t] [--no-color] [--no-log-prefix]
 * [SERVICE...]: the stored logs of the stack here, merged by time. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/logview.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "cli/svc_args.h"
#include "supervisor/stack_cli.h"

enum { OPT_F = 1, OPT_TAIL, OPT_SINCE, OPT_T, OPT_NOCOLOR, OPT_NOPREFIX };

static const struct opt_def logs_opts[] = {
    {"follow", 'f', NULL, "keep printing new lines until Ctrl-C", OPT_F},
    {"tail", 'n', "N", "the last N lines of each service (all: every line)", OPT_TAIL},
    {"since", 0, "T", "lines since T: 10m, 2h, 30s ago, or unix seconds", OPT_SINCE},
    {"timestamps", 't', NULL, "the time of each line in front", OPT_T},
    {"no-color", 0, NULL, "no colours", OPT_NOCOLOR},
    {"no-log-prefix", 0, NULL, "without the service name in front", OPT_NOPREFIX},
    {0},
};

const struct opt_cmd logs_cmd = {
    .name = "logs",
    .operands = "[SERVICE...]",
    .about = "The logs of the stack here (of SERVICEs only, if named), merged by time.\n",
    .opts = logs_opts,
};

static int logs_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct logview_opts *lo = arg;
	uint32_t n;
	switch (id) {
	case OPT_F:
		lo->follow = true;
		break;
	case OPT_TAIL:
		if (strcmp(v, "all") == 0)
			lo->tail = -1;
		else if (parse_u32(v, &n))
			lo->tail = n;
		else
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "logs: bad --tail '%s': a number or all", v);
		break;
	case OPT_SINCE:
		if (!logview_parse_since(v, (int64_t)time(NULL), &lo->since))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "logs: bad --since '%s': e.g. 10m, 2h, 30s "
					       "or unix seconds",
					       v);
		break;
	case OPT_T:
		lo->timestamps = true;
		break;
	case OPT_NOCOLOR:
		lo->color = false;
		break;
	case OPT_NOPREFIX:
		lo->prefix = false;
		break;
	}
	return 0;
}

/* The services to show: those named (each must be in the stack), else
 * all. */
static int pick_services(const struct stack_ctx *c, const struct strv *ops, struct strv *names,
			 struct clan_err *err)
{
	if (svc_args_check(&c->st, "logs", ops, err) < 0)
		return -1;
	for (size_t i = 0; i < ops->n; i++)
		strv_push(names, ops->v[i]);
	for (size_t i = 0; ops->n == 0 && i < c->st.nsvcs; i++)
		strv_push(names, c->st.svcs[i].name);
	return 0;
}

int cmd_logs(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	/* on a terminal, a service's escape sequences are shown, not obeyed
	 * (as journalctl does); piped, its bytes pass as they are */
	bool tty = isatty(STDOUT_FILENO);
	struct logview_opts lo = {
	    .color = tty, .escape = tty, .prefix = true, .tail = -1, .stop_fd = -1};
	_cleanup_operands_ struct strv ops = {0};
	int r = opts_parse(&logs_cmd, argc, argv, logs_opt, &lo, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	struct stack_ctx c;
	if (stack_ctx_open(&c, &ctx->project, err) < 0)
		return -1;
	struct strv names = {0};
	int rc = pick_services(&c, &ops, &names, err);
	if (rc == 0) {
		/* without it Ctrl-C simply ends clan logs -f */
		static const int stop[] = {SIGINT, SIGTERM};
		struct clan_err ignored;
		if (lo.follow)
			lo.stop_fd = signals_to_fd(stop, ARRAY_SIZE(stop), NULL, &ignored);
		lo.ss = &c.ss;
		lo.services = &names;
		lo.until_supervisor_exits = true;
		logview_run(&lo);
		if (lo.stop_fd >= 0)
			close(lo.stop_fd);
	}
	strv_free(&names);
	stack_ctx_free(&c);
	return rc;
}
