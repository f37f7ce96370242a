/* Which directory is the project: the one with the .clanrc or compose file, found from
 * the current dir upwards as compose finds its file. */
#ifndef CLAN_PROJECT_FIND_H
#define CLAN_PROJECT_FIND_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/util.h"

/* The dir holding the .clanrc or a compose file: start itself, else the nearest parent up
 * to home when start is under it (home included), else up to /. start
 * is an absolute, resolved path; home may be NULL. A parent's .clanrc
 * counts only when it is a regular file owned by uid or root and not
 * writable by group or others, in a dir owned by uid or root that
 * others cannot write (or sticky, as /tmp): on a shared machine another user can put
 * a /tmp/.clanrc above the user's dir. Each one skipped is pushed to
 * skipped (when not NULL) as a sentence saying why. start's own file is
 * the user's choice and is taken as it is. NULL: none. */
char *project_find(const char *start, const char *home, uid_t uid, struct strv *skipped);

/* The same search for the first of several file names (NULL-ended) in
 * each dir, nearest dir first: a dir with .clanrc and compose.yaml names
 * the one listed first. *which (when not NULL) is the index found. */
char *project_find_names(const char *start, const char *home, uid_t uid, const char *const *names,
			 int *which, struct strv *skipped);

/* The rule above for one more file of a project found in a parent dir
 * (its compose override, its .env): true when it is missing or may be
 * read; else false with the reason pushed to why (when not NULL). */
bool project_file_trusted(const char *path, uid_t uid, struct strv *why);

#endif
