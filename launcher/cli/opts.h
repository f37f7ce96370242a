/* Docker-style option parsing: long options with `--x=v` or `--x v`, short
 * clusters (`-it`, `-v/a:/b`, `-v /a:/b`), stopping at the first operand. */
#ifndef CLAN_OPTS_H
#define CLAN_OPTS_H

#include <stdbool.h>

#include "base/error.h"

struct opt_def {
	const char *long_name;
	char short_name; /* 0: none */
	bool has_arg;
	int id; /* > 0 */
};

struct opt_parser {
	int argc;
	char **argv;
	int i;		     /* next argv index; after the end: the first operand */
	const char *cluster; /* rest of a short-option cluster */
	const char *cmd;     /* for messages: "run" */
};

/* argv[0] is the command name; parsing starts at argv[1]. */
void opts_init(struct opt_parser *p, int argc, char **argv);

/* Returns the id of the next option (setting *arg for options that take
 * one), 0 at the first operand or after `--`, -1 with err (exit 2) on an
 * unknown option or a missing argument. */
int opts_next(struct opt_parser *p, const struct opt_def *defs, const char **arg,
	      struct clan_err *err);

#endif
