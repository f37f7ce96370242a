/* What the stack commands share: the stack of the current directory,
 * loaded and validated, with its state dir. */
#ifndef CLAN_STACK_CLI_H
#define CLAN_STACK_CLI_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "config/stack.h"
#include "supervisor/stack_state.h"
#include "container/store.h"

struct stack_ctx {
	struct stack st;
	struct stack_state ss;
	char *storage;
};

/* Loads the project of the current dir (or as args say: -f, -p...) and
 * opens its state dir. */
int stack_ctx_open(struct stack_ctx *c, const struct project_args *args, struct clan_err *err);
void stack_ctx_free(struct stack_ctx *c);

/* For a command that is compose's in a project dir and another outside
 * (pull, rm): 1 with c opened when there is a project here, 0 when there
 * is none, -1 with err when it does not load. */
int stack_ctx_open_here(struct stack_ctx *c, const struct project_args *args, struct clan_err *err);

/* Whether the current dir has a project file. */
bool stack_here(const struct project_args *args);

/* For exec and logs: the container of service `key` of the stack here,
 * else the container named (or with the id) key. */
int stack_find_container(const struct project_args *args, const char *key,
			 struct container_rec *rec, struct clan_err *err);

/* "IP:PORT" (an IPv6 address in brackets) that the running stack bound
 * for port/proto of service svc when the kernel picked its host port
 * (the supervisor's ps says); NULL with err when it does not say. */
char *stack_bound_port(const struct stack_state *ss, const char *svc, unsigned port,
		       enum port_proto proto, struct clan_err *err);

/* A command that needs the supervisor: its pid, or exit 1 saying the
 * stack is not running. */
int stack_need_supervisor(const struct stack_ctx *c, const char *cmd, struct clan_err *err);

/* Waits (5 s at most) until the supervisor pid has exited: -1 if not. */
int stack_wait_exit(pid_t pid);

#endif
