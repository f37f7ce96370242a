#define _GNU_SOURCE
#include "supervisor/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

int log_open(const char *dir, const char *service, struct log_writer *w, struct clan_err *err)
{
	*w = (struct log_writer){.fd = -1, .path = xasprintf("%s/%s.log", dir, service)};
	/* no symlink followed, and no fifo put in its place waited on
	 * (O_NONBLOCK): only a regular file is written */
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		     0600);
	struct stat st;
	int e = w->fd < 0 ? errno : fstat(w->fd, &st) < 0 ? errno : 0;
	if (e == 0 && !S_ISREG(st.st_mode))
		e = EINVAL;
	if (e) {
		int code = e;
		log_close(w);
		if (code == ELOOP || code == EINVAL || code == ENXIO)
			return clan_error(
			    err, 0,
			    "the log of %s is not a regular file (a symlink or fifo?): "
			    "remove %s/%s.log and start it again",
			    service, dir, service);
		return clan_error(err, code, "cannot open the log of %s", service);
	}
	w->size = st.st_size;
	return 0;
}

/* A new empty file at PATH.new, created here (no symlink or fifo left
 * there by someone else is opened). */
static int create_next(const char *path)
{
	_cleanup_free_ char *next = xasprintf("%s.new", path);
	if (unlink(next) < 0 && errno != ENOENT)
		return -1;
	int fd = open(next, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd;
}

/* PATH becomes PATH.1 and a new empty file becomes PATH, so that PATH
 * always names a complete file: the old file is linked as PATH.1 (through
 * PATH.1.new, so PATH.1 too is always complete), then the new one renamed
 * over PATH. A follower holding the old file sees PATH change only once
 * the old file is final (no line is written to it after), reads it to
 * its end and goes on with the new one (logsrc.c). Where links are not
 * supported, a plain rename leaves PATH missing for a moment, which a
 * follower waits out. */
static void rotate(struct log_writer *w)
{
	_cleanup_free_ char *old = xasprintf("%s.1", w->path);
	_cleanup_free_ char *old_next = xasprintf("%s.1.new", w->path);
	_cleanup_free_ char *next = xasprintf("%s.new", w->path);
	int fd = create_next(w->path);
	if (fd < 0)
		return; /* keep writing where we are */
	if (unlink(old_next) < 0 && errno != ENOENT)
		goto fail;
	if (link(w->path, old_next) == 0) {
		if (rename(old_next, old) < 0) {
			unlink(old_next);
			goto fail;
		}
	} else if (rename(w->path, old) < 0) {
		goto fail;
	}
	if (rename(next, w->path) < 0)
		goto fail;
	close(w->fd);
	w->fd = fd;
	w->size = 0;
	return;
fail:
	unlink(next);
	close(fd);
}

/* Now, or just after the last stamp: one service's lines never share a
 * time, so sorting by time keeps their order. */
static struct timespec next_stamp(struct log_writer *w)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec < w->last.tv_sec ||
	    (ts.tv_sec == w->last.tv_sec && ts.tv_nsec <= w->last.tv_nsec)) {
		ts = w->last;
		if (++ts.tv_nsec == 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec = 0;
		}
	}
	w->last = ts;
	return ts;
}

/* "SECONDS.NANOSECONDS S " into out (at least 32 bytes); its length.
 * By hand: snprintf was a fifth of the supervisor's time on a chatty
 * service. */
static int stamp_text(struct timespec ts, char stream, char *out)
{
	char digits[24];
	int n = 0;
	unsigned long long sec = ts.tv_sec > 0 ? (unsigned long long)ts.tv_sec : 0;
	do {
		digits[n++] = (char)('0' + sec % 10);
		sec /= 10;
	} while (sec);
	int o = 0;
	while (n)
		out[o++] = digits[--n];
	out[o++] = '.';
	long ns = ts.tv_nsec;
	for (int i = 8; i >= 0; i--, ns /= 10)
		out[o + i] = (char)('0' + ns % 10);
	o += 9;
	out[o++] = ' ';
	out[o++] = stream;
	out[o++] = ' ';
	return o;
}

