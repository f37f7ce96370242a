/* The files a compose file brings in (include, extends: file), how they
 * are read and where their relative paths point. Reading goes through a
 * callback so the loader can interpolate each file as compose-go does
 * (each file on its own, before include and extends, with the shell's
 * environment over the project's .env/--env-file, and an include's
 * env_file too). */
#ifndef CLAN_COMPOSE_SRC_H
#define CLAN_COMPOSE_SRC_H

#include "base/error.h"
#include "base/util.h"
#include "config/ytree.h"

/* Bounds on what one project may bring in: compose has none, a hostile
 * file (includes in a diamond, doubling at each level) needs them. */
#define COMPOSE_MAX_BYTES (4 << 20) /* a file, as stack.c's CONFIG_MAX_BYTES */
#define COMPOSE_MAX_FILES 100	    /* files read for one project */
#define COMPOSE_MAX_INCLUDE_DEPTH 16
#define COMPOSE_MAX_EXTENDS_DEPTH 32
/* nodes extends may copy for one project: the alias budget's reason
 * (150k services extending one with a 100k-item list is 10^10 nodes) */
#define COMPOSE_MAX_EXTENDED_NODES (2u << 20)

enum compose_src_kind { COMPOSE_SRC_FILE, COMPOSE_SRC_INCLUDE, COMPOSE_SRC_EXTENDS };

struct compose_src {
	const char *path; /* the file: the caller's for a top file, else absolute */
	const char *dir;  /* what its relative paths are relative to (absolute) */
	enum compose_src_kind kind;
	/* an include's env files (its env_file, else PROJECT_DIR/.env when
	 * there is one), NULL-ended: they add the variables the parent's
	 * environment lacks (the parent's win: compose-go's Mapping.Merge),
	 * for this file and what it includes. NULL (a top file, a file
	 * extended from): the parent's environment as it is. */
	char *const *env_files;
	const struct compose_src *parent; /* who includes or extends it */
};

/* Reads src->path into a tree (interpolated, for the loader's callback).
 * The tree's file name pointers must outlive it (the plain loader keeps
 * them in ctx->names). */
typedef int (*compose_load_fn)(void *arg, const struct compose_src *src, struct ynode **out,
			       struct clan_err *err);

struct compose_ctx {
	compose_load_fn load; /* NULL: compose_load_plain(ctx) */
	void *load_arg;
	/* the names of the files read: the trees point to them, so free the
	 * ctx (compose_ctx_free) after the trees */
	struct strv names;
	unsigned files;	       /* files read so far, against COMPOSE_MAX_FILES */
	size_t extended_nodes; /* copied by extends, against COMPOSE_MAX_EXTENDED_NODES */
};

void compose_ctx_free(struct compose_ctx *ctx);

/* A copy of path that lives as long as ctx. */
const char *compose_ctx_name(struct compose_ctx *ctx, const char *path);

/* read_file (at most COMPOSE_MAX_BYTES) and ytree_load, no interpolation;
 * arg is the struct compose_ctx. */
int compose_load_plain(void *arg, const struct compose_src *src, struct ynode **out,
		       struct clan_err *err);

/* Reads src for the node ref (an include entry, an extends) through ctx,
 * within COMPOSE_MAX_FILES: a tree whose top is a mapping (an empty file
 * is an empty mapping). Errors begin with ref's FILE:LINE:COLUMN and
 * never quote the file read (it may be a secret's). */
int compose_load(struct compose_ctx *ctx, const struct compose_src *src, const struct ynode *ref,
		 struct ynode **out, struct clan_err *err);

/* path as seen from dir: itself when `~`-based or a URL (a remote build
 * context), else dir/path (path itself when absolute), an absolute one
 * cleaned as Go's filepath.Join does (path_clean: no `.`, `x/..`, `//`).
 * Owned by the caller. */
char *compose_rebase(const char *dir, const char *path);

/* Makes the relative paths of a file's tree relative to dir, as
 * compose-go's ResolveRelativePaths: build contexts, env_file, bind
 * sources of volumes, extends' file, develop.watch paths, the files of
 * top-level configs and secrets, a local volume's bind device. */
void compose_rebase_tree(struct ynode *tree, const char *dir);

#endif
