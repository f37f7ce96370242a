/* docker compose's variable interpolation in configuration values, with
 * compose-go's rules (template/template.go): $VAR, ${VAR}, ${VAR:-default},
 * ${VAR-default}, ${VAR:?message}, ${VAR?message}, ${VAR:+other},
 * ${VAR+other}, and $$ for a literal $. Operands may hold interpolation
 * and braces (${JSON:-{"a":1}}), are expanded whether used or not, and end
 * on their line. A $ followed by anything but a name, { or $ stays as
 * written. Which strings are interpolated (values, not keys) is the
 * caller's rule. */
#ifndef CLAN_INTERP_H
#define CLAN_INTERP_H

#include "base/error.h"
#include "base/util.h"

/* The unset variables already warned about (once per name) and the
 * warnings, for the caller to show. */
struct interp_warnings {
	struct strv msgs;
	struct strv names;
};

struct interp_env {
	/* a variable's value, NULL when it is unset */
	const char *(*lookup)(void *arg, const char *name);
	void *arg;
	struct interp_warnings *warn; /* NULL: no warnings kept */
};

/* Expands text written at file:line into *out. Unset variables without a
 * default become "" with a warning. Exit-2 errors, all "FILE:LINE: ...":
 * ${VAR:?message} ("FILE:LINE: VAR: message"), a malformed ${...}. */
int interp_expand(const struct interp_env *env, const char *text, const char *file, int line,
		  char **out, struct clan_err *err);

void interp_warnings_free(struct interp_warnings *w);

#endif
