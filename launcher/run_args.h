/* `clan run` flags into a container_spec. Pure: no filesystem access, so
 * every malformed flag is caught by unit tests. */
#ifndef CLAN_RUN_ARGS_H
#define CLAN_RUN_ARGS_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

struct run_args {
	struct container_spec spec;
	struct strv env_files; /* --env-file, in order */
	bool help;
};

/* argv[0] == "run". On error nothing needs freeing beyond run_args_free. */
int run_args_parse(int argc, char **argv, struct run_args *out, struct clan_err *err);
void run_args_free(struct run_args *a);

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

extern const char run_usage[];

#endif
