#define _GNU_SOURCE
#include "ns/caps.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/suggest.h"
#include "base/util.h"

static const cap_value_t default_caps[] = {
    CAP_CHOWN,	 CAP_DAC_OVERRIDE, CAP_FSETID,		 CAP_FOWNER,
    CAP_MKNOD,	 CAP_NET_RAW,	   CAP_SETGID,		 CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,	   CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,	 CAP_AUDIT_WRITE,
};

/* Docker's names (capabilities(7) without CAP_), by number. */
static const char *const cap_names[] = {
    [CAP_CHOWN] = "CHOWN",
    [CAP_DAC_OVERRIDE] = "DAC_OVERRIDE",
    [CAP_DAC_READ_SEARCH] = "DAC_READ_SEARCH",
    [CAP_FOWNER] = "FOWNER",
    [CAP_FSETID] = "FSETID",
    [CAP_KILL] = "KILL",
    [CAP_SETGID] = "SETGID",
    [CAP_SETUID] = "SETUID",
    [CAP_SETPCAP] = "SETPCAP",
    [CAP_LINUX_IMMUTABLE] = "LINUX_IMMUTABLE",
    [CAP_NET_BIND_SERVICE] = "NET_BIND_SERVICE",
    [CAP_NET_BROADCAST] = "NET_BROADCAST",
    [CAP_NET_ADMIN] = "NET_ADMIN",
    [CAP_NET_RAW] = "NET_RAW",
    [CAP_IPC_LOCK] = "IPC_LOCK",
    [CAP_IPC_OWNER] = "IPC_OWNER",
    [CAP_SYS_MODULE] = "SYS_MODULE",
    [CAP_SYS_RAWIO] = "SYS_RAWIO",
    [CAP_SYS_CHROOT] = "SYS_CHROOT",
    [CAP_SYS_PTRACE] = "SYS_PTRACE",
    [CAP_SYS_PACCT] = "SYS_PACCT",
    [CAP_SYS_ADMIN] = "SYS_ADMIN",
    [CAP_SYS_BOOT] = "SYS_BOOT",
    [CAP_SYS_NICE] = "SYS_NICE",
    [CAP_SYS_RESOURCE] = "SYS_RESOURCE",
    [CAP_SYS_TIME] = "SYS_TIME",
    [CAP_SYS_TTY_CONFIG] = "SYS_TTY_CONFIG",
    [CAP_MKNOD] = "MKNOD",
    [CAP_LEASE] = "LEASE",
    [CAP_AUDIT_WRITE] = "AUDIT_WRITE",
    [CAP_AUDIT_CONTROL] = "AUDIT_CONTROL",
    [CAP_SETFCAP] = "SETFCAP",
    [CAP_MAC_OVERRIDE] = "MAC_OVERRIDE",
    [CAP_MAC_ADMIN] = "MAC_ADMIN",
    [CAP_SYSLOG] = "SYSLOG",
    [CAP_WAKE_ALARM] = "WAKE_ALARM",
    [CAP_BLOCK_SUSPEND] = "BLOCK_SUSPEND",
    [CAP_AUDIT_READ] = "AUDIT_READ",
    [CAP_PERFMON] = "PERFMON",
    [CAP_BPF] = "BPF",
    [CAP_CHECKPOINT_RESTORE] = "CHECKPOINT_RESTORE",
};

int caps_refuse_privileged_binary(struct clan_err *err)
{
	struct stat st;
	if (getuid() != geteuid() || getgid() != getegid())
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "refusing to run setuid/setgid (real and effective ids "
				       "differ); remove the bit: chmod u-s,g-s clan");
	if (stat("/proc/self/exe", &st) < 0)
		return 0; /* no /proc: nothing to inspect, and the ids matched */
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (st.st_mode & (S_ISUID | S_ISGID))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "refusing to run: %s is setuid/setgid and clan needs no "
				       "privilege; fix: chmod u-s,g-s %s",
				       exe, exe);
	if (getxattr("/proc/self/exe", "security.capability", NULL, 0) >= 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "refusing to run: %s has file capabilities and clan needs "
				       "none; fix: setcap -r %s",
				       exe, exe);
	return 0;
}

