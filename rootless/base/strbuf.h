/* A growable, always NUL-terminated string for the config parsers. */
#ifndef CLAN_STRBUF_H
#define CLAN_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s; /* NULL until something is added */
	size_t len, cap;
};

void strbuf_addc(struct strbuf *b, char c);
void strbuf_addn(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
/* Hands the string out (an empty one when nothing was added); b is reset. */
char *strbuf_steal(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
