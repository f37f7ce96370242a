/* "did you mean ...?" for configuration errors. */
#ifndef CLAN_SUGGEST_H
#define CLAN_SUGGEST_H

#include <stddef.h>

/* Edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours), ignoring ASCII case. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate nearest to word when it is near enough to be a typo of it
 * (about one edit per three letters), else NULL. Ties go to the first. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

#endif
