/* The SERVICE... operands of compose's verbs (up, stop, kill, ps, top,
 * pull, rm...): checked against the stack before anything is done. */
#ifndef CLAN_SVC_ARGS_H
#define CLAN_SVC_ARGS_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "base/util.h"
#include "config/stack.h"

/* Each name a service of st: exit 2 (naming cmd) for a name not in
 * compose's form ([a-zA-Z0-9._-], not "." or ".."; a path or shell text
 * never reaches a file name or the supervisor), or not a service of st
 * (with the services and a did-you-mean). */
int svc_args_check(const struct stack *st, const char *cmd, const struct strv *names,
		   struct clan_err *err);

/* compose-spec's form of a service name: [a-zA-Z0-9._-]+, not "." or "..". */
bool svc_args_is_name(const char *s);

/* Whether every name is a service of st (none: true). */
bool svc_args_all_services(const struct stack *st, const struct strv *names);

/* Per service of st: named, or (deps) what a named one depends on,
 * transitively, as compose's up SERVICE. NULL when names is empty (all).
 * Free with free(). */
bool *svc_args_closure(const struct stack *st, const struct strv *names, bool deps);

/* Whether name is one of names (empty: all). */
bool svc_args_has(const struct strv *names, const char *name);

/* names as a JSON array of strings (new reference). */
json_t *svc_args_json(const struct strv *names);

#endif
