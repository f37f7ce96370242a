/* `clan up -d` on a running stack, as compose's up: each service's
 * config from the project's files is compared with the one its
 * supervisor runs; a changed service is recreated, one that was stopped
 * or failed is started, one that finished (exit 0) is left alone and
 * every other keeps running (same process).
 *
 * Which services a change recreates: all services share the stack's pod
 * (one network namespace, its published ports, its /etc/hosts names), so
 * a recreated service comes back at the same address and its dependents
 * reach it again without being recreated (compose recreates dependents
 * only for network_mode: service:X, which is what the pod is here). A
 * change to what the pod holds for everyone (published ports, a
 * service's names, services added or removed) recreates the whole
 * stack. */
#ifndef CLAN_UP_DRIFT_H
#define CLAN_UP_DRIFT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "config/stack.h"
#include "supervisor/stack_cli.h"

struct drift_plan {
	bool whole;	   /* recreate the whole stack */
	char *why;	   /* whole: why */
	json_t *recreate;  /* new configs, one per changed service */
	json_t *start;	   /* names of unchanged services to start */
	struct strv lines; /* what is done, one line per service */
};

/* up SERVICE... and --force-recreate: which services the plan may touch
 * (per service of the stack; NULL: all), and whether an unchanged one
 * that runs is recreated too: one named (named NULL: all), not what it
 * depends on, as compose's (its --always-recreate-deps is not here). */
struct drift_opts {
	const bool *only;
	const bool *named;
	bool force;
};

/* Pure: the plan from the file's stack and the supervisor's "config"
 * answer (its "services" list); o NULL: every service, changed ones. */
void drift_plan_make_for(const struct stack *st, json_t *running, const struct drift_opts *o,
			 struct drift_plan *p);
void drift_plan_make(const struct stack *st, json_t *running, struct drift_plan *p);
void drift_plan_free(struct drift_plan *p);

/* Asks the running supervisor for its configs and makes the plan. */
int up_drift_plan(const struct stack_ctx *c, const struct drift_opts *o, struct drift_plan *p,
		  struct clan_err *err);

/* Carries out a plan that is not whole: the answer comes when the
 * services named are running, or failed (an error naming them). With
 * no_deps they start without waiting on what they depend on. */
int up_drift_apply(const struct stack_ctx *c, const struct drift_plan *p, bool no_deps,
		   struct clan_err *err);

/* Stops the stack (the supervisor's down) and waits for its supervisor
 * (pid) to exit: for a whole recreate, and for down. timeout_s >= 0:
 * each service's stop grace (compose's down -t), else its own. */
int up_drift_stop(const struct stack_ctx *c, pid_t pid, int timeout_s, struct clan_err *err);

/* For restart: one line per service of names (NULL or empty: all) whose
 * config in the files differs from the one it runs. */
void up_drift_warn(const struct stack_ctx *c, json_t *names, const char *cmd);

#endif
