/* Unit tests for netns/portfwd_limits: the forwarder's caps against its fd
 * limit, and the count of connections per client address. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netns/portfwd_limits.h"
#include "tap.h"

TEST(caps_follow_the_fd_limit)
{
	struct fwd_limits lim;
	fwd_limits_for(&lim, 1048576, 400);
	CHECK(lim.max_conns == 4096); /* the ceiling, far below the limit */
	CHECK(lim.per_source == 1024);
	CHECK(lim.silent_ms == 30000 && lim.half_ms == 60000);
	/* every connection at its worst (6 fds) fits beside the fixed ones */
	fwd_limits_for(&lim, 20000, 400);
	CHECK(lim.max_conns * 6 + 400 <= 20000 && lim.max_conns > 3000);
	fwd_limits_for(&lim, 1024, 336);
	CHECK(lim.max_conns * 6 + 336 <= 1024 && lim.max_conns >= 100);
	fwd_limits_for(&lim, 64, 336); /* nothing left: a floor, not zero */
	CHECK(lim.max_conns == 16 && lim.per_source == 4);
}

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return ss;
}

TEST(sources_count_per_address)
{
	static struct fwd_sources t;
	struct sockaddr_storage a1 = v4("127.0.0.1", 1000), a2 = v4("127.0.0.1", 2000);
	struct sockaddr_storage b = v4("127.0.1.7", 1000);
	struct fwd_source *s1 = fwd_source_get(&t, &a1);
	struct fwd_source *s2 = fwd_source_get(&t, &a2); /* the port does not count */
	struct fwd_source *sb = fwd_source_get(&t, &b);
	CHECK(s1 == s2 && s1->n == 2);
	CHECK(sb != s1 && sb->n == 1);
	struct sockaddr_storage m = {0}; /* ::ffff:127.0.0.1 is the same client */
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&m;
	a6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6->sin6_addr);
	CHECK(fwd_source_get(&t, &m) == s1 && s1->n == 3);
	fwd_source_put(&t, s1);
	fwd_source_put(&t, s1);
	fwd_source_put(&t, s1);
	fwd_source_put(&t, sb);
	for (size_t i = 0; i < FWD_SOURCE_BUCKETS; i++)
		CHECK(t.bucket[i] == NULL);
}
