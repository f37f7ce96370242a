/* -u USER[:GROUP] against an image's /etc/passwd and /etc/group. Pure. */
#ifndef CLAN_PASSWD_H
#define CLAN_PASSWD_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define USER_MAX_GROUPS 32

struct user_ids {
	uint32_t uid, gid;
	char home[256];
	uint32_t groups[USER_MAX_GROUPS]; /* supplementary, from /etc/group */
	size_t ngroups;
};

/* spec: NAME, UID, NAME:GROUP, UID:GID (or mixed). passwd/group are the
 * files' text (NULL when the image has none). The supplementary groups
 * are those of /etc/group that list the user's name. A numeric uid absent from
 * passwd gets gid 0 and home "/", as in docker. */
int user_resolve(const char *spec, const char *passwd, const char *group, struct user_ids *out,
		 struct clan_err *err);

#endif
