/* Calls syscalls a container should not reach and prints, one per line,
 * "NAME RESULT" where RESULT is "ok" or the errno's name. Built static at
 * test time (tests/integration/run_security.sh) to run in the busybox
 * rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *name, long rc)
{
	const char *e = rc < 0 ? strerrorname_np(errno) : "ok";
	printf("%s %s\n", name, e ? e : "?");
}

/* clone(2) itself, not glibc's clone3-first wrapper */
static long raw_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}

int main(void)
{
	/* KEYCTL_GET_KEYRING_ID of the session keyring */
	show("keyctl", syscall(SYS_keyctl, 0, -3, 0));
	show("add_key", syscall(SYS_add_key, "user", "clan", "x", 1, -3));
	/* an unknown command: the kernel answers EINVAL */
	show("bpf", syscall(SYS_bpf, 0xffff, NULL, 0));
	show("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	show("userfaultfd", syscall(SYS_userfaultfd, 0));
	show("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
	show("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	/* clone first: a successful unshare would change what clone may do */
	show("clone_user", raw_clone(CLONE_NEWUSER));
	show("unshare_user", syscall(SYS_unshare, CLONE_NEWUSER));
	show("unshare_files", syscall(SYS_unshare, CLONE_FILES));
	show("clone_plain", raw_clone(0));
	show("clone3", syscall(SYS_clone3, NULL, 0));
	show("mount", syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL));
	show("setns", syscall(SYS_setns, -1, 0));
	show("nr1000", syscall(1000));
	return 0;
}
