/* Where a running stack lives on this machine: its state dir in the
 * runtime dir (supervisor socket, pid file, lock, logs), its id (the
 * project name plus a hash of the project dir, so one name in two dirs
 * does not collide) and its containers' and volumes' names. */
#ifndef CLAN_STACK_STATE_H
#define CLAN_STACK_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "config/stack.h"

struct stack_state {
	char id[96];   /* NAME-HASH8 */
	char *dir;     /* RUNTIME/stacks/ID, private */
	char *sock;    /* the supervisor's control socket */
	char *pidfile; /* "PID START" of the supervisor */
	char *lockfile;
	char *logdir;
};

/* FNV-1a of the project dir: a short, stable tag for it, not a secret. */
uint32_t stack_dir_hash(const char *dir);

/* Computes the names and creates the dirs (private). */
int stack_state_open(const struct stack *st, struct stack_state *out, struct clan_err *err);
void stack_state_free(struct stack_state *s);

/* One clan command changing a project at a time: an exclusive flock on
 * the lock file, waited for (saying so) if another command holds it.
 * Returns the fd to close when done. */
int stack_lock(const struct stack_state *s, struct clan_err *err);
/* The same without waiting: *fd is -1 when another command holds it. */
int stack_lock_try(const struct stack_state *s, int *fd, struct clan_err *err);

/* The supervisor's pid when it runs (checked against its start time). */
bool stack_supervisor_alive(const struct stack_state *s, pid_t *pid);
int stack_write_pidfile(const struct stack_state *s, struct clan_err *err);

/* "PROJECT-SERVICE-HASH6": the container of a service. */
char *stack_container_name(const struct stack_state *s, const char *project, const char *svc);
/* "ID_VOLUME": a named volume's dir name in the storage dir. */
char *stack_volume_name(const struct stack_state *s, const char *volume);
/* The storage name of the volume mount m uses: its top-level name: (or
 * an external one's name), else the project's own ID_VOLUME. */
char *stack_mount_volume(const struct stack_state *s, const struct svc_mount *m);

/* down: removes the state dir (supervisor files, logs, lock); what it
 * does not know stays, and the dir with it. Call with the lock held. */
void stack_state_remove(const struct stack_state *s);

#endif
