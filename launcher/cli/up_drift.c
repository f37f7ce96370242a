#define _GNU_SOURCE
#include "cli/up_drift.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/sup_ctl.h"
#include "config/svc_config.h"
#include "base/util.h"

static json_t *running_entry(json_t *running, const char *name)
{
	for (size_t i = 0; i < json_array_size(running); i++) {
		json_t *e = json_array_get(running, i);
		const char *n = json_string_value(json_object_get(e, "service"));
		if (n && strcmp(n, name) == 0)
			return e;
	}
	return NULL;
}

static void go_whole(struct drift_plan *p, char *why)
{
	if (p->whole) {
		free(why);
		return;
	}
	p->whole = true;
	p->why = why;
}

/* Unchanged: a service that is not running starts again, as compose's up
 * starts every container that exited: a one-shot job (a migration) runs
 * again at each up, as there. */
static void plan_start(struct drift_plan *p, const char *name, json_t *e)
{
	const char *state = json_string_value(json_object_get(e, "state"));
	json_int_t code = json_integer_value(json_object_get(e, "exit_code"));
	if (!state)
		return;
	if (strcmp(state, "stopped") == 0) {
		json_array_append_new(p->start, json_string(name));
		strv_push_owned(&p->lines, xasprintf("Starting %s (it was stopped)", name));
	} else if (strcmp(state, "exited") == 0) {
		json_array_append_new(p->start, json_string(name));
		strv_push_owned(&p->lines, xasprintf("Starting %s (it exited with code %lld)", name,
						     (long long)code));
	}
}

void drift_plan_make(const struct stack *st, json_t *running, struct drift_plan *p)
{
	drift_plan_make_for(st, running, NULL, p);
}

void drift_plan_make_for(const struct stack *st, json_t *running, const struct drift_opts *o,
			 struct drift_plan *p)
{
	*p = (struct drift_plan){.recreate = json_array(), .start = json_array()};
	for (size_t i = 0; i < json_array_size(running); i++) {
		const char *n =
		    json_string_value(json_object_get(json_array_get(running, i), "service"));
		if (n && !stack_find(st, n))
			go_whole(p, xasprintf("service %s was removed", n));
	}
	for (size_t i = 0; i < st->nsvcs; i++) {
		const struct service *svc = &st->svcs[i];
		json_t *e = running_entry(running, svc->name);
		if (!e) {
			go_whole(p, xasprintf("service %s was added", svc->name));
			continue;
		}
		if (o && o->only && !o->only[i])
			continue; /* up SERVICE...: the others are left as they run */
		json_t *now = json_object_get(e, "config");
		json_t *want = svc_config_json(svc);
		char *diff = now ? svc_config_diff(now, want) : NULL;
		if (!diff && o && o->force && (!o->named || o->named[i])) {
			json_array_append_new(p->recreate, want);
			strv_push_owned(&p->lines,
					xasprintf("Recreating %s (--force-recreate)", svc->name));
		} else if (!diff) {
			plan_start(p, svc->name, e);
			json_decref(want);
		} else if (svc_config_needs_pod(now, want)) {
			go_whole(p, xasprintf("%s of service %s changed (%s)",
					      "the published ports or names", svc->name, diff));
			json_decref(want);
		} else {
			json_array_append_new(p->recreate, want);
			strv_push_owned(&p->lines,
					xasprintf("Recreating %s (%s changed)", svc->name, diff));
		}
		free(diff);
	}
}

void drift_plan_free(struct drift_plan *p)
{
	free(p->why);
	json_decref(p->recreate);
	json_decref(p->start);
	strv_free(&p->lines);
	*p = (struct drift_plan){0};
}

static int ask(const struct stack_ctx *c, json_t *req, json_t **answer, struct clan_err *err)
{
	int rc = sup_request(&c->ss, req, answer, err);
	json_decref(req);
	return rc;
}

int up_drift_plan(const struct stack_ctx *c, const struct drift_opts *o, struct drift_plan *p,
		  struct clan_err *err)
{
	json_t *answer = NULL;
	*p = (struct drift_plan){0};
	if (ask(c, json_pack("{s:s}", "op", "config"), &answer, err) < 0)
		return clan_error_wrap(
		    err,
		    "up: cannot compare the running stack %s with %s (clan down, "
		    "then clan up -d, starts it anew)",
		    c->st.name, c->st.config_file);
	drift_plan_make_for(&c->st, json_object_get(answer, "services"), o, p);
	json_decref(answer);
	return 0;
}

