/* The text of a container's /etc/hosts, /etc/resolv.conf and
 * /etc/hostname. Pure functions. */
#ifndef CLAN_HOSTS_H
#define CLAN_HOSTS_H

/* host_hosts: the host's /etc/hosts text when the container shares the
 * host network (its names keep working), else NULL. */
char *hosts_file_text(const char *hostname, const char *host_hosts);

/* host_resolv: the host's resolv.conf when sharing its network, else NULL
 * (a namespace with only loopback has no resolver). */
char *resolv_file_text(const char *host_resolv);

#endif
