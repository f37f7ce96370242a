#include "config/comment.h"

#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

size_t comment_find(const char *s, size_t len, const char *marks, bool blank_before, bool quotes)
{
	char quote = 0;	   /* the quote we are inside of, or 0 */
	size_t opened = 0; /* where it opened */
	bool after_blank = blank_before;
	for (size_t i = 0;; i++) {
		if (i >= len || !s[i]) {
			if (!quote)
				return i;
			/* never closed: read on after it as if it were a letter
			 * (at most twice: no quote of its kind follows it) */
			i = opened;
			quote = 0;
			after_blank = false;
			continue;
		}
		char c = s[i];
		if (quote) {
			if (c == quote)
				quote = 0;
			else if (quote == '"' && c == '\\' && i + 1 < len && s[i + 1])
				i++;
			after_blank = false;
			continue;
		}
		if (after_blank && strchr(marks, c))
			return i;
		after_blank = is_blank(c);
		if (!quotes)
			continue;
		if (c == '\'' || c == '"') {
			quote = c;
			opened = i;
		} else if (c == '\\' && i + 1 < len && s[i + 1]) {
			i++; /* an escaped blank is part of a word, not a separator */
		}
	}
}
