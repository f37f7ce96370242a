#define _GNU_SOURCE
#include "cli/logview.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/logfile.h"
#include "supervisor/logsrc.h"
#include "base/termsafe.h"

#define FOLLOW_POLL_MS 100

static const int colors[] = {36, 33, 32, 35, 34, 31, 96, 93, 92, 95};

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

/* Opens each service's log at its wanted lines; a log path that is not
 * a regular file is said and skipped. */
static struct log_src *open_sources(const struct logview_opts *o)
{
	struct log_src *src = xcalloc(o->services->n ? o->services->n : 1, sizeof *src);
	for (size_t i = 0; i < o->services->n; i++) {
		struct clan_err err;
		if (log_src_open(&src[i], o->ss->logdir, o->services->v[i], i, o->tail, o->since,
				 &err) < 0)
			fprintf(stderr, "clan: logs of %s: %s\n", o->services->v[i], err.msg);
	}
	return src;
}

/* The services' stored lines merged by time, as a stream: each source
 * holds its next line and the earliest is printed. A linear pick among
 * the heads: a stack has tens of services, not thousands. */
static void print_merged(const struct logview_opts *o, struct log_src *src, int width)
{
	size_t n = o->services->n;
	_cleanup_free_ bool *has = xcalloc(n ? n : 1, sizeof *has);
	for (size_t i = 0; i < n; i++)
		has[i] = log_src_next(&src[i]) > 0;
	for (;;) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (has[i] &&
			    (best == n || log_entry_cmp(&src[i].head, &src[best].head) < 0))
				best = i;
		if (best == n)
			break;
		print_entry(o, &src[best].head, width);
		has[best] = log_src_next(&src[best]) > 0;
	}
}

/* New lines of one log, across its rotations, at most `budget` so that
 * one busy service does not hold the others back. True when any. */
static bool follow_one(const struct logview_opts *o, struct log_src *src, int width)
{
	bool any = false;
	for (int budget = 65536; budget > 0; budget--) {
		if (log_src_next(src) > 0) {
			print_entry(o, &src->head, width);
			any = true;
		} else if (!log_src_rotated(src)) {
			break;
		}
	}
	return any;
}

int logview_run(const struct logview_opts *o)
{
	struct log_src *src = open_sources(o);
	int width = name_width(o);
	print_merged(o, src, width);
	fflush(stdout);
	int rc = 0;
	for (size_t i = 0; o->follow && i < o->services->n; i++)
		log_src_follow(&src[i]);
	while (o->follow) {
		bool alive = !o->until_supervisor_exits || stack_supervisor_alive(o->ss, NULL);
		bool any = false;
		for (size_t i = 0; i < o->services->n; i++)
			any |= follow_one(o, &src[i], width);
		fflush(stdout);
		if (!alive && !any)
			break; /* read to the end once more after it exited */
		struct pollfd p = {.fd = o->stop_fd, .events = POLLIN};
		/* while lines come, no sleep: a log written fast rotates often */
		if (poll(&p, o->stop_fd >= 0 ? 1 : 0, any ? 0 : FOLLOW_POLL_MS) > 0) {
			rc = 1;
			break;
		}
	}
	for (size_t i = 0; i < o->services->n; i++)
		log_src_close(&src[i]);
	free(src);
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
