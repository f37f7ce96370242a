/* A YAML file's first document, loaded with libyaml once its aliases are
 * known to stay within a budget (config/yaml_alias.h): the one way clan
 * reads YAML it did not write (profiles, compose files). */
#ifndef CLAN_YAML_DOC_H
#define CLAN_YAML_DOC_H

#include <stdint.h>
#include <yaml.h>

#include "base/error.h"

/* What aliases may stand for in a file, in yaml_alias units (about
 * bytes): sharing an environment block among a few services takes
 * kilobytes, and walking a few MiB of nodes is instant; nested aliases
 * past it are a "billion laughs" that would have a walk allocate
 * gigabytes. */
#define YAML_ALIAS_BUDGET (1u << 20)

/* Loads text (read from path, for messages) into doc; the caller deletes
 * it with yaml_document_delete. Exit-2 errors "PATH:LINE:COLUMN: ...":
 * YAML that does not parse, an alias inside its own anchor, aliases that
 * stand for more than YAML_ALIAS_BUDGET. */
int yaml_doc_load(const char *text, size_t len, const char *path, yaml_document_t *doc,
		  struct clan_err *err);

#endif
