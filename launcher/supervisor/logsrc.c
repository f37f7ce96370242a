/* A service's log as a stream of lines through one bounded buffer: the
 * kept files in order, from where the wanted lines start, then (following)
 * on across rotations. See logsrc.h. */
#define _GNU_SOURCE
#include "supervisor/logsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

int log_file_open(const char *path, int *fd, struct clan_err *err)
{
	/* O_NOFOLLOW: a symlink put at a log path is not followed elsewhere;
	 * O_NONBLOCK: opening a fifo put there does not wait for a writer */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (*fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP)
			return clan_error(err, 0,
					  "%s is a symlink, not a log: not read (remove it; the "
					  "service's next start writes a new log)",
					  path);
		return clan_error(err, errno, "cannot read %s", path);
	}
	struct stat st;
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return clan_error(err, 0,
				  "%s is not a regular file, not a log: not read (remove it; the "
				  "service's next start writes a new log)",
				  path);
	}
	return 0;
}

static ino_t fd_ino(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static off_t fd_size(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_size : 0;
}

/* Where reading starts for the last `tail` lines not older than since:
 * in the rotated file (index 0 of two) or in the live one. */
static void position(struct log_src *s, long tail, int64_t since, off_t live_size)
{
	int live = s->fd[s->nfd - 1];
	bool has_old = s->nfd == 2;
	if (tail < 0 && since == 0) {
		s->at = 0; /* all of it, from the start */
		return;
	}
	long n = tail < 0 ? LONG_MAX : tail;
	struct log_tail t;
	log_tail_find(live, live_size, true, n, since, &t);
	s->at = s->nfd - 1;
	s->pos = t.start;
	if (!has_old || t.found >= n || t.stopped)
		return;
	struct log_tail o;
	log_tail_find(s->fd[0], fd_size(s->fd[0]), false, n - t.found, since, &o);
	if (o.found > 0) {
		s->at = 0;
		s->pos = o.start;
	}
}

int log_src_open(struct log_src *s, const char *dir, const char *service, size_t index, long tail,
		 int64_t since, struct clan_err *err)
{
	*s = (struct log_src){.path = xasprintf("%s/%s.log", dir, service),
			      .since = since,
			      .limit = 0,
			      .buf = xmalloc(LOG_SRC_BUF + 1),
			      .head = {.service = index}};
	int live, old, rc = 0;
	/* the live file first: if it rotates before NAME.log.1 is opened,
	 * NAME.log.1 is the same file (skipped), never one too old. A path
	 * refused is said (-1) and the other file still read. */
	if (log_file_open(s->path, &live, err) < 0)
		rc = -1;
	_cleanup_free_ char *rotated = xasprintf("%s.1", s->path);
	struct clan_err other;
	if (log_file_open(rotated, &old, rc < 0 ? &other : err) < 0)
		rc = -1;
	if (old >= 0 && live >= 0 && fd_ino(old) == fd_ino(live)) {
		close(old);
		old = -1;
	}
	if (old >= 0)
		s->fd[s->nfd++] = old;
	if (live >= 0)
		s->fd[s->nfd++] = live;
	if (s->nfd == 0)
		return rc;
	s->limit = fd_size(s->fd[s->nfd - 1]);
	position(s, tail, since, s->limit);
	for (int i = 0; i < s->at; i++)
		close(s->fd[i]); /* before the wanted lines: not needed */
	memmove(s->fd, s->fd + s->at, (size_t)(s->nfd - s->at) * sizeof *s->fd);
	s->nfd -= s->at;
	s->at = 0;
	return rc;
}

void log_src_follow(struct log_src *s)
{
	s->limit = -1;
}

/* The line buf[start, start + len) (its end overwritten with a NUL): true
 * when it is a log line to show, then in s->head. */
static bool take(struct log_src *s, size_t start, size_t len)
{
	char *line = s->buf + start;
	line[len] = '\0';
	size_t at;
	size_t index = s->head.service;
	if (!log_parse_head(line, len, &s->head, &at)) {
		s->head.service = index;
		return false;
	}
	s->head.service = index;
	s->head.text = line + at;
	return s->head.sec >= s->since;
}

/* Reads more into buf: >0 bytes read, 0 at the end of fd[at] (or of what
 * may be read of the live file), -1 on an error. */
static ssize_t fill(struct log_src *s)
{
	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->len - s->start);
		s->len -= s->start;
		s->start = 0;
	}
	size_t room = LOG_SRC_BUF - s->len;
	bool live = s->at == s->nfd - 1;
	if (live && s->limit >= 0 && (off_t)room > s->limit - s->pos)
		room = s->limit > s->pos ? (size_t)(s->limit - s->pos) : 0;
	if (room == 0)
		return 0;
	ssize_t r;
	do
		r = pread(s->fd[s->at], s->buf + s->len, room, s->pos);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		s->len += (size_t)r;
		s->pos += r;
	}
	return r;
}

