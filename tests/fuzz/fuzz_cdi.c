/* libFuzzer target: cdi_spec_parse, a CDI spec file in JSON (odd first
 * byte) or YAML. It never crashes or leaks; a refusal is one exit-2 line
 * naming the file; an accepted spec has a VENDOR/CLASS kind, at least one
 * named device, and only absolute paths without a ".." component. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "container/cdi_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool path_ok(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p; (c = strstr(c, "/..")); c += 3)
		if (c[3] == '/' || c[3] == '\0')
			return false;
	return true;
}

static void check_edits(const struct cdi_edits *e)
{
	for (size_t i = 0; i < e->nnodes; i++)
		if (!path_ok(e->nodes[i].path) || !path_ok(e->nodes[i].host_path))
			abort();
	for (size_t i = 0; i < e->nmounts; i++)
		if (!path_ok(e->mounts[i].host_path) || !path_ok(e->mounts[i].container_path))
			abort();
	for (size_t i = 0; i < e->env.n; i++)
		if (!strchr(e->env.v[i], '=') || e->env.v[i][0] == '=')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *file = size && (data[0] & 1) ? "/etc/cdi/f.json" : "/etc/cdi/f.yaml";
	struct cdi_spec s;
	struct clan_err err = {0};
	if (cdi_spec_parse((const char *)data, size, file, &s, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE || !strstr(err.msg, file) || strchr(err.msg, '\n'))
			abort();
		cdi_spec_free(&s);
		return 0;
	}
	if (!strchr(s.kind, '/') || s.ndevs == 0)
		abort();
	for (size_t i = 0; i < s.ndevs; i++) {
		if (!s.devs[i].name[0])
			abort();
		check_edits(&s.devs[i].edits);
	}
	check_edits(&s.edits);
	cdi_spec_free(&s);
	return 0;
}
