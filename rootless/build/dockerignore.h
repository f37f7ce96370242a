/* .dockerignore as Docker reads and matches it (moby/patternmatcher and
 * its ignorefile): a pattern a line, # comments, surrounding whitespace
 * trimmed, paths cleaned and taken relative to the context; * and ? do
 * not cross '/', ** crosses any number of dirs, [...] classes, \ escapes;
 * !PATTERN re-includes; the last pattern that matches a path or one of its
 * parent dirs decides. */
#ifndef CLAN_DOCKERIGNORE_H
#define CLAN_DOCKERIGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

struct di_pattern;

struct dockerignore {
	struct di_pattern *v;
	size_t n;
};

/* The patterns of text (a .dockerignore's bytes). A malformed pattern
 * ("[", "!" alone) is an exit-2 error naming NAME:LINE. */
int dockerignore_parse(const char *text, size_t len, const char *name, struct dockerignore *out,
		       struct clan_err *err);
/* Whether path (relative to the context, '/'-separated) is left out of
 * the build context. */
bool dockerignore_excludes(const struct dockerignore *d, const char *path);
/* Whether a !PATTERN may bring back something below an excluded dir (so
 * the dir must still be walked). */
bool dockerignore_has_exceptions(const struct dockerignore *d);
void dockerignore_free(struct dockerignore *d);

#endif
