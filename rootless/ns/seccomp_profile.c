/* The profile data both sources fill: adding rules, choosing one by the
 * --security-opt value, freeing. */
#define _GNU_SOURCE
#include "ns/seccomp_profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "ns/caps.h"

struct seccomp_rule *seccomp_profile_add(struct seccomp_profile *p, const char *name,
					 uint32_t action)
{
	if (p->nrules == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->rules = xrealloc(p->rules, p->cap * sizeof *p->rules);
	}
	struct seccomp_rule *r = &p->rules[p->nrules++];
	*r = (struct seccomp_rule){.name = xstrdup(name), .action = action};
	return r;
}

void seccomp_profile_free(struct seccomp_profile *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		free(p->rules[i].name);
	free(p->rules);
	*p = (struct seccomp_profile){0};
}

static int load_for(const char *path, uint64_t caps, struct seccomp_profile *p,
		    struct clan_err *err)
{
	_cleanup_free_ char *text = NULL;
	if (read_file(path, 4 << 20, &text, err) < 0) {
		err->code = CLAN_EXIT_USAGE;
		return -1;
	}
	if (seccomp_profile_parse(text, strlen(text), caps, p, err) < 0)
		return clan_error_wrap(err, "%s", path);
	return 0;
}

int seccomp_profile_load(const char *path, struct seccomp_profile *p, struct clan_err *err)
{
	return load_for(path, caps_default_mask(), p, err);
}

int seccomp_profile_for(const char *which, uint64_t caps, struct seccomp_profile *p,
			struct clan_err *err)
{
	if (!which || strcmp(which, "default") == 0) {
		seccomp_profile_default(p, caps);
		return 0;
	}
	if (strcmp(which, "unconfined") == 0) {
		seccomp_profile_unconfined(p);
		return 0;
	}
	return load_for(which, caps, p, err);
}
