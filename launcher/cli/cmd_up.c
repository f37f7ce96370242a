/* clan up [-d] [--no-color] [--no-log-prefix] [-t S] [--wait-timeout S] and clan dev:
 * start the stack of the current directory. Foreground (dev, up without
 * -d): the merged logs until Ctrl-C, which stops the stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "container/image.h"
#include "cli/logview.h"
#include "cli/opts.h"
#include "supervisor/stack_cli.h"
#include "supervisor/sup_ctl.h"
#include "supervisor/supervisor.h"
#include "base/termsafe.h"
#include "cli/up_drift.h"
#include "ns/userns.h"

struct up_opts {
	bool detach, color, prefix, help;
	int timeout_s;	    /* --wait-timeout: the start's */
	int stop_timeout_s; /* -t: compose's stop timeout; -1: each service's own */
};

static const char up_help[] =
    "\n"
    "Starts the stack of the .clanrc here: images first (pulled or built), then\n"
    "each service once what it depends on is healthy.\n"
    "%s"
    "\n"
    "%s"
    "      --no-color          logs without colours\n"
    "      --no-log-prefix     logs without the service name in front\n"
    "  -t, --timeout SECONDS   seconds the services get to stop (SIGTERM to SIGKILL)\n"
    "                          when this stack is stopped, instead of each one's\n"
    "                          stop_grace_period (compose's up -t); 0: at once\n"
    "      --wait-timeout SECONDS  seconds the start may take before up fails\n"
    "                          (default 300; --timeout meant this before)\n"
    "      --build             accepted for compose: images are built when missing\n"
    "  -h, --help              this text\n";

static const char up_what[] =
    "In the foreground (no -d) it shows the services' logs; Ctrl-C stops the stack.\n"
    "With -d it returns once the stack is up (then clan logs -f, clan ps, clan down).\n";
static const char dev_what[] =
    "dev is up in the foreground, for working on the code: the services' logs and\n"
    "URLs in the terminal, Ctrl-C stops the stack. To keep it running without a\n"
    "terminal use clan up -d.\n";

static int parse(int argc, char **argv, struct up_opts *u, struct clan_err *err)
{
	enum {
		OPT_D = 1,
		OPT_NOCOLOR,
		OPT_NOPREFIX,
		OPT_T,
		OPT_TIMEOUT,
		OPT_WAIT,
		OPT_BUILD,
		OPT_HELP
	};
	static const struct opt_def defs[] = {{"detach", 'd', false, OPT_D},
					      {"no-color", 0, false, OPT_NOCOLOR},
					      {"no-log-prefix", 0, false, OPT_NOPREFIX},
					      {NULL, 't', true, OPT_T},
					      {"timeout", 0, true, OPT_TIMEOUT},
					      {"wait-timeout", 0, true, OPT_WAIT},
					      {"build", 0, false, OPT_BUILD},
					      {"help", 'h', false, OPT_HELP},
					      {0}};
	struct opt_parser p;
	const char *v;
	int id;
	*u = (struct up_opts){
	    .color = isatty(STDOUT_FILENO), .prefix = true, .timeout_s = 300, .stop_timeout_s = -1};
	opts_init(&p, argc, argv);
	while ((id = opts_next(&p, defs, &v, err)) > 0) {
		uint32_t t;
		switch (id) {
		case OPT_D:
			u->detach = true;
			break;
		case OPT_NOCOLOR:
			u->color = false;
			break;
		case OPT_NOPREFIX:
			u->prefix = false;
			break;
		case OPT_TIMEOUT:
			/* scripts written for clan before it followed compose */
			fprintf(stderr,
				"clan: note: %s --timeout is the stop timeout, as compose's; "
				"the start's is --wait-timeout\n",
				argv[0]);
			/* fall through */
		case OPT_T:
			if (!parse_u32(v, &t) || t > 86400)
				return clan_error_code(
				    err, CLAN_EXIT_USAGE,
				    "%s: bad --timeout '%s': the seconds services get "
				    "to stop, 0 to 86400 (the start's is "
				    "--wait-timeout)",
				    argv[0], v);
			u->stop_timeout_s = (int)t;
			break;
		case OPT_WAIT:
			if (!parse_u32(v, &t) || t == 0 || t > 86400)
				return clan_error_code(err, CLAN_EXIT_USAGE,
						       "%s: bad --wait-timeout '%s': seconds, 1 to "
						       "86400",
						       argv[0], v);
			u->timeout_s = (int)t;
			break;
		case OPT_BUILD:
			break; /* images are built when missing; deb: images are cached by content
				*/
		case OPT_HELP:
			u->help = true;
			break;
		}
	}
	if (id < 0)
		return -1;
	if (p.i < argc)
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "%s: starting some services only is not supported yet ('%s'); "
		    "run the whole stack",
		    argv[0], argv[p.i]);
	return 0;
}

