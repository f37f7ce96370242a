#define _GNU_SOURCE
#include "seccomp_filter.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>

int seccomp_fake_chown(struct clan_err *err)
{
	static const char *const calls[] = {"chown",   "fchown",   "lchown",  "fchownat",
					    "chown32", "fchown32", "lchown32"};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return clan_error(err, ENOMEM, "cannot create the seccomp filter");
	int rc = 0;
	for (size_t i = 0; i < sizeof calls / sizeof calls[0] && rc == 0; i++) {
		int nr = seccomp_syscall_resolve_name(calls[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(0), nr, 0);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return clan_error(err, -rc, "cannot load the seccomp filter");
	return 0;
}
