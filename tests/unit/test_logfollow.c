/* clan logs through logview_run: following a log written fast across its
 * rotations loses and repeats no line; reading stays within a few MB
 * whatever the log size; a log path replaced by a symlink or a fifo is not
 * followed elsewhere and does not hang clan logs (nor the writer). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/logfile.h"
#include "cli/logview.h"
#include "base/procfs.h"
#include "supervisor/stack_state.h"
#include "tap.h"
#include "base/util.h"

#define FOLLOW_LINES 2000000
/* ~70 bytes a line: 140 MB written, 13 rotations of the 10 MB log */
#define PAD "-padding-to-make-the-log-rotate-often-"

static char *make_dir(void)
{
	char tmpl[] = "/tmp/clan-test-logfollow.XXXXXX";
	return xstrdup(mkdtemp(tmpl) ? tmpl : "/nonexistent");
}

static void remove_dir(const char *dir)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

/* Runs logview_run with stdout on fd out; returns what it returned. */
static int view_to(int out, struct logview_opts *o)
{
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(out, STDOUT_FILENO);
	int rc = logview_run(o);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

/* Counts the lines "N PAD" read from fd: want 1, 2, ... in order. Writes
 * "count missing repeated" to res. */
static void count_lines(int fd, int res)
{
	FILE *f = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	long next = 1, count = 0, missing = 0, repeated = 0;
	while (f && getline(&line, &cap, f) > 0) {
		long v = strtol(line, NULL, 10);
		count++;
		if (v > next)
			missing += v - next;
		else if (v < next)
			repeated++;
		next = v >= next ? v + 1 : next;
	}
	dprintf(res, "%ld %ld %ld\n", count, missing, repeated);
	_exit(0);
}

static void write_lines(const char *dir, long n)
{
	struct log_writer w;
	struct clan_err err;
	if (log_open(dir, "web", &w, &err) < 0)
		_exit(1);
	for (long i = 1; i <= n; i++) {
		char line[128];
		int len = snprintf(line, sizeof line, "%ld %s", i, PAD);
		log_line(&w, 'o', line, (size_t)len);
	}
	log_close(&w);
	_exit(0);
}

/* The writer in a child, whose pid stands for the supervisor's: clan logs
 * -f stops once it exited and all is read. */
static pid_t start_writer(const char *dir, struct stack_state *ss, long n)
{
	fflush(stdout); /* a child's fflush would print it twice */
	pid_t pid = fork();
	if (pid == 0)
		write_lines(dir, n);
	ss->pidfile = xasprintf("%s/pid", dir);
	FILE *f = fopen(ss->pidfile, "w");
	if (f) {
		fprintf(f, "%d %llu\n", (int)pid, (unsigned long long)proc_start_time(pid));
		fclose(f);
	}
	return pid;
}

TEST(follow_two_million_lines_across_rotations)
{
	_cleanup_free_ char *dir = make_dir();
	/* children reaped by the kernel: the writer is gone once it exits */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGCHLD, &ign, &old);
	int out[2], res[2];
	CHECK(pipe(out) == 0 && pipe(res) == 0);
	fflush(stdout);
	if (fork() == 0) {
		close(out[1]);
		count_lines(out[0], res[1]);
	}
	close(out[0]);
	struct stack_state ss = {.logdir = dir};
	struct strv names = {0};
	strv_push(&names, "web");
	start_writer(dir, &ss, FOLLOW_LINES);
	struct logview_opts o = {.ss = &ss,
				 .services = &names,
				 .follow = true,
				 .tail = -1,
				 .stop_fd = -1,
				 .until_supervisor_exits = true};
	view_to(out[1], &o);
	close(out[1]);
	close(res[1]);
	char text[128] = "";
	CHECK(read(res[0], text, sizeof text - 1) > 0);
	close(res[0]);
	long count = 0, missing = -1, repeated = -1;
	CHECK(sscanf(text, "%ld %ld %ld", &count, &missing, &repeated) == 3);
	printf("# followed %ld lines: %ld missing, %ld repeated\n", count, missing, repeated);
	CHECK(count == FOLLOW_LINES && missing == 0 && repeated == 0);
	_cleanup_free_ char *rotated = xasprintf("%s/web.log.1", dir);
	CHECK(access(rotated, F_OK) == 0);
	sigaction(SIGCHLD, &old, NULL);
	free(ss.pidfile);
	strv_free(&names);
	remove_dir(dir);
}

/* Peak RSS (KiB) of a child running logs (no follow) of three 20 MB
 * services to /dev/null, above what it had before. */
static long view_peak_kib(const char *dir, struct strv *names, long tail)
{
	fflush(stdout); /* a child's fflush would print it twice */
	pid_t pid = fork();
	if (pid == 0) {
		struct rusage before, after;
		getrusage(RUSAGE_SELF, &before);
		struct stack_state ss = {.logdir = (char *)dir};
		struct logview_opts o = {
		    .ss = &ss, .services = names, .prefix = true, .tail = tail, .stop_fd = -1};
		int null = open("/dev/null", O_WRONLY);
		view_to(null, &o);
		getrusage(RUSAGE_SELF, &after);
		long tenths = (after.ru_maxrss - before.ru_maxrss) * 10 / 1024;
		_exit(tenths > 250 ? 250 : (int)tenths);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) * 1024L / 10; /* exit code: tenths of MiB */
}

