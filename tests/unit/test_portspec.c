/* Unit tests for netns/portspec: docker's -p syntax. */
#define _GNU_SOURCE
#include <string.h>

#include "netns/portspec.h"
#include "tap.h"

static struct port_map parse_ok(const char *text)
{
	struct port_map m;
	struct clan_err err;
	if (port_spec_parse(text, &m, &err) < 0) {
		fprintf(stderr, "# %s: %s\n", text, err.msg);
		memset(&m, 0xff, sizeof m);
	}
	return m;
}

static const char *parse_err(const char *text)
{
	static struct clan_err err;
	struct port_map m;
	if (port_spec_parse(text, &m, &err) == 0)
		return "(accepted)";
	return err.code == CLAN_EXIT_USAGE ? err.msg : "(wrong code)";
}

TEST(forms)
{
	struct port_map m = parse_ok("8080:80");
	CHECK_STR(m.host_ip, "127.0.0.1"); /* never 0.0.0.0 unless written */
	CHECK(m.host_port == 8080 && m.container_port == 80 && m.count == 1);
	CHECK(m.proto == PORT_TCP);
	m = parse_ok("80");
	CHECK(m.host_port == 0 && m.container_port == 80); /* the kernel picks */
	CHECK_STR(m.host_ip, "127.0.0.1");
	m = parse_ok("0.0.0.0:8080:80/tcp");
	CHECK_STR(m.host_ip, "0.0.0.0");
	CHECK(m.host_port == 8080);
	m = parse_ok("127.0.0.2::5432");
	CHECK_STR(m.host_ip, "127.0.0.2");
	CHECK(m.host_port == 0 && m.container_port == 5432);
	m = parse_ok("5353:53/udp");
	CHECK(m.proto == PORT_UDP && m.host_port == 5353 && m.container_port == 53);
	m = parse_ok("[::1]:8080:80");
	CHECK_STR(m.host_ip, "::1");
	CHECK(m.host_port == 8080);
	m = parse_ok("8000-8002:9000-9002");
	CHECK(m.host_port == 8000 && m.container_port == 9000 && m.count == 3);
	m = parse_ok("65535:65535");
	CHECK(m.host_port == 65535);
}

TEST(refusals)
{
	CHECK(strstr(parse_err(""), "container port") != NULL);
	CHECK(strstr(parse_err("0"), "container port") != NULL);
	CHECK(strstr(parse_err("65536"), "container port") != NULL);
	CHECK(strstr(parse_err("8080:"), "container port") != NULL);
	CHECK(strstr(parse_err(":80"), "host port is missing") != NULL);
	CHECK(strstr(parse_err("0:80"), "host port") != NULL);
	CHECK(strstr(parse_err("x:80"), "host port") != NULL);
	CHECK(strstr(parse_err("8080:80/sctp"), "tcp or udp") != NULL);
	CHECK(strstr(parse_err("8080:80/"), "tcp or udp") != NULL);
	CHECK(strstr(parse_err("localhost:8080:80"), "numeric") != NULL);
	CHECK(strstr(parse_err("1.2.3:8080:80"), "numeric") != NULL);
	CHECK(strstr(parse_err("8000-8001:80"), "ranges differ") != NULL);
	CHECK(strstr(parse_err("8002-8000:80-82"), "host port") != NULL);
	CHECK(strstr(parse_err("+80"), "container port") != NULL);
	CHECK(strstr(parse_err("80-"), "container port") != NULL);
	CHECK(strstr(parse_err("99999999999999999999"), "container port") != NULL);
	/* the message shows the forms */
	CHECK(strstr(parse_err("x"), "-p 8080:80") != NULL);
}

TEST(format)
{
	char buf[128];
	struct port_map m = parse_ok("8080:80");
	port_map_format(&m, buf, sizeof buf);
	CHECK_STR(buf, "127.0.0.1:8080->80/tcp");
	m = parse_ok("[::]:53:53/udp");
	port_map_format(&m, buf, sizeof buf);
	CHECK_STR(buf, "[::]:53->53/udp");
	m = parse_ok("0.0.0.0:8000-8002:9000-9002");
	port_map_format(&m, buf, sizeof buf);
	CHECK_STR(buf, "0.0.0.0:8000-8002->9000-9002/tcp");
}

TEST(clash)
{
	struct port_map a = parse_ok("8080:80"), b = parse_ok("8080:81");
	CHECK(port_maps_clash(&a, &b));
	b = parse_ok("0.0.0.0:8080:81"); /* the wildcard covers 127.0.0.1 */
	CHECK(port_maps_clash(&a, &b));
	b = parse_ok("127.0.0.2:8080:81");
	CHECK(!port_maps_clash(&a, &b));
	b = parse_ok("8080:80/udp");
	CHECK(!port_maps_clash(&a, &b));
	b = parse_ok("8079-8081:90-92");
	CHECK(port_maps_clash(&a, &b));
	b = parse_ok("8081-8083:90-92");
	CHECK(!port_maps_clash(&a, &b));
	b = parse_ok("80"); /* a kernel-picked port clashes with nothing */
	CHECK(!port_maps_clash(&a, &b));
}
