/* The parent/child channel (rootless/base/sync.c). The case that matters: a
 * child that dies with a message of ours unread (SYNC_NET queued while it
 * was still building its root) must not take its own last message, the
 * error it sent before dying, with it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sync.h"
#include "tap.h"
#include "base/util.h"

/* A child that reports an error with child_die after the parent's sends
 * are queued unread, as a container's pid 1 whose mount is refused after
 * slirp4netns came up. Returns its pid; it has exited when this returns. */
static pid_t die_with_unread(int sv[2], int unread, int *status)
{
	int go[2];
	if (pipe(go) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(go[1]);
		char b;
		if (read(go[0], &b, 1) != 1) /* the parent's messages are queued */
			_exit(99);
		child_die(sv[1], CLAN_EXIT_USAGE, 0, "mount destination /etc escapes the root");
	}
	close(sv[1]);
	close(go[0]);
	for (int i = 0; i < unread; i++)
		if (sync_send(sv[0], SYNC_NET, 0, NULL, -1) < 0)
			abort();
	if (write(go[1], "x", 1) != 1)
		abort();
	close(go[1]);
	if (waitpid(pid, status, 0) != pid)
		abort();
	return pid;
}

TEST(error_survives_unread_messages_of_the_dead_child)
{
	int sv[2], status = 0;
	struct clan_err err;
	struct sync_msg m = {0};
	CHECK(sync_pair(sv, &err) == 0);
	die_with_unread(sv, 1, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == CLAN_EXIT_USAGE);
	CHECK(sync_recv(sv[0], &m) == 1);
	CHECK(m.tag == SYNC_ERROR);
	CHECK(m.code == CLAN_EXIT_USAGE);
	CHECK_STR(m.text, "mount destination /etc escapes the root");
	CHECK(m.fd == -1);
	/* then the end of the channel, not an error */
	CHECK(sync_recv(sv[0], &m) == 0);
	close(sv[0]);
}

TEST(error_read_when_nothing_was_unread)
{
	int sv[2], status = 0;
	struct clan_err err;
	struct sync_msg m = {0};
	CHECK(sync_pair(sv, &err) == 0);
	die_with_unread(sv, 0, &status);
	CHECK(sync_recv(sv[0], &m) == 1);
	CHECK(m.tag == SYNC_ERROR && m.code == CLAN_EXIT_USAGE);
	CHECK(sync_recv(sv[0], &m) == 0);
	close(sv[0]);
}

/* The peer gone with our message unread and nothing of its own: EOF. */
TEST(eof_after_unread_without_message)
{
	int sv[2];
	struct clan_err err;
	struct sync_msg m = {0};
	CHECK(sync_pair(sv, &err) == 0);
	CHECK(sync_send(sv[0], SYNC_GO, 0, NULL, -1) == 0);
	close(sv[1]);
	CHECK(sync_recv(sv[0], &m) == 0);
	close(sv[0]);
}

TEST(message_text_and_code_round_trip)
{
	int sv[2];
	struct clan_err err;
	struct sync_msg m = {0};
	CHECK(sync_pair(sv, &err) == 0);
	CHECK(sync_send(sv[1], SYNC_ERROR, 125, "cannot open /x", -1) == 0);
	CHECK(sync_recv(sv[0], &m) == 1);
	CHECK(m.tag == SYNC_ERROR && m.code == 125);
	CHECK_STR(m.text, "cannot open /x");
	close(sv[0]);
	close(sv[1]);
}
