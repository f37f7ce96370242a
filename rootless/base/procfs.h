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

/* A process whose /proc/PID/ns files this user may open to join pid's
 * namespaces: pid itself, or, when pid is a container's --init (clan's
 * code, non-dumpable and never exec'd, so only CAP_SYS_PTRACE on the host
 * opens them), a child of it, which ran execve in the container; in a
 * container just started, waits for that execve (2 s at most). pid when
 * none is found (the open then fails with its own error). */
pid_t proc_ns_pid(pid_t pid);

bool parse_status_mask(const char *status_text, const char *field, uint64_t *out);

/* Whether sig would kill pid by its default action: neither caught,
 * ignored, blocked nor waited for with sigwait(). False when that cannot
 * be read. */
bool proc_signal_is_default(pid_t pid, int sig);

#endif
