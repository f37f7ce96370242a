/* The file steps of a build: COPY (from the context or another stage),
 * ADD of local files, and WORKDIR's mkdir. Each runs as root of a user
 * namespace with the build's maps, with the stage's layers mounted as an
 * overlay whose upper dir becomes the step's layer: the kernel does what
 * a copy onto an image means (copy-up of parent dirs with their owners
 * and modes, symlinks in the image followed inside it, never out). */
#ifndef CLAN_BUILD_COPY_H
#define CLAN_BUILD_COPY_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/util.h"
#include "build/build_context.h"
#include "ns/userns.h"

struct copy_step {
	const struct strv *lowers;	 /* the stage's layers, top first */
	const char *cdir;		 /* scratch: upper/, work/, merged/ go here */
	const struct build_context *ctx; /* the sources, when not from a stage */
	const struct strv *from;	 /* --from: that stage's layers, top first */
	const struct strv *srcs;	 /* expanded sources */
	const char *dest;		 /* expanded, absolute */
	bool chown;			 /* --chown given: uid, gid */
	uid_t uid;
	gid_t gid;
	int chmod;	   /* --chmod, -1: keep the sources' modes */
	const char *mkdir; /* WORKDIR: just make this dir (srcs NULL) */
	bool add;	   /* ADD: local tar archives are unpacked */
	bool literal;	   /* srcs are names, not patterns (heredocs, URLs' files) */
};

/* Runs the step; its changes are left in cdir/upper. Exit-2 errors name
 * the source that is missing or leaves the context. */
int copy_step_run(const struct copy_step *s, const struct userns_plan *plan, struct clan_err *err);

/* What a COPY of srcs from the context depends on: the path, mode and
 * content (or link target) of every file they name, as one sha256
 * (literal: srcs are names, not patterns). The errors of a missing
 * source, as copy_step_run has them. */
int copy_sources_key(const struct build_context *ctx, const struct strv *srcs, bool literal,
		     char out[72], struct clan_err *err);

#endif
