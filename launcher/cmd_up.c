/* clan up [-d] [--no-color] [--no-log-prefix] [--timeout S] and clan dev:
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

#include "commands.h"
#include "image.h"
#include "logview.h"
#include "opts.h"
#include "stack_cli.h"
#include "sup_ctl.h"
#include "supervisor.h"
#include "termsafe.h"
#include "userns.h"

struct up_opts {
	bool detach, color, prefix, help;
	int timeout_s;
};

static int parse(int argc, char **argv, struct up_opts *u, struct clan_err *err)
{
	enum { OPT_D = 1, OPT_NOCOLOR, OPT_NOPREFIX, OPT_TIMEOUT, OPT_BUILD, OPT_HELP };
	static const struct opt_def defs[] = {{"detach", 'd', false, OPT_D},
					      {"no-color", 0, false, OPT_NOCOLOR},
					      {"no-log-prefix", 0, false, OPT_NOPREFIX},
					      {"timeout", 0, true, OPT_TIMEOUT},
					      {"build", 0, false, OPT_BUILD},
					      {"help", 'h', false, OPT_HELP},
					      {0}};
	struct opt_parser p;
	const char *v;
	int id;
	*u = (struct up_opts){.color = isatty(STDOUT_FILENO), .prefix = true, .timeout_s = 300};
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
			if (!parse_u32(v, &t) || t == 0 || t > 86400)
				return clan_error_code(err, CLAN_EXIT_USAGE,
						       "%s: bad --timeout '%s': seconds, 1 to 86400",
						       argv[0], v);
			u->timeout_s = (int)t;
			break;
		case OPT_BUILD:
			break; /* images are built when missing; deb: images are cached by content */
		case OPT_HELP:
			u->help = true;
			break;
		}
	}
	if (id < 0)
		return -1;
	if (p.i < argc)
		return clan_error_code(err, CLAN_EXIT_USAGE,
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
			bool any = strcmp(m->host_ip, "0.0.0.0") == 0 || strcmp(m->host_ip, "::") == 0;
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

/* Foreground: logs until the supervisor exits or Ctrl-C, which brings the
 * stack down (SIGTERM in reverse order, grace period, SIGKILL). */
static int follow(struct stack_ctx *c, const struct up_opts *u, int64_t since,
		  struct clan_err *err)
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
	fprintf(stderr, "clan: stopping %s (Ctrl-C again does not hurry it: services get "
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
		printf("usage: clan %s%s [--no-color] [--no-log-prefix] [--timeout SECONDS]\n",
		       argv[0], dev ? "" : " [-d]");
		return 0;
	}
	if (dev)
		u.detach = false;
	struct stack_ctx c;
	if (stack_ctx_open(&c, NULL, err) < 0)
		return -1;
	int lock = stack_lock(&c.ss, err);
	int rc = lock < 0 ? -1 : 0;
	pid_t pid = 0;
	int64_t since = (int64_t)time(NULL);
	bool running = rc == 0 && stack_supervisor_alive(&c.ss, &pid);
	if (rc == 0 && running) {
		/* as compose's up: what exited (postgres killed) or was stopped
		 * starts again; clan exec tells the user to run up -d for that.
		 * start takes the lock itself. */
		fprintf(stderr, "clan: the stack %s is already running; starting what is not\n",
			c.st.name);
		close(lock);
		lock = -1;
		char *start_argv[] = {"start", NULL};
		rc = cmd_start(ctx, 1, start_argv, err) < 0 ? -1 : 0;
	} else if (rc == 0) {
		enum userns_mode mode = effective_mode(err);
		struct strv warnings = {0};
		struct sup_opts so = {.st = &c.st,
				      .ss = &c.ss,
				      .userns = mode,
				      .debug = ctx->debug,
				      .startup_timeout_s = u.timeout_s,
				      .settle = u.detach,
				      .warnings = &warnings};
		if (mode == USERNS_AUTO || prepare_images(&c.st, mode, err) < 0 ||
		    supervisor_spawn(&so, &pid, err) < 0)
			rc = -1;
		print_warnings(&warnings);
	}
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
