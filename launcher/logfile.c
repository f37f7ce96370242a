#define _GNU_SOURCE
#include "logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int log_open(const char *dir, const char *service, struct log_writer *w, struct clan_err *err)
{
	*w = (struct log_writer){.fd = -1, .path = xasprintf("%s/%s.log", dir, service)};
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		int e = errno;
		free(w->path);
		w->path = NULL;
		return clan_error(err, e, "cannot open the log of %s", service);
	}
	struct stat st;
	w->size = fstat(w->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

static void rotate(struct log_writer *w)
{
	_cleanup_free_ char *old = xasprintf("%s.1", w->path);
	if (rename(w->path, old) < 0)
		return; /* keep writing where we are */
	int fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	close(w->fd);
	w->fd = fd;
	w->size = 0;
}

void log_line(struct log_writer *w, char stream, const char *text, size_t len)
{
	if (w->fd < 0)
		return;
	if (w->size > LOG_MAX_BYTES)
		rotate(w);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char head[48];
	int hn = snprintf(head, sizeof head, "%lld.%09ld %c ", (long long)ts.tv_sec, ts.tv_nsec,
			  stream);
	struct iovec iov[3] = {{head, (size_t)hn}, {(void *)text, len}, {"\n", 1}};
	/* one writev per line: readers never see half a line from us */
	ssize_t n = writev(w->fd, iov, 3);
	if (n > 0)
		w->size += n;
}

void log_close(struct log_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
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
bool log_parse_line(const char *line, size_t len, struct log_entry *out)
{
	const char *p = line, *end = line + len;
	int64_t sec, nsec;
	if (!take_digits(&p, end, 18, &sec) || p == end || *p++ != '.' ||
	    !take_digits(&p, end, 9, &nsec) || end - p < 3 || p[0] != ' ' ||
	    (p[1] != 'o' && p[1] != 'e') || p[2] != ' ')
		return false;
	*out = (struct log_entry){.sec = sec,
				  .nsec = nsec,
				  .stream = p[1],
				  .text = xstrndup(p + 3, (size_t)(end - p - 3))};
	return true;
}

static void read_file_lines(const char *path, size_t index, int64_t since, struct log_entry **v,
			    size_t *n, size_t *cap, off_t *end)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] != '\n')
			break; /* a line still being written */
		struct log_entry e;
		if (!log_parse_line(line, (size_t)len - 1, &e))
			continue;
		if (e.sec < since) {
			free(e.text);
			continue;
		}
		e.service = index;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*v = xrealloc(*v, *cap * sizeof **v);
		}
		(*v)[(*n)++] = e;
		if (end)
			*end = ftello(f);
	}
	free(line);
	fclose(f);
}

int log_read(const char *dir, const char *service, size_t index, long tail, int64_t since_sec,
	     struct log_entry **entries, size_t *n, off_t *end_offset)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.log", dir, service);
	_cleanup_free_ char *old = xasprintf("%s.1", path);
	struct log_entry *v = NULL;
	size_t cnt = 0, cap = 0;
	off_t end = 0;
	read_file_lines(old, index, since_sec, &v, &cnt, &cap, NULL);
	read_file_lines(path, index, since_sec, &v, &cnt, &cap, &end);
	if (end_offset)
		*end_offset = end;
	size_t skip = tail >= 0 && (size_t)tail < cnt ? cnt - (size_t)tail : 0;
	for (size_t i = 0; i < skip; i++)
		free(v[i].text);
	*entries = xrealloc(*entries, (*n + cnt - skip + 1) * sizeof **entries);
	if (cnt > skip)
		memcpy(*entries + *n, v + skip, (cnt - skip) * sizeof *v);
	*n += cnt - skip;
	free(v);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct log_entry *x = a, *y = b;
	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->nsec != y->nsec)
		return x->nsec < y->nsec ? -1 : 1;
	return x->service < y->service ? -1 : x->service > y->service;
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
