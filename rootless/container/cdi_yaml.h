/* CDI spec files in YAML, read into the jansson tree their JSON form
 * gives: one walk (cdi_spec.c) checks both. */
#ifndef CLAN_CDI_YAML_H
#define CLAN_CDI_YAML_H

#include <stddef.h>

#include <jansson.h>

/* Deepest nesting a spec file may have: a spec is four levels deep. */
#define CDI_YAML_DEPTH 32

/* Parses the one document of text (len bytes) into *out: mappings become
 * objects, sequences arrays, scalars strings (a plain empty value, ~ and
 * null are null). Aliases, a key twice, a non-scalar
 * key, more than one document and nesting beyond CDI_YAML_DEPTH are
 * refused. -1 with why ("line N: ...") on error. */
int cdi_yaml_parse(const char *text, size_t len, json_t **out, char *why, size_t why_len);

#endif
