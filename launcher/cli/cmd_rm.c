/* clan rm [-f] CONTAINER...: remove stopped containers and their files.
 * In a project dir, without operands or with service names, compose's rm
 * [-f] [-s] [SERVICE...]: a service's container goes when it stops (the
 * supervisor runs them as --rm), so there is nothing to remove; -s stops
 * the services first. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "cli/svc_args.h"
#include "container/store.h"
#include "supervisor/stack_cli.h"
#include "supervisor/sup_ctl.h"

static int remove_one(const char *storage, const char *key, bool force, struct clan_err *err)
{
	struct container_rec r;
	if (store_find(storage, key, &r, err) < 0)
		return -1;
	int rc = 0;
	if (store_is_running(&r) && !force) {
		rc = clan_error_code(err, CLAN_EXIT_FAIL,
				     "container %s is running; stop it first or use clan rm -f",
				     key);
	} else {
		/* its clan must be gone (and with it the container) before the
		 * files go: bounded wait, 2 s */
		if (store_is_running(&r) && kill(r.pid, SIGKILL) == 0)
			for (int i = 0; i < 200 && store_is_running(&r); i++)
				usleep(10000);
		rc = store_remove(storage, &r, err);
	}
	container_rec_free(&r);
	return rc;
}

enum { OPT_FORCE = 1, OPT_STOP, OPT_VOLUMES };

static const struct opt_def rm_opts[] = {
    {"force", 'f', NULL, "a running one too: it is killed first", OPT_FORCE},
    {"stop", 's', NULL, "in a project dir: stop the services first", OPT_STOP},
    {"volumes", 'v', NULL,
     "accepted for compose: a service has no anonymous\n"
     "volumes (clan down -v removes named ones)",
     OPT_VOLUMES},
    {0},
};

const struct opt_cmd rm_cmd = {
    .name = "rm",
    .operands = "CONTAINER... | [SERVICE...]",
    .about = "Removes containers of clan run (by name or id) and their files. In a\n"
	     "project dir, without operands or with service names, as compose's rm: a\n"
	     "service's container is removed when it stops, so there is nothing left to\n"
	     "remove; -s stops the services first.\n",
    .opts = rm_opts,
};

/* compose's rm in a project dir: 0 done, 1 not a project's rm (the
 * operands are not all services here), -1 error. */
static int rm_services(struct clan_ctx *ctx, const struct strv *ops, bool stop,
		       struct clan_err *err)
{
	struct stack_ctx c;
	int here = stack_ctx_open_here(&c, &ctx->project, err);
	if (here <= 0)
		return here < 0 ? -1 : 1;
	int rc = svc_args_all_services(&c.st, ops) ? 0 : 1;
	for (size_t i = 0; i < ops->n; i++)
		if (!svc_args_is_name(ops->v[i]))
			rc = clan_error_code(err, CLAN_EXIT_USAGE,
					     "rm: '%s' is neither a service nor a container name",
					     ops->v[i]);
	pid_t pid;
	if (rc == 0 && stop && stack_supervisor_alive(&c.ss, &pid)) {
		json_t *names = json_array(), *answer = NULL;
		for (size_t i = 0; i < ops->n; i++)
			json_array_append_new(names, json_string(ops->v[i]));
		json_t *req = json_pack("{s:s,s:o}", "op", "stop", "services", names);
		rc = sup_request(&c.ss, req, &answer, err);
		json_decref(req);
		json_decref(answer);
	}
	if (rc == 0)
		fprintf(stderr, "No stopped containers (clan removes a service's container when "
				"it stops)\n");
	stack_ctx_free(&c);
	return rc;
}

int cmd_rm(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	unsigned flags = 0;

	int r = opts_parse(&rm_cmd, argc, argv, opts_flag_bits, &flags, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	r = rm_services(ctx, &ops, flags & OPT_BIT(OPT_STOP), err);
	if (r <= 0)
		return r;
	if (flags & OPT_BIT(OPT_STOP))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "rm: -s stops services of the project here; '%s' is none",
				       ops.n ? ops.v[0] : "");
	if (ops.n == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "rm: name a container (see clan ps -a)");
	bool force = flags & OPT_BIT(OPT_FORCE);
	_cleanup_free_ char *storage = paths_storage_dir();
	int rc = 0;
	for (size_t i = 0; i < ops.n; i++) {
		struct clan_err one;
		if (remove_one(storage, ops.v[i], force, &one) < 0) {
			fprintf(stderr, "clan: rm: %s\n", one.msg);
			rc = one.code;
			continue;
		}
		puts(ops.v[i]);
	}
	return rc;
}
