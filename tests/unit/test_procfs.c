/* Unit tests for rootless/procfs: the start time from /proc/PID/stat (whose
 * comm may hold spaces and parentheses) and the signal masks of
 * /proc/PID/status. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/procfs.h"
#include "tap.h"
#include "base/util.h"

/* Fields 3..21 then 22 (starttime) = 424242, then two more. */
#define AFTER_COMM " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20 21\n"

TEST(stat_start_time_simple)
{
	CHECK(parse_stat_start_time("1234 (sh)" AFTER_COMM) == 424242);
	CHECK(parse_stat_start_time("1 (x) S 0 0 0 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 "
				    "18446744073709551615 1 2\n") == UINT64_MAX);
}

TEST(stat_start_time_awkward_comm)
{
	CHECK(parse_stat_start_time("1234 (a b c)" AFTER_COMM) == 424242);
	CHECK(parse_stat_start_time("1234 (a) b)" AFTER_COMM) == 424242);
	CHECK(parse_stat_start_time("1234 ())) (()" AFTER_COMM) == 424242);
	/* a comm that imitates the fields that follow it */
	CHECK(parse_stat_start_time(
		  "1234 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99)" AFTER_COMM) ==
	      424242);
	CHECK(parse_stat_start_time("1234 ()" AFTER_COMM) == 424242);
}

TEST(stat_start_time_malformed)
{
	CHECK(parse_stat_start_time("") == 0);
	CHECK(parse_stat_start_time("1234 sh S 1 2 3") == 0);
	CHECK(parse_stat_start_time("1234 (sh) S 1 2 3 4 5") == 0);
	/* 21 fields: the start time is missing */
	CHECK(parse_stat_start_time("1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18") == 0);
	CHECK(parse_stat_start_time("1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x") == 0);
}

/* Text that ends right after the last ')' must not be read past: placed at
 * the very end of a page followed by an inaccessible one, an overread
 * faults; a child process takes the fault. */
TEST(stat_start_time_text_ending_at_paren)
{
	long page = sysconf(_SC_PAGESIZE);
	char *mem = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED);
	if (mem == MAP_FAILED)
		return;
	CHECK(mprotect(mem + page, (size_t)page, PROT_NONE) == 0);
	static const char text[] = "1 (x)";
	char *s = mem + page - sizeof text;
	memcpy(s, text, sizeof text);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(parse_stat_start_time(s) == 0 ? 0 : 1);
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status))
		printf("#   parse_stat_start_time(\"1 (x)\") killed by signal %d\n",
		       WTERMSIG(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	munmap(mem, (size_t)page * 2);
}

TEST(stat_start_time_of_self)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err err;
	CHECK(read_file("/proc/self/stat", 8192, &text, &err) == 0);
	uint64_t t = text ? parse_stat_start_time(text) : 0;
	CHECK(t > 0);
	CHECK(proc_start_time(getpid()) == t);
	CHECK(proc_start_time(0) == 0); /* /proc/0 does not exist */
}

static const char status_text[] = "Name:\tsleep\n"
				  "SigQ:\t0/63465\n"
				  "SigPnd:\t0000000000000000\n"
				  "ShdPnd:\t0000000000000000\n"
				  "SigBlk:\t0000000000010000\n"
				  "SigIgn:\t0000000000001006\n"
				  "SigCgt:\t0000000180004002\n"
				  "CapBnd:\t000001ffffffffff\n";

TEST(status_masks)
{
	uint64_t v = 0;
	CHECK(parse_status_mask(status_text, "SigCgt", &v) && v == 0x180004002ULL);
	CHECK(parse_status_mask(status_text, "SigIgn", &v) && v == 0x1006);
	CHECK(parse_status_mask(status_text, "SigBlk", &v) && v == 0x10000);
	CHECK(parse_status_mask(status_text, "SigPnd", &v) && v == 0);
	CHECK(parse_status_mask(status_text, "CapBnd", &v) && v == 0x1ffffffffffULL);
	CHECK(parse_status_mask("X:\tffffffffffffffff", "X", &v) && v == UINT64_MAX);
}

