/* clan stop|start|restart [SVC...]: ask the stack's supervisor; the
 * answer comes when the services are stopped, or running again. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "supervisor/stack_cli.h"
#include "supervisor/sup_ctl.h"
#include "cli/up_drift.h"

static const struct opt_cmd stop_cmd = {
    .name = "stop",
    .operands = "[SERVICE...]",
    .about = "Stops services of the running stack here (all when none is\n"
	     "named): their stop_signal, then SIGKILL after stop_grace_period.\n",
};

static const struct opt_cmd start_cmd = {
    .name = "start",
    .operands = "[SERVICE...]",
    .about = "Starts stopped or exited services of the running stack here\n"
	     "(all when none is named).\n",
};

static const struct opt_cmd restart_cmd = {
    .name = "restart",
    .operands = "[SERVICE...]",
    .about = "Restarts services of the running stack here (all when none is\n"
	     "named), with the configuration they were started with.\n",
};

static int control(struct clan_ctx *ctx, const struct opt_cmd *cmd, int argc, char **argv,
		   struct clan_err *err)
{
	const char *op = cmd->name;
	_cleanup_operands_ struct strv ops = {0};
	int r = opts_parse(cmd, argc, argv, NULL, NULL, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	struct stack_ctx c;
	if (stack_ctx_open(&c, &ctx->project, err) < 0)
		return -1;
	json_t *names = json_array();
	int rc = 0;
	for (size_t i = 0; i < ops.n && rc == 0; i++) {
		if (!stack_find(&c.st, ops.v[i]))
			rc = clan_error_code(err, CLAN_EXIT_USAGE, "%s: no service %s in %s", op,
					     ops.v[i], c.st.config_file);
		json_array_append_new(names, json_string(ops.v[i]));
	}
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
		rc = sup_request(&c.ss, req, &answer, err);
		json_decref(req);
	}
	/* a service that failed to come back is an error of the command */
	json_t *svcs = json_object_get(answer, "services");
	for (size_t i = 0; rc == 0 && strcmp(op, "stop") != 0 && i < json_array_size(svcs); i++) {
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
