#define _GNU_SOURCE
#include "ns/caps.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/util.h"

static const cap_value_t default_caps[] = {
    CAP_CHOWN,	 CAP_DAC_OVERRIDE, CAP_FSETID,		 CAP_FOWNER,
    CAP_MKNOD,	 CAP_NET_RAW,	   CAP_SETGID,		 CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,	   CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,	 CAP_AUDIT_WRITE,
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

int caps_apply_default(struct clan_err *err)
{
	uint64_t keep = caps_default_mask();
	if (drop_bounding(keep, err) < 0)
		return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return clan_error(err, errno, "cannot clear ambient capabilities");

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

int caps_set_no_new_privs(struct clan_err *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return clan_error(err, errno, "cannot set no_new_privs");
	return 0;
}
