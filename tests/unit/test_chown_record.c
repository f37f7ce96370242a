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
	snprintf(abs, sizeof abs, "%s/sub/g", dir);
	int bad = chdir(dir) != 0;
	int fd = open("f", O_RDONLY | O_CLOEXEC);
	bad |= chown("f", 100, 101) != 0;
	bad |= fchown(fd, (uid_t)-1, 7) != 0; /* the gid only: the uid stays 100 */
	bad |= fchownat(AT_FDCWD, "sub/g", 5, 6, 0) != 0;
	bad |= lchown("l", 3, 3) != 0; /* a link: nothing recorded */
	bad |= chown("back", 9, 9) != 0 || chown("back", 0, 0) != 0;
	bad |= chown("up", 8, 8) != 0; /* climbs out of the dir: not followed */
	bad |= chown(abs, 5, 6) != 0;
	close(fd);
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
	const char *files[] = {"f", "back"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	}
	close(open(outside, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	snprintf(path, sizeof path, "%s/sub", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/sub/g", dir);
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	snprintf(path, sizeof path, "%s/l", dir);
	CHECK(symlink("f", path) == 0);
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
	recorded(dir, "l", v, sizeof v);
	CHECK_STR(v, "");
	ssize_t n = getxattr(outside, CHOWN_RECORD_XATTR, v, sizeof v);
	CHECK(n < 0);
	struct stat st;
	snprintf(path, sizeof path, "%s/f", dir);
	CHECK(stat(path, &st) == 0 && st.st_uid == getuid());
	seccomp_bpf_free(&f);
	seccomp_profile_free(&p);
	const char *rm[] = {"f", "back", "sub/g", "sub", "l", "up"};
	for (size_t i = 0; i < ARRAY_SIZE(rm); i++) {
		snprintf(path, sizeof path, "%s/%s", dir, rm[i]);
		remove(path);
	}
	rmdir(dir);
	unlink(outside);
}
