/* JSON values written as YAML through libyaml's emitter (correct quoting
 * of any value): block style, a string quoted when a YAML 1.1 reader
 * would take it for something else ("no", "1.5"), bytes that are not
 * UTF-8 shown as U+FFFD, a multi-line string as a literal block. */
#ifndef CLAN_YAML_OUT_H
#define CLAN_YAML_OUT_H

#include <jansson.h>
#include <stdio.h>

/* Writes v as one YAML document; objects keep their insertion order.
 * -1 when the emitter failed. */
int yaml_out_json(const json_t *v, FILE *f);

/* A copy of s with each byte that is not part of valid UTF-8 as U+FFFD
 * (an env_file in Latin-1): YAML and JSON are UTF-8. */
char *utf8_or_replacement(const char *s);

/* A JSON string of any bytes, through utf8_or_replacement. */
json_t *json_text(const char *s);

#endif
