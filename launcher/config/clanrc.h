/* `.clanrc`: the INI file of a stack, read with inih. This layer knows
 * the sections and keys and where each was written; values stay raw
 * (interpolation and meaning come later, in stack_load). */
#ifndef CLAN_CLANRC_H
#define CLAN_CLANRC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

struct rc_entry {
	char *key;     /* a known key of its section */
	char *value;   /* as written, inline comment and blanks removed */
	char *comment; /* the inline comment cut from the line ("# web"), or NULL */
	int line;
};

struct rc_section {
	char *name;    /* "project" or "service.NAME" */
	char *service; /* NAME for a service section, else NULL */
	int line;
	struct rc_entry *e;
	size_t n, cap;
};

struct clanrc {
	struct rc_section *s; /* in file order */
	size_t n, cap;
};

/* Parses the text of path. A comment is a line starting with '#' or ';',
 * or, inline, a '#' or ';' after a blank and outside quotes (comment.h).
 * Exit-2 errors "PATH:LINE: ...": a line that is
 * neither [SECTION] nor KEY = VALUE, an unknown section or key (with the
 * nearest valid name), a key outside a section, a section written twice,
 * a single-valued key written twice, an empty value. Lines may be indented
 * (never a continuation of the line above) and of any length. */
int clanrc_parse(const char *text, const char *path, struct clanrc *out, struct clan_err *err);
void clanrc_free(struct clanrc *rc);

/* The entry of a single-valued key, NULL when it is not written. */
const struct rc_entry *rc_get(const struct rc_section *s, const char *key);

/* Whether key may be repeated (a list: port, volume, environment, ...). */
bool clanrc_is_list_key(const char *key);

#endif
