/* `clan run` flags into a container_spec. Pure: no filesystem access, so
 * every malformed flag is caught by unit tests. */
#ifndef CLAN_RUN_ARGS_H
#define CLAN_RUN_ARGS_H

#include <stdbool.h>

#include "base/error.h"
#include "config/spec_values.h"

struct run_args {
	struct container_spec spec;
	struct strv env_files; /* --env-file, in order */
	bool help;	       /* -h/--help: the usage is printed, nothing else to do */
};

/* argv[0] == "run". On error nothing needs freeing beyond run_args_free. */
int run_args_parse(int argc, char **argv, struct run_args *out, struct clan_err *err);
void run_args_free(struct run_args *a);

#endif
