/* clan up [-d] [--wait] [--no-deps] [--force-recreate] [--remove-orphans]
 * [--build] [--no-build] [--no-color] [--no-log-prefix] [-t S]
 * [--wait-timeout S] [SERVICE...] and clan dev: start the stack of the
 * current directory (or the services named and what they depend on).
 * Foreground (dev, up without -d): the merged logs until Ctrl-C, which
 * stops the stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/jobs.h"
#include "cli/commands.h"
#include "container/image.h"
#include "cli/logview.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "supervisor/stack_cli.h"
#include "supervisor/sup_ctl.h"
#include "supervisor/supervisor.h"
#include "base/termsafe.h"
#include "cli/svc_args.h"
#include "cli/svc_image_build.h"
#include "config/svc_health.h"
#include "cli/up_drift.h"
#include "container/store.h"
#include "ns/userns.h"

struct up_opts {
	bool detach, color, prefix;
	bool no_deps, force, orphans;
	bool build;	      /* --build: images with a build: are built again */
	struct strv services; /* up SERVICE...: empty for all */
	int timeout_s;	      /* --wait-timeout: the start's */
	int stop_timeout_s;   /* -t: compose's stop timeout; -1: each service's own */
	const char *cmd;      /* "up" or "dev", for messages */
};

enum {
	OPT_D = 1,
	OPT_NOCOLOR,
	OPT_NOPREFIX,
	OPT_T,
	OPT_TIMEOUT,
	OPT_WAIT,
	OPT_BUILD,
	OPT_NO_BUILD,
	OPT_WAIT_UP,
	OPT_NODEPS,
	OPT_FORCE,
	OPT_ORPHANS,
};

/* The options both share; up's table adds -d in front. --timeout spelled
 * out gets a note for scripts of before: its hidden entry comes first, so
 * it is the one --timeout finds. */
// clang-format off
#define UP_DEV_OPTS                                                                   \
	{"no-color", 0, NULL, "logs without colours", OPT_NOCOLOR},                   \
	{"no-log-prefix", 0, NULL, "logs without the service name in front",          \
	 OPT_NOPREFIX},                                                               \
	{"timeout", 0, "SECONDS", NULL, OPT_TIMEOUT},                                 \
	{"timeout", 't', "SECONDS",                                                   \
	 "seconds the services get to stop (SIGTERM to SIGKILL)\n"                    \
	 "when this stack is stopped, instead of each one's\n"                        \
	 "stop_grace_period (compose's up -t); 0: at once",                           \
	 OPT_T},                                                                      \
	{"wait-timeout", 0, "SECONDS",                                                \
	 "seconds the start may take before up fails\n"                               \
	 "(default 300; --timeout meant this before)",                                \
	 OPT_WAIT},                                                                   \
	{"build", 0, NULL,                                                            \
	 "build the images of services with build: again (only\n"                     \
	 "the steps whose input changed run); without it they\n"                      \
	 "are built when missing",                                                    \
	 OPT_BUILD},                                                                  \
	{"no-build", 0, NULL,                                                         \
	 "accepted for compose; a missing image is still built",                      \
	 OPT_NO_BUILD}
// clang-format on

static const struct opt_def up_opts[] = {
    {"detach", 'd', NULL, "start in the background and return", OPT_D},
    {"wait", 0, NULL,
     "as -d (which already waits until each service is\n"
     "healthy, or running when it has no health check)",
     OPT_WAIT_UP},
    {"no-deps", 0, NULL, "start only the services named, not what they\ndepend on", OPT_NODEPS},
    {"force-recreate", 0, NULL,
     "recreate the services (those named, else all) even\n"
     "when their config is unchanged",
     OPT_FORCE},
    {"remove-orphans", 0, NULL,
     "remove containers of this project whose service is\n"
     "no longer in the file (a running stack whose file\n"
     "lost a service is recreated whole anyway)",
     OPT_ORPHANS},
    UP_DEV_OPTS,
    {0},
};

