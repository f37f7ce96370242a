#define _GNU_SOURCE
#include "build/build_output.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "base/debug.h"
#include "base/progress.h"
#include "base/termsafe.h"
#include "base/util.h"

#define SHOWN 6 /* lines of a running step shown in place */

struct tail {
	char *line[SHOWN];
	size_t n, next;
};

static void tail_push(struct tail *t, const char *s, size_t len)
{
	free(t->line[t->next]);
	t->line[t->next] = term_safe(s, len, false);
	t->next = (t->next + 1) % SHOWN;
	if (t->n < SHOWN)
		t->n++;
}

static void draw(struct progress_bars *bars, const struct tail *t)
{
	progress_bars_begin(bars);
	for (size_t i = 0; i < t->n; i++)
		progress_bars_line(bars, "  %s", t->line[(t->next + SHOWN - t->n + i) % SHOWN]);
	progress_bars_end(bars);
}

/* The reader: everything into the log; on a terminal the last lines in
 * place, erased at the end. */
static noreturn void reader(int in, int log_fd, bool show)
{
	/* the step's end (EOF) ends us, not Ctrl-C; without these we would
	 * still end with the pipe, so a failure is no reason to stop */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || signal(SIGINT, SIG_IGN) == SIG_ERR)
		clan_debug("build output: %s", strerror(errno));
	struct progress_bars bars;
	progress_bars_init(&bars, stderr, show);
	struct tail t = {0};
	char buf[8192], part[512];
	size_t plen = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!write_all(log_fd, buf, (size_t)n))
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && plen < sizeof part) {
				part[plen++] = buf[i];
			} else if (buf[i] == '\n') {
				tail_push(&t, part, plen);
				plen = 0;
			}
		}
		draw(&bars, &t);
	}
	progress_bars_clear(&bars);
	_exit(0);
}

int run_output_open(struct run_output *o, enum build_progress mode, const char *log_dir,
		    struct clan_err *err)
{
	*o = (struct run_output){.fd = -1, .log_fd = -1};
	if (mode == BUILD_PROGRESS_PLAIN ||
	    (mode == BUILD_PROGRESS_AUTO && !progress_is_terminal(stderr)))
		return 0;
	o->log_fd = open(log_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (o->log_fd < 0)
		return clan_error(err, errno, "cannot make a log file in %s", log_dir);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(o->log_fd);
		return clan_error(err, errno, "cannot make a pipe for the step's output");
	}
	fflush(stderr);
	o->pid = fork();
	if (o->pid < 0) {
		close(p[0]);
		close(p[1]);
		close(o->log_fd);
		return clan_error(err, errno, "cannot fork the step's output reader");
	}
	if (o->pid == 0) {
		close(p[1]);
		reader(p[0], o->log_fd, mode == BUILD_PROGRESS_AUTO);
	}
	close(p[0]);
	o->fd = p[1];
	return 0;
}

void run_output_close(struct run_output *o, bool failed)
{
	if (o->fd >= 0)
		close(o->fd);
	int status;
	if (o->pid > 0 && wait_child(o->pid, &status) < 0)
		clan_debug("build output: cannot wait for the reader: %s", strerror(errno));
	/* the output as text the terminal cannot take for commands */
	if (failed && o->log_fd >= 0 && lseek(o->log_fd, 0, SEEK_SET) == 0) {
		char buf[8192];
		ssize_t n;
		fflush(stderr);
		while ((n = read(o->log_fd, buf, sizeof buf)) > 0) {
			_cleanup_free_ char *safe = term_safe(buf, (size_t)n, true);
			if (!write_all(STDERR_FILENO, safe, strlen(safe)))
				break;
		}
	}
	if (o->log_fd >= 0)
		close(o->log_fd);
	*o = (struct run_output){.fd = -1, .log_fd = -1};
}
