/* The text of a container's /etc/hosts, /etc/resolv.conf and
 * /etc/hostname. Pure functions. */
#ifndef CLAN_HOSTS_H
#define CLAN_HOSTS_H

#include <stdbool.h>

#include "base/util.h"

struct hosts_input {
	const char *hostname;
	/* the host's /etc/hosts when sharing its network (its names keep
	 * working), else NULL */
	const char *host_hosts;
	/* the container's own address (slirp4netns's guest address); NULL:
	 * 127.0.1.1, as Debian names a machine without one */
	const char *own_ip;
	/* names that live in this network namespace (a stack's services and
	 * their aliases): they are all 127.0.0.1 */
	const struct strv *local_names;
	/* "IP\tNAME" lines from --add-host, verbatim */
	const struct strv *extra;
	/* host.clan.internal -> slirp4netns's gateway */
	bool host_gateway;
};

char *hosts_file_text(const struct hosts_input *in);

/* host_resolv: the host's resolv.conf text (or NULL). nameserver NULL
 * (host network): the host's file as it is. Else that nameserver with the
 * host's search and options lines. Neither: a comment (only loopback). */
char *resolv_file_text(const char *host_resolv, const char *nameserver);

#endif
