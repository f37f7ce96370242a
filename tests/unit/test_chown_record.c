/* Unit tests for chown_record.c: a child under a filter with
 * SECCOMP_RECORD_CHOWN hands its listener over (as the container's
 * command does) and chowns; this process serves the notifications and
 * finds the owners asked for in user.clan.owner, each call having
 * succeeded without effect. Paths resolve inside the caller's root and
 * never through a link that climbs out of its dir. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/sync.h"
#include "base/util.h"
#include "ns/chown_record.h"
#include "ns/seccomp_filter.h"
#include "ns/seccomp_profile.h"
#include "tap.h"

/* "UID:GID" recorded on path, "" for none. */
static void recorded(const char *dir, const char *name, char *out, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	ssize_t n = lgetxattr(path, CHOWN_RECORD_XATTR, out, len - 1);
	out[n > 0 ? n : 0] = '\0';
}

/* In the child: every call must return 0, as the fake chown does. */
static int chowns(const char *dir)
{
	char abs[512];
	snprintf(abs, sizeof abs, "%s/sub/h", dir);
	int bad = chdir(dir) != 0;
	int fd = open("f", O_RDONLY | O_CLOEXEC);
	int sub = open("sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bad |= chown("f", 100, 101) != 0;
	bad |= fchown(fd, (uid_t)-1, 7) != 0; /* the gid only: the uid stays 100 */
	bad |= fchownat(AT_FDCWD, "sub/g", 5, 6, 0) != 0;
	bad |= fchownat(sub, "z", 11, 12, 0) != 0;	      /* below a dirfd */
	bad |= fchownat(sub, "", 13, 14, AT_EMPTY_PATH) != 0; /* the dirfd itself */
	bad |= lchown("l", 3, 3) != 0; /* a link: nothing, not its target t */
	bad |= chown("back", 9, 9) != 0 || chown("back", 0, 0) != 0;
	bad |= chown("up", 8, 8) != 0; /* climbs out of the dir: not followed */
	bad |= chown(abs, 15, 16) != 0;
	bad |= chown("mode0", 33, 34) != 0; /* no write bit, as dpkg's new files */
	close(fd);
	close(sub);
	return bad;
}

static bool serve_until_done(int sync_fd, pid_t pid)
{
	struct sync_msg m;
	if (sync_recv(sync_fd, &m) != 1 || m.tag != SYNC_NOTIFY || m.fd < 0)
		return false;
	for (int i = 0; i < 10000; i++) {
		struct pollfd p = {.fd = m.fd, .events = POLLIN};
		if (poll(&p, 1, 1000) < 0 || chown_record_serve(m.fd) < 0)
			break;
	}
	close(m.fd);
	int status;
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(recorded_not_done)
{
	struct clan_err err;
	struct seccomp_profile p;
	seccomp_profile_unconfined(&p);
	struct seccomp_bpf f;
	CHECK(seccomp_compile(&p, SECCOMP_FAKE_CHOWN | SECCOMP_RECORD_CHOWN, &f, &err) == 0);
	CHECK(f.notify);
	char dir[] = "/tmp/clan-chown-record-XXXXXX";
	if (!mkdtemp(dir))
		SKIP("no temp dir");
	char path[600], outside[600];
	snprintf(outside, sizeof outside, "%s.outside", dir);
	snprintf(path, sizeof path, "%s/sub", dir);
	mkdir(path, 0755);
	const char *files[] = {"f", "back", "t", "mode0", "sub/g", "sub/h", "sub/z"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	}
	close(open(outside, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	snprintf(path, sizeof path, "%s/mode0", dir);
	CHECK(chmod(path, 0) == 0);
	snprintf(path, sizeof path, "%s/l", dir);
	CHECK(symlink("t", path) == 0);
	snprintf(path, sizeof path, "%s/up", dir);
	const char *slash = strrchr(outside, '/');
	char target[600];
	snprintf(target, sizeof target, "..%s", slash);
	CHECK(symlink(target, path) == 0);
	snprintf(path, sizeof path, "%s/f", dir);
	if (setxattr(path, "user.clan.test", "1", 1, 0) < 0 && errno == ENOTSUP)
		SKIP("no user xattrs on /tmp");
	int sv[2];
	CHECK(sync_pair(sv, &err) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		int listener;
		close(sv[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_bpf_apply(&f, &listener, &err) < 0 || listener < 0 ||
		    sync_send(sv[1], SYNC_NOTIFY, 0, NULL, listener) < 0)
			_exit(100);
		close(listener);
		_exit(chowns(dir));
	}
	close(sv[1]);
	CHECK(serve_until_done(sv[0], pid));
	close(sv[0]);
	char v[64];
	recorded(dir, "f", v, sizeof v);
	CHECK_STR(v, "100:7");
	recorded(dir, "sub/g", v, sizeof v);
	CHECK_STR(v, "5:6");
	recorded(dir, "back", v, sizeof v);
	CHECK_STR(v, "");
	recorded(dir, "t", v, sizeof v);
	CHECK_STR(v, "");
	recorded(dir, "sub/z", v, sizeof v);
	CHECK_STR(v, "11:12");
	recorded(dir, "sub", v, sizeof v);
	CHECK_STR(v, "13:14");
	recorded(dir, "sub/h", v, sizeof v);
	CHECK_STR(v, "15:16");
	snprintf(path, sizeof path, "%s/mode0", dir);
	struct stat m0;
	CHECK(stat(path, &m0) == 0 && (m0.st_mode & 07777) == 0);
	CHECK(chmod(path, 0600) == 0);
	recorded(dir, "mode0", v, sizeof v);
	CHECK_STR(v, "33:34");
	ssize_t n = getxattr(outside, CHOWN_RECORD_XATTR, v, sizeof v);
	CHECK(n < 0);
	struct stat st;
	snprintf(path, sizeof path, "%s/f", dir);
	CHECK(stat(path, &st) == 0 && st.st_uid == getuid());
	seccomp_bpf_free(&f);
	seccomp_profile_free(&p);
	const char *rm[] = {"f", "back", "t", "mode0", "sub/g", "sub/h", "sub/z", "sub", "l", "up"};
	for (size_t i = 0; i < ARRAY_SIZE(rm); i++) {
		snprintf(path, sizeof path, "%s/%s", dir, rm[i]);
		remove(path);
	}
	rmdir(dir);
	unlink(outside);
}

/* A filter above with a listener of its own (clan in a build's RUN): ours
 * cannot have one (EBUSY), so the chowns succeed unrecorded instead of
 * failing the RUN. */
TEST(under_another_listener)
{
	struct clan_err err;
	struct seccomp_profile p;
	seccomp_profile_unconfined(&p);
	struct seccomp_bpf f;
	CHECK(seccomp_compile(&p, SECCOMP_FAKE_CHOWN | SECCOMP_RECORD_CHOWN, &f, &err) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10); /* a chown waiting for a listener nobody serves */
		scmp_filter_ctx above = seccomp_init(SCMP_ACT_ALLOW);
		int listener = 0;
		if (!above || seccomp_rule_add(above, SCMP_ACT_NOTIFY, SCMP_SYS(getppid), 0) < 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(above) < 0 ||
		    seccomp_notify_fd(above) < 0)
			_exit(100);
		if (seccomp_bpf_apply(&f, &listener, &err) < 0)
			_exit(101);
		if (listener != -1)
			_exit(102);
		_exit(chown("/", 5, 5) == 0 ? 0 : 103);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	CHECK(WEXITSTATUS(status) == 0);
	seccomp_bpf_free(&f);
	seccomp_profile_free(&p);
}
