/* Independent jobs run side by side, each in a child process of its own:
 * at most one per core, a line now and then saying which are still at
 * work, the first failure stopping the rest, and Ctrl-C passed on to every
 * job so that each can clean up before the call returns. */
#ifndef CLAN_JOBS_H
#define CLAN_JOBS_H

#include <stddef.h>

#include "base/error.h"

/* Job i, in its child: 0, or -1 with err. */
typedef int (*job_fn)(size_t i, void *arg, struct clan_err *err);

struct jobs {
	size_t n;
	const char *const *names; /* what progress lines and errors call job i */
	job_fn fn;
	void *arg;
	unsigned max; /* at most this many at once; 0: one per core */
	int tick_ms;  /* a progress line this often; 0: none */
};

/* Runs every job (up to max at a time) and waits for all of them. When
 * one fails, the running ones get SIGTERM and no new one starts; the
 * error is that job's (its exit code and message, "NAME: ..."), *failed
 * its index. SIGINT, SIGTERM or SIGHUP meanwhile goes to every running
 * job; once they are gone the call fails with 128 + the signal. Blocks
 * those signals while it runs; a job starts with the caller's mask. */
int jobs_run(const struct jobs *j, size_t *failed, struct clan_err *err);

#endif