/* Pulls or builds what is missing, in the foreground with progress, so the
 * supervisor only finds images already there. */
static int prepare_images(const struct stack *st, enum userns_mode mode, struct clan_err *err)
{
	for (size_t i = 0; i < st->nsvcs; i++) {
		struct image img;
		struct image_resolve_opts ro = {.userns = mode, .progress = isatty(STDERR_FILENO)};
		if (image_resolve(st->svcs[i].image, &ro, &img, err) < 0)
			return clan_error_wrap(err, "service %s", st->svcs[i].name);
		image_free(&img);
	}
	return 0;
}

static void print_urls(const struct stack *st)
{
	for (size_t i = 0; i < st->nsvcs; i++) {
		const struct service *s = &st->svcs[i];
		for (size_t k = 0; k < s->nports; k++) {
			const struct port_map *m = &s->ports[k];
			if (m->proto != PORT_TCP)
				continue;
			bool any =
			    strcmp(m->host_ip, "0.0.0.0") == 0 || strcmp(m->host_ip, "::") == 0;
			bool v6 = strchr(m->host_ip, ':') != NULL;
			printf("%s: http://%s%s%s:%u/\n", s->name, v6 && !any ? "[" : "",
			       any ? "127.0.0.1" : m->host_ip, v6 && !any ? "]" : "",
			       (unsigned)m->host_port);
		}
	}
	fflush(stdout);
}

/* The supervisor's warnings (a service crashed and restarts, a published
 * port nothing listens on): they quote the service's log, shown safely. */
static void print_warnings(struct strv *w)
{
	for (size_t i = 0; i < w->n; i++) {
		_cleanup_free_ char *text = term_safe(w->v[i], strlen(w->v[i]), true);
		fprintf(stderr, "clan: warning: %s\n", text);
	}
	strv_free(w);
}

static enum userns_mode effective_mode(struct clan_err *err)
{
	struct userns_plan plan;
	if (userns_plan_make(USERNS_AUTO, 0, 0, &plan, err) < 0)
		return USERNS_AUTO;
	return plan.mode;
}

/* Starts the supervisor and waits until the stack is ready. Ctrl-C (or
 * SIGTERM, SIGHUP) meanwhile stops what it started and fails with 130. */
static int spawn(struct clan_ctx *ctx, struct stack_ctx *c, const struct up_opts *u,
		 enum userns_mode mode, pid_t *pid, struct clan_err *err)
{
	(void)ctx; /* --debug is in the environment, which the supervisor inherits */
	static const int stop[] = {SIGINT, SIGTERM, SIGHUP};
	if (prepare_images(&c->st, mode, err) < 0)
		return -1;
	sigset_t old;
	int sfd = signals_to_fd(stop, ARRAY_SIZE(stop), &old, err);
	if (sfd < 0)
		return -1;
	struct strv warnings = {0};
	struct sup_opts so = {.st = &c->st,
			      .ss = &c->ss,
			      .userns = mode,
			      .startup_timeout_s = u->timeout_s,
			      .stop_timeout_ms =
				  u->stop_timeout_s >= 0 ? u->stop_timeout_s * 1000 : -1,
			      .stop_fd = sfd,
			      .settle = u->detach,
			      .warnings = &warnings};
	int rc = supervisor_spawn(&so, pid, err);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	print_warnings(&warnings);
	return rc;
}

/* Foreground: logs until the supervisor exits or Ctrl-C, which brings the
 * stack down (SIGTERM in reverse order, grace period, SIGKILL). */
