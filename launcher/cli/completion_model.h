/* What clan completion's scripts offer, read from the option tables
 * (cli/cmd_tables.h) so they follow the parser: the usage line's operands
 * ("ls | inspect VOLUME...") give a command's subcommands and what its
 * operands are, an option's value name ("json", "auto|single", "FILE")
 * the words or kinds of words its value takes.
 *
 * A kind is a word the scripts list when the user presses tab: service
 * (clan config --services), container, image, volume, profile (from clan
 * itself), signal, file, dir. */
#ifndef CLAN_COMPLETION_MODEL_H
#define CLAN_COMPLETION_MODEL_H

#include <stdio.h>

#include "cli/opts.h"
#include "base/util.h"

/* One alternative of the operands: a subcommand and its operands' kinds. */
struct comp_sub {
	char *name;		 /* "ls"; NULL: the command's own operands */
	struct strv first, rest; /* the kinds of the first and of later operands */
};

struct comp_cmd {
	const char *name, *summary;
	const struct opt_cmd *table; /* NULL: none (only -h, --help) */
	struct comp_sub *subs;	     /* the unnamed one, if any, first */
	size_t nsubs;
};

/* What the scripts see of clan: the commands typed after it (main.c's
 * table, then compose and version) and the flags before them. */
struct comp_model {
	struct comp_cmd *cmds;
	size_t ncmds;
	const struct opt_def *global;
};

/* Reads every command's table (cmd_table(name)) and operands. */
void comp_model_load(struct comp_model *m, const char *const *names, const char *const *summaries,
		     size_t n);
void comp_model_free(struct comp_model *m);

/* The literal words (json, auto...) and kinds (file...) a value named arg
 * ("auto|single|subuid|host", "seccomp=unconfined|FILE") takes. */
void comp_value(const char *arg, struct strv *words, struct strv *kinds);

/* The subcommand named name of c, else its unnamed operands (NULL: none). */
const struct comp_sub *comp_sub_find(const struct comp_cmd *c, const char *name);

/* The words of s joined by single spaces (a shell word list). */
void comp_join(FILE *out, const struct strv *s);

/* Text in single quotes for a shell ('it'\''s'). */
void comp_quote(FILE *out, const char *text);

/* The scripts; each writes one to out. */
void comp_write_bash(FILE *out, const struct comp_model *m);
void comp_write_zsh(FILE *out, const struct comp_model *m);
void comp_write_fish(FILE *out, const struct comp_model *m);

#endif
