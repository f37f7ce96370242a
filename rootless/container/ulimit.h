/* --ulimit (and a compose service's ulimits): resource limits set in the
 * container before its command runs, with Docker's names. */
#ifndef CLAN_ULIMIT_H
#define CLAN_ULIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* One limit. RLIM_INFINITY (what -1 says) is no limit. */
struct ulimit_spec {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* Docker's name of a limit (nofile, nproc, core, ...) into its RLIMIT_*;
 * an unknown name is an exit-2 error with a did-you-mean. */
int ulimit_resource(const char *name, int *resource, struct clan_err *err);

/* The name of resource ("nofile"); "?" for one without a name. */
const char *ulimit_name(int resource);

/* "NAME=SOFT[:HARD]" as docker's --ulimit: HARD defaults to SOFT, -1 is
 * unlimited, SOFT above HARD is refused (exit 2). */
int ulimit_parse(const char *text, struct ulimit_spec *out, struct clan_err *err);

/* u as ulimit_parse reads it back: "nofile=100:200", -1 for unlimited. */
void ulimit_format(const struct ulimit_spec *u, char *buf, size_t len);

/* Adds u to the list, replacing an earlier one for the same resource (a
 * later --ulimit wins, as in docker). */
void ulimit_put(struct ulimit_spec **list, size_t *n, const struct ulimit_spec *u);

/* Only the host can raise a hard limit above its own: a limit that asks
 * for more than this process's hard limit is an exit-125 error naming it
 * and the host's value. */
int ulimits_check(const struct ulimit_spec *u, size_t n, struct clan_err *err);

/* setrlimit for each, in the container before exec. */
int ulimits_apply(const struct ulimit_spec *u, size_t n, struct clan_err *err);

#endif
