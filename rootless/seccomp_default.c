/* clan's default seccomp profile: Docker's default (moby's
 * profiles/seccomp/default.json) for a container with Docker's default
 * capabilities, as a table, with io_uring taken out and Podman's ENOSYS
 * default so that syscalls newer than this table fail the way an older
 * kernel would and libcs fall back. */
#define _GNU_SOURCE
#include "seccomp_profile.h"

#include <errno.h>
#include <sched.h>

#include "util.h"

/* What Docker's default profile allows a container without CAP_SYS_ADMIN
 * (ptrace and process_vm_*: Docker allows them on kernels >= 4.8, where
 * ptrace can no longer skip the filter; chroot: CAP_SYS_CHROOT is in the
 * default set; arch_prctl and modify_ldt: x86 only, unknown names are
 * skipped on other machines). */
static const char *const allowed[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset",
    "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
    "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat",
    "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
    "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
    "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
    "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown",
    "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock",
    "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
    "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv",
    "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
    "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
    "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
    "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
    "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
    "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
    "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
    "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
    "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
    "lstat64", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
    "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
    "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
    "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
    "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
    "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
    "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
    "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2",
    "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
    "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
    "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr",
    "sched_getparam", "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
    "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select",
    "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
    "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
    "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid",
    "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
    "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid",
    "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr",
    "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
    "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64",
    "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
    "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
    "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
    "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times",
    "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
    "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
    "waitpid", "write", "writev", "ptrace", "process_vm_readv", "process_vm_writev", "chroot",
    "arch_prctl", "modify_ldt",
};

/* EPERM, as Docker answers them: the kernel's keyring, BPF, kexec and
 * modules, userfaultfd and io_uring (the source of many container
 * escapes), perf, mounts and namespaces (no nesting: a new user namespace
 * gives back every capability over new mounts), clocks, swap, accounting,
 * quotas, raw I/O, handles that walk around the mount tree. */
static const char *const denied[] = {
    "keyctl", "add_key", "request_key", "bpf", "kexec_load", "kexec_file_load",
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "perf_event_open", "fanotify_init", "lookup_dcookie", "mount", "umount", "umount2",
    "pivot_root", "setns", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
    "open_tree", "mount_setattr", "open_by_handle_at", "init_module", "finit_module",
    "delete_module", "create_module", "query_module", "get_kernel_syms", "reboot",
    "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "sethostname",
    "setdomainname", "settimeofday", "stime", "clock_settime", "clock_settime64", "iopl",
    "ioperm", "vhangup", "kcmp", "pidfd_getfd", "process_madvise", "get_mempolicy", "mbind",
    "set_mempolicy", "set_mempolicy_home_node", "migrate_pages", "move_pages",
    "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "vm86", "vm86old", "bdflush",
    "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
};

/* clone and unshare may not make namespaces (checked bit by bit: a filter
 * compares an argument with a mask). CLONE_NEWTIME is 0x80, part of
 * clone's exit signal, so only unshare checks it. */
static const uint64_t ns_flags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
				    CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET};
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

/* personality(2) values Docker allows: the default, 32-bit uname, no
 * randomisation, both, and the query. */
static const uint64_t personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

#define AF_VSOCK_FAMILY 40

static void add_arg_rule(struct seccomp_profile *p, const char *name, uint32_t action,
			 struct scmp_arg_cmp cmp)
{
	struct seccomp_rule *r = seccomp_profile_add(p, name, action);
	r->args[r->nargs++] = cmp;
}

/* Allowed without namespace flags, EPERM with any. */
static void add_ns_rules(struct seccomp_profile *p, const char *name, bool newtime)
{
	uint64_t all = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ns_flags); i++)
		all |= ns_flags[i];
	if (newtime)
		all |= CLONE_NEWTIME;
	add_arg_rule(p, name, SCMP_ACT_ALLOW, SCMP_A0(SCMP_CMP_MASKED_EQ, all, 0));
	for (size_t i = 0; i < ARRAY_SIZE(ns_flags); i++)
		add_arg_rule(p, name, SCMP_ACT_ERRNO(EPERM),
			     SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	if (newtime)
		add_arg_rule(p, name, SCMP_ACT_ERRNO(EPERM),
			     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWTIME, CLONE_NEWTIME));
}

void seccomp_profile_default(struct seccomp_profile *p)
{
	*p = (struct seccomp_profile){.default_action = SCMP_ACT_ERRNO(ENOSYS)};
	/* 32-bit programs in an x86_64 container, as Docker's archMap */
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		p->arches[p->narches++] = SCMP_ARCH_X86;
		p->arches[p->narches++] = SCMP_ARCH_X32;
	}
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		seccomp_profile_add(p, allowed[i], SCMP_ACT_ALLOW);
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++)
		seccomp_profile_add(p, denied[i], SCMP_ACT_ERRNO(EPERM));
	add_ns_rules(p, "clone", false);
	add_ns_rules(p, "unshare", true);
	/* glibc tries clone3 first and takes ENOSYS as "use clone" */
	seccomp_profile_add(p, "clone3", SCMP_ACT_ERRNO(ENOSYS));
	for (size_t i = 0; i < ARRAY_SIZE(personalities); i++)
		add_arg_rule(p, "personality", SCMP_ACT_ALLOW,
			     SCMP_A0(SCMP_CMP_EQ, personalities[i]));
	/* vsock reaches the hypervisor's host side */
	add_arg_rule(p, "socket", SCMP_ACT_ALLOW, SCMP_A0(SCMP_CMP_NE, AF_VSOCK_FAMILY));
	add_arg_rule(p, "socket", SCMP_ACT_ERRNO(EPERM), SCMP_A0(SCMP_CMP_EQ, AF_VSOCK_FAMILY));
}

void seccomp_profile_unconfined(struct seccomp_profile *p)
{
	*p = (struct seccomp_profile){.default_action = SCMP_ACT_ALLOW};
}
