/* A Dockerfile parsed as BuildKit's parser does (its reference and
 * frontend/dockerfile/parser): parser directives (escape; syntax
 * ignored), comments, line continuations (comments and blank lines inside
 * them dropped), heredocs on RUN, COPY and ADD, each instruction's --flags
 * and its arguments by the
 * instruction's rule: JSON exec form only when the text is a JSON array of
 * strings, ENV/LABEL pairs in both forms, words, fields or the whole text.
 * No meaning yet: variables are not substituted, an unknown instruction
 * is kept with no arguments (the build says what is wrong with it). */
#ifndef CLAN_DOCKERFILE_H
#define CLAN_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/util.h"

struct df_instr {
	char *cmd;	      /* lowercase: "from", "run", ... */
	int line, end_line;   /* 1-based, the first and last line it spans */
	char *original;	      /* its text, continuations joined */
	struct strv flags;    /* "--from=build", before the arguments */
	struct strv args;     /* by the instruction's rule; ENV/LABEL: KEY, VALUE... */
	bool json;	      /* args came from a JSON array (exec form) */
	struct df_instr *sub; /* ONBUILD's instruction, else NULL */
	/* RUN, COPY, ADD: the heredocs the line opens, in order: their
	 * delimiters and bodies (each line ending in \n; <<- without the
	 * leading tabs) */
	struct strv heredoc_names, heredocs;
	unsigned heredoc_quoted; /* bit i: heredoc i's delimiter was quoted */
};

struct dockerfile {
	struct df_instr *v;
	size_t n;
	char escape;	      /* '\\' or '`' */
	struct strv warnings; /* "Dockerfile:LINE: ..." (empty continuation lines) */
};

/* Parses text (len bytes, need not end in a NUL); name is what messages
 * call the file ("Dockerfile"). Exit-2 errors "NAME:LINE: ...". */
int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile *out,
		     struct clan_err *err);
void dockerfile_free(struct dockerfile *d);

#endif
