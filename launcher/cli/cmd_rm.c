/* clan rm [-f] CONTAINER...: remove stopped containers and their files. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "container/store.h"

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

enum { OPT_FORCE = 1 };

static const struct opt_def rm_opts[] = {
    {"force", 'f', NULL, "a running one too: it is killed first", OPT_FORCE},
    {0},
};

static const struct opt_cmd rm_cmd = {
    .name = "rm",
    .operands = "CONTAINER...",
    .about = "Removes containers of clan run (by name or id) and their files.\n",
    .opts = rm_opts,
};

int cmd_rm(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	unsigned flags = 0;
	(void)ctx;

	int r = opts_parse(&rm_cmd, argc, argv, opts_flag_bits, &flags, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
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
