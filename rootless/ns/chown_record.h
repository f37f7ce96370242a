/* Owners without /etc/subuid. With one mapped id nothing can really belong
 * to another, so a build's RUN stops the chown family at a seccomp user
 * notification (seccomp_filter.h, SECCOMP_RECORD_CHOWN), and clan, outside
 * the container, writes the owner asked for into the file's
 * user.clan.owner xattr ("UID:GID") before the call succeeds without
 * effect; COPY --chown and the extraction of pulled layers write the same.
 * A layer then says who owns what, for an export or for a store that has
 * the ids. Root's files carry no xattr. */
#ifndef CLAN_CHOWN_RECORD_H
#define CLAN_CHOWN_RECORD_H

#include <stdint.h>

#define CHOWN_RECORD_XATTR "user.clan.owner"

/* Writes uid:gid into the xattr of the file that fd refers to (an O_PATH
 * fd is fine); removes it for 0:0. A symlink cannot carry a user xattr:
 * it is left as it is. (uid_t)-1 keeps that half as recorded. */
int chown_record_set(int fd, uint32_t uid, uint32_t gid);

/* The owner recorded on fd's file; 0:0 when none. */
void chown_record_get(int fd, uint32_t *uid, uint32_t *gid);

/* Serves the notification pending on listener: records what the call
 * asked for (a path is resolved inside the caller's root, never through
 * a link out of it) and lets the call succeed. -1 once no process is
 * under the filter any more: the caller closes the listener. */
int chown_record_serve(int listener);

#endif
