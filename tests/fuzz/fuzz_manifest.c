/* libFuzzer target: what a registry answers, read as JSON: the manifest
 * kind, an image manifest, a platform chosen from an index, an image
 * config, docker's config.json credentials, and an error answer's body
 * (reg_error_text). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_manifest(json_t *doc)
{
	struct reg_manifest m;
	struct clan_err err;
	if (reg_manifest_parse(doc, &m, &err) < 0)
		return;
	if (!digest_is_valid(m.config.digest) || !reg_is_config_type(m.config.media_type))
		abort();
	for (size_t i = 0; i < m.nlayers; i++)
		if (!digest_is_valid(m.layers[i].digest) || m.layers[i].size < 0)
			abort();
	reg_manifest_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *doc = json_loadb((const char *)data, size, 0, &je);
	struct clan_err err;
	if (doc) {
		(void)reg_manifest_kind(NULL, doc);
		check_manifest(doc);
		struct reg_platform p = {"linux", "arm", "v7"};
		char d[72];
		if (reg_index_select(doc, &p, d, &err) == 0 && !digest_is_valid(d))
			abort();
		json_decref(doc);
	}
	struct reg_config c;
	if (reg_config_parse((const char *)data, size, &c, &err) == 0) {
		for (size_t i = 0; i < c.diff_ids.n; i++)
			if (!digest_is_valid(c.diff_ids.v[i]))
				abort();
		reg_config_free(&c);
	}
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	char *b64 = NULL;
	if (reg_auth_lookup(text, "config.json", "docker.io", &b64, &err) == 1 && !b64)
		abort();
	free(b64);
	/* an error answer's body, NUL-terminated as on_body keeps it */
	_cleanup_free_ char *body = xmalloc(size + 1);
	memcpy(body, data, size);
	body[size] = '\0';
	struct reg_response r = {.status = 404, .body = body, .len = size};
	char *why = reg_error_text(&r);
	if (!why)
		abort();
	free(why);
	return 0;
}
