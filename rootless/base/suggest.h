/* "did you mean ...?" for configuration errors. */
#ifndef CLAN_SUGGEST_H
#define CLAN_SUGGEST_H

#include <stddef.h>

#include "base/error.h"

/* Edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours), ignoring ASCII case. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate nearest to word when it is near enough to be a typo of it
 * (about one edit per three letters), else NULL. Ties go to the first. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

/* The exit-2 error for a word that is none of candidates: "unknown WHAT
 * 'WORD'; did you mean NEAREST?" when one is near, else "unknown WHAT
 * 'WORD' (HINT)". Returns -1. */
int suggest_error(struct clan_err *err, const char *what, const char *word,
		  const char *const *candidates, size_t n, const char *hint);

#endif
