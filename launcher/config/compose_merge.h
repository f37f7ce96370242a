/* Merging compose files as compose-go does (override/merge.go and
 * override/uncity.go, compose-go v2): a later file (-f b.yml,
 * compose.override.yaml) over an earlier one, tree over tree, before the
 * tree becomes a stack.
 *
 * Mappings merge key by key, scalars are replaced, sequences are appended
 * and then made unique by each key's identity (ports by host ip, published
 * port, target and protocol, short form or long; volumes, tmpfs and
 * devices by target; secrets and configs by their target in the
 * container; environment, labels, sysctls, build args... by KEY of
 * KEY=VALUE; env_file by path): the later entry takes the earlier one's
 * place. environment, labels, sysctls, annotations and build
 * args/labels merge as maps whichever form each file wrote (`KEY=V` or
 * `KEY: V`); command, entrypoint, healthcheck.test and each ulimit are
 * replaced, never appended; depends_on and networks merge as maps (a list
 * is a map of defaults); build as a string is {context: STRING};
 * extra_hosts are appended without repeating an identical entry; logging
 * merges when the driver is the same, else is replaced.
 *
 * compose's tags: `KEY: !reset VALUE` removes KEY (the earlier files' and
 * this one's), `KEY: !override VALUE` replaces it whole. A tag on a
 * sequence's item means nothing, as in compose-go. */
#ifndef CLAN_COMPOSE_MERGE_H
#define CLAN_COMPOSE_MERGE_H

#include <stdbool.h>

#include "base/error.h"
#include "config/ytree.h"

/* Merges over (a whole file's tree; consumed, freed whatever the outcome)
 * onto *base. *base NULL: over becomes the base, its tags applied and its
 * sequences made unique, as compose does with a project's first file, so
 * call it once per file in order starting from NULL. The result holds no
 * !reset/!override tags. Errors (exit 2) name FILE:LINE:COLUMN of both
 * sides: a mapping over a sequence or a scalar, a top level that is no
 * mapping, a volume or port without a target. On error *base is still a
 * tree to free, merged in part. */
int compose_merge(struct ynode **base, struct ynode *over, struct clan_err *err);

/* For extends: merges the service over (consumed) onto the service *base
 * with the same rules, keeping over's !reset and !override tags in the
 * result so that the merge of files applies them to earlier files too
 * (compose-go's reset processor does both). */
int compose_merge_service(struct ynode **base, struct ynode *over, struct clan_err *err);

/* True when a and b hold the same values (positions and tags aside; a
 * mapping's order aside). */
bool ynode_equal(const struct ynode *a, const struct ynode *b);

#endif
