/* clan stop|start|restart [-t N] [SVC...] and clan kill [-s SIG] [SVC...]:
 * ask the stack's supervisor; the answer comes when the services are
 * stopped, or running again (kill's at once). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "supervisor/stack_cli.h"
#include "supervisor/sup_ctl.h"
#include "cli/svc_args.h"
#include "cli/up_drift.h"
#include "config/cfgval.h"

enum { OPT_T = 1, OPT_S };

static const struct opt_def stop_opts[] = {
    {"timeout", 't', "SECONDS",
     "seconds each service gets to stop (its stop_signal,\n"
     "then SIGKILL), instead of its stop_grace_period",
     OPT_T},
    {0},
};

static const struct opt_def start_opts[] = {
    {"timeout", 't', "SECONDS", "accepted for compose: start stops nothing", OPT_T},
    {0},
};

static const struct opt_def kill_opts[] = {
    {"signal", 's', "SIGNAL", "the signal (SIGTERM, TERM, 15...); default SIGKILL", OPT_S},
    {0},
};

const struct opt_cmd stop_cmd = {
    .name = "stop",
    .operands = "[SERVICE...]",
    .about = "Stops services of the running stack here (all when none is\n"
	     "named): their stop_signal, then SIGKILL after stop_grace_period.\n",
    .opts = stop_opts,
};

const struct opt_cmd start_cmd = {
    .name = "start",
    .operands = "[SERVICE...]",
    .about = "Starts stopped or exited services of the running stack here\n"
	     "(all when none is named).\n",
    .opts = start_opts,
};

const struct opt_cmd restart_cmd = {
    .name = "restart",
    .operands = "[SERVICE...]",
    .about = "Restarts services of the running stack here (all when none is\n"
	     "named), with the configuration they were started with.\n",
    .opts = stop_opts,
};

const struct opt_cmd kill_cmd = {
    .name = "kill",
    .operands = "[SERVICE...]",
    .about = "Sends a signal to the main process of services of the running\n"
	     "stack here (all when none is named), as compose's kill. A killed\n"
	     "service follows its restart policy (restart: always comes back).\n",
    .opts = kill_opts,
};

struct ctl_opts {
	const char *op;
	int timeout_s; /* -1: each service's own */
	int signal;
};

static int ctl_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct ctl_opts *o = arg;
	if (id == OPT_T)
		return opts_timeout(v, o->op, &o->timeout_s, err);
	if (signal_parse(v, &o->signal, err) < 0)
		return clan_error_wrap(err, "%s: bad --signal", o->op);
	return 0;
}

static int control(struct clan_ctx *ctx, const struct opt_cmd *cmd, int argc, char **argv,
		   struct clan_err *err)
{
	const char *op = cmd->name;
	_cleanup_operands_ struct strv ops = {0};
	struct ctl_opts o = {.op = op, .timeout_s = -1, .signal = SIGKILL};
	int r = opts_parse(cmd, argc, argv, ctl_opt, &o, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	struct stack_ctx c;
	if (stack_ctx_open(&c, &ctx->project, err) < 0)
		return -1;
	json_t *names = svc_args_json(&ops);
	int rc = svc_args_check(&c.st, op, &ops, err);
	int lock = -1;
	if (rc == 0 && stack_need_supervisor(&c, op, err) < 0)
		rc = -1;
	if (rc == 0 && (lock = stack_lock(&c.ss, err)) < 0)
		rc = -1;
	json_t *answer = NULL;
	/* restart keeps the config the stack runs, as compose's does */
	if (rc == 0 && strcmp(op, "restart") == 0)
		up_drift_warn(&c, names, op);
	if (rc == 0) {
		json_t *req = json_pack("{s:s,s:O}", "op", op, "services", names);
		if (o.timeout_s >= 0)
			json_object_set_new(req, "timeout", json_integer(o.timeout_s));
		if (strcmp(op, "kill") == 0)
			json_object_set_new(req, "signal", json_integer(o.signal));
		rc = sup_request(&c.ss, req, &answer, err);
		json_decref(req);
	}
	/* a service that failed to come back is an error of the command */
	json_t *svcs = json_object_get(answer, "services");
	bool check = strcmp(op, "start") == 0 || strcmp(op, "restart") == 0;
	for (size_t i = 0; rc == 0 && check && i < json_array_size(svcs); i++) {
		json_t *s = json_array_get(svcs, i);
		const char *name = json_string_value(json_object_get(s, "service"));
		const char *state = json_string_value(json_object_get(s, "state"));
		bool asked = json_array_size(names) == 0;
		for (size_t k = 0; k < json_array_size(names) && !asked; k++)
			asked = strcmp(json_string_value(json_array_get(names, k)), name) == 0;
		if (asked && state && strcmp(state, "running") != 0) {
			const char *why = json_string_value(json_object_get(s, "error"));
			rc = clan_error_code(err, CLAN_EXIT_FAIL,
					     "%s: service %s is %s%s%s (clan logs %s)", op, name,
					     state, why ? ": " : "", why ? why : "", name);
		}
	}
	if (rc == 0)
		printf("%s: done\n", op);
	json_decref(answer);
	json_decref(names);
	if (lock >= 0)
		close(lock);
	stack_ctx_free(&c);
	return rc;
}

int cmd_stop(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	return control(ctx, &stop_cmd, argc, argv, err);
}

int cmd_start(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	return control(ctx, &start_cmd, argc, argv, err);
}

int cmd_restart(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	return control(ctx, &restart_cmd, argc, argv, err);
}

int cmd_kill(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	return control(ctx, &kill_cmd, argc, argv, err);
}