/* The services up asked for: each running now, else an error naming it. */
static int check_started(json_t *answer, json_t *asked, struct clan_err *err)
{
	json_t *svcs = json_object_get(answer, "services");
	for (size_t i = 0; i < json_array_size(svcs); i++) {
		json_t *s = json_array_get(svcs, i);
		const char *name = json_string_value(json_object_get(s, "service"));
		const char *state = json_string_value(json_object_get(s, "state"));
		bool was_asked = false;
		for (size_t k = 0; k < json_array_size(asked) && !was_asked && name; k++)
			was_asked = strcmp(json_string_value(json_array_get(asked, k)), name) == 0;
		const char *why = json_string_value(json_object_get(s, "error"));
		const char *health = json_string_value(json_object_get(s, "health"));
		bool unhealthy = health && strcmp(health, "unhealthy") == 0;
		/* a one-shot job that ran and ended well is done, as at a first up */
		bool done = state && strcmp(state, "exited") == 0 && !why &&
			    json_integer_value(json_object_get(s, "exit_code")) == 0;
		if (!was_asked || !state || (strcmp(state, "running") == 0 && !unhealthy) || done)
			continue;
		const char *out = json_string_value(json_object_get(s, "health_output"));
		return clan_error_code(
		    err, CLAN_EXIT_FAIL, "up: service %s is %s%s%s%s (clan logs %s)%s%s", name,
		    unhealthy ? "unhealthy" : state, why ? ": " : "", why ? why : "",
		    unhealthy ? ", its health check kept failing" : "", name,
		    out ? "; its health check said:\n" : "", out ? out : "");
	}
	return 0;
}

/* Ctrl-C while up waits: what it started stops again, as at a first
 * start (the changed configs stay pending: the next up -d recreates). */
static int interrupted(const struct stack_ctx *c, json_t *asked, struct clan_err *err)
{
	fprintf(stderr, "clan: interrupted; stopping what this up started\n");
	json_t *answer = NULL;
	struct clan_err ignored;
	ask(c, json_pack("{s:s,s:O}", "op", "stop", "services", asked), &answer, &ignored);
	json_decref(answer);
	return clan_error_code(
	    err, CLAN_EXIT_INTERRUPTED,
	    "up: interrupted; what it started is stopped (clan up -d starts it)");
}

int up_drift_apply(const struct stack_ctx *c, const struct drift_plan *p, bool no_deps,
		   struct clan_err *err)
{
	static const int stop[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < p->lines.n; i++)
		fprintf(stderr, "%s\n", p->lines.v[i]);
	if (json_array_size(p->recreate) == 0 && json_array_size(p->start) == 0) {
		fprintf(stderr, "clan: the stack %s is running and matches %s; nothing to do\n",
			c->st.name, c->st.config_file);
		return 0;
	}
	sigset_t old;
	int sfd = signals_to_fd(stop, ARRAY_SIZE(stop), &old, err);
	if (sfd < 0)
		return -1;
	json_t *asked = json_copy(p->start), *answer = NULL;
	for (size_t i = 0; i < json_array_size(p->recreate); i++)
		json_array_append(asked, json_object_get(json_array_get(p->recreate, i), "name"));
	json_t *req = json_pack("{s:s,s:O,s:O,s:b}", "op", "up", "services", p->start, "recreate",
				p->recreate, "no_deps", no_deps);
	int rc = sup_request_until(&c->ss, req, sfd, &answer, err);
	json_decref(req);
	if (rc == 1)
		rc = interrupted(c, asked, err);
	else if (rc == 0)
		rc = check_started(answer, asked, err);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	json_decref(answer);
	json_decref(asked);
	return rc;
}

int up_drift_stop(const struct stack_ctx *c, pid_t pid, int timeout_s, struct clan_err *err)
{
	json_t *answer = NULL;
	json_t *req = json_pack("{s:s}", "op", "down");
	if (timeout_s >= 0)
		json_object_set_new(req, "timeout", json_integer(timeout_s));
	int rc = ask(c, req, &answer, err);
	json_decref(answer);
	if (rc == 0 && stack_wait_exit(pid) < 0)
		rc = clan_error(err, 0, "the supervisor (pid %d) did not exit", (int)pid);
	return rc;
}

void up_drift_warn(const struct stack_ctx *c, json_t *names, const char *cmd)
{
	json_t *answer = NULL;
	struct clan_err ignored;
	if (ask(c, json_pack("{s:s}", "op", "config"), &answer, &ignored) < 0)
		return; /* the command itself says what is wrong */
	json_t *running = json_object_get(answer, "services");
	for (size_t i = 0; i < c->st.nsvcs; i++) {
		const struct service *svc = &c->st.svcs[i];
		bool asked = json_array_size(names) == 0;
		for (size_t k = 0; k < json_array_size(names) && !asked; k++)
			asked = strcmp(json_string_value(json_array_get(names, k)), svc->name) == 0;
		json_t *now = json_object_get(running_entry(running, svc->name), "config");
		if (!asked || !now)
			continue;
		json_t *want = svc_config_json(svc);
		char *diff = svc_config_diff(now, want);
		if (diff)
			fprintf(
			    stderr,
			    "clan: %s: %s's config in %s changed since up (%s); it runs with the "
			    "old one; run clan up -d to apply\n",
			    cmd, svc->name, c->st.config_file, diff);
		free(diff);
		json_decref(want);
	}
	json_decref(answer);
}
