/* compose's string forms of command, entrypoint and healthcheck as argv. */
#ifndef CLAN_WORDS_H
#define CLAN_WORDS_H

#include "error.h"
#include "util.h"

/* `command = ...` into argv:
 *  - a JSON array of strings (`["python3", "app.py"]`, starting `["` or
 *    `[]`) is taken as is (the exec form);
 *  - text with shell syntax outside single quotes ($, `, |, &, ;, <, >, (,
 *    ), *, ?, [, a newline, a word starting with # or ~) runs as
 *    {"/bin/sh", "-c", text}, so pipes, && and variables of the container
 *    work as a user of `sh` expects;
 *  - anything else is split into words as a shell would (single and double
 *    quotes, backslashes), without running a shell.
 * Exit-2 errors: an unterminated quote, a bad JSON array, no words. */
int words_parse_command(const char *text, struct strv *out, struct clan_err *err);

/* A JSON array of strings into out; -1 (exit 2) when text is not one. */
int words_parse_json_array(const char *text, struct strv *out, struct clan_err *err);

#endif
