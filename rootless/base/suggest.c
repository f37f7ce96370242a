#include "base/suggest.h"

#include <ctype.h>
#include <string.h>

#include "base/util.h"

size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	/* three rows of the optimal-string-alignment table */
	_cleanup_free_ size_t *rows = xcalloc(3 * (lb + 1), sizeof *rows);
	size_t *prev2 = rows, *prev = rows + lb + 1, *cur = rows + 2 * (lb + 1);

	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]),
			    cb = tolower((unsigned char)b[j - 1]);
			size_t cost = ca != cb;
			size_t best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	/* "imgae" (1 swap) and "aliases" (2) are typos; "env" -> "user" is not */
	if (!best || best_d * 3 > strlen(word) + 3)
		return NULL;
	return best;
}

int suggest_error(struct clan_err *err, const char *what, const char *word,
		  const char *const *candidates, size_t n, const char *hint)
{
	const char *near = suggest_nearest(word, candidates, n);
	if (near)
		return clan_error_code(err, CLAN_EXIT_USAGE, "unknown %s '%s'; did you mean %s?",
				       what, word, near);
	return clan_error_code(err, CLAN_EXIT_USAGE, "unknown %s '%s' (%s)", what, word, hint);
}
