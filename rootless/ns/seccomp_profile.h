/* Seccomp profiles as plain data: clan's default (Docker's allow-list,
 * seccomp_default.c) and Docker's JSON format (--security-opt
 * seccomp=FILE, seccomp_json.c). seccomp_filter.c compiles one to BPF. */
#ifndef CLAN_SECCOMP_PROFILE_H
#define CLAN_SECCOMP_PROFILE_H

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define SECCOMP_MAX_ARGS 6
#define SECCOMP_MAX_ARCHES 4

/* One syscall's rule: libseccomp's action, and argument comparisons that
 * must all hold (none: every call). */
struct seccomp_rule {
	char *name; /* as libseccomp names it; unknown names are skipped */
	uint32_t action;
	unsigned nargs;
	struct scmp_arg_cmp args[SECCOMP_MAX_ARGS];
};

struct seccomp_profile {
	uint32_t default_action;
	/* architectures besides the native one (x86 and x32 on x86_64) */
	uint32_t arches[SECCOMP_MAX_ARCHES];
	size_t narches;
	struct seccomp_rule *rules;
	size_t nrules, cap;
};

/* Docker's default as clan applies it for a container with capabilities
 * caps (caps_default_mask, or with --cap-add/--cap-drop): what they may
 * use is allowed (Docker's caps-conditional rules: CAP_SYS_ADMIN's mount,
 * setns, namespaces..., CAP_SYS_PTRACE's kcmp..., CAP_SYS_TIME's clocks),
 * the other dangerous calls get EPERM, clone and unshare with namespace
 * flags get EPERM without CAP_SYS_ADMIN, clone3 gets ENOSYS (glibc falls
 * back to clone, whose flags a filter can see), and everything else
 * (newer syscalls than this table) ENOSYS so new libcs fall back. */
void seccomp_profile_default(struct seccomp_profile *p, uint64_t caps);

/* unconfined: everything allowed. */
void seccomp_profile_unconfined(struct seccomp_profile *p);

/* Docker's JSON profile (defaultAction, defaultErrnoRet, architectures,
 * archMap, syscalls with names, action, errnoRet, args and
 * includes/excludes on caps, arches and minKernel, judged against the
 * container's capabilities caps and this machine). Errors (exit 2) say
 * where in the text; what clan cannot honour (SCMP_ACT_NOTIFY) is
 * refused. */
int seccomp_profile_parse(const char *json, size_t len, uint64_t caps, struct seccomp_profile *p,
			  struct clan_err *err);

/* Reads and parses a profile file (for Docker's default capabilities: a
 * check that it loads): errors read "FILE: what is wrong". */
int seccomp_profile_load(const char *path, struct seccomp_profile *p, struct clan_err *err);

/* The profile --security-opt seccomp=WHICH (NULL: the default) names, for
 * a container with capabilities caps. */
int seccomp_profile_for(const char *which, uint64_t caps, struct seccomp_profile *p,
			struct clan_err *err);

void seccomp_profile_free(struct seccomp_profile *p);

/* Appends a rule (name copied). */
struct seccomp_rule *seccomp_profile_add(struct seccomp_profile *p, const char *name,
					 uint32_t action);

#endif
