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

int cmd_rm(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	enum { OPT_FORCE = 1, OPT_HELP };
	static const struct opt_def defs[] = {
	    {"force", 'f', false, OPT_FORCE}, {"help", 'h', false, OPT_HELP}, {0}};
	struct opt_parser p;
	bool force = false;
	const char *v;
	int id;
	(void)ctx;

	opts_init(&p, argc, argv);
	while ((id = opts_next(&p, defs, &v, err)) > 0) {
		if (id == OPT_HELP) {
			puts("usage: clan rm [-f] CONTAINER...\n"
			     "\n"
			     "Removes containers of clan run (by name or id) and their files.\n"
			     "  -f, --force   a running one too: it is killed first\n"
			     "  -h, --help    this text");
			return 0;
		}
		force = true;
	}
	if (id < 0)
		return -1;
	if (p.i >= argc)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "rm: name a container (see clan ps -a)");
	_cleanup_free_ char *storage = paths_storage_dir();
	int rc = 0;
	for (; p.i < argc; p.i++) {
		struct clan_err one;
		if (remove_one(storage, argv[p.i], force, &one) < 0) {
			fprintf(stderr, "clan: rm: %s\n", one.msg);
			rc = one.code;
			continue;
		}
		puts(argv[p.i]);
	}
	return rc;
}
