/* libFuzzer target: registries.conf (reg_conf_parse, through inih) and the
 * endpoints it gives for the registries it names. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_endpoints(const struct reg_conf *c, const char *registry)
{
	struct reg_endpoint *e = NULL;
	size_t n = 0;
	struct clan_err err;
	if (reg_endpoints(c, registry, registry, NULL, &e, &n, &err) < 0)
		abort(); /* mirrors were checked when the file was parsed */
	if (n == 0 || e[n - 1].mirror || strcmp(e[n - 1].auth_host, registry) != 0)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strncmp(e[i].base, "http://", 7) != 0 && strncmp(e[i].base, "https://", 8) != 0)
			abort();
	reg_endpoints_free(e, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct reg_conf c;
	struct clan_err err;
	if (reg_conf_parse(text, "registries.conf", &c, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE && !strstr(err.msg, "cannot parse"))
			abort();
		return 0;
	}
	for (size_t i = 0; i < c.n; i++)
		check_endpoints(&c, c.v[i].registry);
	check_endpoints(&c, "docker.io");
	reg_conf_free(&c);
	return 0;
}
