/* Unit tests for jobs side by side (base/jobs.h): they really run at
 * once, never more than max; the first failure is reported with its job's
 * name and stops the others, which get to clean up; a signal to the
 * caller reaches every job and is returned as 128 + the signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/jobs.h"
#include "base/util.h"
#include "tap.h"

struct dir {
	char path[64];
};

static void dir_make(struct dir *d)
{
	snprintf(d->path, sizeof d->path, "/tmp/clan-test-jobs-XXXXXX");
	if (!mkdtemp(d->path))
		abort();
}

static bool marker(const struct dir *d, const char *what, size_t i)
{
	_cleanup_free_ char *path = xasprintf("%s/%s-%zu", d->path, what, i);
	return access(path, F_OK) == 0;
}

static void mark(const struct dir *d, const char *what, size_t i)
{
	_cleanup_free_ char *path = xasprintf("%s/%s-%zu", d->path, what, i);
	struct clan_err e;
	write_file(path, "", 0, &e);
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* Waits up to ms for the marker what of job i. */
static bool wait_marker_ms(const struct dir *d, const char *what, size_t i, int ms)
{
	for (int n = 0; n < ms / 10; n++) {
		if (marker(d, what, i))
			return true;
		sleep_ms(10);
	}
	return false;
}

static bool wait_marker(const struct dir *d, const char *what, size_t i)
{
	return wait_marker_ms(d, what, i, 10000);
}

static const struct dir *cleanup_dir;
static size_t cleanup_i;

static void on_stop(int sig)
{
	mark(cleanup_dir, "cleaned", cleanup_i);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A job that marks its start, then waits (2 s at most) until the other
 * job started too: the two ran at once. */
static int wait_for_peer(size_t i, void *arg, struct clan_err *err)
{
	const struct dir *d = arg;
	mark(d, "started", i);
	if (!wait_marker_ms(d, "started", 1 - i, 2000))
		return clan_error(err, 0, "job %zu never saw its peer", i);
	return 0;
}

TEST(jobs_run_at_once)
{
	struct dir d;
	dir_make(&d);
	const char *names[] = {"a", "b"};
	struct jobs j = {.n = 2, .names = names, .fn = wait_for_peer, .arg = &d, .max = 2};
	struct clan_err err = {0};
	size_t failed = 99;
	CHECK(jobs_run(&j, &failed, &err) == 0);
	CHECK(failed == 99);
	remove_tree(d.path, &err);
}

/* With max 1 the same jobs cannot meet: each fails, and the first failure
 * is reported, with its name, and the second never starts. */
TEST(jobs_max_one_runs_one)
{
	struct dir d;
	dir_make(&d);
	const char *names[] = {"first-job", "second-job"};
	struct jobs j = {.n = 2, .names = names, .fn = wait_for_peer, .arg = &d, .max = 1};
	struct clan_err err = {0};
	size_t failed = 99;
	CHECK(jobs_run(&j, &failed, &err) < 0);
	CHECK(failed == 0);
	CHECK(strstr(err.msg, "first-job") != NULL);
	CHECK(strstr(err.msg, "never saw its peer") != NULL);
	CHECK(err.code == 1);
	CHECK(!marker(&d, "started", 1));
	remove_tree(d.path, &err);
}

/* Job 0 fails once job 1 runs; job 1 would run for a minute, but is
 * stopped, cleans up; job 2 (no slot) never starts. */
static int fail_or_linger(size_t i, void *arg, struct clan_err *err)
{
	const struct dir *d = arg;
	cleanup_dir = d;
	cleanup_i = i;
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	mark(d, "started", i);
	if (i == 0) {
		wait_marker(d, "started", 1);
		return clan_error_code(err, 2, "cannot build job-zero: no such package");
	}
	sleep_ms(60000);
	return 0;
}

TEST(jobs_first_failure_stops_the_rest)
{
	struct dir d;
	dir_make(&d);
	const char *names[] = {"job-zero", "job-one", "job-two"};
	struct jobs j = {.n = 3, .names = names, .fn = fail_or_linger, .arg = &d, .max = 2};
	struct clan_err err = {0};
	size_t failed = 99;
	time_t t0 = time(NULL);
	CHECK(jobs_run(&j, &failed, &err) < 0);
	CHECK(time(NULL) - t0 < 30);
	CHECK(failed == 0);
	CHECK_STR(err.msg, "cannot build job-zero: no such package"); /* the name once */
	CHECK(err.code == 2);
	CHECK(marker(&d, "cleaned", 1));
	CHECK(!marker(&d, "started", 2));
	remove_tree(d.path, &err);
}

static int linger(size_t i, void *arg, struct clan_err *err)
{
	(void)err;
	const struct dir *d = arg;
	cleanup_dir = d;
	cleanup_i = i;
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	mark(d, "started", i);
	sleep_ms(60000);
	return 0;
}

/* SIGINT to the caller: each running job gets it and cleans up; the call
 * returns 130 once they are gone. The caller runs in a child of its own,
 * so that the signal reaches only it. */
TEST(jobs_signal_reaches_every_job)
{
	struct dir d;
	dir_make(&d);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		const char *names[] = {"x", "y"};
		struct jobs j = {.n = 2, .names = names, .fn = linger, .arg = &d, .max = 2};
		struct clan_err err = {0};
		size_t failed;
		int rc = jobs_run(&j, &failed, &err);
		_exit(rc < 0 ? err.code : 0);
	}
	CHECK(wait_marker(&d, "started", 0));
	CHECK(wait_marker(&d, "started", 1));
	kill(pid, SIGINT);
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 130);
	CHECK(marker(&d, "cleaned", 0));
	CHECK(marker(&d, "cleaned", 1));
	struct clan_err err;
	remove_tree(d.path, &err);
}
