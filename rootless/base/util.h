/* Small helpers shared by every module: cleanup attributes, allocation
 * that aborts on out-of-memory, checked number parsing, whole-file I/O. */
#ifndef CLAN_UTIL_H
#define CLAN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <signal.h>
#include <sys/types.h>

#include "base/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
void cleanup_closedirp(DIR **d);

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))

/* Hands ownership out of a cleanup variable. */
#define steal_pointer(pp)                     \
	({                                    \
		__typeof__(*(pp)) _p = *(pp); \
		*(pp) = NULL;                 \
		_p;                           \
	})
static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* dir/name, with one slash also when dir is "/". */
char *path_join(const char *dir, const char *name);
/* The directory of path: "." when it has no slash, "/" for "/x". */
char *path_dir(const char *path);

/* Parses a whole decimal string into a uint32; false on anything else
 * (sign, spaces, trailing text, overflow). */
bool parse_u32(const char *s, uint32_t *out);

/* A growable NULL-terminated array of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct strv *s, const char *str);
/* Copies of every string of from, pushed onto to. */
void strv_extend(struct strv *to, const struct strv *from);
void strv_push_owned(struct strv *s, char *str);
void strv_free(struct strv *s);
/* Whether str is one of s's strings. */
bool strv_contains(const struct strv *s, const char *str);

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
int read_file(const char *path, size_t max, char **out, struct clan_err *err);
/* The same from an open fd; what names it in errors. */
int read_fd(int fd, const char *what, size_t max, char **out, struct clan_err *err);
/* Writes data to path; with O_CREAT|O_TRUNC, mode 0644 unless given. */
int write_file(const char *path, const char *data, size_t len, struct clan_err *err);
/* Writes to an existing file (e.g. /proc/PID/uid_map) in one write(2). */
int write_existing(const char *path, const char *data, struct clan_err *err);

/* mkdir -p with the given mode for created directories. */
int mkdir_p(const char *path, mode_t mode, struct clan_err *err);

/* Removes a directory tree without following symlinks; EACCES from
 * directories we own but without write bits is fixed by chmod first. */
int remove_tree(const char *path, struct clan_err *err);

/* Finds an executable called name in /usr/bin, /bin, then the absolute
 * entries of $PATH. The system directories come first because the setuid
 * helpers clan trusts are the distribution's. */
bool find_program(const char *name, char *out, size_t len);

/* remove_tree for name below dirfd, without following symlinks; -1 with
 * errno set. */
int remove_tree_at(int dirfd, const char *name);

/* Blocks the n signals of sigs (the old mask into *old unless NULL) and
 * returns a close-on-exec, non-blocking signalfd for them: the way every
 * clan process that waits takes its signals. -1 with err, the mask as it
 * was. */
int signals_to_fd(const int *sigs, size_t n, sigset_t *old, struct clan_err *err);

/* Reads fd until EOF (or an error) into a NUL-terminated buffer; never
 * NULL. */
char *read_to_eof(int fd);

/* One read(2) of fd (EINTR retried) appended to *buf, which grows as
 * needed and stays NUL-terminated: bytes read, 0 at EOF, -1 on an error
 * (errno). For loops that also wait on something else. */
ssize_t read_append(int fd, char **buf, size_t *len, size_t *cap);

/* Writes the whole buffer, retrying on EINTR and short writes. */
bool write_all(int fd, const void *buf, size_t len);

/* waitpid(pid, status, 0), retried on EINTR: 0, or -1 with errno. */
int wait_child(pid_t pid, int *status);
/* fork(2) with a pipe from the child to the parent: in the parent, the
 * child's pid and *fd the read end; in the child, 0 and *fd the write end.
 * Every stdio stream is flushed first (the child's exit would print it
 * again). -1 with errno, nothing left open, when the pipe or the fork
 * fails. */
pid_t fork_piped(int *fd);

#endif
