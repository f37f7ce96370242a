/* clan profiles, clan profile ls, clan profile show NAME: the profiles a
 * .clanrc in the current dir can name (profile = NAME), from the search
 * path stack loading uses (./profiles, ~/.config/clan/profiles, the
 * installed ones, the built-in ones). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "config/profile.h"
#include "base/termsafe.h"

#define PROFILE_ABOUT                                                                      \
	"A profile is how to run a well-known service (postgres, redis, django...)\n"      \
	"rootless; a .clanrc service names one with `profile = NAME` and overrides\n"      \
	"what it needs. Searched in: ./profiles, ~/.config/clan/profiles (or\n"            \
	"$XDG_CONFIG_HOME/clan/profiles), the installed ones ($CLAN_PROFILES_DIR), then\n" \
	"the ones built into clan; the first found wins.\n"

const struct opt_cmd profiles_cmd = {
    .name = "profiles",
    .about = "Lists the profiles, one line each (clan profile show NAME prints one).\n"
	     "\n" PROFILE_ABOUT,
};

const struct opt_cmd profile_cmd = {
    .name = "profile",
    .operands = "ls | show PROFILE",
    .about = "  ls          list the profiles, one line each (as clan profiles)\n"
	     "  show PROFILE print its YAML, as a service gets it\n"
	     "\n" PROFILE_ABOUT,
};

static const char *env_lookup(void *arg, const char *name)
{
	(void)arg;
	return getenv(name);
}

static int with_dirs(int (*fn)(const char *const *, const char *, struct clan_err *),
		     const char *name, struct clan_err *err)
{
	char cwd[PATH_MAX];
	struct strv dirs = {0};
	if (!getcwd(cwd, sizeof cwd))
		return clan_error(err, errno, "profiles: cannot read the current dir's path");
	profile_default_dirs(cwd, env_lookup, NULL, &dirs);
	int r = fn((const char *const *)dirs.v, name, err);
	strv_free(&dirs);
	return r;
}

/* A profile may come from a cloned project's profiles/ dir: what a
 * terminal would act on is shown, not obeyed. */
static void print_text(const char *text)
{
	if (!isatty(STDOUT_FILENO)) {
		fputs(text, stdout);
		return;
	}
	_cleanup_free_ char *safe = term_safe(text, strlen(text), true);
	fputs(safe, stdout);
}

static int list(const char *const *dirs, const char *name, struct clan_err *err)
{
	(void)name;
	(void)err;
	_cleanup_free_ char *text = profile_list_text(dirs);
	if (!*text)
		fputs("clan: no profiles found (see clan profiles --help for where they are "
		      "searched)\n",
		      stderr);
	print_text(text);
	return 0;
}

static int show(const char *const *dirs, const char *name, struct clan_err *err)
{
	_cleanup_free_ char *text = NULL;
	if (profile_show_text(dirs, name, &text, err) < 0)
		return -1;
	print_text(text);
	return 0;
}

int cmd_profiles(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	(void)ctx;
	int r = opts_parse(&profiles_cmd, argc, argv, NULL, NULL, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n > 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "profiles: unexpected argument '%s' (clan profile show %s "
				       "prints one)",
				       ops.v[0], ops.v[0]);
	return with_dirs(list, NULL, err);
}

int cmd_profile(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	(void)ctx;
	int r = opts_parse(&profile_cmd, argc, argv, NULL, NULL, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n == 0) {
		opts_usage(&profile_cmd, stderr);
		return CLAN_EXIT_USAGE;
	}
	const char *sub = ops.v[0];
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0) {
		if (ops.n > 1)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "profiles: unexpected argument '%s' (clan profile "
					       "show %s prints one)",
					       ops.v[1], ops.v[1]);
		return with_dirs(list, NULL, err);
	}
	if (strcmp(sub, "show") == 0 || strcmp(sub, "inspect") == 0) {
		if (ops.n != 2)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "profile show: give one profile name (clan profiles "
					       "lists them)");
		return with_dirs(show, ops.v[1], err);
	}
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "profile: unknown subcommand '%s' (ls, show NAME; see clan "
			       "profile --help)",
			       sub);
}
