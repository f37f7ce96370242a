/* A request on the supervisor's control socket, parsed: one JSON object
 * such as {"op":"restart","services":["web"]}, as clan's commands send
 * it. Pure: the control socket's loop acts on the result. */
#ifndef CLAN_SUP_REQUEST_H
#define CLAN_SUP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

struct ctl_request {
	const char *op;	 /* "ps", "down", "stop", "start" or "restart"; NULL: refused */
	bool *targets;	 /* stop/start/restart: per service, in the given order */
	char error[160]; /* why it was refused */
};

/* Parses text against the stack's service names (n of them). No services
 * listed means all. Returns 0, or -1 with out->error set. The caller
 * frees out->targets. */
int ctl_request_parse(const char *text, const char *const *names, size_t n,
		      struct ctl_request *out);

#endif
