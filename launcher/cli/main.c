/* clan: the CLI entry. Parses global flags, dispatches to a command and is
 * the one place that prints errors. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/debug.h"
#include "ns/caps.h"
#include "cli/cmd_tables.h"
#include "cli/commands.h"
#include "base/error.h"
#include "base/settings.h"
#include "base/termsafe.h"
#include "base/util.h"

#define CLAN_VERSION "0.1.0"

static const struct command commands[] = {
    {"dev", cmd_dev, "start the stack here in the foreground, with its logs; Ctrl-C stops it"},
    {"up", cmd_up, "start the stack here, as compose's up (-d: in the background)"},
    {"down", cmd_down, "stop the stack here and remove its containers (-v: and volumes)"},
    {"logs", cmd_logs, "the stack's logs (-f to follow)"},
    {"exec", cmd_exec, "run a command in a running service or container"},
    {"restart", cmd_restart, "restart services of the stack"},
    {"stop", cmd_stop, "stop services of the stack"},
    {"start", cmd_start, "start stopped services of the stack"},
    {"kill", cmd_kill, "send a signal to services of the stack (default SIGKILL)"},
    {"top", cmd_top, "the processes of the stack's services"},
    {"port", cmd_port, "the host address a service's port is published on"},
    {"config", cmd_config, "print the stack as resolved from .clanrc, .env and profiles"},
    {"export", cmd_export, "write the stack as Kubernetes objects or a compose file"},
    {"init", cmd_init, "write a .clanrc for the project in the current dir"},
    {"profiles", cmd_profiles, "list the profiles a service can name (profile = NAME)"},
    {"profile", cmd_profile, "ls: the same list; show NAME: print a profile's YAML"},
    {"volume", cmd_volume, "ls, inspect, rm: named volumes"},
    {"run", cmd_run, "run a command in a new container"},
    {"ps", cmd_ps, "list containers"},
    {"rm", cmd_rm, "remove stopped containers"},
    {"build", cmd_build, "build an image from a Dockerfile"},
    {"builder", cmd_builder, "prune: remove the build cache"},
    {"pull", cmd_pull, "pull images from a registry"},
    {"login", cmd_login, "log in to a registry"},
    {"images", cmd_images, "list images"},
    {"rmi", cmd_rmi, "remove images"},
    {"image", cmd_image, "save, load: image archives (OCI, docker save); ls, rm"},
    {"network", cmd_network, "ls: the networks of running containers and their ports"},
    {"system", cmd_system, "df: space used; prune: remove what nothing uses"},
    {"doctor", cmd_doctor, "check this machine and say how to fix what is missing"},
    {"completion", cmd_completion, "print the shell completion script for bash, zsh or fish"},
};

static void usage(FILE *out)
{
	fputs("usage: clan [--debug] COMMAND [ARGS...]\n"
	      "\n"
	      "A stack is the .clanrc of the current dir (clan init writes one), or its\n"
	      "compose file (compose.yaml, docker-compose.yml...): services in rootless\n"
	      "containers, started in dependency order, as docker compose's. clan compose\n"
	      "COMMAND, or clan run as docker-compose, is the same.\n"
	      "\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("  version   print the version\n"
	      "\n"
	      "dev or up? Both start the stack. dev is for working on the code: always in\n"
	      "the foreground, the services' logs and URLs in the terminal, Ctrl-C stops\n"
	      "it all. up is compose's: in the foreground the same, with -d in the\n"
	      "background (then clan logs -f, clan ps, clan down); up -d again starts\n"
	      "what is not running.\n"
	      "\n"
	      "flags:\n"
	      "  -f, --file FILE          the project's file (repeat to merge compose files)\n"
	      "  -p, --project-name NAME  the project's name\n"
	      "  --project-directory DIR  the project's dir (default: the first file's)\n"
	      "  --env-file FILE          instead of the project's .env (repeatable)\n"
	      "  --profile NAME           enable the services of a compose profile\n"
	      "  --debug     say what the runtime does\n"
	      "  -h, --help  this text\n"
	      "  --version   print the version\n"
	      "\n"
	      "Run 'clan COMMAND --help' for a command's flags.\n",
	      out);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* compose's project flags, before the command: -f FILE, -p NAME,
 * --project-directory DIR, --env-file FILE, --profile NAME (also as
 * --flag=VALUE). Returns how many words it took (1 or 2), 0 when arg is
 * none of them, -1 when its value is missing. */
static int project_flag(struct project_args *p, int argc, char **argv, int i)
{
	const char *a = argv[i], *v = NULL;
	int id = 0, used = 2;
	for (const struct opt_def *d = clan_global_opts; d->id && !id; d++) {
		size_t n = strlen(d->long_name);
		if (!d->arg)
			continue;
		if ((d->short_name && a[1] == d->short_name && !a[2]) ||
		    (strncmp(a, "--", 2) == 0 && strcmp(a + 2, d->long_name) == 0)) {
			id = d->id;
			v = i + 1 < argc ? argv[i + 1] : NULL;
		} else if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, d->long_name, n) == 0 &&
			   a[n + 2] == '=') {
			id = d->id;
			v = a + n + 3;
			used = 1;
		}
	}
	if (!id)
		return 0;
	if (!v || !*v) {
		fprintf(stderr, "clan: %s needs a value (see clan --help)\n", a);
		return -1;
	}
	if (id == 'f')
		strv_push(&p->files, v);
	else if (id == 'e')
		strv_push(&p->env_files, v);
	else if (id == 'P')
		strv_push(&p->profiles, v);
	else if (id == 'p')
		free(p->name), p->name = xstrdup(v);
	else
		free(p->dir), p->dir = xstrdup(v);
	return used;
}

