/* Text from elsewhere (a service's log, a registry's reply) made safe to
 * print on a terminal: nothing in it can move the cursor, clear the
 * screen, set the title, write the clipboard (OSC 52) or reorder what
 * follows it (bidi overrides). */
#ifndef CLAN_TERMSAFE_H
#define CLAN_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>

/* A copy of s (len bytes) where every byte a terminal would act on is
 * shown in C escape form, as journalctl does: C0 controls (ESC, \r, BEL,
 * backspace ...) and DEL as \xNN, except \t, and \n when keep_newline;
 * bytes that are not UTF-8 as \xNN; C1 controls (U+0080-U+009F), the
 * line and paragraph separators (U+2028, U+2029) and the bidi
 * embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) as
 * \uNNNN. Valid UTF-8 text is kept as it is. */
char *term_safe(const char *s, size_t len, bool keep_newline);

#endif
