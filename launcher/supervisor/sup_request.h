/* A request on the supervisor's control socket, parsed: one JSON object
 * such as {"op":"restart","services":["web"]}, as clan's commands send
 * it. Pure: the control socket's loop acts on the result. */
#ifndef CLAN_SUP_REQUEST_H
#define CLAN_SUP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "config/stack.h"

struct ctl_request {
	/* "ps", "config", "down", "stop", "start", "restart", "up" or "kill";
	 * NULL: refused */
	const char *op;
	/* stop/start/restart: per service, in the given order (none listed:
	 * all); up: the services to start if they are not running (none
	 * listed: none) */
	bool *targets;
	/* up: per service, its new config (a name of NULL: unchanged); the
	 * supervisor recreates those services with it */
	struct service *recreate;
	size_t n;
	/* down/stop/restart: the seconds a stop gives each service before
	 * SIGKILL (compose's -t), over its stop_grace_period; -1: its own */
	int timeout_s;
	int signal;	 /* kill: the signal (compose's default SIGKILL) */
	bool no_deps;	 /* up: start the services named without waiting on
			    what they depend on (compose's --no-deps) */
	char error[160]; /* why it was refused */
};

/* Parses text against the stack's service names (n of them). Returns 0,
 * or -1 with out->error set (and nothing to free). Free a parsed request
 * with ctl_request_free. */
int ctl_request_parse(const char *text, const char *const *names, size_t n,
		      struct ctl_request *out);
void ctl_request_free(struct ctl_request *r);

#endif
