/* The supervisor's one answer shape, on its control socket (sup_ctl.h)
 * and on the pipe `up` reads once the stack is ready (supervisor.c): a
 * JSON object on one line, {"ok":true,...} or {"ok":false,"error":"..."}. */
#ifndef CLAN_SUP_ANSWER_H
#define CLAN_SUP_ANSWER_H

#include <jansson.h>

#include "base/error.h"

/* {"ok":true} */
json_t *sup_answer_ok(void);
/* A JSON string of s, whatever bytes it holds: what a terminal would act
 * on and what is not UTF-8 escaped (base/termsafe.h). */
json_t *sup_answer_text(const char *s);
/* {"ok":false,"error":why}, why as sup_answer_text makes it */
json_t *sup_answer_error(const char *why);
/* o (consumed) as its text and a newline; NULL without memory. */
char *sup_answer_dump(json_t *o);

/* Reads an answer. "ok": true: 0 and *out (the caller's). "ok": false:
 * -1 and err says its error (or "the supervisor refused"). Not an answer
 * (nothing, or not JSON: the supervisor died before it answered): -1 and
 * err says none. Errors exit 1. */
int sup_answer_parse(const char *text, const char *none, json_t **out, struct clan_err *err);

#endif
