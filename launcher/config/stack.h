/* A project's stack: what `.clanrc` (with `.env`, profiles and ${VAR}
 * interpolation) resolves to. Plain data, fully resolved and validated by
 * stack_load: the supervisor and the commands only read it. */
#ifndef CLAN_STACK_H
#define CLAN_STACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/error.h"
#include "netns/portspec.h"
#include "base/util.h"

enum restart_policy { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_UNLESS_STOPPED };

/* compose's depends_on conditions. Started waits for healthy too when the
 * dependency has a health check (clan's rule, as .clanrc has it). */
enum dep_condition { DEP_STARTED, DEP_HEALTHY, DEP_COMPLETED };

/* Where a value was written, for "file:line: ..." messages. file points
 * into struct stack's files (or a profile path); line 0: not from a file. */
struct src_loc {
	const char *file;
	int line;
};

/* A mount of a service: a named volume (volume = NAME:/dst) or a host
 * path (bind = ./src:/dst), both with [:ro]. */
struct svc_mount {
	char *volume; /* the volume's name as written (e.g. "pgdata"), or NULL */
	char *src;    /* bind: absolute host path (relative ones resolved
		       * against the project dir) */
	char *dst;    /* absolute path inside */
	bool ro;
	bool create; /* bind: made (a dir) when missing, as compose's short form */
	/* a volume's storage name from a top-level name: (or the name of an
	 * external one): shared by every project naming it; NULL: the
	 * project's own volume */
	char *volume_name;
	bool external; /* made outside the project: never made nor removed by it */
	struct src_loc loc;
};

struct healthcheck {
	/* argv to run inside the service: compose's CMD form as is, CMD-SHELL
	 * and plain strings as {"/bin/sh", "-c", text} */
	struct strv test;
	int interval_ms, timeout_ms, retries, start_period_ms;
};

struct service {
	char *name;    /* [service.NAME] */
	char *profile; /* NULL: none */
	/* the image reference clan runs: a registry ref, dir:..., host, or
	 * deb:SUITE+pkg,pkg... with the profile's and the service's packages
	 * already folded in */
	char *image;
	struct strv entrypoint; /* empty: the image's (or the profile's for deb:) */
	/* compose's `entrypoint: []` or "": none, not the image's (the
	 * image's command still runs when the service gives none, as the
	 * Docker engine merges them) */
	bool entrypoint_set;
	struct strv command; /* empty: the image's; `command = a b` is split
			      * into words like compose's string form, with
			      * no shell added (words.h) */
	char *working_dir;   /* NULL: the image's */
	char *user;	     /* NULL: the image's; NAME|UID[:GROUP|GID] */
	/* with user NULL, the user to run as when the stack has one mapped id
	 * (no subuid range): the service user of an official image its
	 * profile recognises, whose root branch cannot work then */
	char *single_user;
	struct strv environment; /* K=V, final: profile < env_file < environment */
	struct port_map *ports;
	int *port_lines; /* the line of each port = in loc.file */
	size_t nports;
	/* TCP ports it listens on, as far as its files and its profile say
	 * (published, expose, the profile's ports): a check that starts waits
	 * for one (sup_health.c). Not in svc_config.h's form, which derives
	 * it from the published ports alone. */
	uint16_t *listen_tcp;
	size_t nlisten_tcp;
	struct svc_mount *mounts;
	size_t nmounts;
	struct strv depends_on; /* service names, all present */
	struct strv aliases;	/* more names for it in the stack's /etc/hosts */
	/* compose's depends_on condition of each depends_on item (NULL: all
	 * DEP_STARTED, .clanrc's only form) */
	enum dep_condition *dep_conds;
	char *hostname;		 /* NULL: the service's name */
	struct strv extra_hosts; /* "NAME IP" lines for /etc/hosts */
	struct strv labels;	 /* compose's labels: "KEY=VALUE", metadata for config */
	bool init;		 /* compose's init: a reaping pid 1 */
	/* compose's runtime keys, as clan run's flags take them */
	struct strv tmpfs;	       /* "DST[:OPTS]" (--tmpfs) */
	bool read_only;		       /* --read-only */
	struct strv cap_add, cap_drop; /* capability names */
	uint64_t shm_size;	       /* bytes; 0: the default */
	struct strv ulimits;	       /* "NAME=SOFT:HARD" (--ulimit) */
	struct strv devices;	       /* --device's texts: nodes and CDI names */
	bool has_health;
	bool health_from_profile; /* the profile's, for an image it recognises */
	/* disable: true or a test of NONE: not even the image's check runs */
	bool health_off;
	struct healthcheck health;
	enum restart_policy restart;
	int stop_grace_ms; /* SIGTERM -> SIGKILL; compose's stop_grace_period, default 10 s */
	int stop_signal;   /* default SIGTERM */
	/* security_opt = seccomp=...: NULL for clan's default profile,
	 * "unconfined", or a Docker JSON profile's absolute path (checked at
	 * load) */
	char *seccomp;
	struct svc_image_build *build; /* NULL: the image is pulled or used */
	/* a built image's id as up found it, so a rebuild (same name, new
	 * id) recreates the service, as compose does; NULL: not looked at */
	char *image_id;
	struct src_loc loc;
};

