/* Docker-style option parsing from a table that also writes the help:
 * long options with `--x=v` or `--x v`, short clusters (`-it`,
 * `-v/a:/b`, `-v /a:/b`), -h/--help for every command, options among
 * the operands where compose takes them (`clan logs db --tail 5`). */
#ifndef CLAN_OPTS_H
#define CLAN_OPTS_H

#include <stdio.h>

#include "base/error.h"
#include "base/util.h"

/* One option. The first entry with a name wins: a hidden entry before a
 * listed one gives that spelling its own id (up's --timeout beside -t). */
struct opt_def {
	const char *long_name; /* NULL: none */
	char short_name;       /* 0: none */
	const char *arg;       /* the value's name in the help ("N"); NULL: a flag */
	const char *help;      /* one or more lines; NULL: not listed (an alias) */
	int id;		       /* > 0; {0} ends the table */
};

/* A command as the parser and its help see it. */
struct opt_cmd {
	const char *name;     /* "logs", "network": in the usage and in errors */
	const char *operands; /* the usage line after the options: "[SERVICE...]" */
	const char *about;    /* lines between the usage and the options; NULL: none */
	const struct opt_def *opts;
	/* Options end at this operand (counted from 1): it and every word
	 * after it are operands, as run's IMAGE (1) and exec's CMD (2) start
	 * what the container runs. 0: options anywhere, as compose's. */
	int opts_end_at;
};

/* Called for each option in order; value is NULL for a flag. Returns 0,
 * or -1 with err filled to stop the parse. */
typedef int (*opt_fn)(void *arg, int id, const char *value, struct clan_err *err);

/* The operands opts_parse fills, freed when they go out of scope. */
#define _cleanup_operands_ __attribute__((cleanup(strv_free)))

/* opts_parse's answer when -h/--help was given: the usage is printed on
 * stdout and the command exits 0 without doing anything else. */
#define OPTS_HELP 1

/* Parses argv[1..argc) (argv[0] is the command's name): each option to
 * fn (NULL for a table without options), the operands into *operands (copies, in order; free with
 * strv_free, also on error). `--` ends the options. Returns 0, OPTS_HELP,
 * or -1 with err (exit 2, CLAN_EXIT_USAGE, for an unknown option, a
 * missing or unwanted value; fn's own error otherwise). */
int opts_parse(const struct opt_cmd *cmd, int argc, char **argv, opt_fn fn, void *arg,
	       struct strv *operands, struct clan_err *err);

/* For a command that takes no operands: -1 with err (exit 2) naming the
 * first one, else 0. */
int opts_no_operands(const struct opt_cmd *cmd, const struct strv *operands, struct clan_err *err);

/* An opt_fn for tables of flags only: sets bit id (OPT_BIT(id)) of the
 * unsigned at arg. */
int opts_flag_bits(void *arg, int id, const char *value, struct clan_err *err);

/* --format of a listing: json, or table (the default, as docker's). */
int opts_format(const char *cmd, const char *value, bool *json, struct clan_err *err);
#define OPT_BIT(id) (1u << (id))

/* compose's -t/--timeout of down, stop, restart: seconds, 0 to 86400,
 * into *out; exit 2 naming cmd otherwise. */
int opts_timeout(const char *v, const char *cmd, int *out, struct clan_err *err);

/* The help from the table: the usage line, the about text, then one line
 * per listed option (and -h, --help) with the help aligned in a column. */
void opts_usage(const struct opt_cmd *cmd, FILE *out);

#endif
