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
bool parse_status_mask(const char *status_text, const char *field, uint64_t *out);

/* Whether sig would kill pid by its default action: neither caught,
 * ignored, blocked nor waited for with sigwait(). False when that cannot
 * be read. */
bool proc_signal_is_default(pid_t pid, int sig);

#endif
