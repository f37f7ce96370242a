/* libFuzzer target: the container's /etc/hosts and /etc/resolv.conf made
 * from the host's (netns/hosts): the input is the host's file. The
 * host's text comes first in /etc/hosts, whole; a resolv.conf with our
 * nameserver names no other nameserver. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netns/hosts.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct strv names = {0}, extra = {0};
	strv_push(&names, "web");
	strv_push(&extra, "10.0.0.1\tdb");
	struct hosts_input in = {.hostname = "box",
				 .host_hosts = text,
				 .local_names = &names,
				 .extra = &extra,
				 .host_gateway = true};
	_cleanup_free_ char *hosts = hosts_file_text(&in);
	if (!hosts || strncmp(hosts, text, strlen(text)) != 0)
		abort();
	in.host_hosts = NULL;
	in.own_ip = "10.0.2.100";
	free(hosts_file_text(&in));
	strv_free(&names);
	strv_free(&extra);

	_cleanup_free_ char *same = resolv_file_text(text, NULL);
	if (!same || strcmp(same, text) != 0)
		abort();
	_cleanup_free_ char *ours = resolv_file_text(text, "10.0.2.3");
	if (!ours)
		abort();
	/* every nameserver line is ours */
	for (const char *l = ours; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = l + strspn(l, " \t");
		if (strncmp(p, "nameserver", 10) == 0 &&
		    strncmp(p, "nameserver 10.0.2.3\n", 20) != 0)
			abort();
	}
	free(resolv_file_text(NULL, "10.0.2.3"));
	free(resolv_file_text(NULL, NULL));
	return 0;
}
