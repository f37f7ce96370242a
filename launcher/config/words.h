/* compose's string forms of command, entrypoint and healthcheck as argv. */
#ifndef CLAN_WORDS_H
#define CLAN_WORDS_H

#include "base/error.h"
#include "base/util.h"

/* `command = ...` into argv, as compose does it:
 *  - a JSON array of strings (`["python3", "app.py"]`, starting `["` or
 *    `[]`) is taken as is (the exec form);
 *  - anything else is split into words as a shell would (single and double
 *    quotes, backslashes), and no shell runs it: `sh -c '...'` in the text
 *    is the shell when one is wanted.
 * Shell syntax outside quotes (| & ; < > `, $( ${ $NAME) is refused rather
 * than passed on as words: it meant a shell (clan ran one before). fix_key starts the fix the
 * message suggests ("command = " gives "write command = sh -c '...'"). Exit-2 errors: shell syntax,
 * an unterminated quote, a bad JSON array, no words. */
int words_parse_command(const char *text, const char *fix_key, struct strv *out,
			struct clan_err *err);

/* A JSON array of strings into out; -1 (exit 2) when text is not one. */
int words_parse_json_array(const char *text, struct strv *out, struct clan_err *err);

#endif
