/* clan logs [-f] [--tail N] [--since T] [-t] [--no-color] [--no-log-prefix]
 * [SERVICE...]: the stored logs of the stack here, merged by time. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/logview.h"
#include "cli/opts.h"
#include "supervisor/stack_cli.h"

static const char logs_usage[] =
    "usage: clan logs [-f] [--tail N] [--since 10m] [-t] [--no-color] [--no-log-prefix]\n"
    "                 [SERVICE...]\n"
    "\n"
    "The logs of the stack here (of SERVICEs only, if named), merged by time.\n"
    "  -f, --follow         keep printing new lines until Ctrl-C\n"
    "  -n, --tail N         the last N lines of each service (all: every line)\n"
    "      --since T        lines since T: 10m, 2h, 30s ago, or unix seconds\n"
    "  -t, --timestamps     the time of each line in front\n"
    "      --no-color       no colours\n"
    "      --no-log-prefix  without the service name in front\n"
    "  -h, --help           this text\n";

int cmd_logs(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	enum { OPT_F = 1, OPT_TAIL, OPT_SINCE, OPT_T, OPT_NOCOLOR, OPT_NOPREFIX, OPT_HELP };
	static const struct opt_def defs[] = {
	    {"follow", 'f', false, OPT_F},	 {"tail", 'n', true, OPT_TAIL},
	    {"since", 0, true, OPT_SINCE},	 {"timestamps", 't', false, OPT_T},
	    {"no-color", 0, false, OPT_NOCOLOR}, {"no-log-prefix", 0, false, OPT_NOPREFIX},
	    {"help", 'h', false, OPT_HELP},	 {0}};
	struct opt_parser p;
	const char *v;
	int id;
	(void)ctx;
	/* on a terminal, a service's escape sequences are shown, not obeyed
	 * (as journalctl does); piped, its bytes pass as they are */
	bool tty = isatty(STDOUT_FILENO);
	struct logview_opts lo = {
	    .color = tty, .escape = tty, .prefix = true, .tail = -1, .stop_fd = -1};
	opts_init(&p, argc, argv);
	while ((id = opts_next(&p, defs, &v, err)) > 0) {
		uint32_t n;
		switch (id) {
		case OPT_F:
			lo.follow = true;
			break;
		case OPT_TAIL:
			if (strcmp(v, "all") == 0)
				lo.tail = -1;
			else if (parse_u32(v, &n))
				lo.tail = n;
			else
				return clan_error_code(err, CLAN_EXIT_USAGE,
						       "logs: bad --tail '%s': a number or all", v);
			break;
		case OPT_SINCE:
			if (!logview_parse_since(v, (int64_t)time(NULL), &lo.since))
				return clan_error_code(err, CLAN_EXIT_USAGE,
						       "logs: bad --since '%s': e.g. 10m, 2h, 30s "
						       "or unix seconds",
						       v);
			break;
		case OPT_T:
			lo.timestamps = true;
			break;
		case OPT_NOCOLOR:
			lo.color = false;
			break;
		case OPT_NOPREFIX:
			lo.prefix = false;
			break;
		case OPT_HELP:
			fputs(logs_usage, stdout);
			return 0;
		}
	}
	if (id < 0)
		return -1;
	struct stack_ctx c;
	if (stack_ctx_open(&c, NULL, err) < 0)
		return -1;
	struct strv names = {0};
	int rc = 0;
	for (int i = p.i; i < argc && rc == 0; i++) {
		if (!stack_find(&c.st, argv[i]))
			rc = clan_error_code(err, CLAN_EXIT_USAGE, "logs: no service %s in %s",
					     argv[i], c.st.config_file);
		strv_push(&names, argv[i]);
	}
	for (size_t i = 0; p.i >= argc && i < c.st.nsvcs; i++)
		strv_push(&names, c.st.svcs[i].name);
	if (rc == 0) {
		/* without it Ctrl-C simply ends clan logs -f */
		static const int stop[] = {SIGINT, SIGTERM};
		struct clan_err ignored;
		if (lo.follow)
			lo.stop_fd = signals_to_fd(stop, ARRAY_SIZE(stop), NULL, &ignored);
		lo.ss = &c.ss;
		lo.services = &names;
		lo.until_supervisor_exits = true;
		logview_run(&lo);
		if (lo.stop_fd >= 0)
			close(lo.stop_fd);
	}
	strv_free(&names);
	stack_ctx_free(&c);
	return rc;
}
