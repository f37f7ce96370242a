/* Unit tests for clan doctor's pure parts: filesystem classification, the
 * user-namespace sysctls, subid range choice, and the device probe. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fsinfo.h"
#include "cli/probe.h"
#include "tap.h"
#include "base/util.h"

TEST(fsinfo_names)
{
	char buf[32];
	CHECK_STR(fsinfo_name(0xEF53u, buf, sizeof buf), "ext4");
	CHECK_STR(fsinfo_name(0x01021994u, buf, sizeof buf), "tmpfs");
	CHECK_STR(fsinfo_name(FSINFO_NFS, buf, sizeof buf), "nfs");
	CHECK_STR(fsinfo_name(FSINFO_LUSTRE, buf, sizeof buf), "lustre");
	CHECK_STR(fsinfo_name(FSINFO_GPFS, buf, sizeof buf), "gpfs");
	CHECK_STR(fsinfo_name(0x12345678u, buf, sizeof buf), "unknown (0x12345678)");
}

TEST(fsinfo_shared_filesystems)
{
	const uint32_t shared[] = {0x6969u,	0x0BD00BD0u, 0x47504653u, 0xFF534D42u,
				   0xFE534D42u, 0x19830326u, 0x65735546u};
	for (size_t i = 0; i < ARRAY_SIZE(shared); i++)
		CHECK(fsinfo_is_shared(shared[i]));
	CHECK(!fsinfo_is_shared(0xEF53u));     /* ext4 */
	CHECK(!fsinfo_is_shared(0x58465342u)); /* xfs */
	CHECK(!fsinfo_is_shared(0x01021994u)); /* tmpfs */
	CHECK(!fsinfo_is_shared(0x794C7630u)); /* overlay */
	CHECK(!fsinfo_is_shared(0x12345678u)); /* unknown: not refused */
}

TEST(fsinfo_nearest_existing_ancestor)
{
	_cleanup_free_ char *a = fsinfo_nearest_existing("/etc");
	_cleanup_free_ char *b = fsinfo_nearest_existing("/etc/clan-no-such-dir/x/y/");
	_cleanup_free_ char *c = fsinfo_nearest_existing("/clan-no-such-dir");
	_cleanup_free_ char *d = fsinfo_nearest_existing("clan-no-such-dir/x");
	CHECK_STR(a, "/etc");
	CHECK_STR(b, "/etc");
	CHECK_STR(c, "/");
	CHECK_STR(d, ".");
}

TEST(fsinfo_statfs_of_missing_path)
{
	struct clan_err err;
	uint32_t t = 0;
	_cleanup_free_ char *where = NULL;
	CHECK(fsinfo_statfs_nearest("/tmp/clan-no-such-dir/a", &t, &where, &err) == 0);
	CHECK_STR(where, "/tmp");
	CHECK(t != 0);
}

TEST(sysctl_unprivileged_userns_clone)
{
	const struct probe_sysctl *s = &probe_userns_sysctls[0];
	CHECK_STR(s->name, "kernel.unprivileged_userns_clone");
	CHECK(probe_sysctl_blocks(s, "0\n"));
	CHECK(!probe_sysctl_blocks(s, "1\n"));
	CHECK(!probe_sysctl_blocks(s, NULL)); /* absent: not a Debian kernel */
	CHECK_STR(s->fix, "sudo sysctl -w kernel.unprivileged_userns_clone=1");
}

TEST(sysctl_max_user_namespaces)
{
	const struct probe_sysctl *s = &probe_userns_sysctls[1];
	CHECK_STR(s->name, "user.max_user_namespaces");
	CHECK(probe_sysctl_blocks(s, "0"));
	CHECK(!probe_sysctl_blocks(s, "15000\n"));
	CHECK(!probe_sysctl_blocks(s, "96364"));
	CHECK_STR(s->fix, "sudo sysctl -w user.max_user_namespaces=15000");
}

TEST(sysctl_apparmor_restrict)
{
	const struct probe_sysctl *s = &probe_userns_sysctls[2];
	CHECK_STR(s->name, "kernel.apparmor_restrict_unprivileged_userns");
	CHECK(probe_sysctl_blocks(s, "1\n"));
	CHECK(!probe_sysctl_blocks(s, "0\n"));
	CHECK(!probe_sysctl_blocks(s, NULL));
	CHECK(strstr(s->fix, "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0") != NULL);
}

TEST(sysctl_garbage_does_not_block)
{
	for (size_t i = 0; i < ARRAY_SIZE(probe_userns_sysctls); i++) {
		CHECK(!probe_sysctl_blocks(&probe_userns_sysctls[i], ""));
		CHECK(!probe_sysctl_blocks(&probe_userns_sysctls[i], "-1"));
		CHECK(!probe_sysctl_blocks(&probe_userns_sysctls[i], "abc"));
	}
}

TEST(free_subid_start)
{
	CHECK(probe_free_subid_start("") == 100000);
	CHECK(probe_free_subid_start(NULL) == 100000);
	CHECK(probe_free_subid_start("a:100000:65536\nb:200000:65536\n") == 265536);
	CHECK(probe_free_subid_start("# a:900000:1\nsmall:1000:10\n") == 100000);
	CHECK(probe_free_subid_start("bad line\nx:100000:65536\r\n") == 165536);
	/* No room above: fall back to the default instead of wrapping. */
	CHECK(probe_free_subid_start("x:4294900000:60000\n") == 100000);
}

TEST(device_unreadable_path)
{
	if (geteuid() == 0)
		SKIP("root can open /etc/shadow");
	struct clan_err err;
	int e = 0;
	CHECK(probe_device("/etc/shadow", &e, &err) < 0);
	CHECK(e == EACCES);
	CHECK_STR(err.msg, "cannot open /etc/shadow (Permission denied)");
}

TEST(device_missing_path)
{
	struct clan_err err;
	int e = 0;
	CHECK(probe_device("/dev/clan-no-such-device", &e, &err) < 0);
	CHECK(e == ENOENT);
	CHECK_STR(err.msg, "cannot open /dev/clan-no-such-device (No such file or directory)");
	CHECK(probe_device("/dev/null", &e, &err) == 0);
	CHECK(e == 0);
}

/* Whatever the kernel allows, the probe must leave nothing behind. */
TEST(overlay_probe_cleans_up)
{
	char base[] = "/tmp/clan-test-doctor-XXXXXX";
	struct clan_err err;
	CHECK(mkdtemp(base) != NULL);
	int r = probe_overlay_userns(base, &err);
	printf("# overlay probe in %s: %s\n", base, r == 0 ? "works" : err.msg);
	_cleanup_closedir_ DIR *dir = opendir(base);
	CHECK(dir != NULL);
	int entries = 0;
	for (struct dirent *e; dir && (e = readdir(dir));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries++;
	CHECK(entries == 0);
	CHECK(rmdir(base) == 0);
}
