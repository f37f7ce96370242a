/* libFuzzer target: netns/portspec's port_spec_parse. An accepted spec
 * has ports in range and formats to text that parses back to it. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netns/portspec.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct port_map m, again;
	struct clan_err err;
	if (port_spec_parse(text, &m, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE)
			abort();
		return 0;
	}
	if (m.container_port == 0 || m.count == 0 ||
	    (unsigned)m.container_port + m.count - 1 > 65535 ||
	    (m.host_port && (unsigned)m.host_port + m.count - 1 > 65535))
		abort();
	/* "IP:HOST->CPORT/proto" back into -p syntax */
	char shown[160], spec[160];
	port_map_format(&m, shown, sizeof shown);
	char *arrow = strstr(shown, "->");
	if (!arrow)
		abort();
	*arrow = '\0';
	snprintf(spec, sizeof spec, "%s:%s", shown, arrow + 2);
	if (m.host_port == 0)
		return 0; /* ":0" is not accepted back: the kernel picks */
	if (port_spec_parse(spec, &again, &err) < 0 || strcmp(m.host_ip, again.host_ip) != 0 ||
	    m.host_port != again.host_port || m.container_port != again.container_port ||
	    m.count != again.count || m.proto != again.proto)
		abort();
	return 0;
}