static int follow(struct stack_ctx *c, const struct up_opts *u, int64_t since, struct clan_err *err)
{
	static const int stop[] = {SIGINT, SIGTERM, SIGHUP};
	int sfd = signals_to_fd(stop, ARRAY_SIZE(stop), NULL, err);
	if (sfd < 0)
		return -1;
	struct strv names = {0};
	for (size_t i = 0; i < c->st.nsvcs; i++)
		strv_push(&names, c->st.svcs[i].name);
	struct logview_opts lo = {.ss = &c->ss,
				  .services = &names,
				  .follow = true,
				  .color = u->color,
				  /* a service's escape sequences are shown, not obeyed */
				  .escape = isatty(STDOUT_FILENO),
				  .prefix = u->prefix,
				  .tail = -1,
				  .since = since,
				  .stop_fd = sfd,
				  .until_supervisor_exits = true};
	int stopped = logview_run(&lo);
	strv_free(&names);
	close(sfd);
	if (!stopped)
		return 0;
	fprintf(stderr,
		"clan: stopping %s (Ctrl-C again does not hurry it: services get "
		"their grace period)\n",
		c->st.name);
	pid_t pid;
	if (!stack_supervisor_alive(&c->ss, &pid))
		return 0; /* stopped meanwhile */
	json_t *req = json_pack("{s:s}", "op", "down"), *answer = NULL;
	int rc = sup_request(&c->ss, req, &answer, err);
	json_decref(req);
	json_decref(answer);
	if (rc == 0 && stack_wait_exit(pid) < 0)
		rc = clan_error(err, 0, "the supervisor (pid %d) did not exit", (int)pid);
	return rc < 0 ? -1 : 0;
}

static int up(struct clan_ctx *ctx, int argc, char **argv, bool dev, struct clan_err *err)
{
	struct up_opts u;
	if (parse(argc, argv, &u, err) < 0)
		return -1;
	if (u.help) {
		printf("usage: clan %s%s [--no-color] [--no-log-prefix] [-t SECONDS] "
		       "[--wait-timeout SECONDS]\n",
		       argv[0], dev ? "" : " [-d]");
		printf(up_help, dev ? dev_what : up_what,
		       dev ? "" : "  -d, --detach            start in the background and return\n");
		return 0;
	}
	if (dev && u.detach)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "dev: dev runs in the foreground; for the background use "
				       "clan up -d");
	struct stack_ctx c;
	if (stack_ctx_open(&c, NULL, err) < 0)
		return -1;
	int lock = stack_lock(&c.ss, err);
	int rc = lock < 0 ? -1 : 0;
	pid_t pid = 0;
	int64_t since = (int64_t)time(NULL);
	bool running = rc == 0 && stack_supervisor_alive(&c.ss, &pid);
	struct drift_plan plan = {0};
	enum userns_mode mode = rc == 0 ? effective_mode(err) : USERNS_AUTO;
	if (rc == 0 && mode == USERNS_AUTO)
		rc = -1;
	/* a running stack: compare its configs with the files (a file that
	 * does not load failed above, and nothing was touched). Images come
	 * first: one that cannot be had leaves the stack as it runs. */
	if (rc == 0 && running &&
	    (up_drift_plan(&c, &plan, err) < 0 || prepare_images(&c.st, mode, err) < 0))
		rc = -1;
	if (rc == 0 && running && !plan.whole) {
		rc = up_drift_apply(&c, &plan, err);
	} else if (rc == 0) {
		if (running) {
			fprintf(stderr, "Recreating the stack %s (%s)\n", c.st.name, plan.why);
			rc = up_drift_stop(&c, pid, err);
		}
		if (rc == 0)
			rc = spawn(ctx, &c, &u, mode, &pid, err);
	}
	drift_plan_free(&plan);
	if (rc == 0) {
		print_urls(&c.st);
		if (!u.detach) {
			close(lock);
			lock = -1;
			rc = follow(&c, &u, since, err);
		}
	}
	if (lock >= 0)
		close(lock);
	stack_ctx_free(&c);
	return rc;
}

int cmd_up(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	return up(ctx, argc, argv, false, err);
}

int cmd_dev(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	return up(ctx, argc, argv, true, err);
}