TEST(logs_memory_stays_bounded)
{
	_cleanup_free_ char *dir = make_dir();
	struct strv names = {0};
	const char *svcs[] = {"web", "db", "cache"};
	for (size_t s = 0; s < ARRAY_SIZE(svcs); s++) {
		struct log_writer w;
		struct clan_err err;
		CHECK(log_open(dir, svcs[s], &w, &err) == 0);
		for (long i = 0; i < 300000; i++) {
			char line[128];
			int len = snprintf(line, sizeof line, "%s %ld %s", svcs[s], i, PAD);
			log_line(&w, 'o', line, (size_t)len);
		}
		log_close(&w);
		strv_push(&names, svcs[s]);
	}
	long all = view_peak_kib(dir, &names, -1), tail = view_peak_kib(dir, &names, 10);
	printf("# peak RSS growth: %ld KiB for all, %ld KiB for --tail 10\n", all, tail);
	/* the logs are 60 MB: a few MB is a stream, not a load */
	CHECK(all >= 0 && all < 8 * 1024);
	CHECK(tail >= 0 && tail < 8 * 1024);
	strv_free(&names);
	remove_dir(dir);
}

/* Runs fn in a child that SIGALRM ends after 10 s: true when it exited 0
 * in time (a hang is a failure, not a stuck test run). */
static bool finishes(void (*fn)(const char *), const char *dir)
{
	fflush(stdout); /* a child's fflush would print it twice */
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		fn(dir);
		_exit(0);
	}
	int st;
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* clan logs (and -f, once the writer is gone) of web: its output. */
static char *logs_of_web(const char *dir, bool follow, const char *pidfile)
{
	struct stack_state ss = {.logdir = (char *)dir, .pidfile = (char *)pidfile};
	struct strv names = {0};
	strv_push(&names, "web");
	struct logview_opts o = {.ss = &ss,
				 .services = &names,
				 .follow = follow,
				 .tail = -1,
				 .stop_fd = -1,
				 .until_supervisor_exits = true};
	_cleanup_free_ char *path = xasprintf("%s/out", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	view_to(fd, &o);
	close(fd);
	strv_free(&names);
	char *out = NULL;
	struct clan_err err;
	if (read_file(path, 1 << 20, &out, &err) < 0)
		out = xstrdup("");
	return out;
}

static void view_web(const char *dir)
{
	free(logs_of_web(dir, true, "/nonexistent"));
}

static void open_writer(const char *dir)
{
	struct log_writer w;
	struct clan_err err;
	if (log_open(dir, "web", &w, &err) == 0)
		_exit(2); /* a fifo is no log */
}

TEST(fifo_at_log_path_does_not_hang)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *log = xasprintf("%s/web.log", dir);
	CHECK(mkfifo(log, 0600) == 0);
	CHECK(finishes(view_web, dir));
	CHECK(finishes(open_writer, dir));
	unlink(log);
	_cleanup_free_ char *rotated = xasprintf("%s/web.log.1", dir);
	CHECK(mkfifo(rotated, 0600) == 0);
	CHECK(finishes(view_web, dir));
	remove_dir(dir);
}

#define SECRET "1764100000.000000001 o SECRET of another file\n"

TEST(symlink_at_log_path_not_followed)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *log = xasprintf("%s/web.log", dir);
	_cleanup_free_ char *secret = xasprintf("%s/secret", dir);
	struct clan_err err;
	CHECK(write_file(secret, SECRET, strlen(SECRET), &err) == 0);
	CHECK(symlink(secret, log) == 0);
	_cleanup_free_ char *out = logs_of_web(dir, false, "/nonexistent");
	CHECK(strstr(out, "SECRET") == NULL);
	/* the writer does not write through it either */
	struct log_writer w;
	CHECK(log_open(dir, "web", &w, &err) < 0);
	_cleanup_free_ char *text = NULL;
	CHECK(read_file(secret, 4096, &text, &err) == 0 && strcmp(text, SECRET) == 0);
	remove_dir(dir);
}

/* Once clan logs -f printed the log's first line (so holds the file),
 * its path is made a symlink to another file with log lines, as a hostile
 * user sharing the dir could. */
static void swap_when_shown(const char *dir)
{
	_cleanup_free_ char *out = xasprintf("%s/out", dir);
	for (int i = 0; i < 1000; i++) {
		_cleanup_free_ char *text = NULL;
		struct clan_err err;
		if (read_file(out, 1 << 20, &text, &err) == 0 && strstr(text, "first"))
			break;
		usleep(10000);
	}
	_cleanup_free_ char *log = xasprintf("%s/web.log", dir);
	_cleanup_free_ char *secret = xasprintf("%s/secret", dir);
	_cleanup_free_ char *tmp = xasprintf("%s/link", dir);
	if (symlink(secret, tmp) < 0 || rename(tmp, log) < 0)
		_exit(1);
	_exit(0);
}

TEST(symlink_swapped_in_while_following)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *secret = xasprintf("%s/secret", dir);
	struct clan_err err;
	CHECK(write_file(secret, SECRET, strlen(SECRET), &err) == 0);
	struct log_writer w;
	CHECK(log_open(dir, "web", &w, &err) == 0);
	log_line(&w, 'o', "first", 5);
	log_close(&w);
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGCHLD, &ign, &old);
	_cleanup_free_ char *pidfile = xasprintf("%s/pid", dir);
	fflush(stdout); /* a child's fflush would print it twice */
	pid_t pid = fork();
	if (pid == 0)
		swap_when_shown(dir);
	/* followed until the swapping child is gone */
	_cleanup_free_ char *text =
	    xasprintf("%d %llu\n", (int)pid, (unsigned long long)proc_start_time(pid));
	CHECK(write_file(pidfile, text, strlen(text), &err) == 0);
	_cleanup_free_ char *out = logs_of_web(dir, true, pidfile);
	sigaction(SIGCHLD, &old, NULL);
	CHECK(strstr(out, "first") != NULL);
	CHECK(strstr(out, "SECRET") == NULL);
	remove_dir(dir);
}
