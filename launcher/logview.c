#define _GNU_SOURCE
#include "logview.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "logfile.h"
#include "termsafe.h"

#define FOLLOW_POLL_MS 100

static const int colors[] = {36, 33, 32, 35, 34, 31, 96, 93, 92, 95};

struct follow_state {
	off_t off;
	ino_t ino;
	char *part; /* an unfinished last line */
	size_t partlen;
};

static void print_entry(const struct logview_opts *o, const struct log_entry *e, int width)
{
	const char *name = o->services->v[e->service];
	if (o->prefix) {
		if (o->color)
			printf("\033[%dm%-*s |\033[0m ", colors[e->service % ARRAY_SIZE(colors)],
			       width, name);
		else
			printf("%-*s | ", width, name);
	}
	if (o->timestamps) {
		char ts[32];
		time_t t = (time_t)e->sec;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
		printf("%s.%09lldZ ", ts, (long long)e->nsec);
	}
	if (o->escape) {
		_cleanup_free_ char *safe = term_safe(e->text, strlen(e->text), false);
		fputs(safe, stdout);
	} else {
		fputs(e->text, stdout);
	}
	fputc('\n', stdout);
}

static int name_width(const struct logview_opts *o)
{
	int w = 0;
	for (size_t i = 0; i < o->services->n; i++) {
		int l = (int)strlen(o->services->v[i]);
		w = l > w ? l : w;
	}
	return w;
}

/* New complete lines of one log since st->off. */
static void follow_one(const struct logview_opts *o, size_t i, struct follow_state *st, int width)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.log", o->ss->logdir, o->services->v[i]);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat s;
	if (fstat(fd, &s) == 0 && (s.st_ino != st->ino || s.st_size < st->off)) {
		st->ino = s.st_ino; /* rotated or new: from its start */
		st->off = 0;
	}
	char buf[65536];
	ssize_t n;
	while ((n = pread(fd, buf, sizeof buf, st->off)) > 0) {
		st->off += n;
		size_t start = 0;
		for (size_t k = 0; k < (size_t)n; k++) {
			if (buf[k] != '\n')
				continue;
			st->part = xrealloc(st->part, st->partlen + (k - start) + 1);
			memcpy(st->part + st->partlen, buf + start, k - start);
			size_t len = st->partlen + (k - start);
			struct log_entry e;
			if (log_parse_line(st->part, len, &e)) {
				e.service = i;
				if (e.sec >= o->since)
					print_entry(o, &e, width);
				free(e.text);
			}
			st->partlen = 0;
			start = k + 1;
		}
		st->part = xrealloc(st->part, st->partlen + ((size_t)n - start) + 1);
		memcpy(st->part + st->partlen, buf + start, (size_t)n - start);
		st->partlen += (size_t)n - start;
	}
	close(fd);
	fflush(stdout);
}

int logview_run(const struct logview_opts *o)
{
	struct log_entry *v = NULL;
	size_t n = 0;
	struct follow_state *fs = xcalloc(o->services->n ? o->services->n : 1, sizeof *fs);
	for (size_t i = 0; i < o->services->n; i++) {
		log_read(o->ss->logdir, o->services->v[i], i, o->tail, o->since, &v, &n, &fs[i].off);
		_cleanup_free_ char *path =
		    xasprintf("%s/%s.log", o->ss->logdir, o->services->v[i]);
		struct stat s;
		if (stat(path, &s) == 0)
			fs[i].ino = s.st_ino;
	}
	log_sort(v, n);
	int width = name_width(o);
	for (size_t i = 0; i < n; i++)
		print_entry(o, &v[i], width);
	log_entries_free(v, n);
	fflush(stdout);
	int rc = 0;
	while (o->follow) {
		bool alive = !o->until_supervisor_exits || stack_supervisor_alive(o->ss, NULL);
		struct pollfd p = {.fd = o->stop_fd, .events = POLLIN};
		if (o->stop_fd >= 0 && poll(&p, 1, FOLLOW_POLL_MS) > 0) {
			rc = 1;
			break;
		}
		if (o->stop_fd < 0)
			poll(NULL, 0, FOLLOW_POLL_MS);
		for (size_t i = 0; i < o->services->n; i++)
			follow_one(o, i, &fs[i], width);
		if (!alive)
			break; /* read to the end once more after it exited */
	}
	for (size_t i = 0; i < o->services->n; i++)
		free(fs[i].part);
	free(fs);
	return rc;
}

bool logview_parse_since(const char *text, int64_t now, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || end == text || v < 0)
		return false;
	static const struct {
		const char *unit;
		long long secs;
	} units[] = {{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
	if (*end == '\0') {
		*out = v; /* unix seconds */
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(end, units[i].unit) == 0) {
			/* further back than the epoch (v * secs could overflow):
			 * all of the log */
			*out = v > now / units[i].secs ? 0 : now - v * units[i].secs;
			return true;
		}
	return false;
}
