/* Waiting in the foreground for a process clan started (`clan run`'s
 * container, `clan exec`'s command): signals forwarded, the terminal
 * relayed and resized, the exit status kept. One waiter for both; what
 * differs (the container's pid 1 rule, its network helpers, where the
 * sync messages go) comes in as a flag and hooks. */
#ifndef CLAN_FOREGROUND_H
#define CLAN_FOREGROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "container/console.h"

#define FG_MAX_EXTRA 3

struct fg_hooks {
	void *arg;
	/* The sync socket, -1 once it is closed. */
	int (*sync_fd)(void *arg);
	/* Reads one message from it; returns a terminal's master fd when
	 * one came (the waiter's then), else -1. */
	int (*on_sync)(void *arg);
	/* Optional: fds to watch while the process runs (up to
	 * FG_MAX_EXTRA, -1 for none) and what to do when one is ready. */
	void (*extra_fds)(void *arg, int fds[FG_MAX_EXTRA]);
	void (*on_extra)(void *arg, int fd);
};

struct foreground {
	pid_t pid;
	bool pid1;	       /* pid 1 of its namespace: see container_signal */
	bool interactive;      /* the terminal takes stdin */
	bool resize_on_attach; /* size the terminal when it comes (exec's; a
				  container's child sized its own) */
	int sig_fd;	       /* signalfd of the forwarded signals, SIGCHLD, SIGWINCH */
	struct fg_hooks hooks;
	/* what the wait found */
	bool reaped;
	int status;
	int emulated_sig; /* pid 1 was killed in place of this signal */
	struct console con;
	bool have_con;
};

/* Until the process is reaped and its terminal drained; then reads the
 * sync socket to its end (a late error is kept by on_sync). */
void foreground_wait(struct foreground *f);

/* A reaped process's exit code, as a shell says it: its status, or 128 +
 * the signal (the one pid 1 was killed in place of, when emulated). */
int foreground_exit_code(int status, int emulated_sig);

#endif
