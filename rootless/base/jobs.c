#define _GNU_SOURCE
#include "base/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/util.h"

/* How often a running job is looked at: often enough that a failure
 * stops the others at once, rarely enough to cost nothing. */
#define POLL_MS 100

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE };

struct job {
	enum job_state state;
	pid_t pid;
	int fd; /* the read end of the child's error report */
	double t0;
};

struct run {
	const struct jobs *j;
	struct job *job;
	sigset_t oldmask;
	int sig_fd;
	int stop_sig;	 /* a signal to pass on, or 0 */
	bool failed;	 /* a job failed: the others are stopped */
	size_t failed_i; /* which */
	struct clan_err first;
	double last_tick;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* In the child: the job, its error (code, then message) on fd. */
static noreturn void job_child(struct run *r, size_t i, int fd)
{
	struct clan_err e = {0};
	close(r->sig_fd);
	if (sigprocmask(SIG_SETMASK, &r->oldmask, NULL) < 0)
		_exit(1);
	if (r->j->fn(i, r->j->arg, &e) == 0)
		_exit(0);
	dprintf(fd, "%d %s", e.code ? e.code : 1, e.msg);
	_exit(1);
}

static int start(struct run *r, size_t i, struct clan_err *err)
{
	int fd;
	pid_t pid = fork_piped(&fd);
	if (pid < 0)
		return clan_error(err, errno, "cannot start %s", r->j->names[i]);
	if (pid == 0)
		job_child(r, i, fd);
	r->job[i] = (struct job){.state = JOB_RUNNING, .pid = pid, .fd = fd, .t0 = now_s()};
	return 0;
}

static void kill_running(struct run *r, int sig)
{
	for (size_t i = 0; i < r->j->n; i++)
		if (r->job[i].state == JOB_RUNNING)
			kill(r->job[i].pid, sig);
}

/* The first failure is the one reported; the others were stopped by it
 * (or by the signal) and say so in their own words, which are dropped. */
static void on_exit_status(struct run *r, size_t i, int status)
{
	struct job *jb = &r->job[i];
	_cleanup_free_ char *text = read_to_eof(jb->fd);
	close(jb->fd);
	jb->state = JOB_DONE;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (r->failed || r->stop_sig)
		return;
	r->failed = true;
	r->failed_i = i;
	char *msg = NULL;
	long code = text ? strtol(text, &msg, 10) : 0;
	/* the name once: most errors name what they were about already */
	if (msg && *msg == ' ' && code > 0 && code < 256 && strstr(msg, r->j->names[i]))
		clan_error_code(&r->first, (int)code, "%s", msg + 1);
	else if (msg && *msg == ' ' && code > 0 && code < 256)
		clan_error_code(&r->first, (int)code, "%s: %s", r->j->names[i], msg + 1);
	else if (WIFSIGNALED(status))
		clan_error(&r->first, 0, "%s: killed by signal %d", r->j->names[i],
			   WTERMSIG(status));
	else
		clan_error(&r->first, 0, "%s: failed (exit status %d)", r->j->names[i],
			   WEXITSTATUS(status));
	kill_running(r, SIGTERM);
}

static void reap(struct run *r)
{
	for (size_t i = 0; i < r->j->n; i++) {
		int status;
		if (r->job[i].state == JOB_RUNNING &&
		    waitpid(r->job[i].pid, &status, WNOHANG) == r->job[i].pid)
			on_exit_status(r, i, status);
	}
}

static void on_signal(struct run *r)
{
	struct signalfd_siginfo si;
	while (read(r->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (!r->stop_sig)
			r->stop_sig = (int)si.ssi_signo;
		kill_running(r, (int)si.ssi_signo);
	}
}

/* "still working on A (12 s), B (3 s)": one line for every job running. */
static void tick(struct run *r)
{
	double now = now_s();
	if (!r->j->tick_ms || r->stop_sig || r->failed ||
	    (now - r->last_tick) * 1000 < r->j->tick_ms)
		return;
	r->last_tick = now;
	struct strbuf_line {
		char text[1024];
		size_t len;
	} l = {.len = 0};
	for (size_t i = 0; i < r->j->n; i++) {
		if (r->job[i].state != JOB_RUNNING)
			continue;
		int w = snprintf(l.text + l.len, sizeof l.text - l.len, "%s%s (%.0f s)",
				 l.len ? ", " : "", r->j->names[i], now - r->job[i].t0);
		if (w < 0 || (size_t)w >= sizeof l.text - l.len)
			break;
		l.len += (size_t)w;
	}
	if (l.len)
		progress_say("still working on %s", l.text);
}

static size_t running(const struct run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->j->n; i++)
		n += r->job[i].state == JOB_RUNNING;
	return n;
}

static unsigned max_jobs(const struct jobs *j)
{
	if (j->max)
		return j->max;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 0 ? (unsigned)cpus : 1;
}

static int run_all(struct run *r, struct clan_err *err)
{
	size_t next = 0;
	unsigned max = max_jobs(r->j);
	int rc = 0;
	for (;;) {
		while (rc == 0 && !r->failed && !r->stop_sig && next < r->j->n && running(r) < max)
			rc = start(r, next++, err);
		if (rc < 0 && running(r) > 0 && !r->stop_sig) {
			r->stop_sig = SIGTERM;
			kill_running(r, SIGTERM);
		}
		if (running(r) == 0)
			return rc;
		struct pollfd pfd = {.fd = r->sig_fd, .events = POLLIN};
		if (poll(&pfd, 1, POLL_MS) > 0)
			on_signal(r);
		reap(r);
		tick(r);
	}
}

int jobs_run(const struct jobs *j, size_t *failed, struct clan_err *err)
{
	static const int stop[] = {SIGINT, SIGTERM, SIGHUP};
	struct run r = {.j = j, .job = xcalloc(j->n ? j->n : 1, sizeof *r.job)};
	r.sig_fd = signals_to_fd(stop, ARRAY_SIZE(stop), &r.oldmask, err);
	if (r.sig_fd < 0) {
		free(r.job);
		return -1;
	}
	r.last_tick = now_s();
	int rc = run_all(&r, err);
	close(r.sig_fd);
	sigprocmask(SIG_SETMASK, &r.oldmask, NULL);
	free(r.job);
	if (rc < 0)
		return -1;
	if (r.stop_sig)
		return clan_error_code(err, 128 + r.stop_sig, "interrupted");
	if (!r.failed)
		return 0;
	*failed = r.failed_i;
	*err = r.first;
	return -1;
}
