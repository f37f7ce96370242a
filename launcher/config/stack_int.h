/* Inside stack_load: the state of one load and the services being built,
 * with the line of every list item for the cross-service checks. Shared
 * by stack*.c only. */
#ifndef CLAN_STACK_INT_H
#define CLAN_STACK_INT_H

#include "config/clanrc.h"
#include "config/dotenv.h"
#include "config/interp.h"
#include "config/profile.h"
#include "config/profile_image.h"
#include "config/stack.h"

/* Where a compose item was written, for "FILE:LINE:COLUMN: " messages; a
 * .clanrc item has a line only (file NULL: the .clanrc). */
struct item_pos {
	const char *file; /* in st->files */
	int line, column;
};

/* A container port a service listens on (its port =, expose =, or its
 * profile's ports): services share one network namespace. */
struct listen_port {
	uint16_t port, count;
	enum port_proto proto;
	struct item_pos at;
};

struct svc_build {
	struct service svc;
	const struct rc_section *sec;
	int *dep_lines;	 /* per svc.depends_on item */
	int *port_lines; /* per svc.ports item */
	/* compose's positions of each depends_on, port and alias item (NULL
	 * for a .clanrc: its lines are enough) */
	struct item_pos *dep_at, *port_at, *alias_at;
	struct listen_port *listen;
	size_t nlisten;
};

struct load_ctx {
	const struct stack_load_opts *o;
	struct stack *st;
	const char *rc_file;	 /* as shown in messages, in st->files */
	const struct clanrc *rc; /* while it is read: messages look at its lines */
	bool above;		 /* the .clanrc is in a parent of the current dir */
	struct interp_env env;	 /* the shell, then .env */
	struct interp_warnings warn;
	struct dotenv dotenv;
	struct strv secrets; /* NAME=VALUE: profiles' secrets, generated */
	struct strv profile_dirs;
	struct profile *profiles; /* loaded once each */
	size_t nprofiles;
	/* every profile, for the images they recognise: loaded on first use */
	struct profile_set recognisers;
	bool recognisers_loaded;
	struct svc_build *b;
	size_t nb;
	/* compose: the services of the active profiles, known before any is
	 * built (an optional depends_on on another is dropped) */
	struct strv enabled;
	struct clan_err *err;
	/* errors kept to report together (stack_collect), the first few */
	struct strv errors;
	size_t nerrors;
	int errors_code;
};

/* A COMPOSE_* setting: the shell's, else the .env's (compose reads both). */
const char *stack_compose_var(struct load_ctx *c, const char *name);

/* The shell's value of name (opts.lookup or getenv). */
const char *stack_shell_lookup(void *ctx, const char *name);

/* The value of a profile's secret NAME: the shell's, .env's, else the
 * generated one (NULL when opts.secret is NULL). -1 with c->err. */
int stack_secret(struct load_ctx *c, const char *name, const char **value);

/* The profile named at e, loaded once per stack. */
int stack_get_profile(struct load_ctx *c, const struct rc_entry *e, const struct profile **out);

/* A file name as messages show it, owned by st->files. */
const char *stack_file_name(struct load_ctx *c, const char *path);

/* "FILE:LINE: " + message, exit 2. */
int stack_fail(struct load_ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same at a compose item's FILE:LINE:COLUMN (at.file NULL: the
 * .clanrc's line at.line). */
int stack_fail_pos(struct load_ctx *c, struct item_pos at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps c->err's message to report with the others (a user fixes ten
 * typos in one round, not ten); -1. */
int stack_collect(struct load_ctx *c);
/* 0 when nothing was collected, else -1 with c->err holding them all
 * (one a line, the first STACK_MAX_ERRORS, then "and N more errors"). */
int stack_report(struct load_ctx *c);

/* The service of one [service.NAME] section, merged with its profile. */
int stack_build_service(struct load_ctx *c, const struct rc_section *sec, struct svc_build *b);

/* Sets key (klen bytes) to value in env, in the place of an earlier
 * value of it. */
void stack_env_set(struct strv *env, const char *key, size_t klen, const char *value);
/* Removes key (klen bytes) from env, when there. */
void stack_env_unset(struct strv *env, const char *key, size_t klen);

/* Adds an env_file's settings (compose's .env syntax) to out; written is
 * the path as the file gives it (relative to the project dir), at where it
 * is written. A missing file that is not required adds nothing. ${VAR}
 * in it is the project's (the shell, .env), or with earlier_first out's
 * value when out has one (compose: an earlier env_file's, before the
 * project's). */
int stack_env_file(struct load_ctx *c, const char *written, struct item_pos at, bool required,
		   bool earlier_first, struct strv *out);

/* environment: profile < env_file < environment. */
int stack_build_env(struct load_ctx *c, const struct rc_section *sec,
		    const struct strv *profile_env, struct strv *out);

/* A bind source as written ("./src", "~/x", "/abs") made absolute
 * against the project dir and cleaned. */
char *stack_host_path(struct load_ctx *c, const char *src);

/* volume = and bind =, then the profile's data dirs not mounted over. */
int stack_build_mounts(struct load_ctx *c, const struct rc_section *sec, const struct profile *p,
		       struct service *svc);

/* Across services: depends_on names and cycles, ports; then sorts c->b
 * in dependency order (stable). */
int stack_check_all(struct load_ctx *c);

void svc_build_free(struct svc_build *b);

/* The services of compose files (read in order; shown: their names as
 * messages give them) into c->b, and the project's name (compose_load.c). */
int stack_load_compose(struct load_ctx *c, const struct strv *files, const struct strv *shown);

#endif
