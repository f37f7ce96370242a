/* Reading /proc/PID files: pure parsers plus thin readers. */
#ifndef CLAN_PROCFS_H
#define CLAN_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Field 22 of /proc/PID/stat (start time in clock ticks); 0 when absent
 * or a zombie (it has exited). */
uint64_t proc_start_time(pid_t pid);
uint64_t parse_stat_start_time(const char *stat_text);

/* A hex mask line such as "SigCgt:\t0000000000004002" from the text of
 * /proc/PID/status. */
/* Field 4 of /proc/PID/stat (the parent's pid), 0 when malformed. */
pid_t parse_stat_ppid(const char *stat_text);

/* Opens /proc/PID/ns/NAME to join pid's namespace NAME: pid's own, or,
 * when pid is a container's --init (clan's code, non-dumpable and never
 * exec'd, so only CAP_SYS_PTRACE on the host opens it), a child's, which
 * ran execve in the container. In a container just started, waits for
 * that execve (2 s at most). -1 with errno. */
int proc_ns_open(pid_t pid, const char *name);

bool parse_status_mask(const char *status_text, const char *field, uint64_t *out);

/* Whether sig would kill pid by its default action: neither caught,
 * ignored, blocked nor waited for with sigwait(). False when that cannot
 * be read. */
bool proc_signal_is_default(pid_t pid, int sig);

#endif