/* fd[at] is finished: on to the next file. Its unterminated last line,
 * if any, is returned (true) from buf[0, len). */
static bool next_file(struct log_src *s, size_t *frag)
{
	close(s->fd[s->at]);
	s->at++;
	s->pos = 0;
	*frag = s->skipping ? 0 : s->len - s->start;
	s->skipping = false;
	return *frag > 0;
}

int log_src_next(struct log_src *s)
{
	while (s->at < s->nfd) {
		char *p = s->buf + s->start;
		char *nl = memchr(p, '\n', s->len - s->start);
		if (nl) {
			size_t st = s->start, len = (size_t)(nl - p);
			s->start += len + 1;
			if (s->skipping)
				s->skipping = false; /* the end of a line cut before */
			else if (take(s, st, len))
				return 1;
			continue;
		}
		if (s->skipping) {
			s->start = s->len;
		} else if (s->start == 0 && s->len == LOG_SRC_BUF) {
			s->start = s->len; /* too long: shown cut, the rest dropped */
			s->skipping = true;
			if (take(s, 0, s->len))
				return 1;
			continue;
		}
		ssize_t r = fill(s);
		if (r > 0)
			continue;
		if (s->at == s->nfd - 1)
			return 0; /* the live file: more may come */
		size_t st = s->start, frag;
		if (next_file(s, &frag)) {
			s->start = s->len = 0;
			if (take(s, st, frag))
				return 1;
		}
		s->start = s->len = 0;
	}
	return 0;
}

bool log_src_rotated(struct log_src *s)
{
	if (s->at < s->nfd - 1)
		return false; /* finished files still to read */
	int fresh, mid;
	struct clan_err ignored;
	/* a path replaced by a symlink or fifo is no rotation: the file held
	 * is kept (and nothing else opened) */
	if (log_file_open(s->path, &fresh, &ignored) < 0 || fresh < 0)
		return false;
	ino_t live = s->nfd > 0 ? fd_ino(s->fd[s->at]) : 0, now = fd_ino(fresh);
	if (s->nfd > 0 && now == live) {
		close(fresh);
		if (fd_size(s->fd[s->at]) >= s->pos)
			return false;
		/* truncated in place (by hand: clan never does): from its start */
		s->pos = 0;
		s->start = s->len = 0;
		s->skipping = false;
		return true;
	}
	/* the writer is done with the held file (rotate() renames the new one
	 * in last). NAME.log.1 is the held file, or the one written between
	 * when it rotated twice since, or the new one when rotating again. */
	_cleanup_free_ char *rotated = xasprintf("%s.1", s->path);
	if (log_file_open(rotated, &mid, &ignored) < 0)
		mid = -1;
	if (mid >= 0) {
		ino_t m = fd_ino(mid);
		if ((s->nfd > 0 && m == live) || m == now) {
			close(mid);
			mid = -1;
		}
	}
	int n = 0;
	if (s->nfd > 0)
		s->fd[n++] = s->fd[s->at];
	else
		s->pos = 0;
	if (mid >= 0)
		s->fd[n++] = mid;
	s->fd[n++] = fresh;
	s->nfd = n;
	s->at = 0;
	return true;
}

void log_src_close(struct log_src *s)
{
	for (int i = s->at; i < s->nfd; i++)
		close(s->fd[i]);
	free(s->path);
	free(s->buf);
	*s = (struct log_src){0};
}

/* Declared in logfile.h, for the supervisor's last lines of a service:
 * the wanted lines only, read through a log_src. */
int log_read(const char *dir, const char *service, size_t index, long tail, int64_t since_sec,
	     struct log_entry **entries, size_t *n, off_t *end_offset)
{
	struct log_src s;
	struct clan_err ignored;
	log_src_open(&s, dir, service, index, tail, since_sec, &ignored);
	size_t cap = *n;
	while (log_src_next(&s) > 0) {
		if (*n + 1 >= cap) {
			cap = cap ? cap * 2 : 16;
			*entries = xrealloc(*entries, cap * sizeof **entries);
		}
		struct log_entry e = s.head;
		e.text = xstrdup(s.head.text);
		(*entries)[(*n)++] = e;
	}
	if (end_offset)
		*end_offset = s.pos;
	log_src_close(&s);
	return 0;
}
