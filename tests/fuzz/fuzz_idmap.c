/* libFuzzer target: the id map parsers. The input is "USER\0TEXT":
 * subid_find_in_text looks USER (and a uid from the input) up in TEXT as
 * /etc/subuid, probe_free_subid_start picks a free range after it, and TEXT
 * is also parsed as uid_map lines, formatted and parsed back. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ns/idmap.h"
#include "cli/probe.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t ulen = nul ? (size_t)(nul - data) : 0;
	const uint8_t *t = nul ? nul + 1 : data;
	size_t tlen = size - (size_t)(t - data);
	char *user = xstrndup((const char *)data, ulen);
	char *text = xstrndup((const char *)t, tlen);
	uint32_t uid = 0;
	for (size_t i = 0; i < ulen && i < 4; i++)
		uid = uid << 8 | data[i];

	struct subid_range r;
	if (subid_find_in_text(text, user, uid, &r) && r.count == 0)
		abort();
	subid_find_in_text(text, NULL, uid, &r);
	uint32_t next = probe_free_subid_start(text);
	if (next < 100000 || (uint64_t)next + 65536 > UINT32_MAX)
		abort();

	struct idmap m, back;
	if (idmap_parse(text, &m)) {
		if (m.n == 0 || m.n > IDMAP_MAX)
			abort();
		char buf[IDMAP_MAX * 40];
		idmap_format(&m, buf, sizeof buf);
		if (!idmap_parse(buf, &back) || back.n != m.n)
			abort();
		for (size_t i = 0; i < m.n; i++) {
			if (memcmp(&m.r[i], &back.r[i], sizeof m.r[i]) != 0)
				abort();
			uint32_t host;
			if (m.r[i].count > 0 && !idmap_to_host(&m, m.r[i].inside, &host))
				abort();
		}
	}
	free(user);
	free(text);
	return 0;
}
