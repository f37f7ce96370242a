/* clan down [-v] [--remove-orphans] [-t N]: stop the stack of the current
 * directory (reverse dependency order, grace period, SIGKILL) and remove
 * its containers; -v also its named volumes. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "supervisor/stack_cli.h"
#include "supervisor/sup_ctl.h"
#include "cli/up_drift.h"
#include "supervisor/volume.h"

struct leftovers {
	const char *project;
	const char *storage;
	int removed;
};

/* Containers of this project whose supervisor is gone (kill -9). */
static int remove_leftover(const struct container_rec *r, void *arg)
{
	struct leftovers *l = arg;
	struct clan_err ignored;
	if (r->project && strcmp(r->project, l->project) == 0 && !store_is_running(r) &&
	    store_remove(l->storage, r, &ignored) == 0)
		l->removed++;
	return 0;
}

static int remove_volumes(struct stack_ctx *c, struct clan_err *err)
{
	for (size_t i = 0; i < c->st.volumes.n; i++) {
		const struct svc_mount *m = stack_volume_mount(&c->st, c->st.volumes.v[i]);
		if (m && m->external)
			continue; /* not the project's, as compose's down -v */
		_cleanup_free_ char *name = m ? stack_mount_volume(&c->ss, m)
					      : stack_volume_name(&c->ss, c->st.volumes.v[i]);
		struct clan_err e;
		if (volume_remove(c->storage, name, &e) < 0) {
			if (e.code == CLAN_EXIT_USAGE)
				continue;		    /* never created */
			if (e.sys_errno == VOLUME_IN_USE) { /* a name: another project shares */
				printf("kept volume %s: another stack is using it\n", name);
				continue;
			}
			*err = e;
			return -1;
		}
		printf("removed volume %s\n", name);
	}
	return 0;
}

static void remove_logs(const struct stack_ctx *c)
{
	for (size_t i = 0; i < c->st.nsvcs; i++) {
		_cleanup_free_ char *log = xasprintf("%s/%s.log", c->ss.logdir, c->st.svcs[i].name);
		_cleanup_free_ char *old = xasprintf("%s.1", log);
		unlink(log);
		unlink(old);
	}
}

/* Without the lock: the supervisor may not listen yet (it writes its
 * pid file first), so this tries for a few seconds. */
static void ask_down(const struct stack_ctx *c, pid_t pid, int timeout_s)
{
	struct clan_err ignored;
	for (int i = 0; i < 50 && kill(pid, 0) == 0; i++) {
		if (up_drift_stop(c, pid, timeout_s, &ignored) == 0)
			return;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

enum { OPT_V = 1, OPT_ORPHANS, OPT_T };

static const struct opt_def down_opts[] = {
    {"volumes", 'v', NULL, "also remove the stack's named volumes (its data)", OPT_V},
    {"remove-orphans", 0, NULL,
     "accepted for compose: down stops and removes every\n"
     "container of this project, also of services no\n"
     "longer in the file",
     OPT_ORPHANS},
    {"timeout", 't', "SECONDS",
     "seconds each service gets to stop (its stop_signal,\n"
     "then SIGKILL), instead of its stop_grace_period",
     OPT_T},
    {0},
};

struct down_opts {
	unsigned flags;
	int timeout_s; /* -1: each service's own */
};

static int down_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct down_opts *o = arg;
	if (id == OPT_T)
		return opts_timeout(v, "down", &o->timeout_s, err);
	o->flags |= OPT_BIT(id);
	return 0;
}

const struct opt_cmd down_cmd = {
    .name = "down",
    .about = "Stops the stack of the .clanrc here (reverse dependency order, each\n"
	     "service's stop_signal, then SIGKILL after its stop_grace_period) and\n"
	     "removes its containers. Named volumes stay unless -v.\n",
    .opts = down_opts,
};

int cmd_down(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct down_opts o = {.timeout_s = -1};
	int r = opts_parse(&down_cmd, argc, argv, down_opt, &o, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (opts_no_operands(&down_cmd, &ops, err) < 0)
		return -1;
	bool volumes = o.flags & OPT_BIT(OPT_V);
	struct stack_ctx c;
	if (stack_ctx_open(&c, &ctx->project, err) < 0)
		return -1;
	int lock = -1;
	int rc = stack_lock_try(&c.ss, &lock, err);
	pid_t pid;
	bool running = false;
	/* another command holds the project (an up waiting on a health
	 * check, a restart): the stack going down makes it give up, and
	 * down does not wait for its timeout */
	if (rc == 0 && lock < 0 && stack_supervisor_alive(&c.ss, &pid)) {
		fprintf(stderr,
			"clan: down: another clan command is changing %s; stopping the "
			"stack under it\n",
			c.st.name);
		ask_down(&c, pid, o.timeout_s);
		running = true;
	}
	if (rc == 0 && lock < 0 && (lock = stack_lock(&c.ss, err)) < 0)
		rc = -1;
	if (rc == 0 && stack_supervisor_alive(&c.ss, &pid)) {
		running = true;
		rc = up_drift_stop(&c, pid, o.timeout_s, err);
		if (rc < 0)
			clan_error_wrap(err, "down");
	}
	if (rc == 0 && running)
		printf("stopped %s\n", c.st.name);
	if (rc == 0) {
		struct leftovers l = {.project = c.ss.id, .storage = c.storage};
		rc = store_list(c.storage, remove_leftover, &l, err);
		remove_logs(&c);
		if (rc == 0 && !running && l.removed == 0)
			fprintf(stderr, "clan: down: %s is not running: nothing to stop\n",
				c.st.name);
	}
	if (rc == 0 && volumes)
		rc = remove_volumes(&c, err);
	/* as compose: nothing of the stack is kept but its volumes. Last, as
	 * it removes the lock: an up waiting on it must not start while the
	 * volumes go */
	if (rc == 0)
		stack_state_remove(&c.ss);
	if (lock >= 0)
		close(lock);
	stack_ctx_free(&c);
	return rc;
}
