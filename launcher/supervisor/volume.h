/* Named volumes: STORAGE/volumes/NAME/_data, with volume.json (its
 * project and creation time) beside it. A new one carries the marker that
 * makes its first container fill it from the image. */
#ifndef CLAN_VOLUME_H
#define CLAN_VOLUME_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

struct volume_info {
	char *name;    /* NAME: the stack id and the volume, STACKID_VOL */
	char *project; /* the project that uses it */
	char *dir;     /* STORAGE/volumes/NAME */
	int64_t created;
};

/* The volume's _data dir, created (with the populate marker) when new. */
int volume_ensure(const char *storage, const char *name, const char *project, char **data,
		  struct clan_err *err);
/* A shared lock on the volume for as long as the returned fd is open: a
 * running stack holds one on each volume it mounts, so that another
 * project's down -v (a volume with a compose name:) or volume rm does
 * not delete it under it. */
int volume_hold(const char *storage, const char *name, struct clan_err *err);
/* Whether it exists (its _data dir). */
bool volume_exists(const char *storage, const char *name);
/* Calls fn for each volume, by name. */
int volume_list(const char *storage, int (*fn)(const struct volume_info *, void *), void *arg,
		struct clan_err *err);
/* Removes it, files owned by subordinate ids included. ENOENT: exit 2;
 * held by a running stack: exit 1, VOLUME_IN_USE in err->sys_errno. */
#define VOLUME_IN_USE EBUSY
int volume_remove(const char *storage, const char *name, struct clan_err *err);
/* Bytes under dir (best effort: what can be read). */
uint64_t volume_size(const char *dir);
void volume_info_free(struct volume_info *v);

#endif
