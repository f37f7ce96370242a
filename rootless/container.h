/* Running one container in the foreground: the parent's side. */
#ifndef CLAN_CONTAINER_H
#define CLAN_CONTAINER_H

#include "error.h"
#include "spec.h"

/* Runs spec to completion. Returns the command's exit code (128+N when
 * killed by signal N), or -1 with err when the container could not start
 * (err->code: 2 bad input, 125 runtime failure, 126/127 exec failure).
 * Bad input is refused before anything is created. */
int container_run(const struct container_spec *spec, struct clan_err *err);

/* K=V list with later entries replacing earlier ones of the same K. */
void env_merge(struct strv *into, const struct strv *add);

#endif
