/* Running one container in the foreground: the parent's side. */
#ifndef CLAN_CONTAINER_H
#define CLAN_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "container/spec.h"

/* Runs spec to completion. Returns the command's exit code (128+N when
 * killed by signal N), or -1 with err when the container could not start
 * (err->code: 2 bad input, 125 runtime failure, 126/127 exec failure).
 * Bad input is refused before anything is created. */
int container_run(const struct container_spec *spec, struct clan_err *err);

/* A started container, for callers that wait themselves (the stack
 * supervisor): its pid 1 is the caller's child. */
struct container;
struct container_rec;

/* Prepares, records and clones; returns once the container's network is
 * up and its pid 1 is about to exec (failures after that arrive on the
 * sync fd). On error *out is still to be freed. */
int container_start(const struct container_spec *spec, struct container **out,
		    struct clan_err *err);
pid_t container_pid(const struct container *c);
/* Readable when pid 1 reports a failure or exec'd (EOF): call
 * container_on_sync. -1 after that. */
int container_sync_fd(const struct container *c);
void container_on_sync(struct container *c);
/* pid 1 reported a failure before its exec. */
bool container_failed(const struct container *c);
/* Readable when slirp4netns died: call container_on_net_exit. -1: none. */
int container_net_fd(const struct container *c);
void container_on_net_exit(struct container *c);
const struct container_rec *container_record(const struct container *c);
/* After waitpid gave pid 1's status: stops the network, records the exit
 * (or removes an --rm container) and returns the exit code (128+N for
 * signal N; emulated_sig: pid 1 was SIGKILLed in place of that signal), or
 * -1 with the error pid 1 reported before its exec. */
int container_finish(struct container *c, int status, int emulated_sig, struct clan_err *err);
void container_free(struct container *c);

/* Sends sig to a container's pid 1. The kernel drops signals that pid 1
 * has no handler for; where the default action would kill it, pid 1 is
 * SIGKILLed instead and true returned (the exit then means sig). */
bool container_signal(pid_t pid1, int sig);

/* K=V list with later entries replacing earlier ones of the same K. */
void env_merge(struct strv *into, const struct strv *add);

#endif
