/* The subcommands: one file each, registered in main.c's commands[]. */
#ifndef CLAN_COMMANDS_H
#define CLAN_COMMANDS_H

#include <stdbool.h>

#include "base/error.h"
#include "config/stack.h"

/* What the CLI entry knows before a subcommand runs. --debug is not here:
 * it is CLAN_DEBUG in the environment (base/debug.h), which the processes
 * clan starts inherit. */
struct clan_ctx {
	const char *argv0;
	struct project_args project;	/* -f, -p, --project-directory... */
	const struct command *commands; /* main.c's, for clan completion */
	size_t n_commands;
};

/* A command returns its exit code (>= 0) or -1 with err filled. */
typedef int (*command_fn)(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);

/* A command typed after clan, as main.c's table lists it. */
struct command {
	const char *name;
	command_fn fn;
	const char *summary;
};

int cmd_run(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_completion(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_doctor(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_ps(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_rm(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_images(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_rmi(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_image(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_system(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_builder(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_build(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_pull(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_network(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_up(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_dev(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_down(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_logs(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_exec(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_stop(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_start(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_kill(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_top(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_port(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_restart(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_volume(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_login(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_config(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_profiles(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_profile(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_export(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);
int cmd_init(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err);

#endif
