/* clan's one debug switch: `clan --debug ...` (or a command's --debug) or
 * CLAN_DEBUG=1 in the environment. The CLI turns the flag into the
 * variable, so what clan starts (a stack's supervisor, the container's
 * setup child) follows it without a flag threaded through each struct.
 * The container's command never sees it: its environment is built from
 * the image and the spec, not inherited. */
#ifndef CLAN_DEBUG_H
#define CLAN_DEBUG_H

#include <stdbool.h>

bool clan_debug_on(void);

/* CLAN_DEBUG=1 for this process and what it starts. */
void clan_debug_enable(void);

/* "clan: debug: MESSAGE" on stderr when debugging, else nothing. */
void clan_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