/* dev takes -d only to say what to use instead */
static const struct opt_def dev_opts[] = {
    {"detach", 'd', NULL, NULL, OPT_D},
    UP_DEV_OPTS,
    {0},
};

#define UP_ABOUT                                                                       \
	"Starts the stack of the .clanrc here: images first (pulled or built), then\n" \
	"each service once what it depends on is healthy.\n"

const struct opt_cmd up_cmd = {
    .name = "up",
    .operands = "[SERVICE...]",
    .about =
	UP_ABOUT "In the foreground (no -d) it shows the services' logs; Ctrl-C stops the stack.\n"
		 "With -d (or --wait) it returns once the stack is up: each service healthy, or\n"
		 "running when it has no health check (then clan logs -f, clan ps, clan down).\n"
		 "SERVICE...: only those and what they depend on, as compose's; on a running\n"
		 "stack the other services keep running as they are.\n"
		 "\n",
    .opts = up_opts,
};

const struct opt_cmd dev_cmd = {
    .name = "dev",
    .about =
	UP_ABOUT "dev is up in the foreground, for working on the code: the services' logs and\n"
		 "URLs in the terminal, Ctrl-C stops the stack. To keep it running without a\n"
		 "terminal use clan up -d.\n"
		 "\n",
    .opts = dev_opts,
};

static int up_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct up_opts *u = arg;
	uint32_t t;
	switch (id) {
	case OPT_D:
	case OPT_WAIT_UP: /* -d already waits until healthy or running */
		u->detach = true;
		break;
	case OPT_NODEPS:
		u->no_deps = true;
		break;
	case OPT_FORCE:
		u->force = true;
		break;
	case OPT_ORPHANS:
		u->orphans = true;
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
			u->cmd);
		/* fall through */
	case OPT_T:
		if (!parse_u32(v, &t) || t > 86400)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: bad --timeout '%s': the seconds services get "
					       "to stop, 0 to 86400 (the start's is "
					       "--wait-timeout)",
					       u->cmd, v);
		u->stop_timeout_s = (int)t;
		break;
	case OPT_WAIT:
		if (!parse_u32(v, &t) || t == 0 || t > 86400)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: bad --wait-timeout '%s': seconds, 1 to "
					       "86400",
					       u->cmd, v);
		u->timeout_s = (int)t;
		break;
	case OPT_BUILD:
		u->build = true;
		break;
	case OPT_NO_BUILD:
		break; /* a missing image is built anyway: there is no other way to get it */
	}
	return 0;
}

/* Returns 0, OPTS_HELP or -1. */
static int parse(const struct opt_cmd *cmd, int argc, char **argv, struct up_opts *u,
		 struct clan_err *err)
{
	*u = (struct up_opts){.color = isatty(STDOUT_FILENO),
			      .prefix = true,
			      .timeout_s = 300,
			      .stop_timeout_s = -1,
			      .cmd = cmd->name};
	int r = opts_parse(cmd, argc, argv, up_opt, u, &u->services, err);
	if (r != 0)
		return r;
	if (cmd == &dev_cmd && u->services.n > 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "dev: dev runs the whole stack ('%s'); for some services "
				       "use clan up SERVICE...",
				       u->services.v[0]);
	return 0;
}

struct fetch {
	const struct stack *st;
	const size_t *svc; /* the first service of each missing image */
	enum userns_mode mode;
};

static int fetch_one(size_t i, void *arg, struct clan_err *err)
{
	const struct fetch *f = arg;
	struct image img;
	struct image_resolve_opts ro = {.userns = f->mode};
	if (image_resolve(f->st->svcs[f->svc[i]].image, &ro, &img, err) < 0)
		return -1;
	image_free(&img);
	return 0;
}

/* The images the store lacks, pulled or built side by side: the two deb:
 * images of a stack build at once (their shared base once, on its lock). */
