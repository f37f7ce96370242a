/* compose's `extends` (compose-go loader/extends.go, v2): a service
 * starts from another's definition, in the same file or another, and its
 * own keys merge over it with the rules of compose_merge. */
#ifndef CLAN_COMPOSE_EXTENDS_H
#define CLAN_COMPOSE_EXTENDS_H

#include "base/error.h"
#include "config/compose_src.h"
#include "config/ytree.h"

/* Resolves `extends: NAME` and `extends: {service: NAME, file: PATH}` on
 * every service of tree (a file read from src), in place; the `extends`
 * keys are gone after. A file extended from is read through ctx (its own
 * extends resolved in turn, its includes not, as compose-go), and its
 * relative paths (build context, env_file, bind sources, its extends'
 * file) made relative to its directory. The extending service's !reset
 * and !override tags stay in the result for compose_merge. Exit-2 errors
 * at FILE:LINE:COLUMN of the extends: a service or file not found, a
 * cycle (naming it), a chain longer than COMPOSE_MAX_EXTENDS_DEPTH. */
int compose_extends(struct ynode *tree, const struct compose_src *src, struct compose_ctx *ctx,
		    struct clan_err *err);

#endif
