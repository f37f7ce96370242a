/* Variable substitution in a Dockerfile word, as BuildKit's shell lexer
 * does it (frontend/dockerfile/shell/lex.go) for the instructions that
 * expand (FROM, ARG, ENV, LABEL, WORKDIR, USER, COPY, ADD, EXPOSE, VOLUME,
 * STOPSIGNAL): quotes are removed ('...' literal, "..." with $ and the
 * escape of " $ and the escape character), the escape character takes the
 * next one, and $NAME / ${NAME} with the modifiers :- - :+ + :? ? # ## % %%
 * / // are replaced. Patterns know * and ? and \ (no [...] classes); an
 * unset name is empty. */
#ifndef CLAN_DF_EXPAND_H
#define CLAN_DF_EXPAND_H

#include "base/error.h"
#include "base/util.h"

/* word with env (K=V entries, a later K wins; "K" alone is set and empty)
 * into *out (allocated). Exit-2 errors say what is wrong with the word. */
int df_expand(const char *word, char escape, const struct strv *env, char **out,
	      struct clan_err *err);

/* The same for a heredoc's text (COPY <<EOF, unquoted): quotes are kept
 * as text, only $ and the escape character mean something. */
int df_expand_text(const char *text, char escape, const struct strv *env, char **out,
		   struct clan_err *err);

#endif
