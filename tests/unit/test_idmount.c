/* Unit tests for rootless/idmount, as root only (idmapped mounts need host
 * root): files of host root read as the container root's through a copy
 * idmapped with a user namespace that maps 0 to BASE, and an overlay of
 * such layers takes writes of host id BASE as host root's files. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns/idmount.h"
#include "tap.h"
#include "base/util.h"

#define BASE 2147483648u

/* A process in a new user namespace mapping 0..65535 to BASE.., which
 * waits until killed; *ns is that namespace's fd. */
static pid_t holder(int *ns)
{
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	struct clan_err err;
	char path[64], map[64];
	snprintf(map, sizeof map, "0 %u 65536\n", BASE);
	snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
	if (pid < 0 || write_existing(path, map, &err) < 0)
		abort();
	snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
	if (write_existing(path, map, &err) < 0)
		abort();
	snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
	*ns = open(path, O_RDONLY | O_CLOEXEC);
	return pid;
}

static void stop(pid_t pid, int ns)
{
	close(ns);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void put(const char *path, const char *text)
{
	struct clan_err err;
	if (write_file(path, text, strlen(text), &err) < 0)
		abort();
}

static bool skip_unless_root(void)
{
	if (geteuid() == 0)
		return false;
	printf("# skip: idmapped mounts need host root\n");
	return true;
}

TEST(clone_reads_root_files_as_container_root)
{
	if (skip_unless_root())
		return;
	char dir[] = "/var/tmp/clan-idmount-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	_cleanup_free_ char *f = xasprintf("%s/file", dir);
	put(f, "x");
	int ns;
	pid_t pid = holder(&ns);
	struct clan_err err;
	int fd = -1;
	CHECK(idmount_clone(AT_FDCWD, dir, ns, false, false, &fd, &err) == 0);
	struct stat st;
	CHECK(fd >= 0 && fstatat(fd, "file", &st, 0) == 0 && st.st_uid == BASE &&
	      st.st_gid == BASE);
	/* host root's fsuid 0 has no id there: it cannot create files */
	CHECK(openat(fd, "new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0);
	if (fd >= 0)
		close(fd);
	/* an unknown path: an error naming it, no fd */
	fd = -1;
	CHECK(idmount_clone(AT_FDCWD, "/nonexistent/x", ns, false, false, &fd, &err) < 0);
	CHECK(fd == -1 && strstr(err.msg, "/nonexistent/x"));
	stop(pid, ns);
	remove_tree(dir, &err);
}

/* As the container's root (host id BASE, no capabilities), appends to a
 * lower file and creates one: 0 when both worked. */
static int write_as_base(int ovl)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(BASE, BASE, BASE) < 0 || setresuid(BASE, BASE, BASE) < 0)
			_exit(2);
		int a = openat(ovl, "file", O_WRONLY | O_APPEND | O_CLOEXEC);
		int b = openat(ovl, "made", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		_exit(a >= 0 && b >= 0 && write(a, "y", 1) == 1 ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(overlay_of_idmapped_layers)
{
	if (skip_unless_root())
		return;
	char dir[] = "/var/tmp/clan-idmount-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct clan_err err;
	_cleanup_free_ char *lower = xasprintf("%s/lower", dir);
	_cleanup_free_ char *cdir = xasprintf("%s/c", dir);
	_cleanup_free_ char *upper = xasprintf("%s/c/upper", dir);
	_cleanup_free_ char *work = xasprintf("%s/c/work", dir);
	_cleanup_free_ char *f = xasprintf("%s/file", lower);
	CHECK(mkdir_p(lower, 0755, &err) == 0 && mkdir_p(upper, 0755, &err) == 0 &&
	      mkdir_p(work, 0755, &err) == 0);
	put(f, "x");
	CHECK(chmod(f, 0644) == 0);
	int ns;
	pid_t pid = holder(&ns);
	struct strv lowers = {0};
	strv_push(&lowers, lower);
	struct idmount_overlay_req req = {
	    .lowers = &lowers, .cdir = cdir, .userns_fd = ns, .root_uid = BASE, .root_gid = BASE};
	int ovl = -1;
	CHECK(idmount_overlay(&req, &ovl, &err) == 0);
	if (ovl < 0)
		printf("#   %s\n", err.msg);
	struct stat st;
	CHECK(ovl >= 0 && fstatat(ovl, "file", &st, 0) == 0 && st.st_uid == BASE);
	/* the overlay was not left read-only (it is when its mounter's fsuid
	 * has no id in the upper layer's idmapping) */
	CHECK(ovl >= 0 && write_as_base(ovl) == 0);
	_cleanup_free_ char *uf = xasprintf("%s/file", upper);
	_cleanup_free_ char *um = xasprintf("%s/made", upper);
	CHECK(stat(uf, &st) == 0 && st.st_uid == 0 && st.st_size == 2);
	CHECK(stat(um, &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
	CHECK(stat(f, &st) == 0 && st.st_size == 1);
	/* this process is host root again afterwards */
	CHECK(setfsuid((uid_t)-1) == 0 && setfsgid((gid_t)-1) == 0);
	CHECK((prctl(PR_GET_SECUREBITS) & SECBIT_NO_SETUID_FIXUP) == 0);
	if (ovl >= 0)
		close(ovl);
	strv_free(&lowers);
	stop(pid, ns);
	remove_tree(dir, &err);
}
