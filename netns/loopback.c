#define _GNU_SOURCE
#include "netns/loopback.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"

int loopback_up(struct clan_err *err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return clan_error(err, errno, "cannot open a socket to configure lo");
	struct ifreq ifr = {0};
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return clan_error(err, errno, "cannot read the flags of lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return clan_error(err, errno, "cannot bring lo up");
	return 0;
}

int netns_allow_low_ports(struct clan_err *err)
{
	return write_existing("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0", err);
}
