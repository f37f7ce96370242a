/* What clan does with each key a compose file may hold, service keys and
 * top-level keys: honour it, warn that it is ignored (the service still
 * runs), or refuse it; a key compose does not know is an error with a
 * did-you-mean, as compose's schema check has it. */
#ifndef CLAN_COMPOSE_KEYS_H
#define CLAN_COMPOSE_KEYS_H

#include <stddef.h>

enum compose_use {
	COMPOSE_HONOURED,
	COMPOSE_WARNED,	 /* ignored with a warning naming why */
	COMPOSE_REFUSED, /* the load fails naming why */
};

struct compose_key {
	const char *name;
	enum compose_use use;
	const char *why; /* WARNED, REFUSED: the reason, as a clause */
};

/* The keys of a service, and those of the file's top level. */
extern const struct compose_key compose_service_keys[];
extern const size_t compose_service_nkeys;
extern const struct compose_key compose_top_keys[];
extern const size_t compose_top_nkeys;

/* The entry for name in keys, NULL when compose has no such key. */
const struct compose_key *compose_key_find(const struct compose_key *keys, size_t n,
					   const char *name);

/* The known key nearest to a mistyped one, NULL when none is near. */
const char *compose_key_suggest(const struct compose_key *keys, size_t n, const char *name);

#endif
