#define _GNU_SOURCE
#include "netns/portspec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

const char *port_proto_name(enum port_proto p)
{
	return p == PORT_UDP ? "udp" : "tcp";
}

static int bad(struct clan_err *err, const char *text, const char *why)
{
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "bad port '%s': %s (e.g. -p 8080:80, -p 127.0.0.1:5432:5432, "
			       "-p 5353:53/udp)",
			       text, why);
}

/* "N" or "N-M" into first and count; allow_zero for an unset host port. */
static int parse_range(const char *s, size_t len, bool allow_zero, uint16_t *first, uint16_t *count)
{
	char buf[16];
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	unsigned long lo = 0, hi = 0;
	char *end;
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	lo = strtoul(buf, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -1;
		hi = strtoul(end + 1, &end, 10);
	}
	if (errno || *end || lo > 65535 || hi > 65535 || hi < lo || (lo == 0 && !allow_zero) ||
	    (lo == 0 && hi != 0))
		return -1;
	*first = (uint16_t)lo;
	*count = (uint16_t)(hi - lo + 1);
	return 0;
}

static int parse_ip(const char *s, size_t len, char *out, size_t outlen)
{
	char buf[64];
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof buf || len >= outlen)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	unsigned char addr[16];
	if (inet_pton(AF_INET, buf, addr) != 1 && inet_pton(AF_INET6, buf, addr) != 1)
		return -1;
	memcpy(out, buf, len + 1);
	return 0;
}

int port_spec_parse(const char *text, struct port_map *out, struct clan_err *err)
{
	*out = (struct port_map){.proto = PORT_TCP};
	snprintf(out->host_ip, sizeof out->host_ip, "127.0.0.1");
	const char *slash = strchr(text, '/');
	size_t body = slash ? (size_t)(slash - text) : strlen(text);
	if (slash) {
		if (strcmp(slash + 1, "udp") == 0)
			out->proto = PORT_UDP;
		else if (strcmp(slash + 1, "tcp") != 0)
			return bad(err, text, "the protocol is tcp or udp");
	}
	/* the container part follows the last ':'; an IPv6 host IP is in [] */
	const char *last = memrchr(text, ':', body);
	const char *cport = last ? last + 1 : text;
	uint16_t ccount = 0, hcount = 0;
	if (parse_range(cport, body - (size_t)(cport - text), false, &out->container_port,
			&ccount) < 0)
		return bad(err, text, "the container port is a number from 1 to 65535");
	out->count = ccount;
	if (!last)
		return 0;
	const char *hstart = text;
	const char *hsep = memrchr(text, ':', (size_t)(last - text));
	if (hsep) {
		if (parse_ip(text, (size_t)(hsep - text), out->host_ip, sizeof out->host_ip) < 0)
			return bad(err, text,
				   "the host address is a numeric IPv4 or [IPv6] address");
		hstart = hsep + 1;
	}
	size_t hlen = (size_t)(last - hstart);
	if (hlen == 0) {
		if (!hsep)
			return bad(err, text, "the host port is missing before ':'");
		return 0; /* IP::CPORT: any free host port */
	}
	if (parse_range(hstart, hlen, false, &out->host_port, &hcount) < 0)
		return bad(err, text, "the host port is a number from 1 to 65535");
	if (hcount != ccount)
		return bad(err, text, "the host and container ranges differ in length");
	return 0;
}

void port_map_format(const struct port_map *m, char *buf, size_t len)
{
	bool v6 = strchr(m->host_ip, ':') != NULL;
	char hrange[16] = "", crange[16] = "";
	if (m->count > 1) {
		snprintf(hrange, sizeof hrange, "-%u", (unsigned)(m->host_port + m->count - 1));
		snprintf(crange, sizeof crange, "-%u",
			 (unsigned)(m->container_port + m->count - 1));
	}
	snprintf(buf, len, "%s%s%s:%u%s->%u%s/%s", v6 ? "[" : "", m->host_ip, v6 ? "]" : "",
		 (unsigned)m->host_port, hrange, (unsigned)m->container_port, crange,
		 port_proto_name(m->proto));
}

static bool wildcard(const char *ip)
{
	return strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
}

bool port_maps_clash(const struct port_map *a, const struct port_map *b)
{
	if (a->proto != b->proto || a->host_port == 0 || b->host_port == 0)
		return false;
	if (strcmp(a->host_ip, b->host_ip) != 0 && !wildcard(a->host_ip) && !wildcard(b->host_ip))
		return false;
	unsigned a_end = (unsigned)a->host_port + a->count,
		 b_end = (unsigned)b->host_port + b->count;
	return a->host_port < b_end && b->host_port < a_end;
}