static int fetch_missing(const struct stack *st, const bool *only, enum userns_mode mode,
			 struct clan_err *err)
{
	_cleanup_free_ size_t *svc = xcalloc(st->nsvcs + 1, sizeof *svc);
	_cleanup_free_ const char **names = xcalloc(st->nsvcs + 1, sizeof *names);
	size_t n = 0;
	for (size_t i = 0; i < st->nsvcs; i++) {
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(names[k], st->svcs[i].image) == 0;
		if ((only && !only[i]) || seen || image_is_stored(st->svcs[i].image))
			continue;
		svc[n] = i;
		names[n++] = st->svcs[i].image;
	}
	if (n == 0)
		return 0;
	struct fetch f = {.st = st, .svc = svc, .mode = mode};
	struct jobs j = {.n = n, .names = names, .fn = fetch_one, .arg = &f, .tick_ms = 10000};
	size_t failed = 0;
	if (jobs_run(&j, &failed, err) == 0)
		return 0;
	return err->code > 128 ? -1
			       : clan_error_wrap(err, "service %s", st->svcs[svc[failed]].name);
}

/* Pulls or builds what is missing, in the foreground with progress, so the
 * supervisor only finds images already there; a service without a health
 * check of its files takes its image's. */
static int prepare_images(struct stack *st, const bool *only, enum userns_mode mode, bool build,
			  struct clan_err *err)
{
	struct build_opts bo = {.userns = mode};
	for (size_t i = 0; i < st->nsvcs; i++)
		if ((!only || only[i]) && svc_image_build(&st->svcs[i], build, &bo, err) < 0)
			return -1;
	if (fetch_missing(st, only, mode, err) < 0)
		return -1;
	for (size_t i = 0; i < st->nsvcs; i++) {
		if (only && !only[i])
			continue; /* up SERVICE...: the others' images when they start */
		struct image img;
		struct image_resolve_opts ro = {.userns = mode};
		if (image_resolve(st->svcs[i].image, &ro, &img, err) < 0)
			return clan_error_wrap(err, "service %s", st->svcs[i].name);
		svc_health_from_image(&st->svcs[i], &img.health);
		image_free(&img);
	}
	return svc_health_check_deps(st, only, err);
}

/* The host port m is published on: a picked one as the running stack
 * says; 0 when it does not. */
static unsigned host_port_of(const struct stack_ctx *c, const struct service *s,
			     const struct port_map *m)
{
	if (m->host_port)
		return m->host_port;
	struct clan_err err = {0};
	_cleanup_free_ char *addr =
	    stack_bound_port(&c->ss, s->name, m->container_port, m->proto, &err);
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	uint32_t port;
	return colon && parse_u32(colon + 1, &port) ? port : 0;
}

