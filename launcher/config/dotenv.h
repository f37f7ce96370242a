/* `.env` files with docker compose's syntax (compose-go's dotenv parser):
 * KEY=VALUE or KEY: VALUE, `export` before a key, `#` comment lines,
 * blank lines, empty values. A key is letters, digits, _ . - [ ]. Values:
 * unquoted (to the end of the line, cut at " #", trimmed), single-quoted
 * (literal, a backslash hides a closing '), double-quoted (\a \b \f \n
 * \r \t \v \\ \" \$ and \0NNN octal escapes); quoted values may span
 * lines and more statements or a # comment may follow them on the line.
 * Unquoted and double-quoted values are interpolated (${VAR} etc., see
 * interp.h): a variable is looked up in the outer environment first (the
 * shell), then among the keys above it in the same file. A KEY alone on
 * a line takes its value from the outer environment, and is skipped when
 * that has none. */
#ifndef CLAN_DOTENV_H
#define CLAN_DOTENV_H

#include "base/error.h"
#include "config/interp.h"

/* More variables than this in one file is an error (no real .env is
 * near it; each variable is looked up among the ones before it). */
#define DOTENV_MAX_VARS 10000

struct dotenv_var {
	char *key, *value;
	int line;
};

/* In file order; a key written twice keeps its first place and its last
 * value. */
struct dotenv {
	struct dotenv_var *v;
	size_t n, cap;
};

/* Parses text read from path (for messages). outer may be NULL: nothing
 * outside the file. Exit-2 errors "PATH:LINE: ...". */
int dotenv_parse(const char *text, const char *path, const struct interp_env *outer,
		 struct dotenv *out, struct clan_err *err);

/* The value of key, NULL when the file does not set it. */
const char *dotenv_get(const struct dotenv *d, const char *key);

void dotenv_free(struct dotenv *d);

#endif