/* compose's build: (or a .clanrc's build =): the service's image is built
 * from a Dockerfile and tagged as its image. */
struct svc_image_build {
	char *context;	    /* absolute */
	char *dockerfile;   /* absolute; NULL: CONTEXT/Dockerfile */
	char *inline_text;  /* dockerfile_inline: instead of a file */
	struct strv args;   /* K=V, or K (from the environment) */
	char *target;	    /* NULL: the last stage */
	bool image_default; /* the image's name is PROJECT-SERVICE (no image:) */
	bool always;	    /* pull_policy: build: built at every up */
};

struct stack {
	char *name;	      /* [project] name, else the directory's name, sanitised */
	char *dir;	      /* absolute project dir */
	char *config_file;    /* absolute path of the .clanrc read */
	struct service *svcs; /* in dependency order: a service comes after
			       * what it depends on */
	size_t nsvcs;
	struct strv volumes; /* named volumes used, each once */
	/* the compose files read, in order (empty for a .clanrc project) */
	struct strv compose_files;
	struct strv compose_profiles; /* every profile a service names, sorted */
	/* one line for `clan config` about the choice of file, e.g. the
	 * compose file beside the .clanrc that was not read; NULL: none */
	char *note;
	struct strv files; /* owned copies of the file names src_loc points at */
	/* things to tell the user that do not stop the load, e.g. an unset
	 * ${VAR} defaulting to "" (compose warns too): "FILE:LINE: ..." */
	struct strv warnings;
	/* with stack_load_opts.raw: the compose files merged, as written */
	json_t *compose_raw;
};

/* The project options of compose's command line (before the command):
 * -f FILE..., -p NAME, --project-directory DIR, --env-file FILE...,
 * --profile NAME.... Empty: found as compose finds them. */
struct project_args {
	struct strv files, env_files, profiles;
	char *name, *dir;
};
void project_args_free(struct project_args *a);

struct stack_load_opts {
	const struct project_args *args; /* NULL: none given */
	const char *dir;		 /* project dir; NULL: the current dir */
	const char *project_name;	 /* -p NAME overrides [project] name */
	/* the shell environment for ${VAR} (beats .env); NULL: getenv */
	const char *(*lookup)(const char *name);
	/* profile dirs, searched first to last (./profiles,
	 * ~/.config/clan/profiles, the installed ones); NULL: the defaults */
	const char *const *profile_dirs;
	/* The generated value of a profile's secret NAME that the shell and
	 * .env leave unset (secrets.h: secret_for_stack); NULL: it stays
	 * unset. */
	int (*secret)(void *arg, const char *project_dir, const char *name, char **value,
		      struct clan_err *err);
	void *secret_arg;
	/* compose: keep the merged files as JSON in stack.compose_raw (clan
	 * config --no-normalize); no_interpolate too leaves ${VAR} as written
	 * and builds no services from them (their values are templates) */
	bool raw, no_interpolate;
};

/* Reads, interpolates, applies profiles and validates. A bad file is exit
 * 2: "FILE:LINE: what is wrong (did you mean ...?)"; nothing is started
 * or changed by a failed load. */
int stack_load(const struct stack_load_opts *o, struct stack *out, struct clan_err *err);
void stack_free(struct stack *s);

/* The resolved stack in the canonical form of `docker compose config`,
 * as JSON (the caller owns it), and as YAML on out (-1: the emitter
 * failed). */
json_t *stack_config_json(const struct stack *s);
int stack_print(const struct stack *s, FILE *out);

const struct service *stack_find(const struct stack *s, const char *name);
/* The first mount of volume (as the services name it), NULL: none. */
const struct svc_mount *stack_volume_mount(const struct stack *st, const char *volume);

/* After a failed bind of the stack's host ports (err): binds each
 * service's ports alone to find the one in use and rewrites err to name
 * the service, its port = line and a free example, as .clanrc says it.
 * err is left as it is when every port binds now. */
void stack_explain_port_error(const struct stack *s, struct clan_err *err);

/* Frees what a service owns (a stack's, or one parsed on its own). */
void service_free(struct service *s);

/* Adds port (and the rest of its range) to s->listen_tcp, once each. */
void svc_listen_add(struct service *s, uint16_t port, uint16_t count);

#endif
