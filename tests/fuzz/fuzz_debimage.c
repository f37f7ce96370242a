/* libFuzzer target: the deb: image parsers. The input's first byte picks
 * what the rest is: a reference (debimage_parse, whose packages must come
 * out sorted, unique and valid enough to reach mmdebstrap's command line),
 * or an apt sources file in one-line or deb822 format (whose pockets must
 * make well-formed sources.list lines for any suite). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "debimage/debimage.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reference(const char *text)
{
	char *suite;
	struct strv pk;
	struct clan_err err;
	if (debimage_parse(text, &suite, &pk, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE)
			abort();
		return;
	}
	if (!*suite || suite[0] == '-' || strchr(suite, '+') || strchr(suite, '/'))
		abort();
	for (size_t i = 0; i < pk.n; i++) {
		if (pk.v[i][0] == '-' || strpbrk(pk.v[i], ", \t\n") || strlen(pk.v[i]) < 2)
			abort();
		if (i > 0 && strcmp(pk.v[i - 1], pk.v[i]) >= 0)
			abort();
	}
	char id[72];
	debimage_key(suite, &pk, "amd64", id);
	char *name = debimage_name(suite, id);
	if (strncmp(name, "deb:", 4) != 0 || strlen(name) != 4 + strlen(suite) + 13)
		abort();
	free(name);
	free(suite);
	strv_free(&pk);
}

static void check_sources(const char *text, bool deb822)
{
	struct deb_sources s = {0};
	debimage_sources_scan(text, deb822, "bookworm", &s);
	struct strv lines = {0};
	debimage_mirror_lines(&s, "bookworm", &lines);
	if ((s.archive != NULL) != (lines.n > 0))
		abort();
	for (size_t i = 0; i < lines.n; i++)
		if (strncmp(lines.v[i], "deb ", 4) != 0 || strchr(lines.v[i], '\n'))
			abort();
	strv_free(&lines);
	debimage_sources_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char *text = xstrndup((const char *)data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		check_reference(text);
		break;
	default:
		check_sources(text, data[0] % 3 == 2);
		break;
	}
	free(text);
	return 0;
}
