/* The values of container flags that `clan run` and a stack's services
 * share: binds, environment, networks, extra hosts, security options.
 * Pure: no filesystem access. */
#ifndef CLAN_SPEC_VALUES_H
#define CLAN_SPEC_VALUES_H

#include "base/error.h"
#include "container/spec.h"

/* "SRC:DST[:ro|rw[,...]]" into b; src is kept as written. */
int parse_bind(const char *text, struct bind_spec *b, struct clan_err *err);

/* "-e K=V" / "-e K": appends K=V, or K=$K from lookup when set. */
int parse_env_flag(const char *text, const char *(*lookup)(const char *), struct strv *env,
		   struct clan_err *err);

/* Docker's --env-file: K=V lines, '#' comments, blank lines; "K" alone
 * takes the host value. Values are literal (no quotes removed). */
int parse_env_file_text(const char *text, const char *path, const char *(*lookup)(const char *),
			struct strv *env, struct clan_err *err);

/* --network: slirp4netns[:port_handler=...,allow_host_loopback=...],
 * none, host, container:NAME. */
int parse_network(const char *v, struct container_spec *s, struct clan_err *err);

/* --add-host NAME:IP (or NAME=IP); host-gateway is the host, reached
 * through slirp4netns, which opens host loopback. */
int parse_add_host(const char *v, struct container_spec *s, struct clan_err *err);

/* --security-opt (and a stack's security_opt): seccomp=unconfined|default|
 * FILE into *seccomp (NULL: the default), no-new-privileges (always on).
 * NULL when accepted, else why not. */
const char *security_opt_parse(const char *v, char **seccomp);

#endif
