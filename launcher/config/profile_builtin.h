/* The shipped profiles (profiles/NAME.yaml) compiled into clan, so a binary
 * copied alone still runs `profile = postgres`: the last entry of the
 * default search path, so every profiles dir shadows them. */
#ifndef CLAN_PROFILE_BUILTIN_H
#define CLAN_PROFILE_BUILTIN_H

#include <stdbool.h>

#include "base/util.h"

/* The entry of a profile search path (profile_default_dirs puts it last)
 * that stands for the built-in profiles, and the dir of the path their
 * messages name: "(built into clan)/postgres.yaml". No real dir: it is
 * not absolute. */
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

/* Whether dir, an entry of a search path, is PROFILE_BUILTIN_DIR. */
bool profile_is_builtin_dir(const char *dir);

/* Whether the search path entry dir holds NAME: a file dir/NAME.yaml, or
 * a built-in NAME for PROFILE_BUILTIN_DIR. */
bool profile_dir_has(const char *dir, const char *name);

/* Pushes the name of every built-in profile onto names. */
void profile_builtin_names(struct strv *names);

#endif
