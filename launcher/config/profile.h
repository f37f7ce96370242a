/* Profiles: profiles/NAME.yaml, the knowledge of how to run a well-known
 * service (postgres, redis, django...) rootless, as data. A .clanrc names
 * one with `profile = NAME` and overrides what it needs.
 *
 * Schema (every key optional; unknown keys are errors):
 *   description: text
 *   image: postgres:15            the default image
 *   images: [postgres:*, ...]     the registry images it recognises
 *                                 (config/profile_image.h)
 *   user, working_dir: text
 *   entrypoint, command: "a b" (compose's string form: words, no shell
 *                                 added, words.h) or [a, b]
 *   environment: {K: V} or [K=V]
 *   ports: [5432, 53/udp]         container ports it listens on (not
 *                                 published: the .clanrc says port =)
 *   volumes: [/var/lib/x]         data dirs: a named volume SERVICE_BASENAME
 *                                 unless the service mounts something there
 *   healthcheck: {test: "sh text" | [CMD, a, b] | [CMD-SHELL, text],
 *                 interval: 1s, timeout: 5s, retries: 3, start_period: 0s}
 *   stop_signal: SIGINT, stop_grace_period: 10s
 *   deb:                          only when the image is a deb: image
 *     packages: [postgresql-15]   or "a b"
 *     script: |                   the entrypoint, run by /bin/sh with the
 *       ...                       command as "$@" (or entrypoint:)
 *     command, user, working_dir, environment: as above, over the top level
 * Values are literal: ${VAR} is for the container's shell, not clan. */
#ifndef CLAN_PROFILE_H
#define CLAN_PROFILE_H

#include "base/error.h"
#include "netns/portspec.h"
#include "config/stack.h"
#include "base/util.h"

/* What the top level and the deb: block can both set. */
struct profile_part {
	struct strv entrypoint, command; /* n == 0: not set */
	char *user, *working_dir;	 /* NULL: not set */
	struct strv environment;	 /* K=V, in file order */
};

struct profile {
	char *name;
	char *path;
	char *description;
	char *image;
	struct strv images; /* patterns, profile_image.h */
	struct profile_part base;
	struct profile_part deb;
	struct strv deb_packages;
	struct port_map *ports; /* container ports; host_port 0 */
	size_t nports;
	struct strv volumes;
	/* env names given a generated per-stack secret (stack_load_opts) */
	struct strv secrets;
	bool has_health; /* false also for test: [NONE] */
	struct healthcheck health;
	int stop_grace_ms; /* -1: not set */
	int stop_signal;   /* 0: not set */
};

/* Parses a profile's text (path for messages). Exit-2 errors
 * "PATH:LINE: ..." with the nearest valid key for an unknown one. */
int profile_parse(const char *text, const char *path, const char *name, struct profile *out,
		  struct clan_err *err);

/* Finds NAME.yaml in dirs (NULL-terminated, first found wins), else the
 * built-in NAME (config/profile_builtin.h), and parses it. -1 with err->sys_errno ENOENT when no
 * dir has it, EINVAL for a name that is no file name ("../x"). */
int profile_load(const char *const *dirs, const char *name, struct profile *out,
		 struct clan_err *err);

/* The names of every profile in dirs and built in, sorted, each once. */
void profile_list(const char *const *dirs, struct strv *names);

/* The default search path: PROJECT/profiles, $XDG_CONFIG_HOME/clan/profiles
 * (~/.config/clan/profiles), then the installed ones: $CLAN_PROFILES_DIR,
 * else BINDIR/../share/clan/profiles, else BINDIR/../profiles (a source
 * tree's build/clan). lookup reads the environment. */
void profile_default_dirs(const char *project_dir, const char *(*lookup)(void *, const char *),
			  void *arg, struct strv *dirs);

void profile_free(struct profile *p);

/* `clan profiles`: one line per profile in dirs, "NAME  DESCRIPTION",
 * names aligned; a profile that does not load says why in place of its
 * description. The caller frees it; "" when there is none. */
char *profile_list_text(const char *const *dirs);

/* `clan profile show NAME`: "# PATH" then the file as written (the first
 * dir holding NAME.yaml, else the built-in one), checked by profile_parse
 * first so what is shown is what a service gets. Errors as profile_load's, with the known names
 * and a "did you mean" for an unknown one. */
int profile_show_text(const char *const *dirs, const char *name, char **out, struct clan_err *err);

#endif
