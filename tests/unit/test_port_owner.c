/* Unit tests for port_owner.c: the /proc/net/tcp line parser, and who
 * listens on a port of this test's own network namespace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/port_owner.h"
#include "tap.h"

TEST(tcp_lines)
{
	unsigned long ino = 0;
	const char *v4 = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
			 "00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0";
	CHECK(port_line_listens(v4, 8080, &ino));
	CHECK(ino == 123456);
	CHECK(!port_line_listens(v4, 80, &ino));
	/* established (01), not listening */
	const char *est = "   1: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 "
			  "00000000  1000        0 999 1 0000000000000000 20 4 30 10 -1";
	CHECK(!port_line_listens(est, 8080, &ino));
	const char *v6 = "   0: 00000000000000000000000000000000:0050 "
			 "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
			 "00000000     0        0 777 1 0000000000000000 100 0 0 10 0";
	CHECK(port_line_listens(v6, 80, &ino));
	CHECK(ino == 777);
	/* the header, garbage, an inode 0 (a socket being torn down) */
	CHECK(!port_line_listens("  sl  local_address rem_address   st tx_queue rx_queue tr "
				 "tm->when retrnsmt   uid  timeout inode",
				 80, &ino));
	CHECK(!port_line_listens("", 80, &ino));
	CHECK(!port_line_listens("0: zz:0050 00:0000 0A", 80, &ino));
	CHECK(!port_line_listens("   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 "
				 "00:00000000 00000000  1000        0 0 1",
				 80, &ino));
}

TEST(own_listener)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	uint16_t port = ntohs(a.sin_port);
	/* bound, not listening: nothing listens */
	CHECK(port_owner(getpid(), port) == PORT_NONE);
	CHECK(listen(fd, 1) == 0);
	CHECK(port_owner(getpid(), port) == PORT_OWN);
	close(fd);
	CHECK(port_owner(getpid(), port) == PORT_NONE);
}
