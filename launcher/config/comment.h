/* Inline comments of `.clanrc`: a comment starts at a comment mark that
 * follows a blank (space, tab, \r, \f, \v) and is outside quotes; `url#frag`, `a;b` and
 * `"a ; b"` hold none. `.env` files follow compose's own rule instead
 * (config/dotenv.c: only " #"). */
#ifndef CLAN_COMMENT_H
#define CLAN_COMMENT_H

#include <stdbool.h>
#include <stddef.h>

/* Where the inline comment of s[0..len) starts, len when it has none.
 * marks: the comment marks ("#;" for .clanrc). blank_before:
 * whether s[0] follows a blank (a mark there starts a comment). quotes:
 * whether '...' and "..." (with \" escapes) protect marks, as a shell
 * reads them; a quote that is never closed is then an ordinary character,
 * so `it's # note` still ends at the comment. NUL ends s early. */
size_t comment_find(const char *s, size_t len, const char *marks, bool blank_before, bool quotes);

/* The hint for a value that may have been cut by a comment. */
#define COMMENT_HINT "an inline comment starts with ' #' or ' ;'"

#endif