uint64_t caps_default_mask(void)
{
	uint64_t m = 0;
	for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
		m |= 1ULL << default_caps[i];
	return m;
}

int caps_from_name(const char *name, int *cap, struct clan_err *err)
{
	const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
	if (strcasecmp(name, "ALL") == 0) {
		*cap = CAPS_ALL;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcasecmp(bare, cap_names[i]) == 0) {
			*cap = (int)i;
			return 0;
		}
	/* compared without CAP_, suggested with it, for the name as given */
	const char *near = suggest_nearest(bare, cap_names, ARRAY_SIZE(cap_names));
	if (near)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "unknown capability '%s'; did you mean CAP_%s?", name, near);
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "unknown capability '%s' (names as in capabilities(7), e.g. "
			       "NET_BIND_SERVICE, or ALL)",
			       name);
}

/* The capabilities names list as a mask; *all when ALL is among them. */
static int mask_of(const struct strv *names, uint64_t *mask, bool *all, struct clan_err *err)
{
	*mask = 0;
	*all = false;
	for (size_t i = 0; i < names->n; i++) {
		int c;
		if (caps_from_name(names->v[i], &c, err) < 0)
			return -1;
		if (c == CAPS_ALL)
			*all = true;
		else
			*mask |= 1ULL << c;
	}
	return 0;
}

int caps_mask_for(const struct strv *add, const struct strv *drop, uint64_t *mask,
		  struct clan_err *err)
{
	uint64_t a, d;
	bool add_all, drop_all;
	if (mask_of(add, &a, &add_all, err) < 0 || mask_of(drop, &d, &drop_all, err) < 0)
		return -1;
	if (add_all)
		*mask = ~d;
	else if (drop_all)
		*mask = a;
	else
		*mask = (caps_default_mask() & ~d) | a;
	return 0;
}

static int drop_bounding(uint64_t keep, struct clan_err *err)
{
	for (cap_value_t c = 0; cap_valid(c); c++) {
		if (keep & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return clan_error(err, errno,
					  "cannot drop capability %d from the bounding set", c);
	}
	return 0;
}

int caps_limit_bounding(uint64_t keep, struct clan_err *err)
{
	if (drop_bounding(keep, err) < 0)
		return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return clan_error(err, errno, "cannot clear ambient capabilities");
	return 0;
}

int caps_limit_process(uint64_t keep, struct clan_err *err)
{
	cap_t caps = cap_get_proc();
	if (!caps)
		return clan_error(err, errno, "cannot read capabilities");
	int rc = 0;
	for (cap_value_t c = 0; cap_valid(c) && rc == 0; c++) {
		if (keep & (1ULL << c))
			continue;
		cap_value_t one[1] = {c};
		rc = cap_set_flag(caps, CAP_EFFECTIVE, 1, one, CAP_CLEAR) |
		     cap_set_flag(caps, CAP_PERMITTED, 1, one, CAP_CLEAR) |
		     cap_set_flag(caps, CAP_INHERITABLE, 1, one, CAP_CLEAR);
	}
	if (rc == 0 && cap_set_proc(caps) < 0)
		rc = -1;
	int saved = errno;
	cap_free(caps);
	if (rc < 0)
		return clan_error(err, saved, "cannot reduce capabilities");
	return 0;
}

int caps_apply(uint64_t keep, struct clan_err *err)
{
	if (caps_limit_bounding(keep, err) < 0)
		return -1;
	return caps_limit_process(keep, err);
}

int caps_set_no_new_privs(struct clan_err *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return clan_error(err, errno, "cannot set no_new_privs");
	return 0;
}
