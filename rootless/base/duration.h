/* Go's durations ("1m30s"), as compose files and Dockerfiles write them. */
#ifndef CLAN_DURATION_H
#define CLAN_DURATION_H

#include <stddef.h>

#include "base/error.h"

/* Go's time.ParseDuration syntax as compose takes it: "1s", "500ms",
 * "1m30s", "1.5h", "0"; units ns, us (µs), ms, s, m, h. Rounds down to
 * milliseconds; at most INT_MAX ms (about 24 days). */
int duration_parse(const char *text, int *ms, struct clan_err *err);
/* As docker compose config prints it (Go's time.Duration.String): 90000 ->
 * "1m30s", 60000 -> "1m0s", 3600000 -> "1h0m0s", 1500 -> "1.5s", 500 ->
 * "500ms", 0 -> "0s". */
void duration_format(int ms, char *buf, size_t len);

#endif
