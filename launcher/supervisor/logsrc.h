/* Reading a service's log as a stream: its kept files in order (NAME.log.1,
 * then NAME.log) through one bounded buffer, starting where the last N
 * lines start (found by reading the files backwards from their end), and
 * following NAME.log across rotations without losing or repeating a line.
 * Only regular files are read, opened without following a symlink and
 * without waiting on a fifo: a log path replaced by someone else is
 * refused, never followed elsewhere. */
#ifndef CLAN_LOGSRC_H
#define CLAN_LOGSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "supervisor/logfile.h"

/* the read buffer: a line longer than this (never one of ours, which
 * log_line caps at LOG_LINE_MAX) is shown cut at this length */
#define LOG_SRC_BUF 65536
#define LOG_SRC_FILES 3

struct log_src {
	char *path; /* NAME.log */
	/* open files to read in order: finished (rotated) ones first, the
	 * live one (still written to) last */
	int fd[LOG_SRC_FILES];
	int nfd, at; /* how many, which one is being read */
	off_t pos;   /* next byte of fd[at] to read */
	off_t limit; /* in the live file, read no further; -1: no limit */
	char *buf;   /* read, not yet returned: buf[start, len) */
	size_t start, len;
	bool skipping;	       /* inside a line too long for buf: dropped up to its end */
	int64_t since;	       /* lines older are skipped */
	struct log_entry head; /* the line log_src_next returned; text in buf */
};

/* Opens the log of `service` positioned at its last `tail` lines (-1: all)
 * not older than since (unix seconds; 0: all), reading up to the live
 * file's size now. A missing log is an empty one; a log path that is not
 * a regular file is an error, and s reads the other file, if any (s is to
 * be closed either way). */
int log_src_open(struct log_src *s, const char *dir, const char *service, size_t index, long tail,
		 int64_t since, struct clan_err *err);
/* 1: the next complete line is in s->head (its text valid until the next
 * call); 0: none for now. A finished file's unterminated last line is a
 * line; the live file's is not (yet). */
int log_src_next(struct log_src *s);
/* From now on read what is written after the size seen at open. */
void log_src_follow(struct log_src *s);
/* After log_src_next returned 0: true when NAME.log was rotated, the
 * files to read queued (the rest of the old one, the rotated one in
 * between when it rotated twice, the new one), so log_src_next has more. */
bool log_src_rotated(struct log_src *s);
void log_src_close(struct log_src *s);

/* Opens a log file for reading: 0 with *fd -1 when it does not exist, -1
 * (err set) when it is not a regular file or cannot be read. */
int log_file_open(const char *path, int *fd, struct clan_err *err);

struct log_tail {
	off_t start;  /* where the lines found start */
	long found;   /* how many */
	bool stopped; /* reached a line older than since (none earlier counts) */
};

/* Where the last n lines (n >= 0) of fd's first `end` bytes that are not
 * older than since start, read backwards a block at a time. A live file's
 * unfinished last line is not counted (start stays before it). Lines that
 * do not parse are not counted. */
void log_tail_find(int fd, off_t end, bool live, long n, int64_t since, struct log_tail *out);

#endif
