/* A plain YAML scalar as compose sees it after its YAML library (Go's
 * yaml.v3) has typed it and fmt.Sprint has made it text again: compose-go
 * keeps environment values that way (types/mapping.go, mappingValue), so
 * `VERSION: 1.10` is "1.1" and `ON: True` is "true" in the container. */
#ifndef CLAN_YAML_SCALAR_H
#define CLAN_YAML_SCALAR_H

/* The text compose gives the plain scalar text: a number (yaml.v3's
 * integers with 0x, 0o, 0b, a leading 0 for octal and _ separators;
 * floats, .inf, .nan) as Go prints it, true/false in lowercase; NULL when
 * text is a string as written (the caller keeps it). Timestamps stay as
 * written (compose would print a time.Time). */
char *yaml_scalar_as_go(const char *text);

#endif
