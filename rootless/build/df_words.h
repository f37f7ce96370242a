/* The word rules of a Dockerfile line, as BuildKit's parser has them
 * (frontend/dockerfile/parser: split_command.go, line_parsers.go): the
 * instruction's own --flags, quoted words, whitespace fields, JSON arrays.
 * Pure text functions; dockerfile.c puts them together. */
#ifndef CLAN_DF_WORDS_H
#define CLAN_DF_WORDS_H

#include <stdbool.h>

#include "base/error.h"
#include "base/util.h"

/* Whitespace as Go's unicode.IsSpace for ASCII. */
bool df_space(char c);
/* What separates fields: df_space but a newline (BuildKit's reWhitespace). */
bool df_field_space(char c);

/* The --name[=value] words that lead rest (quotes and \ as a shell
 * word; `--name value` becomes `--name=value`; a bare `--` ends them) into
 * flags; returns where the arguments start. */
const char *df_flags(const char *rest, struct strv *flags);

/* rest split into words at whitespace, quotes and escape characters kept
 * in the words (they are undone when the words are used), a quoted empty
 * word kept. */
void df_words(const char *rest, char escape, struct strv *out);

/* rest split at runs of spaces, tabs, \v, \f and \r. */
void df_fields(const char *rest, struct strv *out);

/* 1 with out filled when rest (after leading whitespace) is a JSON array
 * of strings, 0 when it is no JSON array at all, -1 with err when it is
 * an array with something other than strings in it. */
int df_json(const char *rest, struct strv *out, struct clan_err *err);

#endif
