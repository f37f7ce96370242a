/* What clan says while it works, beside its results (stdout) and its
 * errors (returned to the CLI, which prints them): progress lines, notes
 * and warnings on stderr, and progress bars redrawn in place. Bars need a
 * terminal: on a pipe or a file they draw nothing (no escape codes, no
 * redraws in a log) and the caller prints plain lines instead. */
#ifndef CLAN_PROGRESS_H
#define CLAN_PROGRESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Whether f is a terminal. */
bool progress_is_terminal(FILE *f);

/* "clan: MESSAGE" on stderr: what clan is doing ("building ..."). */
void progress_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "clan: note: MESSAGE" on stderr: a fact the user may want to know. */
void progress_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "clan: warning: MESSAGE" on stderr: something is likely wrong. */
void progress_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* MESSAGE as given on stderr, for docker's own wording ("Unable to find
 * image 'x' locally"), which scripts written for docker look for. */
void progress_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* prefix and the message, one line in one write, so lines of concurrent
 * processes (a stack's services, parallel builds) do not mix. */
void progress_vline(const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* A block of bars (one line each) on out, redrawn in place: begin, one
 * line per bar, end. Every call is a no-op when bars are off. */
struct progress_bars {
	FILE *out;
	bool on;   /* wanted, and out is a terminal */
	int cols;  /* the terminal's width; 0: unknown */
	int drawn; /* lines of the last drawing, to move back over */
};

/* Bars on out when wanted and out is a terminal. */
void progress_bars_init(struct progress_bars *b, FILE *out, bool wanted);
/* Back to the first line of the last drawing. */
void progress_bars_begin(struct progress_bars *b);
/* One bar's line, over what was there, cut to the terminal's width. */
void progress_bars_line(struct progress_bars *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void progress_bars_end(struct progress_bars *b);
/* Erases the last drawing, the cursor back where it began. */
void progress_bars_clear(struct progress_bars *b);

/* "=====>    " (width chars and a NUL in out): done of total, total <= 0
 * counted as done. */
void progress_bar_fill(char *out, int width, int64_t done, int64_t total);

#endif
