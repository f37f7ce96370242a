/* Inside a build: the state of each stage and the steps that change it. */
#ifndef CLAN_BUILD_INT_H
#define CLAN_BUILD_INT_H

#include "build/build.h"
#include "build/build_context.h"
#include "build/dockerfile.h"
#include "image/imgstore.h"

struct stage {
	char *name;		 /* AS NAME, lowercase; NULL */
	size_t first, end;	 /* its instructions: [first, end), FROM first */
	struct image_record img; /* the image so far: layers bottom first, config */
	char key[72];		 /* the cache key of the last step */
	struct strv args;	 /* ARG in scope: K=V, or K (declared, no value) */
	bool built, building;
	bool cmd_set; /* a CMD of this stage (ENTRYPOINT clears only an inherited one) */
};

struct build {
	const struct build_opts *o;
	struct imgstore st;
	char *storage;
	struct userns_plan plan;
	struct dockerfile df;
	const char *df_name;	 /* "Dockerfile", for messages */
	struct strv tags;	 /* o->tags, canonical */
	struct strv global_args; /* ARG before the first FROM, with their values */
	struct stage *stages;
	size_t nstages;
	struct build_context ctx;
	bool ctx_loaded;
	int step, nsteps; /* progress: [step/nsteps] */
	char nonce[32];	  /* --no-cache: makes every key new */
};

/* Builds stage i (and the stages it needs) unless it is built. */
int build_stage(struct build *b, size_t i, struct clan_err *err);
/* The stage a name or index refers to; -1 when none (not an error:
 * then it is an image). */
long build_stage_named(const struct build *b, const char *name, size_t before);

/* One instruction of stage s (not FROM). */
int build_instr(struct build *b, struct stage *s, const struct df_instr *in, struct clan_err *err);

/* The next key: sha256 of the parent key and the step's text. */
int build_key(const char *parent, const char *text, const char *nonce, char out[72],
	      struct clan_err *err);

/* RUN: the stage's root and config in a container; its changes become
 * layer `key`. mounts: "HOSTDIR:DIR" cache dirs bound during the run. */
int build_run_step(struct build *b, struct stage *s, const struct strv *argv,
		   const struct strv *mounts, bool no_network, const char *key,
		   struct clan_err *err);

/* ARG K[=default] words into scope: a --build-arg wins, else the default
 * (expanded with scope), else inherit's value (a bare ARG in a stage
 * takes the global one). */
int build_arg_words(const struct build *b, const struct strv *words, struct strv *scope,
		    const struct strv *inherit, struct clan_err *err);

/* The env a word of stage s expands with: its ARGs, then its ENV. */
void build_scope(const struct stage *s, struct strv *env);

/* "Dockerfile:LINE: INSTR ...: " prefixed to err. */
int build_fail(const struct build *b, const struct df_instr *in, struct clan_err *err);

/* The step line, "[3/7] RUN pip install ..."; cached or the time taken. */
void build_say(struct build *b, const struct df_instr *in, const char *note);

#endif
