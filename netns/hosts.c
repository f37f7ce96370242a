#define _GNU_SOURCE
#include "hosts.h"

#include <string.h>

#include "util.h"

char *hosts_file_text(const char *hostname, const char *host_hosts)
{
	if (host_hosts) {
		size_t n = strlen(host_hosts);
		const char *sep = n && host_hosts[n - 1] != '\n' ? "\n" : "";
		return xasprintf("%s%s127.0.1.1\t%s\n", host_hosts, sep, hostname);
	}
	return xasprintf("127.0.0.1\tlocalhost\n"
			 "::1\tlocalhost ip6-localhost ip6-loopback\n"
			 "127.0.1.1\t%s\n",
			 hostname);
}

char *resolv_file_text(const char *host_resolv)
{
	if (host_resolv)
		return xstrdup(host_resolv);
	return xstrdup("# no network: this container has only loopback\n");
}