TEST(status_mask_field_matching)
{
	uint64_t v = 7;
	/* a prefix of a field name is not that field */
	CHECK(!parse_status_mask(status_text, "SigC", &v));
	CHECK(!parse_status_mask(status_text, "Sig", &v));
	CHECK(!parse_status_mask(status_text, "NoSuch", &v));
	CHECK(v == 7);
	/* the name must start its line */
	CHECK(!parse_status_mask("XSigCgt:\t1\n", "SigCgt", &v));
	CHECK(!parse_status_mask(" SigCgt:\t1\n", "SigCgt", &v));
	CHECK(parse_status_mask("A:\t1\nSigCgt:\t2\n", "SigCgt", &v) && v == 2);
	/* the first occurrence wins */
	CHECK(parse_status_mask("SigCgt:\t3\nSigCgt:\t4\n", "SigCgt", &v) && v == 3);
	CHECK(!parse_status_mask("", "SigCgt", &v));
	CHECK(!parse_status_mask("SigCgt:", "SigCgt", &v));
	CHECK(!parse_status_mask("SigCgt:\tzz\n", "SigCgt", &v));
}

TEST(signal_default_of_children)
{
	/* a child that ignores SIGUSR1 and catches nothing else */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, SIG_IGN);
		pause();
		_exit(0);
	}
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	/* wait until the child has set it up */
	for (int i = 0; i < 1000 && proc_signal_is_default(pid, SIGUSR1); i++)
		usleep(1000);
	CHECK(!proc_signal_is_default(pid, SIGUSR1));
	CHECK(proc_signal_is_default(pid, SIGUSR2));
	CHECK(proc_signal_is_default(pid, SIGTERM));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK(!proc_signal_is_default(pid, SIGTERM)); /* gone: cannot be read */
}

/* A child that sleeps in sigwait() for SIGTERM takes SIGTERM: it is not
 * "default" (clan must forward it, not SIGKILL in its place); a plain
 * sleeping child is. */
static pid_t spawn_sleeper(bool sigwait_term)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (sigwait_term) {
			sigset_t set;
			int sig;
			sigemptyset(&set);
			sigaddset(&set, SIGTERM);
			sigprocmask(SIG_BLOCK, &set, NULL);
			sigwait(&set, &sig);
			_exit(0);
		}
		pause();
		_exit(0);
	}
	return pid;
}

TEST(stat_ppid)
{
	CHECK(parse_stat_ppid("1234 (sh) S 77 1234 1 0") == 77);
	CHECK(parse_stat_ppid("1234 (a) b) c) R 5 1 1") == 5); /* comm with ") " */
	CHECK(parse_stat_ppid("1 (init) S 0 0 0") == 0);
	CHECK(parse_stat_ppid("1234 (sh)") == 0);
	CHECK(parse_stat_ppid("garbage") == 0);
	CHECK(parse_stat_ppid("") == 0);
}

TEST(ns_open_of_self)
{
	int fd = proc_ns_open(getpid(), "net");
	struct stat a, b;
	CHECK(fd >= 0);
	CHECK(fd >= 0 && fstat(fd, &a) == 0 && stat("/proc/self/ns/net", &b) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	if (fd >= 0)
		close(fd);
	/* no such namespace: the error at once, no waiting */
	CHECK(proc_ns_open(getpid(), "nosuch") < 0 && errno == ENOENT);
}

TEST(signal_default_sees_sigwait)
{
	pid_t waiter = spawn_sleeper(true), plain = spawn_sleeper(false);
	CHECK(waiter > 0 && plain > 0);
	usleep(200000);
	CHECK(!proc_signal_is_default(waiter, SIGTERM));
	CHECK(proc_signal_is_default(plain, SIGTERM));
	kill(waiter, SIGTERM);
	kill(plain, SIGKILL);
	int status;
	CHECK(waitpid(waiter, &status, 0) == waiter && WIFEXITED(status));
	CHECK(waitpid(plain, &status, 0) == plain);
}