void log_add(struct log_writer *w, char stream, const char *text, size_t len)
{
	if (w->fd < 0)
		return;
	char head[48];
	int hn = stamp_text(next_stamp(w), stream, head);
	size_t need = w->len + (size_t)hn + len + 1;
	if (need > w->cap) {
		w->cap = need > 2 * w->cap ? need : 2 * w->cap;
		w->buf = xrealloc(w->buf, w->cap);
	}
	memcpy(w->buf + w->len, head, (size_t)hn);
	memcpy(w->buf + w->len + hn, text, len);
	w->buf[need - 1] = '\n';
	w->len = need;
	if (w->len >= LOG_BATCH_BYTES)
		log_flush(w);
}

void log_flush(struct log_writer *w)
{
	if (w->fd < 0 || w->len == 0)
		return;
	if (w->size > LOG_MAX_BYTES)
		rotate(w);
	/* one write of whole lines: readers never see half a line from us */
	ssize_t n = write(w->fd, w->buf, w->len);
	if (n > 0)
		w->size += n;
	w->len = 0;
	/* a read's worth is kept for the next; a burst of short lines' more
	 * is not kept for the quiet that follows (the supervisor stays small) */
	if (w->cap > LOG_KEEP_BYTES) {
		free(w->buf);
		w->buf = NULL;
		w->cap = 0;
	}
}

void log_line(struct log_writer *w, char stream, const char *text, size_t len)
{
	log_add(w, stream, text, len);
	log_flush(w);
}

void log_close(struct log_writer *w)
{
	log_flush(w);
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w->buf);
	*w = (struct log_writer){.fd = -1};
}

/* Digits at *p (at most max of them, at least one) as a number. */
static bool take_digits(const char **p, const char *end, size_t max, int64_t *out)
{
	size_t n = 0;
	*out = 0;
	while (*p < end && n < max && **p >= '0' && **p <= '9') {
		*out = *out * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n > 0;
}

/* Exactly what log_line writes, "SECONDS.NANOSECONDS S TEXT": no sign,
 * nine digits or fewer after the dot, one space on each side of the
 * stream, so the text keeps its own leading blanks. */
bool log_parse_head(const char *line, size_t len, struct log_entry *out, size_t *text_at)
{
	const char *p = line, *end = line + len;
	int64_t sec, nsec;
	if (!take_digits(&p, end, 18, &sec) || p == end || *p++ != '.' ||
	    !take_digits(&p, end, 9, &nsec) || end - p < 3 || p[0] != ' ' ||
	    (p[1] != 'o' && p[1] != 'e') || p[2] != ' ')
		return false;
	*out = (struct log_entry){.sec = sec, .nsec = nsec, .stream = p[1]};
	*text_at = (size_t)(p + 3 - line);
	return true;
}

bool log_parse_line(const char *line, size_t len, struct log_entry *out)
{
	size_t at;
	if (!log_parse_head(line, len, out, &at))
		return false;
	out->text = xstrndup(line + at, len - at);
	return true;
}

int log_entry_cmp(const struct log_entry *x, const struct log_entry *y)
{
	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->nsec != y->nsec)
		return x->nsec < y->nsec ? -1 : 1;
	return x->service < y->service ? -1 : x->service > y->service;
}

static int by_time(const void *a, const void *b)
{
	return log_entry_cmp(a, b);
}

void log_sort(struct log_entry *entries, size_t n)
{
	/* one service's lines never share a nanosecond (written in order by one
	 * writer), so ties are between services: broken by the service */
	if (n > 1)
		qsort(entries, n, sizeof *entries, by_time);
}

void log_entries_free(struct log_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(entries[i].text);
	free(entries);
}
