/* compose's top-level `include` (compose-go loader/include.go, v2): other
 * compose files, each loaded as a project of its own (its own includes
 * and extends, its relative paths from its own project directory), whose
 * services, volumes, networks, secrets, configs and models join the
 * including file's. */
#ifndef CLAN_COMPOSE_INCLUDE_H
#define CLAN_COMPOSE_INCLUDE_H

#include "base/error.h"
#include "config/compose_src.h"
#include "config/ytree.h"

/* Resolves tree's `include:` (a file read from src), in place; the key is
 * gone after. Entries: "PATH", or {path: PATH or [PATH, OVERRIDE...],
 * project_directory: DIR, env_file: FILE or [FILE...]}, relative to
 * src->dir. The project directory is DIR, else PATH's directory; the
 * env files are env_file's (each must exist, /dev/null skipped), else
 * PROJECT_DIRECTORY/.env when there is one: they reach the loader's
 * callback in src->env_files. A name both tree and an included file
 * define, or two included files, is an error unless both definitions are
 * the same (compose-go before v2.5; later versions merge them). Exit-2
 * errors at FILE:LINE:COLUMN of the include entry: a file missing or not
 * a compose file (never quoted), a cycle (naming it), nesting deeper than
 * COMPOSE_MAX_INCLUDE_DEPTH, more than COMPOSE_MAX_FILES files. */
int compose_include(struct ynode *tree, const struct compose_src *src, struct compose_ctx *ctx,
		    struct clan_err *err);

/* What compose-go does with each file before merging it: its includes,
 * then its extends (so a service may extend an included one). */
int compose_expand(struct ynode *tree, const struct compose_src *src, struct compose_ctx *ctx,
		   struct clan_err *err);

#endif
