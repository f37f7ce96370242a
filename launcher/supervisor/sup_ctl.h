/* The supervisor's control socket: one JSON request per connection, one
 * JSON answer. {"op":"ps"}; {"op":"config"} (ps with each service's
 * running config); {"op":"stop"|"start"|"restart","services":[...]}
 * (empty: all); {"op":"up","services":[...],"recreate":[config...]} (see
 * up_drift.h); {"op":"down"}. The answer comes when the operation is
 * done: {"ok":true,...} or {"ok":false,"error":"..."}. */
#ifndef CLAN_SUP_CTL_H
#define CLAN_SUP_CTL_H

#include <jansson.h>

#include "base/error.h"
#include "supervisor/stack_state.h"

/* Sends req to the stack's supervisor and returns its answer (owned by
 * the caller). An answer with "ok": false becomes err (exit 1). */
int sup_request(const struct stack_state *ss, json_t *req, json_t **answer, struct clan_err *err);
/* The same, given up (returns 1, no answer) when stop_fd becomes
 * readable first: the operation goes on in the supervisor. */
int sup_request_until(const struct stack_state *ss, json_t *req, int stop_fd, json_t **answer,
		      struct clan_err *err);

#endif
