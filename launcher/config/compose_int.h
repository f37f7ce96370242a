/* Inside the compose loader: messages at a node's FILE:LINE:COLUMN and
 * the conversion of one service. Shared by compose_*.c only. */
#ifndef CLAN_COMPOSE_INT_H
#define CLAN_COMPOSE_INT_H

#include <stdbool.h>

#include "config/stack_int.h"
#include "config/ytree.h"

/* "FILE:LINE:COLUMN: " + message, exit 2. */
int compose_fail(struct load_ctx *c, const struct ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same as a warning the load carries (the service still runs). */
void compose_warn(struct load_ctx *c, const struct ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A scalar's text, NULL for anything else. */
const char *ynode_text(const struct ynode *n);

/* Where n was written, for the checks across services. */
struct item_pos compose_pos(const struct ynode *n);

/* compose's schema allows only the known keys (and x-...) in the mapping
 * n, which is what (e.g. "healthcheck"): else an error at the key's value
 * with a did-you-mean. Not a mapping: 0 (its caller says what it
 * expects). */
int compose_check_keys(struct load_ctx *c, const struct ynode *n, const char *what,
		       const char *const *known, size_t nknown);

/* YAML's true/false (any case), else an error naming what. */
int compose_bool(struct load_ctx *c, const struct ynode *n, const char *what, bool *out);

/* The service name of services.NAME (node svc) into b, with root the
 * whole project for what services refer to (volumes, secrets, configs,
 * networks). */
int compose_build_service(struct load_ctx *c, const struct ynode *root, const char *name,
			  const struct ynode *svc, struct svc_build *b);

/* The top-level volumes: declarations checked (errors collected, as
 * stack_collect: the caller reports them). */
void compose_check_volumes(struct load_ctx *c, const struct ynode *root);
/* Fills m's volume_name and external from its (checked) declaration. */
void compose_volume_decl(const struct ynode *root, struct svc_mount *m);

/* ports: and expose: of service node svc (compose_ports.c). */
int compose_build_ports(struct load_ctx *c, const struct ynode *svc, struct svc_build *b);
/* volumes:, tmpfs:, secrets:, configs: (compose_mounts.c). */
int compose_build_mounts(struct load_ctx *c, const struct ynode *root, const struct ynode *svc,
			 struct svc_build *b);

#endif