static void print_urls(const struct stack_ctx *c, const bool *only)
{
	for (size_t i = 0; i < c->st.nsvcs; i++) {
		const struct service *s = &c->st.svcs[i];
		if (only && !only[i])
			continue;
		for (size_t k = 0; k < s->nports; k++) {
			const struct port_map *m = &s->ports[k];
			unsigned port = m->proto == PORT_TCP ? host_port_of(c, s, m) : 0;
			if (!port)
				continue;
			bool any =
			    strcmp(m->host_ip, "0.0.0.0") == 0 || strcmp(m->host_ip, "::") == 0;
			bool v6 = strchr(m->host_ip, ':') != NULL;
			printf("%s: http://%s%s%s:%u/\n", s->name, v6 && !any ? "[" : "",
			       any ? "127.0.0.1" : m->host_ip, v6 && !any ? "]" : "", port);
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
static int spawn(struct stack_ctx *c, const struct up_opts *u, const bool *only,
		 enum userns_mode mode, pid_t *pid, struct clan_err *err)
{
	static const int stop[] = {SIGINT, SIGTERM, SIGHUP};
	if (prepare_images(&c->st, only, mode, u->build, err) < 0)
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
			      .warnings = &warnings,
			      .only = only,
			      .no_deps = u->no_deps && only};
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
		if (svc_args_has(&u->services, c->st.svcs[i].name))
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

/* --remove-orphans: containers of this project (on record, not running:
 * a supervisor that was killed) whose service is not in the file. */
struct orphans {
	const struct stack_ctx *c;
	int removed;
};

static int remove_orphan(const struct container_rec *r, void *arg)
{
	struct orphans *o = arg;
	struct clan_err ignored;
	if (!r->project || strcmp(r->project, o->c->ss.id) != 0 || store_is_running(r) ||
	    (r->service && stack_find(&o->c->st, r->service)))
		return 0;
	if (store_remove(o->c->storage, r, &ignored) == 0) {
		fprintf(stderr, "Removed orphan container %s\n", r->name);
		o->removed++;
	}
	return 0;
}

/* Starts what the files say, or brings a running stack to them: the
 * services up named (only; NULL: all) and nothing else. */
static int bring_up(struct stack_ctx *c, const struct up_opts *u, const bool *only,
		    enum userns_mode mode, struct clan_err *err)
{
	pid_t pid = 0;
	bool running = stack_supervisor_alive(&c->ss, &pid);
	struct drift_plan plan = {0};
	_cleanup_free_ bool *named = svc_args_closure(&c->st, &u->services, false);
	struct drift_opts dopts = {.only = only, .named = named, .force = u->force};
	int rc = 0;
	/* a running stack: compare its configs with the files (a file that
	 * does not load failed above, and nothing was touched). Images come
	 * first: one that cannot be had leaves the stack as it runs. */
	if (running && (prepare_images(&c->st, only, mode, u->build, err) < 0 ||
			up_drift_plan(c, &dopts, &plan, err) < 0))
		rc = -1;
	if (rc == 0 && running && !plan.whole) {
		rc = up_drift_apply(c, &plan, u->no_deps && only, err);
	} else if (rc == 0) {
		if (running) {
			fprintf(stderr, "Recreating the stack %s (%s)\n", c->st.name, plan.why);
			rc = up_drift_stop(c, pid, -1, err);
		}
		if (rc == 0)
			rc = spawn(c, u, only, mode, &pid, err);
	}
	drift_plan_free(&plan);
	return rc;
}

static int up(struct clan_ctx *ctx, int argc, char **argv, bool dev, struct clan_err *err)
{
	struct up_opts u;
	int r = parse(dev ? &dev_cmd : &up_cmd, argc, argv, &u, err);
	if (r == 0 && dev && u.detach)
		r = clan_error_code(err, CLAN_EXIT_USAGE,
				    "dev: dev runs in the foreground; for the background use "
				    "clan up -d");
	struct stack_ctx c;
	if (r != 0 || stack_ctx_open(&c, &ctx->project, err) < 0) {
		strv_free(&u.services);
		return r == OPTS_HELP ? 0 : -1;
	}
	int rc = svc_args_check(&c.st, "up", &u.services, err);
	_cleanup_free_ bool *only = svc_args_closure(&c.st, &u.services, !u.no_deps);
	int lock = rc < 0 ? -1 : stack_lock(&c.ss, err);
	if (lock < 0)
		rc = -1;
	int64_t since = (int64_t)time(NULL);
	enum userns_mode mode = rc == 0 ? effective_mode(err) : USERNS_AUTO;
	if (rc == 0 && mode == USERNS_AUTO)
		rc = -1;
	struct orphans o = {.c = &c};
	if (rc == 0 && u.orphans)
		rc = store_list(c.storage, remove_orphan, &o, err);
	if (rc == 0)
		rc = bring_up(&c, &u, only, mode, err);
	if (rc == 0) {
		print_urls(&c, only);
		if (!u.detach) {
			close(lock);
			lock = -1;
			rc = follow(&c, &u, since, err);
		}
	}
	if (lock >= 0)
		close(lock);
	stack_ctx_free(&c);
	strv_free(&u.services);
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
