/* Docker's -p syntax: [IP:][HOST[-HOST2]:]CONTAINER[-CONTAINER2][/tcp|/udp].
 * Pure parsing and formatting; binding happens in portfwd. */
#ifndef CLAN_PORTSPEC_H
#define CLAN_PORTSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

enum port_proto { PORT_TCP, PORT_UDP };

struct port_map {
	char host_ip[48];   /* numeric; "127.0.0.1" when none was written */
	uint16_t host_port; /* 0: the kernel picks one */
	uint16_t container_port;
	uint16_t count; /* a range: count consecutive ports, >= 1 */
	enum port_proto proto;
};

/* Parses one -p value. A missing host IP means 127.0.0.1 (a developer's
 * service is not for the whole network); 0.0.0.0 only when written. */
int port_spec_parse(const char *text, struct port_map *out, struct clan_err *err);

/* "127.0.0.1:8080->80/tcp", docker ps style; for ranges the first port
 * and "-last". */
void port_map_format(const struct port_map *m, char *buf, size_t len);

/* Whether a and b claim the same host address and port (ranges overlap,
 * same protocol). */
bool port_maps_clash(const struct port_map *a, const struct port_map *b);

const char *port_proto_name(enum port_proto p);

#endif
