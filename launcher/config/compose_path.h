/* Where a value sits in a compose tree ("services.web.ports"), for the
 * rules that depend on it (compose-go's tree.Path patterns, `*` for any
 * one key) and for messages. */
#ifndef CLAN_COMPOSE_PATH_H
#define CLAN_COMPOSE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define COMPOSE_PATH_KEPT 8

struct compose_path {
	const char *key[COMPOSE_PATH_KEPT]; /* the first keys (not copied) */
	size_t n;			    /* how deep, even past what is kept */
};

/* p with key appended. */
struct compose_path compose_path_next(const struct compose_path *p, const char *key);

/* True when p is pattern ("services.*.build.args"): as many keys, each
 * the same or `*`. */
bool compose_path_is(const struct compose_path *p, const char *pattern);

/* "services.web.ports" into buf ("(top level)" for the root). */
const char *compose_path_str(const struct compose_path *p, char *buf, size_t len);

#endif
