/* A service's resolved config as canonical JSON: what `up -d` compares
 * with the config a running supervisor uses (compose's config hash,
 * but kept whole so the difference can be named), and how a changed
 * config travels to the supervisor. Pure: no files, no processes. */
#ifndef CLAN_SVC_CONFIG_H
#define CLAN_SVC_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/stack.h"

/* Every field that changes what runs (image, command, environment,
 * mounts, ports, health check, restart policy...), never where it was
 * written. Equal services give json_equal objects. */
json_t *svc_config_json(const struct service *s);

/* The reverse, checked: every key present and of its type, depends_on
 * naming services of names (n of them) other than itself. Returns 0, or
 * -1 with why set; out is then empty. */
int svc_config_parse(json_t *o, const char *const *names, size_t n, struct service *out, char *why,
		     size_t whylen);

/* The top-level keys whose values differ ("environment, image"), in key
 * order; NULL when equal. The caller frees it. */
char *svc_config_diff(json_t *running, json_t *wanted);

/* Whether the difference touches what the stack's pod holds for every
 * service (published ports, the names in /etc/hosts): such a change
 * recreates the whole stack, not the one service. */
bool svc_config_needs_pod(json_t *running, json_t *wanted);

#endif
