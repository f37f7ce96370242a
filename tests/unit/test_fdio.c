/* Unit tests for base/fdio (pwrite_all, close_fds_except) and wait_child
 * in base/util. pwrite is replaced below: this binary's definition wins
 * over libc's for libclan.a, so a test can make it write nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fdio.h"
#include "base/util.h"
#include "tap.h"

/* scripted results: each call takes the next; past the script, the real
 * pwrite(2) */
static const ssize_t *script;
static size_t script_n, calls;

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	calls++;
	if (calls <= script_n) {
		ssize_t r = script[calls - 1];
		if (r == -1)
			errno = EINTR;
		if (r == -2) {
			errno = EIO;
			return -1;
		}
		/* too many calls: an old loop that never gives up */
		return r > (ssize_t)len ? (ssize_t)len : r;
	}
	if (calls > script_n + 100) {
		errno = ELOOP;
		return -1;
	}
	return syscall(SYS_pwrite64, fd, buf, len, off);
}

static void play(const ssize_t *s, size_t n)
{
	script = s;
	script_n = n;
	calls = 0;
}

static int temp_file(void)
{
	char path[] = "/tmp/clan-test-fdio-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

TEST(pwrite_all_writes_at_the_offset)
{
	_cleanup_close_ int fd = temp_file();
	CHECK(fd >= 0);
	play(NULL, 0);
	CHECK(pwrite_all(fd, "hello", 5, 3));
	/* the fd's offset is untouched */
	CHECK(lseek(fd, 0, SEEK_CUR) == 0);
	char buf[9] = "";
	CHECK(pread(fd, buf, 8, 0) == 8);
	CHECK(memcmp(buf, "\0\0\0hello", 8) == 0);
}

TEST(pwrite_all_retries_short_writes_and_eintr)
{
	_cleanup_close_ int fd = temp_file();
	CHECK(fd >= 0);
	/* 2 bytes written by the fake, then EINTR, then the rest (real) */
	static const ssize_t s[] = {2, -1};
	play(s, 2);
	CHECK(pwrite_all(fd, "abcdef", 6, 0));
	char buf[7] = "";
	/* the fake wrote nothing: the real call wrote the rest at 2 */
	CHECK(pread(fd, buf, 6, 0) == 6);
	CHECK(memcmp(buf, "\0\0cdef", 6) == 0);
	CHECK(calls == 3);
}

/* layer_write.c's copy looped forever on a 0 return; registry_fetch.c's
 * failed with a stale errno */
TEST(pwrite_all_zero_is_enospc)
{
	static const ssize_t s[] = {0, 0, 0};
	play(s, 3);
	errno = 0;
	CHECK(!pwrite_all(9999, "x", 1, 0));
	CHECK(errno == ENOSPC);
	CHECK(calls == 1);
	play(NULL, 0);
}

TEST(pwrite_all_error)
{
	static const ssize_t s[] = {-2};
	play(s, 1);
	CHECK(!pwrite_all(9999, "x", 1, 0));
	CHECK(errno == EIO);
	play(NULL, 0);
}

/* In a child: fds 3..9 open, keep one, then report (as the exit code's
 * bits) which of 3..9 are still open. */
static int open_after_close(int keep)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (int fd = 3; fd <= 9; fd++)
			if (dup2(0, fd) < 0)
				_exit(255);
		if (close_fds_except(keep) < 0)
			_exit(254);
		int bits = 0;
		for (int fd = 3; fd <= 9; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				bits |= 1 << (fd - 3);
		/* 0-2 stay */
		if (fcntl(0, F_GETFD) < 0 || fcntl(2, F_GETFD) < 0)
			bits |= 128;
		_exit(bits);
	}
	int status;
	if (pid < 0 || wait_child(pid, &status) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(close_fds_except_keeps_one)
{
	CHECK(open_after_close(3) == 1 << 0);
	CHECK(open_after_close(6) == 1 << 3);
	CHECK(open_after_close(9) == 1 << 6);
	CHECK(open_after_close(-1) == 0);
	CHECK(open_after_close(2) == 0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST(wait_child_survives_signals)
{
	/* no SA_RESTART: waitpid returns EINTR at each tick */
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	CHECK(sigaction(SIGALRM, &sa, &old) == 0);
	struct itimerval tick = {.it_interval = {0, 5000}, .it_value = {0, 5000}}, off = {0};
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100 * 1000);
		_exit(7);
	}
	CHECK(setitimer(ITIMER_REAL, &tick, NULL) == 0);
	int status = 0;
	CHECK(wait_child(pid, &status) == 0);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	/* no such child */
	CHECK(wait_child(pid, &status) < 0 && errno == ECHILD);
}

TEST(cloexec_fds_from_marks_from_first)
{
	int fds[3];
	for (int i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDONLY); /* without O_CLOEXEC */
	CHECK(fds[0] >= 0 && fds[1] > fds[0] && fds[2] > fds[1]);
	CHECK(cloexec_fds_from(fds[1]) == 0);
	CHECK(fcntl(fds[0], F_GETFD) == 0);
	CHECK(fcntl(fds[1], F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(fds[2], F_GETFD) == FD_CLOEXEC);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}
