/* Unit tests for rootless/passwd: -u USER[:GROUP] against an image's
 * /etc/passwd and /etc/group texts. */
#define _GNU_SOURCE
#include <string.h>

#include "ns/passwd.h"
#include "tap.h"
#include "base/util.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "short:x:7\n"
			     "alice:x:1000:1000:Alice,,,:/home/alice:/bin/sh\n"
			     "svc:x:998:997::relative/home:/bin/false\n"
			     "nohome:x:999:996:::/bin/false\n"
			     "broken:x:notanumber:0::/:/bin/sh\n";
static const char group[] = "root:x:0:\n"
			    "tty:x:5:\n"
			    "staff:x:50:alice\n"
			    "users:x:100:\n"
			    "badgid:x:nope:\n";

/* Resolves spec; out is pre-filled with junk so every field is checked. */
static int resolve(const char *spec, const char *pw, const char *gr, struct user_ids *out,
		   struct clan_err *err)
{
	memset(out, 0x5a, sizeof *out);
	out->home[sizeof out->home - 1] = '\0';
	err->code = 0;
	err->msg[0] = '\0';
	return user_resolve(spec, pw, gr, out, err);
}

TEST(by_name)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("root", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 0 && u.gid == 0);
	CHECK_STR(u.home, "/root");
	CHECK(resolve("alice", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 1000 && u.gid == 1000);
	CHECK_STR(u.home, "/home/alice");
	CHECK(resolve("daemon", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 1 && u.gid == 1);
	CHECK_STR(u.home, "/usr/sbin");
}

TEST(home_must_be_absolute)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("svc", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 998 && u.gid == 997);
	CHECK_STR(u.home, "/");
	CHECK(resolve("nohome", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 999 && u.gid == 996);
	CHECK_STR(u.home, "/");
}

TEST(uid_present)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("1000", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 1000 && u.gid == 1000);
	CHECK_STR(u.home, "/home/alice");
	CHECK(resolve("0", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 0 && u.gid == 0);
	CHECK_STR(u.home, "/root");
}

TEST(uid_absent)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("4242", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 4242 && u.gid == 0);
	CHECK_STR(u.home, "/");
	CHECK(resolve("4294967295", passwd, group, &u, &err) == 0);
	CHECK(u.uid == UINT32_MAX && u.gid == 0);
	CHECK_STR(u.home, "/");
}

