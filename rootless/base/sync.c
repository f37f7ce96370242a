#define _GNU_SOURCE
#include "base/sync.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sync_pair(int fds[2], struct clan_err *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return clan_error(err, errno, "cannot create the parent/child socket");
	return 0;
}

int sync_send(int fd, char tag, int code, const char *text, int pass_fd)
{
	char buf[1 + sizeof(int) + 1024];
	size_t tlen = text ? strnlen(text, 1023) : 0;
	buf[0] = tag;
	memcpy(buf + 1, &code, sizeof code);
	memcpy(buf + 1 + sizeof code, text ? text : "", tlen);

	struct iovec iov = {.iov_base = buf, .iov_len = 1 + sizeof code + tlen};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	char cbuf[CMSG_SPACE(sizeof(int))];
	if (pass_fd >= 0) {
		memset(cbuf, 0, sizeof cbuf);
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof cbuf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

int sync_recv(int fd, struct sync_msg *m)
{
	char buf[1 + sizeof(int) + 1024];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	/* ECONNRESET: the peer closed with messages of ours unread in its
	 * queue (a child that died building its root while SYNC_NET waited
	 * for it). The kernel reports that once, ahead of what the peer sent
	 * before closing, which is still queued here: its error message.
	 * Read on; after the queue comes EOF. */
	ssize_t n;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && (errno == EINTR || errno == ECONNRESET));
	if (n <= 0)
		return n == 0 ? 0 : -1;
	if ((size_t)n < 1 + sizeof(int)) {
		errno = EPROTO;
		return -1;
	}
	m->tag = buf[0];
	memcpy(&m->code, buf + 1, sizeof m->code);
	size_t tlen = (size_t)n - 1 - sizeof(int);
	memcpy(m->text, buf + 1 + sizeof(int), tlen);
	m->text[tlen] = '\0';
	m->fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&m->fd, CMSG_DATA(c), sizeof(int));
	return 1;
}

noreturn void child_die(int sync_fd, int code, int errno_val, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (errno_val && n >= 0 && (size_t)n < sizeof text)
		snprintf(text + n, sizeof text - (size_t)n, ": %s", strerror(errno_val));
	if (sync_send(sync_fd, SYNC_ERROR, code, text, -1) < 0)
		fprintf(stderr, "clan: %s\n", text);
	_exit(code);
}

noreturn void child_die_err(int sync_fd, const struct clan_err *err)
{
	child_die(sync_fd, CLAN_EXIT_SETUP, 0, "%s", err->msg);
}
