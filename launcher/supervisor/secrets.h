/* Generated secrets of a project: a profile names environment variables
 * (the redis profile's REDIS_PASSWORD) that get a random value of their
 * own per project dir, kept in the user's storage dir, so a service
 * published on a 127.0.0.1 that every local user shares is not open. */
#ifndef CLAN_SECRETS_H
#define CLAN_SECRETS_H

#include "base/error.h"

/* The value of NAME for the project in project_dir: read from
 * STORAGE/secrets/HASH8-NAME, made (32 random base64url characters, mode
 * 0600, in a 0700 dir) on first use. storage: paths_storage_dir(). */
int secret_get(const char *storage, const char *project_dir, const char *name, char **value,
	       struct clan_err *err);

/* stack_load_opts.secret with the storage dir as arg. */
int secret_for_stack(void *storage, const char *project_dir, const char *name, char **value,
		     struct clan_err *err);

#endif
