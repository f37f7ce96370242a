/* A YAML tree as JSON, its plain scalars typed as YAML 1.2's core schema
 * types them (what compose's Go YAML library does): `clan config
 * --no-normalize` prints the merged files as written, not compose's
 * canonical long forms. */
#ifndef CLAN_YTREE_JSON_H
#define CLAN_YTREE_JSON_H

#include <jansson.h>

#include "config/ytree.h"

/* A new JSON value for n (NULL for NULL): a plain null/~ is null, a plain
 * number or boolean as yaml_scalar reads it is that type; any other
 * scalar, and every quoted one, is a string; mappings keep their order. */
json_t *ytree_json(const struct ynode *n);

#endif
