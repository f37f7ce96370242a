/* The per-stack supervisor: the one process `clan up` leaves behind. It
 * holds the stack's pod (namespaces, slirp4netns, published ports), starts
 * the services in dependency order (a dependent waits until its
 * dependency is healthy), writes their logs, runs health checks, applies
 * restart policies and answers the CLI on a unix socket. Everything it
 * starts dies with it, even on SIGKILL. */
#ifndef CLAN_SUPERVISOR_H
#define CLAN_SUPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "container/spec.h"
#include "config/stack.h"
#include "supervisor/stack_state.h"

struct sup_opts {
	const struct stack *st;
	const struct stack_state *ss;
	enum userns_mode userns;
	int startup_timeout_s; /* a dependency not healthy by then fails `up` */
	/* up -t: the grace of every stop this supervisor makes, over each
	 * service's stop_grace_period (kept out of the services' configs, so
	 * a later up -d sees no change); -1: each service's own */
	int stop_timeout_ms;
	/* readable (a signalfd) when `up` is interrupted while it waits: the
	 * supervisor then stops what it started; 0 or -1: none. Set it
	 * explicitly: fd 0 is never a signalfd here */
	int stop_fd;
	/* up -d: `up` returns once each service without a health check ran
	 * SETTLE_MS (a crash on start is reported) and its published ports
	 * are bound (or a warning says they are not) */
	bool settle;
	/* out: what `up` should warn about once the stack is up (a service
	 * that crashed and restarts, a published port nothing listens on);
	 * NULL: not wanted */
	struct strv *warnings;
	/* up SERVICE...: per service of st, whether it starts (the others
	 * are stopped until a later up, start or restart names them); NULL:
	 * all */
	const bool *only;
	bool no_deps; /* up --no-deps: those start without their dependencies */
};

/* The grace a stop gives svc (SIGTERM to SIGKILL): up -t's, else the
 * service's stop_grace_period, else 10 s. */
int sup_stop_grace_ms(const struct sup_opts *o, const struct service *svc);

/* Starts the supervisor in the background (its own session, stdio to its
 * log) and waits until every service is ready, or one failed: then the
 * error names the service and shows its last log lines, and nothing of
 * the stack is left running. Interrupted through stop_fd: the same, with
 * exit code 130. */
int supervisor_spawn(const struct sup_opts *o, pid_t *pid, struct clan_err *err);

#endif
