/* libFuzzer target: rootless/ns/seccomp_json.c, Docker's JSON seccomp
 * profile format. Any input parses or fails with exit code 2 and nothing
 * left allocated; a parsed profile's rules are within the bounds the
 * filter builder relies on, and small ones compile to a filter the
 * kernel would take (at most 4096 instructions) or fail with a message. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ns/caps.h"
#include "ns/seccomp_filter.h"
#include "ns/seccomp_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seccomp_profile p;
	struct clan_err err;
	if (seccomp_profile_parse((const char *)data, size, caps_default_mask(), &p, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE || !err.msg[0] || p.rules || p.nrules)
			abort();
		return 0;
	}
	if (p.narches > SECCOMP_MAX_ARCHES || p.nrules > 20000)
		abort();
	for (size_t i = 0; i < p.nrules; i++) {
		const struct seccomp_rule *r = &p.rules[i];
		if (!r->name || r->nargs > SECCOMP_MAX_ARGS)
			abort();
		for (unsigned a = 0; a < r->nargs; a++)
			if (r->args[a].arg >= SECCOMP_MAX_ARGS || r->args[a].op <= 0 ||
			    r->args[a].op >= _SCMP_CMP_MAX)
				abort();
	}
	/* libseccomp's compile is slow: only for small profiles */
	if (p.nrules <= 32) {
		struct seccomp_bpf f;
		if (seccomp_compile(&p, size & 1, &f, &err) == 0) {
			if (f.len > 4096 || (f.len == 0) != (f.insns == NULL))
				abort();
			seccomp_bpf_free(&f);
		} else if (!err.msg[0]) {
			abort();
		}
	}
	seccomp_profile_free(&p);
	return 0;
}
