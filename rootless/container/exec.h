/* `clan exec`: a process in a running container's namespaces, as that
 * container's user (or -u), with its environment and working directory. */
#ifndef CLAN_EXEC_H
#define CLAN_EXEC_H

#include <stdbool.h>

#include "base/error.h"
#include "container/store.h"
#include "base/util.h"

struct exec_spec {
	struct strv argv;
	struct strv env; /* K=V over the container's */
	char *workdir;	 /* NULL: the container's */
	char *user;	 /* NULL: the container's; NAME|UID[:GROUP|GID] */
	bool tty, interactive;
	/* the output goes here instead of clan's stdout/stderr (health
	 * checks); -1: clan's */
	int out_fd;
};

/* Runs e->argv in the running container of rec and waits for it, passing
 * on signals (and the terminal with -t). Returns its exit code (126/127
 * when it cannot be run), or -1 with err. */
int container_exec(const struct container_rec *rec, const struct exec_spec *e,
		   struct clan_err *err);

#endif
