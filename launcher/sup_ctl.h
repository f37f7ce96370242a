/* The supervisor's control socket: one JSON request per connection, one
 * JSON answer. {"op":"ps"}; {"op":"stop"|"start"|"restart","services":[...]}
 * (empty: all); {"op":"down"}. The answer comes when the operation is
 * done: {"ok":true,...} or {"ok":false,"error":"..."}. */
#ifndef CLAN_SUP_CTL_H
#define CLAN_SUP_CTL_H

#include <jansson.h>

#include "error.h"
#include "stack_state.h"

/* Sends req to the stack's supervisor and returns its answer (owned by
 * the caller). An answer with "ok": false becomes err (exit 1). */
int sup_request(const struct stack_state *ss, json_t *req, json_t **answer, struct clan_err *err);

#endif
