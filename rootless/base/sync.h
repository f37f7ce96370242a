/* The parent/child channel: a SOCK_SEQPACKET pair, so each message keeps
 * its boundary and fds can ride along (SCM_RIGHTS). The child's copy is
 * close-on-exec: EOF on the parent side means the command was exec'd. */
#ifndef CLAN_SYNC_H
#define CLAN_SYNC_H

#include <stdnoreturn.h>

#include "base/error.h"

enum sync_tag {
	SYNC_GO = 'G',	   /* parent -> child: maps written, carry on */
	SYNC_ERROR = 'E',  /* child -> parent: exit code + message */
	SYNC_PTY = 'T',	   /* child -> parent: the pty master fd */
	SYNC_NOTIFY = 'S', /* child -> parent: the seccomp listener (chown_record.h) */
	SYNC_NET = 'N',	   /* parent -> child: the network is up, exec */
	/* parent -> child, before SYNC_GO: an idmapped mount (idmount.h) to
	 * move into place; code SYNC_MOUNT_ROOTFS or the mount plan's op
	 * index, | SYNC_MOUNT_NEW for a new named volume to fill */
	SYNC_MOUNT = 'M',
};

#define SYNC_MOUNT_ROOTFS (-1)
#define SYNC_MOUNT_NEW (1 << 30)

struct sync_msg {
	char tag;
	int code;
	int fd; /* -1 unless SYNC_PTY, SYNC_MOUNT or SYNC_NOTIFY */
	char text[1024];
};

int sync_pair(int fds[2], struct clan_err *err);
int sync_send(int fd, char tag, int code, const char *text, int pass_fd);
/* 1: got a message; 0: EOF; -1: error (errno set). */
int sync_recv(int fd, struct sync_msg *m);

/* For the child only: reports "fmt: strerror(errno_val)" with exit code to
 * the parent, then _exit(code). */
noreturn void child_die(int sync_fd, int code, int errno_val, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reports err (a failed runtime call) and exits CLAN_EXIT_SETUP (125), docker's code for a
 * runtime failure. */
noreturn void child_die_err(int sync_fd, const struct clan_err *err);

#endif
