/* The shipped profiles (profiles/NAME.yaml) compiled into clan, so a binary
 * copied alone still runs `profile = postgres`: the last place profile_load
 * looks, after every profiles dir, which shadow them. */
#ifndef CLAN_PROFILE_BUILTIN_H
#define CLAN_PROFILE_BUILTIN_H

#include <stdbool.h>

#include "base/util.h"

/* The path a built-in profile's messages name: "PREFIX/postgres.yaml". */
#define PROFILE_BUILTIN_DIR "(built into clan)"

struct profile_builtin {
	const char *name; /* NULL ends the table */
	const char *text;
};

/* The generated table (scripts/embed_profiles.sh), in file name order. */
extern const struct profile_builtin profile_builtins[];

/* NAME's text, or NULL when clan has no such profile built in. */
const char *profile_builtin_text(const char *name);

/* Whether path names a built-in profile (PROFILE_BUILTIN_DIR/NAME.yaml). */
bool profile_is_builtin_path(const char *path);

/* Pushes the name of every built-in profile onto names. */
void profile_builtin_names(struct strv *names);

#endif
