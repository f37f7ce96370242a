/* libFuzzer target: launcher/profile's YAML schema. Any input parses or
 * fails with "fuzz.yaml..." (exit 2); a parsed profile's lists are
 * NULL-terminated, its ports in range, and its images: patterns pass the
 * check again and match references without crashing. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/profile.h"
#include "config/profile_image.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_strv(const struct strv *v)
{
	if (v->v ? v->v[v->n] != NULL : v->n != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct profile p;
	struct clan_err err;
	if (profile_parse(text, "fuzz.yaml", "fuzz", &p, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE || strncmp(err.msg, "fuzz.yaml", 9) != 0)
			abort();
		return 0;
	}
	check_strv(&p.base.entrypoint);
	check_strv(&p.base.command);
	check_strv(&p.deb.entrypoint);
	check_strv(&p.deb_packages);
	check_strv(&p.volumes);
	check_strv(&p.images);
#define HEX32 "0123456789abcdef0123456789abcdef"
	static const char *const refs[] = {"postgres", "127.0.0.1:5000/library/postgres:15",
					   "postgres@sha256:" HEX32 HEX32, "deb:bookworm",
					   "ghcr.io/a/b/c:x"};
	for (size_t i = 0; i < p.images.n; i++) {
		if (profile_image_pattern_check(p.images.v[i], &err) < 0)
			abort();
		for (size_t j = 0; j < ARRAY_SIZE(refs); j++)
			(void)profile_image_pattern_match(p.images.v[i], refs[j]);
	}
	check_strv(&p.health.test);
	for (size_t i = 0; i < p.nports; i++)
		if (p.ports[i].container_port == 0 || p.ports[i].count == 0)
			abort();
	for (size_t i = 0; i < p.base.environment.n; i++)
		if (!strchr(p.base.environment.v[i], '='))
			abort();
	profile_free(&p);
	return 0;
}
