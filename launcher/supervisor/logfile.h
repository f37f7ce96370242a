/* A service's log: one file per service in the stack's log dir, a line
 * per line of output: "SECONDS.NANOSECONDS o|e TEXT". Capped in size: past
 * LOG_MAX_BYTES the file becomes NAME.log.1 (one old file kept) and a new
 * NAME.log is renamed in its place, so NAME.log always names a complete
 * file. Reading (tail, merge, follow) is in logsrc.h. */
#ifndef CLAN_LOGFILE_H
#define CLAN_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

#define LOG_MAX_BYTES (10 * 1024 * 1024)
#define LOG_LINE_MAX 16384

/* Lines are gathered and written together (a write per line made a
 * chatty service cost the supervisor a syscall a line): only whole lines,
 * so a reader never sees half of one. */
#define LOG_BATCH_BYTES 65536
/* the buffer kept between batches, at most */
#define LOG_KEEP_BYTES 16384

struct log_writer {
	int fd;
	char *path;
	off_t size;
	char *buf; /* whole lines not written yet */
	size_t len, cap;
	struct timespec last; /* the last line's stamp: stamps only go up */
};

int log_open(const char *dir, const char *service, struct log_writer *w, struct clan_err *err);
/* Adds one line (without its newline), stamped now; it is written by
 * log_flush, or at once when LOG_BATCH_BYTES are waiting. */
void log_add(struct log_writer *w, char stream, const char *text, size_t len);
/* Writes the lines added; rotates first when the file is full. */
void log_flush(struct log_writer *w);
/* log_add and log_flush. */
void log_line(struct log_writer *w, char stream, const char *text, size_t len);
/* Flushes and closes. */
void log_close(struct log_writer *w);

/* A line of a log, parsed. */
struct log_entry {
	int64_t sec, nsec;
	char stream;
	char *text;
	size_t service; /* index into the reader's services */
};

/* Reads a service's log (the rotated file first), keeping the last
 * `tail` lines (-1: all) newer than since_sec; appends to *entries.
 * Reads only those lines (from the end backwards): logsrc.c. */
int log_read(const char *dir, const char *service, size_t index, long tail, int64_t since_sec,
	     struct log_entry **entries, size_t *n, off_t *end_offset);

/* Sorts entries by time (stable: a service's own order stays). */
int log_entry_cmp(const struct log_entry *a, const struct log_entry *b);
void log_sort(struct log_entry *entries, size_t n);
void log_entries_free(struct log_entry *entries, size_t n);

/* Parses one stored line; false when it is not one. */
bool log_parse_line(const char *line, size_t len, struct log_entry *out);
/* The same without copying the text: it starts at line + *text_at
 * (out->text is left NULL). */
bool log_parse_head(const char *line, size_t len, struct log_entry *out, size_t *text_at);

#endif
