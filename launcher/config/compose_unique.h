/* compose-go's EnforceUnicity (override/uncity.go, v2): in the lists of a
 * service that name things (ports, volumes, environment...), a later
 * entry with the same identity takes the place of the earlier one. */
#ifndef CLAN_COMPOSE_UNIQUE_H
#define CLAN_COMPOSE_UNIQUE_H

#include "base/error.h"
#include "config/ytree.h"

/* Makes the lists of tree (a whole compose file) unique in place. Exit-2
 * errors at FILE:LINE:COLUMN: a long-form volume or port without a
 * target. */
int compose_unique(struct ynode *tree, struct clan_err *err);

/* The identity compose gives a port entry (short "[IP:][PUBLISHED:]TARGET[/PROTO]"
 * or long form): "IP:PUBLISHED:TARGET/PROTO" with 0.0.0.0 and tcp for
 * what is not written; NULL for a long form without target. Owned by the
 * caller. */
char *compose_port_key(const struct ynode *port);

#endif
