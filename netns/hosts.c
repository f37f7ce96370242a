#define _GNU_SOURCE
#include "netns/hosts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns/slirp.h"

char *hosts_file_text(const struct hosts_input *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	if (in->host_hosts) {
		size_t n = strlen(in->host_hosts);
		fputs(in->host_hosts, f);
		if (n && in->host_hosts[n - 1] != '\n')
			fputc('\n', f);
	} else {
		fputs("127.0.0.1\tlocalhost", f);
		for (size_t i = 0; in->local_names && i < in->local_names->n; i++)
			fprintf(f, " %s", in->local_names->v[i]);
		fputs("\n::1\tlocalhost ip6-localhost ip6-loopback\n", f);
	}
	fprintf(f, "%s\t%s\n", in->own_ip ? in->own_ip : "127.0.1.1", in->hostname);
	if (in->host_gateway)
		fprintf(f, "%s\thost.clan.internal\n", SLIRP_HOST_IP);
	for (size_t i = 0; in->extra && i < in->extra->n; i++)
		fprintf(f, "%s\n", in->extra->v[i]);
	if (fclose(f) != 0)
		abort();
	return buf;
}

/* Keeps the host's search and options lines: names like `db.corp` still
 * resolve the way they do on the host. */
static void copy_search_lines(FILE *f, const char *host)
{
	for (const char *line = host; line && *line;) {
		size_t n = strcspn(line, "\n");
		if ((n > 6 && strncmp(line, "search", 6) == 0 &&
		     (line[6] == ' ' || line[6] == '\t')) ||
		    (n > 7 && strncmp(line, "options", 7) == 0 &&
		     (line[7] == ' ' || line[7] == '\t')))
			fprintf(f, "%.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
}

char *resolv_file_text(const char *host_resolv, const char *nameserver)
{
	if (!nameserver)
		return xstrdup(host_resolv ? host_resolv
					   : "# no network: this container has only loopback\n");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	fprintf(f, "nameserver %s\n", nameserver);
	copy_search_lines(f, host_resolv);
	if (fclose(f) != 0)
		abort();
	return buf;
}