TEST(name_and_group)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("alice:staff", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 1000 && u.gid == 50);
	CHECK_STR(u.home, "/home/alice");
	CHECK(resolve("alice:tty", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 1000 && u.gid == 5);
	CHECK(resolve("root:users", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 0 && u.gid == 100);
	CHECK_STR(u.home, "/root");
}

TEST(uid_and_gid)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("1000:2000", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 1000 && u.gid == 2000);
	CHECK_STR(u.home, "/home/alice");
	CHECK(resolve("4242:4343", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 4242 && u.gid == 4343);
	CHECK_STR(u.home, "/");
	/* mixed */
	CHECK(resolve("4242:staff", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 4242 && u.gid == 50);
	CHECK(resolve("alice:0", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 1000 && u.gid == 0);
}

TEST(unknown_user)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("bob", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "user 'bob' not found in the image's /etc/passwd (use a numeric uid)");
	CHECK(resolve("bob:staff", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "user 'bob' not found in the image's /etc/passwd (use a numeric uid)");
	/* a name is not matched by prefix, nor against the uid column */
	CHECK(resolve("ali", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK(resolve("x", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
	/* a line with only three fields cannot be used */
	CHECK(resolve("short", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "the image's /etc/passwd entry for 'short' is malformed");
}

TEST(unknown_group)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("alice:wheel", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "group 'wheel' not found in the image's /etc/group (use a numeric gid)");
	CHECK(resolve("alice:badgid", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg,
		  "group 'badgid' not found in the image's /etc/group (use a numeric gid)");
	CHECK(resolve("0:-1", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
}

TEST(malformed_entry)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("broken", passwd, group, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "the image's /etc/passwd entry for 'broken' is malformed");
}

TEST(empty_parts)
{
	struct user_ids u;
	struct clan_err err;
	const char *bad[] = {"", ":", "alice:", ":staff", "::", ":0"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[128];
		snprintf(want, sizeof want, "bad --user '%s': expected USER[:GROUP]", bad[i]);
		CHECK(resolve(bad[i], passwd, group, &u, &err) < 0);
		CHECK(err.code == 2);
		CHECK_STR(err.msg, want);
	}
}

TEST(no_passwd_or_group_file)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("0", NULL, NULL, &u, &err) == 0);
	CHECK(u.uid == 0 && u.gid == 0);
	CHECK_STR(u.home, "/");
	CHECK(resolve("1000:1000", NULL, NULL, &u, &err) == 0);
	CHECK(u.uid == 1000 && u.gid == 1000);
	CHECK_STR(u.home, "/");
	CHECK(resolve("root", NULL, NULL, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "user 'root' not found in the image's /etc/passwd (use a numeric uid)");
	CHECK(resolve("0:staff", NULL, NULL, &u, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "group 'staff' not found in the image's /etc/group (use a numeric gid)");
	/* an empty file is like a missing one */
	CHECK(resolve("alice", "", "", &u, &err) < 0);
	CHECK(err.code == 2);
}

TEST(passwd_without_final_newline_and_blank_lines)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("bob", "\n\nbob:x:1001:1002::/home/bob:/bin/sh", NULL, &u, &err) == 0);
	CHECK(u.uid == 1001 && u.gid == 1002);
	CHECK_STR(u.home, "/home/bob");
}

TEST(first_entry_wins)
{
	struct user_ids u;
	struct clan_err err;
	const char *pw = "dup:x:10:10::/first:/bin/sh\ndup:x:20:20::/second:/bin/sh\n"
			 "other:x:10:30::/other:/bin/sh\n";
	CHECK(resolve("dup", pw, NULL, &u, &err) == 0);
	CHECK(u.uid == 10 && u.gid == 10);
	CHECK_STR(u.home, "/first");
	CHECK(resolve("10", pw, NULL, &u, &err) == 0);
	CHECK(u.uid == 10 && u.gid == 10);
	CHECK_STR(u.home, "/first");
}

/* A numeric uid is compared as a number ("01000" is uid 1000, as in runc). */
TEST(uid_with_leading_zero)
{
	struct user_ids u;
	struct clan_err err;
	CHECK(resolve("01000", passwd, group, &u, &err) == 0);
	CHECK(u.uid == 1000);
	CHECK(u.gid == 1000);
	CHECK_STR(u.home, "/home/alice");
}

/* Names are compared whole: a prefix of a long name is another name. */
TEST(long_name_is_not_truncated)
{
	struct user_ids u;
	struct clan_err err;
	char name[301], spec[256], pw[400];
	memset(name, 'a', 300);
	name[300] = '\0';
	memcpy(spec, name, 255);
	spec[255] = '\0';
	snprintf(pw, sizeof pw, "%s:x:5:5::/h:/bin/sh\n", name);
	CHECK(resolve(name, pw, NULL, &u, &err) == 0 && u.uid == 5 && u.gid == 5);
	int rc = resolve(spec, pw, NULL, &u, &err);
	CHECK(rc < 0 && err.code == 2);
}

/* Supplementary groups come from the member lists of /etc/group. */
TEST(supplementary_groups)
{
	struct user_ids u;
	struct clan_err err;
	const char *pw = "postgres:x:100:102::/var/lib/postgresql:/bin/bash\n";
	const char *gr =
	    "postgres:x:102:\nssl-cert:x:104:postgres\nmail:x:8:\nwww:x:33:alice,postgres,bob\n";
	CHECK(resolve("postgres", pw, gr, &u, &err) == 0);
	CHECK(u.uid == 100 && u.gid == 102);
	CHECK(u.ngroups == 2 && u.groups[0] == 104 && u.groups[1] == 33);
	CHECK(resolve("100", pw, gr, &u, &err) == 0 && u.ngroups == 2);
	CHECK(resolve("4242", pw, gr, &u, &err) == 0 && u.ngroups == 0);
}
