/* Values of compose fields that are not plain strings: durations
 * (base/duration.h), stop signals ("SIGINT"), restart policies. Pure; errors are
 * exit 2 and say what was expected, for the caller to prefix with
 * "FILE:LINE: KEY". */
#ifndef CLAN_CFGVAL_H
#define CLAN_CFGVAL_H

#include <stddef.h>

#include "base/duration.h"
#include "base/error.h"
#include "config/stack.h"

/* "SIGTERM", "TERM", "sigterm" or a number from 1 to 64. */
int signal_parse(const char *text, int *sig, struct clan_err *err);
/* "SIGTERM"; "SIG42" for one without a name. */
void signal_format(int sig, char *buf, size_t len);

/* no | on-failure | always | unless-stopped */
int restart_parse(const char *text, enum restart_policy *out, struct clan_err *err);
const char *restart_name(enum restart_policy p);

/* A name of a service, profile or volume: a letter or digit, then
 * letters, digits, '_', '.' and '-'. */
bool cfg_is_name(const char *s);

/* A host name (--add-host, an alias) of len bytes: dot-separated labels
 * of 1-63 letters, digits, '-' and '_' (compose service names carry '_'),
 * none starting or ending with '-' (RFC 1123), 253 bytes at most. */
bool cfg_is_host_name(const char *s, size_t len);

/* An environment variable's name (len bytes, before any '='): not empty,
 * no '=', no white space or control character. Wider than a shell's
 * [A-Za-z_][A-Za-z0-9_]* as docker run -e and compose's environment pass
 * names like spring.profiles.active that programs read; white space is
 * refused as a typo's sign (docker's env-file rule). */
bool cfg_is_env_name(const char *s, size_t len);

/* A shell variable name: a letter or '_', then letters, digits and '_'. */
bool cfg_is_identifier(const char *s);

/* A user as -u and user = take it: NAME, UID, NAME:GROUP or UID:GID. */
bool cfg_is_user_spec(const char *s);

#endif