/* The flags before the command; i is left at the command. -1: exit with
 * *code. */
static int global_flags(struct clan_ctx *ctx, int argc, char **argv, int *i, int *code)
{
	for (; *i < argc && argv[*i][0] == '-'; (*i)++) {
		const char *a = argv[*i];
		int used = project_flag(&ctx->project, argc, argv, *i);
		if (used < 0) {
			*code = CLAN_EXIT_USAGE;
			return -1;
		}
		if (used > 0) {
			*i += used - 1;
		} else if (strcmp(a, "--debug") == 0) {
			clan_debug_enable();
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			*code = 0;
			return -1;
		} else if (strcmp(a, "--version") == 0) {
			puts("clan " CLAN_VERSION);
			*code = 0;
			return -1;
		} else {
			fprintf(stderr, "clan: unknown flag '%s' (see clan --help)\n", a);
			*code = CLAN_EXIT_USAGE;
			return -1;
		}
	}
	return 0;
}

/* compose's commands clan does not have: under compose's name one line
 * says what to do instead (a README's `docker-compose run web ...` must
 * not become clan's run of an image called web). */
static const struct {
	const char *verb, *instead;
} compose_missing[] = {
    {"run", "start the stack (clan up -d) and run the command in the service: "
	    "clan exec SERVICE CMD..."},
    {"create", "clan up -d creates and starts the services"},
    {"pause", "clan stop SERVICE stops it, clan start SERVICE starts it again"},
    {"unpause", "clan stop SERVICE stops it, clan start SERVICE starts it again"},
    {"cp", "the source is bind-mounted, and clan exec SERVICE cat FILE reads a file"},
    {"scale", "a service has one container"},
    {"watch", "the source is bind-mounted: edits are seen at once"},
    {"attach", "clan logs -f SERVICE follows its output"},
    {"events", "clan logs -f follows the services' output"},
    {"wait", "clan ps -a shows a service's exit code"},
    {"ls", "clan ps lists the stack here"},
};

static int compose_refuse(const char *verb)
{
	for (size_t i = 0; i < ARRAY_SIZE(compose_missing); i++)
		if (strcmp(compose_missing[i].verb, verb) == 0) {
			fprintf(stderr, "clan: compose %s is not in clan yet; %s\n", verb,
				compose_missing[i].instead);
			return CLAN_EXIT_USAGE;
		}
	return 0;
}

static bool called_docker_compose(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	return strcmp(base ? base + 1 : argv0, "docker-compose") == 0;
}

/* The site's and the user's clan.conf, checked before any command but
 * doctor (which reports them). A bad file never keeps a user from
 * stopping or removing what runs: for those commands it is a warning. */
static int check_settings(const struct command *cmd, struct clan_err *err)
{
	static const command_fn cleanup[] = {cmd_down, cmd_stop, cmd_kill,
					     cmd_rm,   cmd_ps,	 cmd_logs};
	if (cmd->fn == cmd_doctor)
		return 0;
	struct strv warnings = {0};
	int rc = settings_check(&warnings, err);
	for (size_t i = 0; i < warnings.n; i++)
		fprintf(stderr, "clan: warning: %s\n", warnings.v[i]);
	strv_free(&warnings);
	for (size_t i = 0; rc < 0 && i < ARRAY_SIZE(cleanup); i++)
		if (cmd->fn == cleanup[i]) {
			fprintf(stderr, "clan: warning: %s (ignored by %s)\n", err->msg, cmd->name);
			rc = 0;
		}
	return rc;
}

static int run(struct clan_ctx *ctx, int argc, char **argv)
{
	struct clan_err err = {.code = CLAN_EXIT_FAIL};
	int i = 1, code = 0;
	if (global_flags(ctx, argc, argv, &i, &code) < 0)
		return code;
	/* clan compose VERB and a docker-compose link to clan: the same
	 * commands under compose's name, the project flags after it too */
	bool compose = called_docker_compose(argv[0]);
	if (!compose && i < argc && strcmp(argv[i], "compose") == 0) {
		compose = true;
		i++;
	}
	if (compose && global_flags(ctx, argc, argv, &i, &code) < 0)
		return code;
	if (i >= argc) {
		usage(stderr);
		return CLAN_EXIT_USAGE;
	}
	if (strcmp(argv[i], "version") == 0) {
		puts("clan " CLAN_VERSION);
		return 0;
	}
	if (compose && compose_refuse(argv[i]))
		return CLAN_EXIT_USAGE;
	const struct command *cmd = find_command(argv[i]);
	if (!cmd) {
		fprintf(stderr, "clan: unknown command '%s' (see clan --help)\n", argv[i]);
		return CLAN_EXIT_USAGE;
	}
	if (caps_refuse_privileged_binary(&err) < 0) {
		fprintf(stderr, "clan: %s\n", err.msg);
		return err.code;
	}
	int rc = check_settings(cmd, &err);
	if (rc == 0)
		rc = cmd->fn(ctx, argc - i, argv + i, &err);
	if (rc < 0) {
		/* one "clan: " a line: a config's errors come one a line. A
		 * message may quote a service's log or a server's reply: what a
		 * terminal would act on is shown, not obeyed */
		_cleanup_free_ char *msg = term_safe(err.msg, strlen(err.msg), true);
		for (const char *l = msg;;) {
			size_t n = strcspn(l, "\n");
			fprintf(stderr, "clan: %.*s\n", (int)n, l);
			if (!l[n] || !l[n + 1])
				break;
			l += n + 1;
		}
		return err.code;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct clan_ctx ctx = {
	    .argv0 = argv[0], .commands = commands, .n_commands = ARRAY_SIZE(commands)};
	int rc = run(&ctx, argc, argv);
	project_args_free(&ctx.project);
	return rc;
}
