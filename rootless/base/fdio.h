/* File-descriptor helpers: positioned writes and closing what a child
 * must not inherit. */
#ifndef CLAN_FDIO_H
#define CLAN_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes all len bytes at off, retrying EINTR and short writes; the fd's
 * own offset is neither used nor moved. false with errno on an error; a
 * pwrite(2) that writes nothing is ENOSPC rather than a retry forever. */
bool pwrite_all(int fd, const void *buf, size_t len, off_t off);

/* Closes every fd >= 3 except keep (keep < 3: every fd >= 3). For a child
 * between fork and exec. -1 with errno if one could not be closed. */
int close_fds_except(int keep);

/* Marks every fd >= first close-on-exec, so an exec'd command inherits
 * only what is below while an error channel still works until exec
 * succeeds. -1 with errno on a failure. */
int cloexec_fds_from(int first);

#endif
