/* Errors as values: functions that can be undone return -1 and fill a
 * struct clan_err; only the CLI prints it. */
#ifndef CLAN_ERROR_H
#define CLAN_ERROR_H

#include <stdarg.h>

/* Exit codes, as docker uses them. */
enum {
	CLAN_EXIT_FAIL = 1,  /* a command or service failed */
	CLAN_EXIT_USAGE = 2, /* bad usage or configuration */
	/* clan itself failed to set the container up (namespaces, mounts,
	 * image), before the command ran: docker's 125 */
	CLAN_EXIT_SETUP = 125,
	CLAN_EXIT_NOEXEC = 126,
	CLAN_EXIT_NOTFOUND = 127,
	CLAN_EXIT_INTERRUPTED = 130, /* 128 + SIGINT, as a shell reports Ctrl-C */
};

struct clan_err {
	char msg[1024];
	int code;      /* exit code the CLI should use */
	int sys_errno; /* the errno behind it, 0 when none */
};

/* Sets err to "fmt" (and ": strerror(errno_val)" when errno_val != 0) with
 * exit code CLAN_EXIT_FAIL. Always returns -1 so callers can
 * `return clan_error(err, ...)`. */
int clan_error(struct clan_err *err, int errno_val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with an explicit exit code (e.g. CLAN_EXIT_USAGE). */
int clan_error_code(struct clan_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with context: "context: old message". */
int clan_error_wrap(struct clan_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
